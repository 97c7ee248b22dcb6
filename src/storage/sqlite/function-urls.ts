/** Function URL configs on SQLite. */
import {
  FUNCTION_URL_COLUMNS,
  functionUrlValues,
  storedQualifier,
  toFunctionUrlConfig,
  toFunctionUrlOwner,
  type FunctionUrlRow,
} from "../url-rows.js";
import type { FunctionUrlConfig, FunctionUrlOwner, FunctionUrlRepository } from "../types.js";
import type { Db } from "./db.js";

function prepareStatements(db: Db) {
  const q = (sql: string) => db.prepare(sql);
  return {
    get: q("SELECT * FROM function_urls WHERE function_id = ? AND qualifier = ?"),
    byUrlId: q(`
      SELECT u.*, f.account_id, f.region, f.name FROM function_urls u JOIN functions f ON f.id = u.function_id
      WHERE u.url_id = ?`),
    put: q(`
      INSERT OR REPLACE INTO function_urls (${FUNCTION_URL_COLUMNS.join(", ")})
      VALUES (${FUNCTION_URL_COLUMNS.map(() => "?").join(", ")})`),
    delete: q("DELETE FROM function_urls WHERE function_id = ? AND qualifier = ?"),
    list: q("SELECT * FROM function_urls WHERE function_id = ? AND url_id > ? ORDER BY url_id LIMIT ?"),
  };
}

/** The function_urls table. */
export class SqliteFunctionUrls implements FunctionUrlRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Db) {
    this.s = prepareStatements(db);
  }

  async get(functionId: number, qualifier: string | undefined): Promise<FunctionUrlConfig | undefined> {
    const row = this.s.get.get(functionId, storedQualifier(qualifier)) as FunctionUrlRow | undefined;
    return row && toFunctionUrlConfig(row);
  }

  async byUrlId(urlId: string): Promise<{ config: FunctionUrlConfig; owner: FunctionUrlOwner } | undefined> {
    const row = this.s.byUrlId.get(urlId) as FunctionUrlRow | undefined;
    return row && { config: toFunctionUrlConfig(row), owner: toFunctionUrlOwner(row) };
  }

  async put(config: FunctionUrlConfig): Promise<void> {
    this.s.put.run(...functionUrlValues(config));
  }

  async delete(functionId: number, qualifier: string | undefined): Promise<boolean> {
    return this.s.delete.run(functionId, storedQualifier(qualifier)).changes > 0;
  }

  async list(functionId: number, after: string, limit: number): Promise<FunctionUrlConfig[]> {
    const rows = this.s.list.all(functionId, after, limit) as FunctionUrlRow[];
    return rows.map(toFunctionUrlConfig);
  }
}
