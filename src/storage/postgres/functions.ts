/**
 * The functions repository on PostgreSQL: functions ($LATEST), their published versions, and the layer versions
 * each holds, decoded here, once, into FunctionVersion records. JSON members are stored as text, as on SQLite.
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
import type { PgDb } from "./db.js";

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
  readonly [column: string]: unknown;
}

/** A published version's row joined with its function's identity and tags. */
interface VersionRow extends FunctionRow {
  readonly version_id: number;
  readonly version: number;
}

interface FunctionLayerRow {
  readonly function_id: number;
  readonly arn: string;
  readonly code_sha256: string;
  readonly code_size: number;
  readonly [column: string]: unknown;
}

/** The member columns in the order of `MEMBER_COLUMNS`. */
function membersOf(f: FunctionFields): unknown[] {
  return [
    f.runtime ?? null,
    f.handler ?? null,
    f.role,
    f.description,
    f.timeout,
    f.memorySize,
    f.environment ? JSON.stringify(f.environment) : null,
    JSON.stringify(f.architectures),
    f.tracingMode,
    f.ephemeralStorage,
    JSON.stringify(f.loggingConfig),
    f.sha256Hex,
    f.codeSize,
    f.lastModified,
    f.revisionId,
    f.tags && Object.keys(f.tags).length > 0 ? JSON.stringify(f.tags) : null,
  ];
}

const MEMBER_COLUMNS = [
  "runtime",
  "handler",
  "role",
  "description",
  "timeout",
  "memory_size",
  "environment",
  "architectures",
  "tracing_mode",
  "ephemeral_storage",
  "logging_config",
  "code_sha256",
  "code_size",
  "last_modified",
  "revision_id",
  "tags",
];

function toFunctionVersion(
  row: FunctionRow,
  layers: readonly { readonly arn: string; readonly code_sha256: string; readonly code_size: number }[],
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

/** The functions tables. */
export class PgFunctions implements FunctionRepository {
  constructor(private readonly db: PgDb) {}

  async insert(
    accountId: string,
    region: string,
    name: string,
    fields: FunctionFields,
    layers: readonly FunctionLayer[],
  ): Promise<FunctionVersion> {
    const members = membersOf(fields);
    const [row] = await this.db.query<{ id: number }>(
      `INSERT INTO functions (account_id, region, name, ${MEMBER_COLUMNS.join(", ")})
       VALUES ($1, $2, $3, ${members.map((_, i) => `$${i + 4}`).join(", ")}) RETURNING id`,
      [accountId, region, name, ...members],
    );
    if (!row) {
      throw new Error(`function ${name} was not inserted`);
    }
    await this.setLayers(row.id, layers, fields.lastModified);
    const created = await this.get(accountId, region, name);
    if (!created) {
      throw new Error(`function ${name} vanished inside its transaction`);
    }
    return created;
  }

  async update(id: number, fields: FunctionFields, layers?: readonly FunctionLayer[]): Promise<void> {
    const members = membersOf(fields);
    await this.db.query(
      `UPDATE functions SET ${MEMBER_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`,
      [id, ...members],
    );
    if (layers) {
      await this.setLayers(id, layers, fields.lastModified);
    }
  }

  async get(accountId: string, region: string, name: string): Promise<FunctionVersion | undefined> {
    const rows = await this.db.query<FunctionRow>(
      "SELECT * FROM functions WHERE account_id = $1 AND region = $2 AND name = $3",
      [accountId, region, name],
    );
    return (await this.withLayers(rows))[0];
  }

  async list(accountId: string, region: string, after: string, limit: number): Promise<FunctionVersion[]> {
    // COLLATE "C": names sort by bytes, as SQLite sorts them, whatever the database's locale.
    const rows = await this.db.query<FunctionRow>(
      `SELECT * FROM functions WHERE account_id = $1 AND region = $2 AND name COLLATE "C" > $3
       ORDER BY name COLLATE "C" LIMIT $4`,
      [accountId, region, after, limit],
    );
    return this.withLayers(rows);
  }

  async delete(id: number): Promise<void> {
    await this.db.query("DELETE FROM functions WHERE id = $1", [id]);
  }

  /** The functions with their layers, read in one query for the page rather than one per function. */
  private async withLayers(rows: readonly FunctionRow[]): Promise<FunctionVersion[]> {
    if (rows.length === 0) {
      return [];
    }
    const layers = await this.db.query<FunctionLayerRow>(
      `SELECT function_id, arn, code_sha256, code_size FROM function_layers
       WHERE function_id = ANY($1::int[]) ORDER BY function_id, position`,
      [rows.map((r) => r.id)],
    );
    return rows.map((row) =>
      toFunctionVersion(
        row,
        layers.filter((l) => l.function_id === row.id),
      ),
    );
  }

  async summary(): Promise<AccountRegionCount[]> {
    return this.db.query<AccountRegionCount & Record<string, unknown>>(
      `SELECT account_id AS "accountId", region, count(*) AS count FROM functions
       GROUP BY account_id, region ORDER BY account_id COLLATE "C", region COLLATE "C"`,
    );
  }

  async publishVersion(id: number, fields: PublishedFields): Promise<FunctionVersion> {
    // The row lock of this update orders concurrent publishes of one function: numbers go one after another.
    const [next] = await this.db.query<{ last_version: number }>(
      "UPDATE functions SET last_version = last_version + 1 WHERE id = $1 RETURNING last_version",
      [id],
    );
    if (!next) {
      throw new Error(`function ${id} vanished inside its transaction`);
    }
    const version = next.last_version;
    const [row] = await this.db.query<{ version_id: number }>(
      `INSERT INTO function_versions (function_id, version, runtime, handler, role, description, timeout,
         memory_size, environment, architectures, tracing_mode, ephemeral_storage, logging_config, code_sha256,
         code_size, last_modified, revision_id, config_sha256)
       SELECT id, $2, runtime, handler, role, $3, timeout, memory_size, environment, architectures, tracing_mode,
         ephemeral_storage, logging_config, code_sha256, code_size, $4, $5, $6
       FROM functions WHERE id = $1
       RETURNING version_id`,
      [id, version, fields.description, fields.lastModified, fields.revisionId, fields.configSha256],
    );
    if (!row) {
      throw new Error(`version ${version} of function ${id} was not inserted`);
    }
    await this.db.query(
      `INSERT INTO function_version_layers (version_id, position, arn, code_sha256, code_size, attached_at)
       SELECT $1, position, arn, code_sha256, code_size, attached_at FROM function_layers WHERE function_id = $2`,
      [row.version_id, id],
    );
    const published = await this.getVersion(id, version);
    if (!published) {
      throw new Error(`version ${version} of function ${id} vanished inside its transaction`);
    }
    return published;
  }

  async getVersion(id: number, version: number): Promise<FunctionVersion | undefined> {
    return (await this.versions("v.function_id = $1 AND v.version = $2", [id, version]))[0];
  }

  async listVersions(id: number, after: number, limit: number): Promise<FunctionVersion[]> {
    return this.versions("v.function_id = $1 AND v.version > $2 ORDER BY v.version LIMIT $3", [
      id,
      after,
      limit,
    ]);
  }

  async lastPublished(id: number): Promise<{ version: number; configSha256: string } | undefined> {
    const [row] = await this.db.query<{ version: number; config_sha256: string }>(
      "SELECT version, config_sha256 FROM function_versions WHERE function_id = $1 ORDER BY version DESC LIMIT 1",
      [id],
    );
    return row && { version: row.version, configSha256: row.config_sha256 };
  }

  async deleteVersion(id: number, version: number): Promise<boolean> {
    const gone = await this.db.query(
      "DELETE FROM function_versions WHERE function_id = $1 AND version = $2 RETURNING version",
      [id, version],
    );
    return gone.length > 0;
  }

  /** Published versions matching `where` (over `function_versions v`), with their layers in one more query. */
  private async versions(where: string, params: unknown[]): Promise<FunctionVersion[]> {
    const rows = await this.db.query<VersionRow>(
      `SELECT v.*, f.id, f.account_id, f.region, f.name, f.tags FROM function_versions v
       JOIN functions f ON f.id = v.function_id WHERE ${where}`,
      params,
    );
    if (rows.length === 0) {
      return [];
    }
    const layers = await this.db.query<FunctionLayerRow & { version_id: number }>(
      `SELECT version_id, arn, code_sha256, code_size FROM function_version_layers
       WHERE version_id = ANY($1::int[]) ORDER BY version_id, position`,
      [rows.map((r) => r.version_id)],
    );
    return rows.map((row) =>
      toFunctionVersion(
        row,
        layers.filter((l) => l.version_id === row.version_id),
        String(row.version),
      ),
    );
  }

  async users(layerVersionArn: string, after: number, limit: number): Promise<LayerUser[]> {
    // $LATEST (version 0) and published versions, ordered by (function, version) as one position (`userPosition`).
    const rows = await this.db.query<Omit<LayerUser, "qualifier"> & { version: number }>(
      `SELECT * FROM (
         SELECT f.id AS "functionId", f.id::bigint * ${POSITIONS_PER_FUNCTION} AS position,
           f.account_id AS "accountId", f.region, f.name, 0 AS version, fl.attached_at AS "attachedAt"
         FROM function_layers fl JOIN functions f ON f.id = fl.function_id WHERE fl.arn = $1
         UNION ALL
         SELECT f.id, f.id::bigint * ${POSITIONS_PER_FUNCTION} + v.version, f.account_id, f.region, f.name,
           v.version, vl.attached_at
         FROM function_version_layers vl JOIN function_versions v ON v.version_id = vl.version_id
         JOIN functions f ON f.id = v.function_id WHERE vl.arn = $1) users
       WHERE position > $2 ORDER BY position LIMIT $3`,
      [layerVersionArn, after, limit],
    );
    return rows.map(({ version, ...r }) => ({
      ...r,
      position: Number(r.position),
      qualifier: version === 0 ? LATEST : String(version),
    }));
  }

  async userCounts(layerVersionArns: readonly string[]): Promise<Record<string, number>> {
    const rows = await this.db.query<{ arn: string; n: number }>(
      `SELECT arn, count(*)::int AS n FROM (
         SELECT arn FROM function_layers WHERE arn = ANY($1::text[])
         UNION ALL SELECT arn FROM function_version_layers WHERE arn = ANY($1::text[])) held
       GROUP BY arn`,
      [layerVersionArns],
    );
    const out: Record<string, number> = Object.fromEntries(layerVersionArns.map((arn) => [arn, 0]));
    for (const r of rows) {
      out[r.arn] = r.n;
    }
    return out;
  }

  /** Replaces the snapshot; a version the function already held keeps its attach time, a new one takes `now`. */
  private async setLayers(id: number, layers: readonly FunctionLayer[], now: string): Promise<void> {
    const held = await this.db.query<{ arn: string; attached_at: string }>(
      "SELECT arn, attached_at FROM function_layers WHERE function_id = $1",
      [id],
    );
    const since = new Map(held.map((r) => [r.arn, r.attached_at]));
    await this.db.query("DELETE FROM function_layers WHERE function_id = $1", [id]);
    if (layers.length === 0) {
      return;
    }
    // One statement for all of them: a function holds at most five layers, each a round trip otherwise.
    const values = layers.map(
      (_, i) => `($1, ${i}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4}, $${4 * i + 5})`,
    );
    await this.db.query(
      `INSERT INTO function_layers (function_id, position, arn, code_sha256, code_size, attached_at)
       VALUES ${values.join(", ")}`,
      [id, ...layers.flatMap((l) => [l.arn, l.sha256Hex, l.codeSize, since.get(l.arn) ?? now])],
    );
  }
}
