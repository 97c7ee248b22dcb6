/** The aliases repository on PostgreSQL: one row per alias (rows decoded by `../alias-rows.ts`). */
import { routingOf, toAlias, type AliasRow } from "../alias-rows.js";
import type { Alias, AliasRepository } from "../types.js";
import type { PgDb } from "./db.js";

/** The aliases table. */
export class PgAliases implements AliasRepository {
  constructor(private readonly db: PgDb) {}

  async insert(a: Alias): Promise<void> {
    await this.db.query(
      `INSERT INTO function_aliases (function_id, name, function_version, description, revision_id, routing_config)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [a.functionId, a.name, a.functionVersion, a.description, a.revisionId, routingOf(a)],
    );
  }

  async get(functionId: number, name: string): Promise<Alias | undefined> {
    const [row] = await this.db.query<AliasRow>(
      "SELECT * FROM function_aliases WHERE function_id = $1 AND name = $2",
      [functionId, name],
    );
    return row && toAlias(row);
  }

  async list(
    functionId: number,
    functionVersion: string | undefined,
    after: string,
    limit: number,
  ): Promise<Alias[]> {
    // COLLATE "C": names sort by bytes, as SQLite sorts them.
    const rows = await this.db.query<AliasRow>(
      `SELECT * FROM function_aliases WHERE function_id = $1 AND name COLLATE "C" > $2
         AND ($3::text IS NULL OR function_version = $3)
       ORDER BY name COLLATE "C" LIMIT $4`,
      [functionId, after, functionVersion ?? null, limit],
    );
    return rows.map(toAlias);
  }

  async update(a: Alias): Promise<void> {
    await this.db.query(
      `UPDATE function_aliases SET function_version = $3, description = $4, revision_id = $5, routing_config = $6
       WHERE function_id = $1 AND name = $2`,
      [a.functionId, a.name, a.functionVersion, a.description, a.revisionId, routingOf(a)],
    );
  }

  async delete(functionId: number, name: string): Promise<boolean> {
    const gone = await this.db.query(
      "DELETE FROM function_aliases WHERE function_id = $1 AND name = $2 RETURNING name",
      [functionId, name],
    );
    return gone.length > 0;
  }

  async referencing(functionId: number, version: string): Promise<string[]> {
    const rows = await this.db.query<AliasRow>(
      `SELECT * FROM function_aliases WHERE function_id = $1 ORDER BY name COLLATE "C"`,
      [functionId],
    );
    return rows
      .map(toAlias)
      .filter((a) => a.functionVersion === version || a.additionalVersionWeights?.[version] !== undefined)
      .map((a) => a.name);
  }
}
