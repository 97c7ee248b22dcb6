/**
 * The PostgreSQL schema: the same tables as SQLite's (`sqlite/migrations.ts`), numbered migrations applied in
 * order, each in its own transaction; `lamina_schema` records the last one applied. Several processes starting
 * together take one advisory lock first, so exactly one applies each migration and the others wait and find it
 * done. Append new migrations; never edit one that has shipped.
 */
import type { PgDb } from "./db.js";

/** One schema change; `version` is its position (1-based). */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The advisory lock key of lamina's migrations (any constant; "lamina" in ASCII). */
const MIGRATION_LOCK = 0x6c616d696e61;

/** Every migration lamina knows, oldest first. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "the schema of SQLite's migrations 1 to 3, references to blobs found by indexed lookups",
    sql: `
      -- A row exists while anything references the blob (or until a collection removes it). No reference count:
      -- with many processes a counter is one hot row every create and publish of the same bytes must update, and
      -- under SERIALIZABLE each of those races aborts; the references are found instead by the indexed lookup of
      -- lamina_blob_referenced(), and the foreign keys' KEY SHARE locks keep a referenced row from being deleted.
      CREATE TABLE blobs (
        sha256        TEXT PRIMARY KEY,
        size          BIGINT NOT NULL,
        unzipped_size BIGINT NOT NULL
      );

      -- last_version survives deletes: numbers are never reused. The upsert that raises it locks the row, so
      -- concurrent publishes to one layer take numbers one after another, across processes.
      CREATE TABLE layers (
        id           SERIAL PRIMARY KEY,
        account_id   TEXT NOT NULL,
        region       TEXT NOT NULL,
        name         TEXT NOT NULL,
        last_version INTEGER NOT NULL DEFAULT 0,
        UNIQUE (account_id, region, name)
      );

      CREATE TABLE layer_versions (
        layer_id                 INTEGER NOT NULL REFERENCES layers (id),
        version                  INTEGER NOT NULL,
        description              TEXT NOT NULL,
        license_info             TEXT,
        compatible_runtimes      TEXT,       -- JSON array as given, NULL when not given
        compatible_architectures TEXT,
        created_date             TEXT NOT NULL,
        code_sha256              TEXT NOT NULL REFERENCES blobs (sha256),
        code_size                BIGINT NOT NULL,
        policy_revision_id       TEXT,
        PRIMARY KEY (layer_id, version)
      );

      CREATE TABLE layer_version_statements (
        layer_id          INTEGER NOT NULL,
        version           INTEGER NOT NULL,
        sid               TEXT NOT NULL,
        seq               INTEGER NOT NULL,
        statement         TEXT NOT NULL,
        principal_account TEXT,
        organization_id   TEXT,
        PRIMARY KEY (layer_id, version, sid),
        FOREIGN KEY (layer_id, version) REFERENCES layer_versions (layer_id, version) ON DELETE CASCADE
      );

      CREATE TABLE functions (
        id            SERIAL PRIMARY KEY,
        account_id    TEXT NOT NULL,
        region        TEXT NOT NULL,
        name          TEXT NOT NULL,
        runtime       TEXT,
        handler       TEXT,
        role          TEXT NOT NULL,
        description   TEXT NOT NULL,
        timeout       INTEGER NOT NULL,
        memory_size   INTEGER NOT NULL,
        environment   TEXT,
        architectures TEXT NOT NULL,
        tracing_mode  TEXT NOT NULL,
        ephemeral_storage INTEGER NOT NULL,
        logging_config TEXT NOT NULL,
        code_sha256   TEXT NOT NULL REFERENCES blobs (sha256),
        code_size     BIGINT NOT NULL,
        last_modified TEXT NOT NULL,
        revision_id   TEXT NOT NULL,
        tags          TEXT,
        UNIQUE (account_id, region, name)
      );

      CREATE TABLE function_layers (
        function_id INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        arn         TEXT NOT NULL,
        code_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
        code_size   BIGINT NOT NULL,
        attached_at TEXT NOT NULL,           -- when the function took this version (kept across updates)
        PRIMARY KEY (function_id, position)
      );
      -- The explorer asks "which functions hold this layer version?" across every account and region.
      CREATE INDEX function_layers_by_arn ON function_layers (arn);

      CREATE INDEX layer_versions_by_blob ON layer_versions (code_sha256);
      CREATE INDEX functions_by_blob ON functions (code_sha256);
      CREATE INDEX function_layers_by_blob ON function_layers (code_sha256);

      -- Whether any row references the blob: what SQLite's refcount > 0 says.
      CREATE FUNCTION lamina_blob_referenced(sha TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
        SELECT EXISTS (SELECT 1 FROM layer_versions WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM functions WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM function_layers WHERE code_sha256 = sha)
      $$;

      CREATE TABLE organizations (
        id                 TEXT PRIMARY KEY,
        management_account TEXT NOT NULL UNIQUE,
        feature_set        TEXT NOT NULL,
        root_id            TEXT NOT NULL,
        created_at         DOUBLE PRECISION NOT NULL
      );

      -- position orders ListAccounts (joining order) and is the paging position, as SQLite's rowid.
      CREATE TABLE organization_accounts (
        position        SERIAL PRIMARY KEY,
        account_id      TEXT NOT NULL UNIQUE,
        organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name            TEXT NOT NULL,
        email           TEXT NOT NULL,
        joined_method   TEXT NOT NULL,
        joined_at       DOUBLE PRECISION NOT NULL
      );
      CREATE INDEX organization_accounts_by_org ON organization_accounts (organization_id);

      CREATE TABLE create_account_requests (
        id              TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL,
        account_id      TEXT NOT NULL UNIQUE,
        account_name    TEXT NOT NULL,
        requested_at    DOUBLE PRECISION NOT NULL,
        completed_at    DOUBLE PRECISION NOT NULL
      );

      CREATE TABLE handshakes (
        id              TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        target_account  TEXT NOT NULL,
        state           TEXT NOT NULL,
        requested_at    DOUBLE PRECISION NOT NULL,
        expires_at      DOUBLE PRECISION NOT NULL,
        notes           TEXT
      );

      CREATE TABLE issued_credentials (
        access_key_id     TEXT PRIMARY KEY,
        secret_access_key TEXT NOT NULL,
        session_token     TEXT NOT NULL,
        account_id        TEXT NOT NULL,
        arn               TEXT NOT NULL,
        user_id           TEXT NOT NULL,
        expires_at        BIGINT NOT NULL
      );

      -- Uploads in progress in some process: a blob with a live hold is never deleted from the blob store. A hold
      -- outlives a crashed holder only until expires_at.
      CREATE TABLE blob_holds (
        token      TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX blob_holds_by_sha ON blob_holds (sha256);

      -- Secrets every process must share (the download-URL signing key in strict mode).
      CREATE TABLE settings (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "reserved concurrency and event-invoke configs, kept beside their function (SQLite's 5)",
    sql: `
      -- Function-wide reserved concurrency (PutFunctionConcurrency); no row while none is set.
      CREATE TABLE function_concurrency (
        function_id INTEGER PRIMARY KEY REFERENCES functions (id) ON DELETE CASCADE,
        reserved    INTEGER NOT NULL
      );

      -- Asynchronous-invocation settings per qualifier ($LATEST, a version, an alias). NULL: member not given.
      CREATE TABLE function_event_invoke_configs (
        function_id           INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        qualifier             TEXT NOT NULL,
        maximum_retry_attempts INTEGER,
        maximum_event_age     INTEGER,
        on_success            TEXT,          -- JSON {"destination"?: arn}, NULL when OnSuccess was not given
        on_failure            TEXT,          -- likewise for OnFailure
        last_modified         BIGINT NOT NULL,  -- epoch milliseconds
        PRIMARY KEY (function_id, qualifier)
      );
    `,
  },
  {
    version: 3,
    name: 'a layer version published without a Description is told apart from one published with ""',
    sql: `
      -- As SQLite's migration 6: the list operations leave Description out for versions published without one;
      -- existing rows keep answering "".
      ALTER TABLE layer_versions ADD COLUMN description_given INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 4,
    name: "published function versions with their layer snapshots, and aliases (SQLite's migration 7)",
    sql: `
      ALTER TABLE functions ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE function_versions (
        version_id    SERIAL PRIMARY KEY,
        function_id   INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        version       INTEGER NOT NULL,
        runtime       TEXT,
        handler       TEXT,
        role          TEXT NOT NULL,
        description   TEXT NOT NULL,
        timeout       INTEGER NOT NULL,
        memory_size   INTEGER NOT NULL,
        environment   TEXT,
        architectures TEXT NOT NULL,
        tracing_mode  TEXT NOT NULL,
        ephemeral_storage INTEGER NOT NULL,
        logging_config TEXT NOT NULL,
        code_sha256   TEXT NOT NULL REFERENCES blobs (sha256),
        code_size     BIGINT NOT NULL,
        last_modified TEXT NOT NULL,
        revision_id   TEXT NOT NULL,
        config_sha256 TEXT NOT NULL,
        UNIQUE (function_id, version)
      );

      CREATE TABLE function_version_layers (
        version_id  INTEGER NOT NULL REFERENCES function_versions (version_id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        arn         TEXT NOT NULL,
        code_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
        code_size   BIGINT NOT NULL,
        attached_at TEXT NOT NULL,
        PRIMARY KEY (version_id, position)
      );
      CREATE INDEX function_version_layers_by_arn ON function_version_layers (arn);
      CREATE INDEX function_versions_by_blob ON function_versions (code_sha256);
      CREATE INDEX function_version_layers_by_blob ON function_version_layers (code_sha256);

      -- Published versions and their layers keep bytes alive too.
      CREATE OR REPLACE FUNCTION lamina_blob_referenced(sha TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
        SELECT EXISTS (SELECT 1 FROM layer_versions WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM functions WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM function_layers WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM function_versions WHERE code_sha256 = sha)
          OR EXISTS (SELECT 1 FROM function_version_layers WHERE code_sha256 = sha)
      $$;

      CREATE TABLE function_aliases (
        function_id      INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        name             TEXT NOT NULL,
        function_version TEXT NOT NULL,
        description      TEXT NOT NULL,
        revision_id      TEXT NOT NULL,
        routing_config   TEXT,
        PRIMARY KEY (function_id, name)
      );
    `,
  },
  {
    version: 5,
    name: "function resource policies (SQLite's migration 8)",
    sql: `
      -- Function resource policies (AddPermission), one per resource: qualifier '' is the unqualified function,
      -- else a version number or an alias name. A row exists while the policy has statements.
      CREATE TABLE function_policies (
        function_id INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        qualifier   TEXT NOT NULL,
        revision_id TEXT NOT NULL,
        PRIMARY KEY (function_id, qualifier)
      );

      CREATE TABLE function_policy_statements (
        function_id       INTEGER NOT NULL,
        qualifier         TEXT NOT NULL,
        sid               TEXT NOT NULL,
        seq               INTEGER NOT NULL,  -- insertion order, the order GetPolicy lists statements in
        statement         TEXT NOT NULL,     -- the statement JSON exactly as returned to the client
        action            TEXT NOT NULL,
        principal         TEXT NOT NULL,     -- '*', an IAM ARN or a service principal
        organization_id   TEXT,              -- the aws:PrincipalOrgID condition
        source_conditions INTEGER NOT NULL,  -- 1: conditions on the request's source a direct call never meets
        PRIMARY KEY (function_id, qualifier, sid),
        FOREIGN KEY (function_id, qualifier) REFERENCES function_policies (function_id, qualifier) ON DELETE CASCADE
      );

      -- A version's or alias's policy goes with it (an alias name can be created again, and must start bare).
      CREATE FUNCTION lamina_drop_qualifier_policy() RETURNS TRIGGER LANGUAGE plpgsql AS $$
      BEGIN
        -- Separate statements: each is planned only when run, against the row type it names.
        IF TG_TABLE_NAME = 'function_versions' THEN
          DELETE FROM function_policies WHERE function_id = OLD.function_id AND qualifier = OLD.version::TEXT;
        ELSE
          DELETE FROM function_policies WHERE function_id = OLD.function_id AND qualifier = OLD.name;
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER function_versions_drop_policy AFTER DELETE ON function_versions
        FOR EACH ROW EXECUTE FUNCTION lamina_drop_qualifier_policy();
      CREATE TRIGGER function_aliases_drop_policy AFTER DELETE ON function_aliases
        FOR EACH ROW EXECUTE FUNCTION lamina_drop_qualifier_policy();
    `,
  },
  {
    version: 6,
    name: "function URL configs, found by their url id when a request arrives (SQLite's 9)",
    sql: `
      -- One URL per function (qualifier '') and per alias; url_id is the host name's <url-id>, unique everywhere.
      CREATE TABLE function_urls (
        function_id        INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        qualifier          TEXT NOT NULL,     -- '' for the unqualified URL, else the alias name
        url_id             TEXT NOT NULL UNIQUE,
        auth_type          TEXT NOT NULL,     -- NONE | AWS_IAM
        cors               TEXT,              -- JSON of the Cors members given, NULL when never set
        invoke_mode        TEXT,              -- NULL while never set explicitly (BUFFERED)
        creation_time      TEXT NOT NULL,
        last_modified_time TEXT NOT NULL,
        PRIMARY KEY (function_id, qualifier)
      );
    `,
  },
];

/** Brings the schema up to date, once across every process starting together. */
export async function migrate(db: PgDb, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<void> {
  const client = await db.connect();
  try {
    // Session-level: held across the migrations' own transactions, released below or when the connection dies.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query("CREATE TABLE IF NOT EXISTS lamina_schema (version INTEGER NOT NULL)");
      const rows = await client.query<{ version: number }>(
        "SELECT max(version) AS version FROM lamina_schema",
      );
      const current = rows.rows[0]?.version ?? 0;
      const latest = migrations.at(-1)?.version ?? 0;
      if (current > latest) {
        throw new Error(
          `database schema version ${current} is newer than this lamina (${latest}); upgrade lamina`,
        );
      }
      for (const m of migrations.filter((m) => m.version > current)) {
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO lamina_schema (version) VALUES ($1)", [m.version]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
