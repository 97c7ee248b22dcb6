/** SQL for functions and the layer versions attached to them; statements prepared once, methods synchronous. */
import type { Db } from "./db.js";

/** A function row as stored. */
export interface FunctionRow {
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

/** A layer version as a function holds it. */
export interface FunctionLayerRow {
  readonly arn: string;
  readonly code_sha256: string;
  readonly code_size: number;
}

/** The configurable members of a function, as stored. */
export type FunctionFields = Omit<FunctionRow, "id" | "account_id" | "region" | "name">;

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
    addLayer: q(
      "INSERT INTO function_layers (function_id, position, arn, code_sha256, code_size) VALUES (?, ?, ?, ?, ?)",
    ),
  };
}

/** The functions tables. */
export class FunctionStore {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Db) {
    this.s = prepareStatements(db);
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Inserts a function; throws SQLITE_CONSTRAINT_UNIQUE when the name is taken. */
  insert(accountId: string, region: string, name: string, fields: FunctionFields): number {
    const row = this.s.insert.get({ ...fields, account_id: accountId, region, name }) as { id: number };
    return row.id;
  }

  /** Rewrites a function's fields. */
  update(id: number, fields: FunctionFields): void {
    this.s.update.run({ ...fields, id });
  }

  /** One function, or undefined. */
  get(accountId: string, region: string, name: string): FunctionRow | undefined {
    return this.s.get.get(accountId, region, name) as FunctionRow | undefined;
  }

  /** Functions named after `after`, by name. */
  list(accountId: string, region: string, after: string, limit: number): FunctionRow[] {
    return this.s.list.all(accountId, region, after, limit) as FunctionRow[];
  }

  /** Deletes a function and its layer references. */
  delete(id: number): void {
    this.s.delete.run(id);
  }

  /** A function's layers, in the order given. */
  layers(id: number): FunctionLayerRow[] {
    return this.s.layers.all(id) as FunctionLayerRow[];
  }

  /** Replaces a function's layers. */
  setLayers(id: number, layers: readonly FunctionLayerRow[]): void {
    this.s.clearLayers.run(id);
    layers.forEach((l, i) => this.s.addLayer.run(id, i, l.arn, l.code_sha256, l.code_size));
  }
}
