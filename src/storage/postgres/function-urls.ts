/** Function URL configs on PostgreSQL. */
import {
  FUNCTION_URL_COLUMNS,
  functionUrlValues,
  storedQualifier,
  toFunctionUrlConfig,
  toFunctionUrlOwner,
  type FunctionUrlRow,
} from "../url-rows.js";
import type { FunctionUrlConfig, FunctionUrlOwner, FunctionUrlRepository } from "../types.js";
import type { PgDb } from "./db.js";

/** The function_urls table. */
export class PgFunctionUrls implements FunctionUrlRepository {
  constructor(private readonly db: PgDb) {}

  async get(functionId: number, qualifier: string | undefined): Promise<FunctionUrlConfig | undefined> {
    const [row] = await this.db.query<FunctionUrlRow>(
      "SELECT * FROM function_urls WHERE function_id = $1 AND qualifier = $2",
      [functionId, storedQualifier(qualifier)],
    );
    return row && toFunctionUrlConfig(row);
  }

  async byUrlId(urlId: string): Promise<{ config: FunctionUrlConfig; owner: FunctionUrlOwner } | undefined> {
    const [row] = await this.db.query<FunctionUrlRow>(
      `SELECT u.*, f.account_id, f.region, f.name FROM function_urls u JOIN functions f ON f.id = u.function_id
       WHERE u.url_id = $1`,
      [urlId],
    );
    return row && { config: toFunctionUrlConfig(row), owner: toFunctionUrlOwner(row) };
  }

  async put(config: FunctionUrlConfig): Promise<void> {
    const columns = FUNCTION_URL_COLUMNS;
    await this.db.change(
      `INSERT INTO function_urls (${columns.join(", ")})
       VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})
       ON CONFLICT (function_id, qualifier) DO UPDATE SET
         ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`,
      functionUrlValues(config),
    );
  }

  async delete(functionId: number, qualifier: string | undefined): Promise<boolean> {
    const n = await this.db.change("DELETE FROM function_urls WHERE function_id = $1 AND qualifier = $2", [
      functionId,
      storedQualifier(qualifier),
    ]);
    return n > 0;
  }

  async list(functionId: number, after: string, limit: number): Promise<FunctionUrlConfig[]> {
    const rows = await this.db.query<FunctionUrlRow>(
      `SELECT * FROM function_urls WHERE function_id = $1 AND url_id COLLATE "C" > $2
       ORDER BY url_id COLLATE "C" LIMIT $3`,
      [functionId, after, limit],
    );
    return rows.map(toFunctionUrlConfig);
  }
}
