/** The aliases repository on SQLite: one row per alias (rows decoded by `../alias-rows.ts`). */
import { routingOf, toAlias, type AliasRow } from "../alias-rows.js";
import type { Alias, AliasRepository } from "../types.js";
import type { Db } from "./db.js";

function columnsOf(a: Alias): AliasRow {
  return {
    function_id: a.functionId,
    name: a.name,
    function_version: a.functionVersion,
    description: a.description,
    revision_id: a.revisionId,
    routing_config: routingOf(a),
  };
}

/** The aliases table. */
export class SqliteAliases implements AliasRepository {
  private readonly s;

  constructor(db: Db) {
    const q = (sql: string) => db.prepare(sql);
    this.s = {
      insert: q(`
        INSERT INTO function_aliases (function_id, name, function_version, description, revision_id, routing_config)
        VALUES (@function_id, @name, @function_version, @description, @revision_id, @routing_config)`),
      get: q("SELECT * FROM function_aliases WHERE function_id = ? AND name = ?"),
      list: q(`
        SELECT * FROM function_aliases WHERE function_id = @id AND name > @after
          AND (@version IS NULL OR function_version = @version)
        ORDER BY name LIMIT @limit`),
      update: q(`
        UPDATE function_aliases SET function_version = @function_version, description = @description,
          revision_id = @revision_id, routing_config = @routing_config
        WHERE function_id = @function_id AND name = @name`),
      delete: q("DELETE FROM function_aliases WHERE function_id = ? AND name = ?"),
      all: q("SELECT * FROM function_aliases WHERE function_id = ? ORDER BY name"),
    };
  }

  async insert(alias: Alias): Promise<void> {
    this.s.insert.run(columnsOf(alias));
  }

  async get(functionId: number, name: string): Promise<Alias | undefined> {
    const row = this.s.get.get(functionId, name) as AliasRow | undefined;
    return row && toAlias(row);
  }

  async list(
    functionId: number,
    functionVersion: string | undefined,
    after: string,
    limit: number,
  ): Promise<Alias[]> {
    const rows = this.s.list.all({ id: functionId, after, version: functionVersion ?? null, limit });
    return (rows as AliasRow[]).map(toAlias);
  }

  async update(alias: Alias): Promise<void> {
    this.s.update.run(columnsOf(alias));
  }

  async delete(functionId: number, name: string): Promise<boolean> {
    return this.s.delete.run(functionId, name).changes > 0;
  }

  async referencing(functionId: number, version: string): Promise<string[]> {
    return (this.s.all.all(functionId) as AliasRow[])
      .map(toAlias)
      .filter((a) => a.functionVersion === version || a.additionalVersionWeights?.[version] !== undefined)
      .map((a) => a.name);
  }
}
