/**
 * The functions repository on SQLite: functions ($LATEST), their published versions, and the layer versions each
 * holds. Statements are prepared once; JSON columns are decoded here, once, into FunctionVersion records.
 */
import { LATEST } from "../../arn.js";
import type {
  AccountRegionCount,
  FunctionFields,
  FunctionLayer,
  FunctionRepository,
  FunctionVersion,
  LayerUser,
  PublishedFields,
} from "../types.js";
import { POSITIONS_PER_FUNCTION } from "../types.js";
import type { Db } from "./db.js";
import type { ReadMemo } from "./read-memo.js";

/** A function row as stored. */
interface FunctionRow {
  readonly id: number;
  readonly account_id: string;
  readonly region: string;
  readonly name: string;
  readonly runtime: string | null;
  readonly handler: string | null;
  readonly role: string;
  readonly description: string;
  readonly timeout: number;
  readonly memory_size: number;
  readonly environment: string | null;
  readonly architectures: string;
  readonly tracing_mode: string;
  readonly ephemeral_storage: number;
  readonly logging_config: string;
  readonly code_sha256: string;
  readonly code_size: number;
  readonly last_modified: string;
  readonly revision_id: string;
  readonly tags: string | null;
}

interface FunctionLayerRow {
  readonly arn: string;
  readonly code_sha256: string;
  readonly code_size: number;
}

/** The stored columns of a function's members. */
function columnsOf(f: FunctionFields): Omit<FunctionRow, "id" | "account_id" | "region" | "name"> {
  return {
    runtime: f.runtime ?? null,
    handler: f.handler ?? null,
    role: f.role,
    description: f.description,
    timeout: f.timeout,
    memory_size: f.memorySize,
    environment: f.environment ? JSON.stringify(f.environment) : null,
    architectures: JSON.stringify(f.architectures),
    tracing_mode: f.tracingMode,
    ephemeral_storage: f.ephemeralStorage,
    logging_config: JSON.stringify(f.loggingConfig),
    code_sha256: f.sha256Hex,
    code_size: f.codeSize,
    last_modified: f.lastModified,
    revision_id: f.revisionId,
    tags: f.tags && Object.keys(f.tags).length > 0 ? JSON.stringify(f.tags) : null,
  };
}

/** A published version's row joined with its function's identity and tags. */
interface VersionRow extends FunctionRow {
  readonly version_id: number;
  readonly version: number;
}

function toFunctionVersion(
  row: FunctionRow,
  layers: readonly FunctionLayerRow[],
  qualifier: string = LATEST,
): FunctionVersion {
  return {
    id: row.id,
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    qualifier,
    runtime: row.runtime ?? undefined,
    handler: row.handler ?? undefined,
    role: row.role,
    description: row.description,
    timeout: row.timeout,
    memorySize: row.memory_size,
    environment:
      row.environment === null ? undefined : (JSON.parse(row.environment) as Record<string, string>),
    architectures: JSON.parse(row.architectures) as string[],
    tracingMode: row.tracing_mode,
    ephemeralStorage: row.ephemeral_storage,
    loggingConfig: JSON.parse(row.logging_config) as Record<string, string>,
    sha256Hex: row.code_sha256,
    codeSize: row.code_size,
    lastModified: row.last_modified,
    revisionId: row.revision_id,
    tags: row.tags === null ? undefined : (JSON.parse(row.tags) as Record<string, string>),
    layers: layers.map((l) => ({ arn: l.arn, sha256Hex: l.code_sha256, codeSize: l.code_size })),
  };
}

function prepareStatements(db: Db) {
  const q = (sql: string) => db.prepare(sql);
  return {
    insert: q(`
      INSERT INTO functions (account_id, region, name, runtime, handler, role, description, timeout, memory_size,
        environment, architectures, tracing_mode, ephemeral_storage, logging_config, code_sha256, code_size,
        last_modified, revision_id, tags)
      VALUES (@account_id, @region, @name, @runtime, @handler, @role, @description, @timeout, @memory_size,
        @environment, @architectures, @tracing_mode, @ephemeral_storage, @logging_config, @code_sha256, @code_size,
        @last_modified, @revision_id, @tags)
      RETURNING id`),
    update: q(`
      UPDATE functions SET runtime = @runtime, handler = @handler, role = @role, description = @description,
        timeout = @timeout, memory_size = @memory_size, environment = @environment, architectures = @architectures,
        tracing_mode = @tracing_mode, ephemeral_storage = @ephemeral_storage, logging_config = @logging_config,
        code_sha256 = @code_sha256, code_size = @code_size, last_modified = @last_modified,
        revision_id = @revision_id, tags = @tags
      WHERE id = @id`),
    get: q("SELECT * FROM functions WHERE account_id = ? AND region = ? AND name = ?"),
    list: q(`
      SELECT * FROM functions WHERE account_id = ? AND region = ? AND name > ?
      ORDER BY name LIMIT ?`),
    delete: q("DELETE FROM functions WHERE id = ?"),
    layers: q(
      "SELECT arn, code_sha256, code_size FROM function_layers WHERE function_id = ? ORDER BY position",
    ),
    clearLayers: q("DELETE FROM function_layers WHERE function_id = ?"),
    addLayer: q(`
      INSERT INTO function_layers (function_id, position, arn, code_sha256, code_size, attached_at)
      VALUES (?, ?, ?, ?, ?, ?)`),
    attachedAt: q("SELECT arn, attached_at FROM function_layers WHERE function_id = ?"),
    summary: q(`
      SELECT account_id AS accountId, region, COUNT(*) AS count FROM functions
      GROUP BY account_id, region ORDER BY account_id, region`),
    // $LATEST (version 0) and published versions, ordered by (function, version) as one position (`userPosition`).
    users: q(`
      SELECT * FROM (
        SELECT f.id AS functionId, f.id * ${POSITIONS_PER_FUNCTION} AS position, f.account_id AS accountId, f.region, f.name,
          0 AS version, fl.attached_at AS attachedAt
        FROM function_layers fl JOIN functions f ON f.id = fl.function_id WHERE fl.arn = @arn
        UNION ALL
        SELECT f.id, f.id * ${POSITIONS_PER_FUNCTION} + v.version, f.account_id, f.region, f.name, v.version, vl.attached_at
        FROM function_version_layers vl JOIN function_versions v ON v.version_id = vl.version_id
        JOIN functions f ON f.id = v.function_id WHERE vl.arn = @arn)
      WHERE position > @after ORDER BY position LIMIT @limit`),
    userCount: q(`
      SELECT (SELECT COUNT(*) FROM function_layers WHERE arn = @arn)
        + (SELECT COUNT(*) FROM function_version_layers WHERE arn = @arn) AS n`),
    nextVersion: q(
      "UPDATE functions SET last_version = last_version + 1 WHERE id = ? RETURNING last_version",
    ),
    publish: q(`
      INSERT INTO function_versions (function_id, version, runtime, handler, role, description, timeout,
        memory_size, environment, architectures, tracing_mode, ephemeral_storage, logging_config, code_sha256,
        code_size, last_modified, revision_id, config_sha256)
      SELECT id, @version, runtime, handler, role, @description, timeout, memory_size, environment, architectures,
        tracing_mode, ephemeral_storage, logging_config, code_sha256, code_size, @last_modified, @revision_id,
        @config_sha256
      FROM functions WHERE id = @id
      RETURNING version_id`),
    publishLayers: q(`
      INSERT INTO function_version_layers (version_id, position, arn, code_sha256, code_size, attached_at)
      SELECT ?, position, arn, code_sha256, code_size, attached_at FROM function_layers WHERE function_id = ?`),
    getVersion: q(`
      SELECT v.*, f.id, f.account_id, f.region, f.name, f.tags FROM function_versions v
      JOIN functions f ON f.id = v.function_id WHERE v.function_id = ? AND v.version = ?`),
    listVersions: q(`
      SELECT v.*, f.id, f.account_id, f.region, f.name, f.tags FROM function_versions v
      JOIN functions f ON f.id = v.function_id WHERE v.function_id = ? AND v.version > ?
      ORDER BY v.version LIMIT ?`),
    lastPublished: q(`
      SELECT version, config_sha256 AS configSha256 FROM function_versions WHERE function_id = ?
      ORDER BY version DESC LIMIT 1`),
    deleteVersion: q("DELETE FROM function_versions WHERE function_id = ? AND version = ?"),
    versionLayers: q(
      "SELECT arn, code_sha256, code_size FROM function_version_layers WHERE version_id = ? ORDER BY position",
    ),
  };
}

/** The functions tables. */
export class SqliteFunctions implements FunctionRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  /** `memo`: keeps `get`'s answers until the next change (every write here also forgets them). */
  constructor(
    db: Db,
    private readonly memo?: ReadMemo,
  ) {
    this.s = prepareStatements(db);
  }

  async insert(
    accountId: string,
    region: string,
    name: string,
    fields: FunctionFields,
    layers: readonly FunctionLayer[],
  ): Promise<FunctionVersion> {
    this.memo?.forget();
    const columns = { ...columnsOf(fields), account_id: accountId, region, name };
    const { id } = this.s.insert.get(columns) as { id: number };
    // A new id holds no layers (a reused one lost its rows with its function): no snapshot to carry over.
    layers.forEach((l, i) => this.s.addLayer.run(id, i, l.arn, l.sha256Hex, l.codeSize, fields.lastModified));
    // The record is decoded from the columns just written, as `get` would decode them, without reading them back.
    return toFunctionVersion(
      { ...columns, id },
      layers.map((l) => ({ arn: l.arn, code_sha256: l.sha256Hex, code_size: l.codeSize })),
    );
  }

  async update(id: number, fields: FunctionFields, layers?: readonly FunctionLayer[]): Promise<void> {
    this.memo?.forget();
    this.s.update.run({ ...columnsOf(fields), id });
    if (layers) {
      this.setLayers(id, layers, fields.lastModified);
    }
  }

  async get(accountId: string, region: string, name: string): Promise<FunctionVersion | undefined> {
    const load = () => {
      const row = this.s.get.get(accountId, region, name) as FunctionRow | undefined;
      return row && toFunctionVersion(row, this.s.layers.all(row.id) as FunctionLayerRow[]);
    };
    return this.memo ? this.memo.get(`function\0${accountId}\0${region}\0${name}`, load) : load();
  }

  async list(accountId: string, region: string, after: string, limit: number): Promise<FunctionVersion[]> {
    const rows = this.s.list.all(accountId, region, after, limit) as FunctionRow[];
    return rows.map((row) => toFunctionVersion(row, this.s.layers.all(row.id) as FunctionLayerRow[]));
  }

  async delete(id: number): Promise<void> {
    this.memo?.forget();
    this.s.delete.run(id);
  }

  async summary(): Promise<AccountRegionCount[]> {
    return this.s.summary.all() as AccountRegionCount[];
  }

  async publishVersion(id: number, fields: PublishedFields): Promise<FunctionVersion> {
    this.memo?.forget();
    const { last_version: version } = this.s.nextVersion.get(id) as { last_version: number };
    const { version_id: versionId } = this.s.publish.get({
      id,
      version,
      description: fields.description,
      last_modified: fields.lastModified,
      revision_id: fields.revisionId,
      config_sha256: fields.configSha256,
    }) as { version_id: number };
    this.s.publishLayers.run(versionId, id);
    const published = await this.getVersion(id, version);
    if (!published) {
      throw new Error(`version ${version} of function ${id} vanished inside its transaction`);
    }
    return published;
  }

  async getVersion(id: number, version: number): Promise<FunctionVersion | undefined> {
    const row = this.s.getVersion.get(id, version) as VersionRow | undefined;
    return row && this.toVersion(row);
  }

  async listVersions(id: number, after: number, limit: number): Promise<FunctionVersion[]> {
    return (this.s.listVersions.all(id, after, limit) as VersionRow[]).map((row) => this.toVersion(row));
  }

  async lastPublished(id: number): Promise<{ version: number; configSha256: string } | undefined> {
    return this.s.lastPublished.get(id) as { version: number; configSha256: string } | undefined;
  }

  async deleteVersion(id: number, version: number): Promise<boolean> {
    this.memo?.forget();
    return this.s.deleteVersion.run(id, version).changes > 0;
  }

  async users(layerVersionArn: string, after: number, limit: number): Promise<LayerUser[]> {
    const rows = this.s.users.all({ arn: layerVersionArn, after, limit }) as (Omit<LayerUser, "qualifier"> & {
      version: number;
    })[];
    return rows.map(({ version, ...r }) => ({ ...r, qualifier: version === 0 ? LATEST : String(version) }));
  }

  async userCounts(layerVersionArns: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const arn of layerVersionArns) {
      out[arn] = (this.s.userCount.get({ arn }) as { n: number }).n;
    }
    return out;
  }

  private toVersion(row: VersionRow): FunctionVersion {
    const layers = this.s.versionLayers.all(row.version_id) as FunctionLayerRow[];
    return toFunctionVersion(row, layers, String(row.version));
  }

  /** Replaces the snapshot; a version the function already held keeps its attach time, a new one takes `now`. */
  private setLayers(id: number, layers: readonly FunctionLayer[], now: string): void {
    const since = new Map(
      (this.s.attachedAt.all(id) as { arn: string; attached_at: string | null }[]).map((r) => [
        r.arn,
        r.attached_at,
      ]),
    );
    this.s.clearLayers.run(id);
    layers.forEach((l, i) =>
      this.s.addLayer.run(id, i, l.arn, l.sha256Hex, l.codeSize, since.get(l.arn) ?? now),
    );
  }
}
