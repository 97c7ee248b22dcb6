/**
 * The layers repository on PostgreSQL: layers, their versions and their policy statements, decoded here, once,
 * into LayerVersion records. JSON lists are stored as the text they were given, as on SQLite.
 */
import type {
  AccountRegionCount,
  LayerRepository,
  LayerVersion,
  NewLayerVersion,
  PolicyStatement,
  VersionFilter,
} from "../types.js";
import { toLayerVersion, type LayerVersionRow, type StatementRow } from "../layer-rows.js";
import type { PgDb } from "./db.js";

const VERSION_COLUMNS = `
  l.id AS layer_id, l.account_id, l.region, l.name, v.version, v.description, v.description_given, v.license_info,
  v.compatible_runtimes, v.compatible_architectures, v.created_date, v.code_sha256, v.code_size,
  v.policy_revision_id`;

/**
 * A version matches a filter when its list contains the value; a version without the list never matches.
 * `$r` and `$a` are the runtime's and architecture's parameter numbers.
 */
function matchesFilter(r: number, a: number): string {
  return `($${r}::text IS NULL OR v.compatible_runtimes::jsonb ? $${r}::text)
    AND ($${a}::text IS NULL OR v.compatible_architectures::jsonb ? $${a}::text)`;
}

/** The layers tables. */
export class PgLayers implements LayerRepository {
  constructor(private readonly db: PgDb) {}

  async publish(accountId: string, region: string, name: string, v: NewLayerVersion): Promise<LayerVersion> {
    // The upsert locks the layer row until commit: a concurrent publish to the same layer waits (or, serializable,
    // is retried) and takes the following number. Numbers rise only with a committed version, so none is skipped.
    const [next] = await this.db.query<{ id: number; last_version: number }>(
      `INSERT INTO layers (account_id, region, name, last_version) VALUES ($1, $2, $3, 1)
       ON CONFLICT (account_id, region, name) DO UPDATE SET last_version = layers.last_version + 1
       RETURNING id, last_version`,
      [accountId, region, name],
    );
    if (!next) {
      throw new Error("the layer upsert returned no row");
    }
    return this.insert(next.id, accountId, region, name, next.last_version, v);
  }

  async putVersion(
    accountId: string,
    region: string,
    name: string,
    version: number,
    v: NewLayerVersion,
  ): Promise<LayerVersion> {
    // As publish's upsert, this locks the layer row until commit; GREATEST keeps the counter from going down, so a
    // publish after it takes a number above every version put here.
    const [layer] = await this.db.query<{ id: number }>(
      `INSERT INTO layers (account_id, region, name, last_version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, region, name) DO UPDATE
         SET last_version = GREATEST(layers.last_version, EXCLUDED.last_version)
       RETURNING id`,
      [accountId, region, name, version],
    );
    if (!layer) {
      throw new Error("the layer upsert returned no row");
    }
    return this.insert(layer.id, accountId, region, name, version, v);
  }

  private async insert(
    layerId: number,
    accountId: string,
    region: string,
    name: string,
    version: number,
    v: NewLayerVersion,
  ): Promise<LayerVersion> {
    await this.db.query(
      `INSERT INTO layer_versions (layer_id, version, description, description_given, license_info,
         compatible_runtimes, compatible_architectures, created_date, code_sha256, code_size)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        layerId,
        version,
        v.description ?? "",
        v.description === undefined ? 0 : 1,
        v.licenseInfo ?? null,
        v.compatibleRuntimes ? JSON.stringify(v.compatibleRuntimes) : null,
        v.compatibleArchitectures ? JSON.stringify(v.compatibleArchitectures) : null,
        v.createdDate,
        v.sha256Hex,
        v.codeSize,
      ],
    );
    const row = await this.getVersion(accountId, region, name, version);
    if (!row) {
      throw new Error("inserted layer version not found");
    }
    return row;
  }

  async getVersion(
    accountId: string,
    region: string,
    name: string,
    version: number,
  ): Promise<LayerVersion | undefined> {
    const [row] = await this.db.query<LayerVersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
       WHERE l.account_id = $1 AND l.region = $2 AND l.name = $3 AND v.version = $4`,
      [accountId, region, name, version],
    );
    return row && toLayerVersion(row);
  }

  async listVersions(
    accountId: string,
    region: string,
    name: string,
    filter: VersionFilter,
    before: number,
    limit: number,
  ): Promise<LayerVersion[]> {
    const rows = await this.db.query<LayerVersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
       WHERE l.account_id = $1 AND l.region = $2 AND l.name = $3 AND v.version < $4::bigint AND ${matchesFilter(5, 6)}
       ORDER BY v.version DESC LIMIT $7`,
      [accountId, region, name, before, filter.runtime ?? null, filter.architecture ?? null, limit],
    );
    return rows.map(toLayerVersion);
  }

  async listLayers(
    accountId: string,
    region: string,
    filter: VersionFilter,
    after: string,
    limit: number,
  ): Promise<LayerVersion[]> {
    // COLLATE "C": names sort by bytes, as SQLite sorts them, whatever the database's locale.
    const rows = await this.db.query<LayerVersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
       WHERE l.account_id = $1 AND l.region = $2 AND l.name COLLATE "C" > $3
         AND v.version = (SELECT max(v.version) FROM layer_versions v WHERE v.layer_id = l.id
           AND ${matchesFilter(4, 5)})
       ORDER BY l.name COLLATE "C" LIMIT $6`,
      [accountId, region, after, filter.runtime ?? null, filter.architecture ?? null, limit],
    );
    return rows.map(toLayerVersion);
  }

  async deleteVersion(accountId: string, region: string, name: string, version: number): Promise<boolean> {
    const changed = await this.db.change(
      `DELETE FROM layer_versions WHERE version = $1 AND layer_id =
         (SELECT id FROM layers WHERE account_id = $2 AND region = $3 AND name = $4)`,
      [version, accountId, region, name],
    );
    return changed > 0;
  }

  async statements(layerId: number, version: number): Promise<PolicyStatement[]> {
    const rows = await this.db.query<StatementRow>(
      `SELECT sid, statement, principal_account, organization_id FROM layer_version_statements
       WHERE layer_id = $1 AND version = $2 ORDER BY seq`,
      [layerId, version],
    );
    return rows.map((r) => ({
      sid: r.sid,
      statement: r.statement,
      principalAccount: r.principal_account,
      organizationId: r.organization_id,
    }));
  }

  async insertStatement(layerId: number, version: number, statement: PolicyStatement): Promise<void> {
    await this.db.query(
      `INSERT INTO layer_version_statements (layer_id, version, sid, seq, statement, principal_account, organization_id)
       VALUES ($1, $2, $3,
         (SELECT COALESCE(max(seq), 0) + 1 FROM layer_version_statements WHERE layer_id = $1 AND version = $2),
         $4, $5, $6)`,
      [
        layerId,
        version,
        statement.sid,
        statement.statement,
        statement.principalAccount,
        statement.organizationId,
      ],
    );
  }

  async deleteStatement(layerId: number, version: number, sid: string): Promise<boolean> {
    const changed = await this.db.change(
      "DELETE FROM layer_version_statements WHERE layer_id = $1 AND version = $2 AND sid = $3",
      [layerId, version, sid],
    );
    return changed > 0;
  }

  async setRevision(layerId: number, version: number, revisionId: string | undefined): Promise<void> {
    await this.db.query(
      "UPDATE layer_versions SET policy_revision_id = $1 WHERE layer_id = $2 AND version = $3",
      [revisionId ?? null, layerId, version],
    );
  }

  async summary(): Promise<AccountRegionCount[]> {
    // Layers whose every version was deleted still hold their numbering, but show nothing: count only live ones.
    return this.db.query<AccountRegionCount & Record<string, unknown>>(
      `SELECT l.account_id AS "accountId", l.region, count(DISTINCT l.id) AS count, count(*) AS versions
       FROM layers l JOIN layer_versions v ON v.layer_id = l.id
       GROUP BY l.account_id, l.region ORDER BY l.account_id COLLATE "C", l.region COLLATE "C"`,
    );
  }
}
