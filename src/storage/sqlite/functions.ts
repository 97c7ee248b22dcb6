/**
 * The functions repository on SQLite: functions and the layer versions attached to them. Statements are prepared
 * once; JSON columns are decoded here, once, into FunctionVersion records.
 */
import { LATEST } from "../../arn.js";
import type {
  AccountRegionCount,
  FunctionFields,
  FunctionLayer,
  FunctionRepository,
  FunctionVersion,
  LayerUser,
} from "../types.js";
import type { Db } from "./db.js";

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

function toFunctionVersion(row: FunctionRow, layers: readonly FunctionLayerRow[]): FunctionVersion {
  return {
    id: row.id,
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    qualifier: LATEST,
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
    users: q(`
      SELECT f.id AS functionId, f.account_id AS accountId, f.region, f.name, fl.attached_at AS attachedAt
      FROM function_layers fl JOIN functions f ON f.id = fl.function_id
      WHERE fl.arn = ? AND fl.function_id > ? ORDER BY fl.function_id LIMIT ?`),
    userCount: q("SELECT COUNT(*) AS n FROM function_layers WHERE arn = ?"),
  };
}

/** The functions tables. */
export class SqliteFunctions implements FunctionRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Db) {
    this.s = prepareStatements(db);
  }

  async insert(
    accountId: string,
    region: string,
    name: string,
    fields: FunctionFields,
    layers: readonly FunctionLayer[],
  ): Promise<FunctionVersion> {
    const { id } = this.s.insert.get({ ...columnsOf(fields), account_id: accountId, region, name }) as {
      id: number;
    };
    this.setLayers(id, layers, fields.lastModified);
    const created = await this.get(accountId, region, name);
    if (!created) {
      throw new Error(`function ${name} vanished inside its transaction`);
    }
    return created;
  }

  async update(id: number, fields: FunctionFields, layers?: readonly FunctionLayer[]): Promise<void> {
    this.s.update.run({ ...columnsOf(fields), id });
    if (layers) {
      this.setLayers(id, layers, fields.lastModified);
    }
  }

  async get(accountId: string, region: string, name: string): Promise<FunctionVersion | undefined> {
    const row = this.s.get.get(accountId, region, name) as FunctionRow | undefined;
    return row && toFunctionVersion(row, this.s.layers.all(row.id) as FunctionLayerRow[]);
  }

  async list(accountId: string, region: string, after: string, limit: number): Promise<FunctionVersion[]> {
    const rows = this.s.list.all(accountId, region, after, limit) as FunctionRow[];
    return rows.map((row) => toFunctionVersion(row, this.s.layers.all(row.id) as FunctionLayerRow[]));
  }

  async delete(id: number): Promise<void> {
    this.s.delete.run(id);
  }

  async summary(): Promise<AccountRegionCount[]> {
    return this.s.summary.all() as AccountRegionCount[];
  }

  async users(layerVersionArn: string, after: number, limit: number): Promise<LayerUser[]> {
    const rows = this.s.users.all(layerVersionArn, after, limit) as Omit<LayerUser, "qualifier">[];
    return rows.map((r) => ({ ...r, qualifier: LATEST }));
  }

  async userCounts(layerVersionArns: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const arn of layerVersionArns) {
      out[arn] = (this.s.userCount.get(arn) as { n: number }).n;
    }
    return out;
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
