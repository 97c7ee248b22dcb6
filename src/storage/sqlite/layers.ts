/**
 * SQL for layers, their versions and their policy statements. Statements are prepared once; every method is
 * synchronous, so a caller's multi-step change inside `transaction()` is atomic and serialised.
 */
import type { Db } from "./db.js";
import type { LayerVersionRow } from "../../protocols/lambda/layer-shapes.js";

/** Filters of ListLayers and ListLayerVersions. */
export interface VersionFilter {
  readonly runtime?: string | undefined;
  readonly architecture?: string | undefined;
}

/** A new version's stored members. */
export interface NewLayerVersion {
  readonly description: string;
  readonly licenseInfo: string | undefined;
  readonly compatibleRuntimes: readonly string[] | undefined;
  readonly compatibleArchitectures: readonly string[] | undefined;
  readonly createdDate: string;
  readonly sha256Hex: string;
  readonly codeSize: number;
}

/** A policy statement row. */
export interface StatementRow {
  readonly sid: string;
  readonly statement: string;
  readonly principal_account: string | null;
  readonly organization_id: string | null;
}

const VERSION_COLUMNS = `
  l.id AS layer_id, l.account_id, l.region, l.name, v.version, v.description, v.license_info,
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
    insertVersion: q(`
        INSERT INTO layer_versions (layer_id, version, description, license_info, compatible_runtimes,
          compatible_architectures, created_date, code_sha256, code_size)
        VALUES (@layerId, @version, @description, @licenseInfo, @compatibleRuntimes,
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
  };
}

/** The layers tables. */
export class LayerStore {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Db) {
    this.s = prepareStatements(db);
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Takes the next version number of a layer, creating the layer on first use. Call inside a transaction. */
  nextVersion(accountId: string, region: string, name: string): { layerId: number; version: number } {
    const row = this.s.upsertLayer.get(accountId, region, name) as { id: number; last_version: number };
    return { layerId: row.id, version: row.last_version };
  }

  /** Inserts a version whose number came from `nextVersion`. */
  insertVersion(layerId: number, version: number, v: NewLayerVersion): void {
    this.s.insertVersion.run({
      layerId,
      version,
      description: v.description,
      licenseInfo: v.licenseInfo ?? null,
      compatibleRuntimes: v.compatibleRuntimes ? JSON.stringify(v.compatibleRuntimes) : null,
      compatibleArchitectures: v.compatibleArchitectures ? JSON.stringify(v.compatibleArchitectures) : null,
      createdDate: v.createdDate,
      sha256Hex: v.sha256Hex,
      codeSize: v.codeSize,
    });
  }

  /** One existing version, or undefined. */
  getVersion(accountId: string, region: string, name: string, version: number): LayerVersionRow | undefined {
    return this.s.getVersion.get(accountId, region, name, version) as LayerVersionRow | undefined;
  }

  /** Versions below `before`, newest first. */
  listVersions(
    accountId: string,
    region: string,
    name: string,
    filter: VersionFilter,
    before: number,
    limit: number,
  ): LayerVersionRow[] {
    return this.s.listVersions.all({
      accountId,
      region,
      name,
      before,
      limit,
      runtime: filter.runtime ?? null,
      architecture: filter.architecture ?? null,
    }) as LayerVersionRow[];
  }

  /** Layers named after `after`, by name, each with its newest version matching the filter. */
  listLayers(
    accountId: string,
    region: string,
    filter: VersionFilter,
    after: string,
    limit: number,
  ): LayerVersionRow[] {
    return this.s.listLayers.all({
      accountId,
      region,
      after,
      limit,
      runtime: filter.runtime ?? null,
      architecture: filter.architecture ?? null,
    }) as LayerVersionRow[];
  }

  /** Deletes a version (its statements cascade); true when one existed. */
  deleteVersion(accountId: string, region: string, name: string, version: number): boolean {
    return this.s.deleteVersion.run(version, accountId, region, name).changes > 0;
  }

  /** A version's policy statements in insertion order. */
  statements(layerId: number, version: number): StatementRow[] {
    return this.s.statements.all(layerId, version) as StatementRow[];
  }

  /** Appends a statement; throws SQLITE_CONSTRAINT_PRIMARYKEY on a duplicate Sid. */
  insertStatement(layerId: number, version: number, row: StatementRow): void {
    this.s.insertStatement.run({
      layerId,
      version,
      sid: row.sid,
      statement: row.statement,
      principalAccount: row.principal_account,
      organizationId: row.organization_id,
    });
  }

  /** Removes a statement; true when it existed. */
  deleteStatement(layerId: number, version: number, sid: string): boolean {
    return this.s.deleteStatement.run(layerId, version, sid).changes > 0;
  }

  /** Sets (or clears, with null) a version's policy RevisionId. */
  setRevision(layerId: number, version: number, revisionId: string | null): void {
    this.s.setRevision.run(revisionId, layerId, version);
  }
}
