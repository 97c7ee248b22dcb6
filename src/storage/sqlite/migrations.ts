/**
 * The schema, as numbered migrations applied in order inside one transaction each; `PRAGMA user_version` records
 * the last one applied. Append new migrations; never edit one that has shipped.
 */

/** One schema change; `version` is its position (1-based). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration lamina knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "layers, layer versions, their policies, and reference-counted blobs",
    sql: `
      -- Zip bytes live in blobs/<sha256>; a row exists while anything references the blob.
      -- refcount is kept by triggers so that no code path can forget it.
      CREATE TABLE blobs (
        sha256        TEXT PRIMARY KEY,      -- hex digest, the file name
        size          INTEGER NOT NULL,
        unzipped_size INTEGER NOT NULL,
        refcount      INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;

      -- One row per (account, region, name). last_version survives deletes: numbers are never reused.
      CREATE TABLE layers (
        id           INTEGER PRIMARY KEY,
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
        license_info             TEXT,       -- NULL: not given, so absent on the wire
        compatible_runtimes      TEXT,       -- JSON array, NULL when not given ([] stays [])
        compatible_architectures TEXT,       -- JSON array, NULL when not given
        created_date             TEXT NOT NULL,
        code_sha256              TEXT NOT NULL REFERENCES blobs (sha256),
        code_size                INTEGER NOT NULL,
        policy_revision_id       TEXT,       -- NULL while the version has no policy
        PRIMARY KEY (layer_id, version)
      ) WITHOUT ROWID;

      CREATE TABLE layer_version_statements (
        layer_id          INTEGER NOT NULL,
        version           INTEGER NOT NULL,
        sid               TEXT NOT NULL,
        seq               INTEGER NOT NULL,  -- insertion order, the order AWS lists statements in
        statement         TEXT NOT NULL,     -- the statement JSON exactly as returned to the client
        principal_account TEXT,              -- 12-digit account, NULL for "*"
        organization_id   TEXT,              -- aws:PrincipalOrgID condition, NULL when none
        PRIMARY KEY (layer_id, version, sid),
        FOREIGN KEY (layer_id, version) REFERENCES layer_versions (layer_id, version) ON DELETE CASCADE
      ) WITHOUT ROWID;

      CREATE TRIGGER layer_versions_ref_blob AFTER INSERT ON layer_versions BEGIN
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER layer_versions_unref_blob AFTER DELETE ON layer_versions BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
      END;
    `,
  },
  {
    version: 2,
    name: "functions and the layer versions they were created with",
    sql: `
      CREATE TABLE functions (
        id            INTEGER PRIMARY KEY,
        account_id    TEXT NOT NULL,
        region        TEXT NOT NULL,
        name          TEXT NOT NULL,
        runtime       TEXT,
        handler       TEXT,
        role          TEXT NOT NULL,
        description   TEXT NOT NULL,
        timeout       INTEGER NOT NULL,
        memory_size   INTEGER NOT NULL,
        environment   TEXT,                  -- JSON object of variables, NULL when none were ever given
        architectures TEXT NOT NULL,         -- JSON array
        tracing_mode  TEXT NOT NULL,
        ephemeral_storage INTEGER NOT NULL,
        logging_config TEXT NOT NULL,        -- JSON object as returned
        code_sha256   TEXT NOT NULL REFERENCES blobs (sha256),
        code_size     INTEGER NOT NULL,
        last_modified TEXT NOT NULL,
        revision_id   TEXT NOT NULL,
        tags          TEXT,                  -- JSON object, NULL when none
        UNIQUE (account_id, region, name)
      );

      -- The layer versions a function was given, resolved when they were attached: a snapshot that outlives
      -- the layer version's deletion and any revoked grant (docs/reference/identity.md §3).
      CREATE TABLE function_layers (
        function_id INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        arn         TEXT NOT NULL,
        code_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
        code_size   INTEGER NOT NULL,
        PRIMARY KEY (function_id, position)
      ) WITHOUT ROWID;

      CREATE TRIGGER functions_ref_blob AFTER INSERT ON functions BEGIN
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER functions_reref_blob AFTER UPDATE OF code_sha256 ON functions BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER functions_unref_blob AFTER DELETE ON functions BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
      END;
      CREATE TRIGGER function_layers_ref_blob AFTER INSERT ON function_layers BEGIN
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER function_layers_unref_blob AFTER DELETE ON function_layers BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
      END;
    `,
  },
  {
    version: 3,
    name: "organizations, their accounts and handshakes, and credentials issued by STS",
    sql: `
      -- One organization per management account (AWS: an account belongs to at most one organization).
      CREATE TABLE organizations (
        id                 TEXT PRIMARY KEY,  -- o-…
        management_account TEXT NOT NULL UNIQUE,
        feature_set        TEXT NOT NULL,
        root_id            TEXT NOT NULL,     -- r-…
        created_at         REAL NOT NULL      -- epoch seconds
      ) WITHOUT ROWID;

      -- Members, the management account included. account_id is the key: an account is in one organization.
      -- The rowid orders ListAccounts (joining order) and is the paging position.
      CREATE TABLE organization_accounts (
        account_id      TEXT NOT NULL UNIQUE,
        organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name            TEXT NOT NULL,
        email           TEXT NOT NULL,
        joined_method   TEXT NOT NULL,       -- CREATED | INVITED
        joined_at       REAL NOT NULL
      );
      CREATE INDEX organization_accounts_by_org ON organization_accounts (organization_id);

      -- CreateAccount requests; the accounts they minted stay reserved after they leave.
      CREATE TABLE create_account_requests (
        id              TEXT PRIMARY KEY,    -- car-…
        organization_id TEXT NOT NULL,
        account_id      TEXT NOT NULL UNIQUE,
        account_name    TEXT NOT NULL,
        requested_at    REAL NOT NULL,
        completed_at    REAL NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE handshakes (
        id              TEXT PRIMARY KEY,    -- h-…
        organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        target_account  TEXT NOT NULL,
        state           TEXT NOT NULL,       -- OPEN | ACCEPTED | CANCELED
        requested_at    REAL NOT NULL,
        expires_at      REAL NOT NULL,
        notes           TEXT
      ) WITHOUT ROWID;

      -- AssumeRole's temporary credentials; their use maps to the role's account and assumed-role ARN.
      CREATE TABLE issued_credentials (
        access_key_id     TEXT PRIMARY KEY,  -- ASIA…
        secret_access_key TEXT NOT NULL,
        session_token     TEXT NOT NULL,
        account_id        TEXT NOT NULL,
        arn               TEXT NOT NULL,
        user_id           TEXT NOT NULL,
        expires_at        INTEGER NOT NULL   -- epoch milliseconds
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: "who uses a layer version: an index by ARN, and when each function took the version",
    sql: `
      -- The explorer asks "which functions hold this layer version?" across every account and region.
      CREATE INDEX function_layers_by_arn ON function_layers (arn);
      -- Kept across updates that keep the ARN; rows from before this migration take the function's last change.
      ALTER TABLE function_layers ADD COLUMN attached_at TEXT;
      UPDATE function_layers SET attached_at =
        (SELECT last_modified FROM functions f WHERE f.id = function_layers.function_id);
    `,
  },
  {
    version: 5,
    name: "reserved concurrency and event-invoke configs, kept beside their function",
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
        last_modified         INTEGER NOT NULL,  -- epoch milliseconds
        PRIMARY KEY (function_id, qualifier)
      );
    `,
  },
  {
    version: 6,
    name: 'a layer version published without a Description is told apart from one published with ""',
    sql: `
      -- ListLayerVersions and ListLayers leave Description out for versions published without one, while
      -- Publish and Get answer "" (docs/reference/aws-layer-semantics.md §1.2). Rows from before this migration
      -- cannot be told apart any more: they keep answering "" everywhere.
      ALTER TABLE layer_versions ADD COLUMN description_given INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 7,
    name: "published function versions with their layer snapshots, and aliases",
    sql: `
      -- Version numbers are taken from here and never reused, as layer versions' are.
      ALTER TABLE functions ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;

      -- A published version: a frozen copy of $LATEST's members and code (tags stay the function's).
      CREATE TABLE function_versions (
        version_id    INTEGER PRIMARY KEY,
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
        code_size     INTEGER NOT NULL,
        last_modified TEXT NOT NULL,
        revision_id   TEXT NOT NULL,
        config_sha256 TEXT NOT NULL,         -- digest of $LATEST's code and configuration when published
        UNIQUE (function_id, version)
      );

      -- A version's layer snapshot, frozen at publish: it keeps the layers' bytes after they are deleted.
      CREATE TABLE function_version_layers (
        version_id  INTEGER NOT NULL REFERENCES function_versions (version_id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        arn         TEXT NOT NULL,
        code_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
        code_size   INTEGER NOT NULL,
        attached_at TEXT NOT NULL,
        PRIMARY KEY (version_id, position)
      ) WITHOUT ROWID;
      CREATE INDEX function_version_layers_by_arn ON function_version_layers (arn);

      CREATE TRIGGER function_versions_ref_blob AFTER INSERT ON function_versions BEGIN
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER function_versions_unref_blob AFTER DELETE ON function_versions BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
      END;
      CREATE TRIGGER function_version_layers_ref_blob AFTER INSERT ON function_version_layers BEGIN
        UPDATE blobs SET refcount = refcount + 1 WHERE sha256 = NEW.code_sha256;
      END;
      CREATE TRIGGER function_version_layers_unref_blob AFTER DELETE ON function_version_layers BEGIN
        UPDATE blobs SET refcount = refcount - 1 WHERE sha256 = OLD.code_sha256;
      END;

      CREATE TABLE function_aliases (
        function_id      INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
        name             TEXT NOT NULL,
        function_version TEXT NOT NULL,      -- $LATEST or a version number
        description      TEXT NOT NULL,
        revision_id      TEXT NOT NULL,
        routing_config   TEXT,               -- JSON {version: weight}, NULL when none
        PRIMARY KEY (function_id, name)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: "function resource policies: one per function, version or alias, statements in insertion order",
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
      CREATE TRIGGER function_versions_drop_policy AFTER DELETE ON function_versions BEGIN
        DELETE FROM function_policies
          WHERE function_id = OLD.function_id AND qualifier = CAST(OLD.version AS TEXT);
      END;
      CREATE TRIGGER function_aliases_drop_policy AFTER DELETE ON function_aliases BEGIN
        DELETE FROM function_policies WHERE function_id = OLD.function_id AND qualifier = OLD.name;
      END;
    `,
  },
  {
    version: 9,
    name: "function URL configs, found by their url id when a request arrives",
    sql: `
      -- One URL per function (qualifier '') and per alias. url_id is the host name's <url-id>, unique everywhere
      -- (requests are routed by it alone); a deleted URL's id is never handed out again in practice (random).
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
