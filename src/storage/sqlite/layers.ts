/**
 * The layers repository on SQLite: layers, their versions and their policy statements. Statements are prepared
 * once; JSON columns are decoded here, once, into LayerVersion records.
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
import type { Db } from "./db.js";
import { keepBounded } from "../../util/bounded-memo.js";

const VERSION_COLUMNS = `
  l.id AS layer_id, l.account_id, l.region, l.name, v.version, v.description, v.description_given, v.license_info,
  v.compatible_runtimes, v.compatible_architectures, v.created_date, v.code_sha256, v.code_size,
  v.policy_revision_id`;

// A version matches a filter when its list contains the value; a version without the list never matches.
const MATCHES_FILTER = `
  (@runtime IS NULL OR EXISTS (SELECT 1 FROM json_each(v.compatible_runtimes) WHERE value = @runtime))
  AND (@architecture IS NULL OR EXISTS (SELECT 1 FROM json_each(v.compatible_architectures) WHERE value = @architecture))`;

function prepareStatements(db: Db) {
  const q = (sql: string) => db.prepare(sql);
  return {
    upsertLayer: q(`
        INSERT INTO layers (account_id, region, name, last_version) VALUES (?, ?, ?, 1)
        ON CONFLICT (account_id, region, name) DO UPDATE SET last_version = last_version + 1
        RETURNING id, last_version`),
    raiseLayer: q(`
        INSERT INTO layers (account_id, region, name, last_version) VALUES (?, ?, ?, ?)
        ON CONFLICT (account_id, region, name) DO UPDATE SET last_version = MAX(last_version, excluded.last_version)
        RETURNING id`),
    insertVersion: q(`
        INSERT INTO layer_versions (layer_id, version, description, description_given, license_info,
          compatible_runtimes, compatible_architectures, created_date, code_sha256, code_size)
        VALUES (@layerId, @version, @description, @descriptionGiven, @licenseInfo, @compatibleRuntimes,
          @compatibleArchitectures, @createdDate, @sha256Hex, @codeSize)`),
    getVersion: q(`
        SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
        WHERE l.account_id = ? AND l.region = ? AND l.name = ? AND v.version = ?`),
    listVersions: q(`
        SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
        WHERE l.account_id = @accountId AND l.region = @region AND l.name = @name AND v.version < @before
          AND ${MATCHES_FILTER}
        ORDER BY v.version DESC LIMIT @limit`),
    listLayers: q(`
        SELECT ${VERSION_COLUMNS} FROM layers l JOIN layer_versions v ON v.layer_id = l.id
        WHERE l.account_id = @accountId AND l.region = @region AND l.name > @after
          AND v.version = (SELECT MAX(v.version) FROM layer_versions v WHERE v.layer_id = l.id AND ${MATCHES_FILTER})
        ORDER BY l.name LIMIT @limit`),
    deleteVersion: q(`
        DELETE FROM layer_versions WHERE version = ? AND layer_id =
          (SELECT id FROM layers WHERE account_id = ? AND region = ? AND name = ?)`),
    statements: q(`
        SELECT sid, statement, principal_account, organization_id FROM layer_version_statements
        WHERE layer_id = ? AND version = ? ORDER BY seq`),
    insertStatement: q(`
        INSERT INTO layer_version_statements (layer_id, version, sid, seq, statement, principal_account, organization_id)
        VALUES (@layerId, @version, @sid,
          (SELECT COALESCE(MAX(seq), 0) + 1 FROM layer_version_statements WHERE layer_id = @layerId AND version = @version),
          @statement, @principalAccount, @organizationId)`),
    deleteStatement: q("DELETE FROM layer_version_statements WHERE layer_id = ? AND version = ? AND sid = ?"),
    setRevision: q("UPDATE layer_versions SET policy_revision_id = ? WHERE layer_id = ? AND version = ?"),
    // Layers whose every version was deleted still hold their numbering, but show nothing: count only live ones.
    summary: q(`
        SELECT l.account_id AS accountId, l.region, COUNT(DISTINCT l.id) AS count, COUNT(*) AS versions
        FROM layers l JOIN layer_versions v ON v.layer_id = l.id
        GROUP BY l.account_id, l.region ORDER BY l.account_id, l.region`),
  };
}

/** The layers tables. */
export class SqliteLayers implements LayerRepository {
  private readonly s: ReturnType<typeof prepareStatements>;
  /**
   * Layer versions read by ARN, kept: every CreateFunction and UpdateFunctionConfiguration reads each of its layers,
   * and a version never changes except through this repository (its policy revision) or by being deleted. Every
   * write here forgets them all, and so does a rollback (`SqliteStorage` calls `forget`), so what is kept is what
   * the database holds, committed or inside the change that is running. Misses are not kept: a version published
   * later is read when asked for.
   */
  private readonly kept = new Map<string, LayerVersion>();

  constructor(db: Db) {
    this.s = prepareStatements(db);
  }

  /** Forgets the versions kept: a change that may have read its own writes was rolled back. */
  forget(): void {
    this.kept.clear();
  }

  async publish(accountId: string, region: string, name: string, v: NewLayerVersion): Promise<LayerVersion> {
    const next = this.s.upsertLayer.get(accountId, region, name) as { id: number; last_version: number };
    return this.insert(next.id, accountId, region, name, next.last_version, v);
  }

  async putVersion(
    accountId: string,
    region: string,
    name: string,
    version: number,
    v: NewLayerVersion,
  ): Promise<LayerVersion> {
    const layer = this.s.raiseLayer.get(accountId, region, name, version) as { id: number };
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
    this.kept.clear();
    this.s.insertVersion.run({
      layerId,
      version,
      description: v.description ?? "",
      descriptionGiven: v.description === undefined ? 0 : 1,
      licenseInfo: v.licenseInfo ?? null,
      compatibleRuntimes: v.compatibleRuntimes ? JSON.stringify(v.compatibleRuntimes) : null,
      compatibleArchitectures: v.compatibleArchitectures ? JSON.stringify(v.compatibleArchitectures) : null,
      createdDate: v.createdDate,
      sha256Hex: v.sha256Hex,
      codeSize: v.codeSize,
    });
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
    const key = `${accountId}\n${region}\n${name}\n${version}`;
    const kept = this.kept.get(key);
    if (kept !== undefined) {
      return kept;
    }
    const row = this.s.getVersion.get(accountId, region, name, version) as LayerVersionRow | undefined;
    if (row === undefined) {
      return undefined;
    }
    const found = toLayerVersion(row);
    keepBounded(this.kept, key, found);
    return found;
  }

  async listVersions(
    accountId: string,
    region: string,
    name: string,
    filter: VersionFilter,
    before: number,
    limit: number,
  ): Promise<LayerVersion[]> {
    const rows = this.s.listVersions.all({
      accountId,
      region,
      name,
      before,
      limit,
      runtime: filter.runtime ?? null,
      architecture: filter.architecture ?? null,
    }) as LayerVersionRow[];
    return rows.map(toLayerVersion);
  }

  async listLayers(
    accountId: string,
    region: string,
    filter: VersionFilter,
    after: string,
    limit: number,
  ): Promise<LayerVersion[]> {
    const rows = this.s.listLayers.all({
      accountId,
      region,
      after,
      limit,
      runtime: filter.runtime ?? null,
      architecture: filter.architecture ?? null,
    }) as LayerVersionRow[];
    return rows.map(toLayerVersion);
  }

  async deleteVersion(accountId: string, region: string, name: string, version: number): Promise<boolean> {
    this.kept.clear();
    return this.s.deleteVersion.run(version, accountId, region, name).changes > 0;
  }

  async statements(layerId: number, version: number): Promise<PolicyStatement[]> {
    const rows = this.s.statements.all(layerId, version) as StatementRow[];
    return rows.map((r) => ({
      sid: r.sid,
      statement: r.statement,
      principalAccount: r.principal_account,
      organizationId: r.organization_id,
    }));
  }

  async insertStatement(layerId: number, version: number, statement: PolicyStatement): Promise<void> {
    this.kept.clear();
    this.s.insertStatement.run({
      layerId,
      version,
      sid: statement.sid,
      statement: statement.statement,
      principalAccount: statement.principalAccount,
      organizationId: statement.organizationId,
    });
  }

  async deleteStatement(layerId: number, version: number, sid: string): Promise<boolean> {
    this.kept.clear();
    return this.s.deleteStatement.run(layerId, version, sid).changes > 0;
  }

  async setRevision(layerId: number, version: number, revisionId: string | undefined): Promise<void> {
    this.kept.clear();
    this.s.setRevision.run(revisionId ?? null, layerId, version);
  }

  async summary(): Promise<AccountRegionCount[]> {
    return this.s.summary.all() as AccountRegionCount[];
  }
}
