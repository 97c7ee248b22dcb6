/** Reserved concurrency, event-invoke configs and account usage on SQLite. */
import {
  EVENT_INVOKE_CONFIG_COLUMNS,
  eventInvokeConfigValues,
  toEventInvokeConfig,
  type EventInvokeConfigRow,
} from "../settings-rows.js";
import type { AccountUsage, EventInvokeConfig, FunctionSettingsRepository } from "../types.js";
import type { Db } from "./db.js";
import type { ReadMemo } from "./read-memo.js";

function prepareStatements(db: Db) {
  const q = (sql: string) => db.prepare(sql);
  const columns = EVENT_INVOKE_CONFIG_COLUMNS.join(", ");
  return {
    reserved: q("SELECT reserved FROM function_concurrency WHERE function_id = ?"),
    setReserved: q(`
      INSERT INTO function_concurrency (function_id, reserved) VALUES (?, ?)
      ON CONFLICT (function_id) DO UPDATE SET reserved = excluded.reserved`),
    clearReserved: q("DELETE FROM function_concurrency WHERE function_id = ?"),
    totalReserved: q(`
      SELECT COALESCE(SUM(c.reserved), 0) AS total FROM function_concurrency c
      JOIN functions f ON f.id = c.function_id
      WHERE f.account_id = ? AND f.region = ? AND f.id <> ?`),
    config: q("SELECT * FROM function_event_invoke_configs WHERE function_id = ? AND qualifier = ?"),
    putConfig: q(`
      INSERT OR REPLACE INTO function_event_invoke_configs (function_id, ${columns})
      VALUES (?, ${EVENT_INVOKE_CONFIG_COLUMNS.map(() => "?").join(", ")})`),
    deleteConfig: q("DELETE FROM function_event_invoke_configs WHERE function_id = ? AND qualifier = ?"),
    listConfigs: q(`
      SELECT * FROM function_event_invoke_configs WHERE function_id = ? AND qualifier > ?
      ORDER BY qualifier LIMIT ?`),
    functionUsage: q(`
      SELECT COUNT(*) AS count, COALESCE(SUM(code_size), 0) AS bytes FROM functions
      WHERE account_id = ? AND region = ?`),
    // aws-deploy-api.md §3.1 #8: every published version counts its code, even the same code as $LATEST.
    versionUsage: q(`
      SELECT COALESCE(SUM(v.code_size), 0) AS bytes FROM function_versions v JOIN functions f ON f.id = v.function_id
      WHERE f.account_id = ? AND f.region = ?`),
    layerUsage: q(`
      SELECT COALESCE(SUM(v.code_size), 0) AS bytes FROM layer_versions v JOIN layers l ON l.id = v.layer_id
      WHERE l.account_id = ? AND l.region = ?`),
  };
}

/** The settings tables. */
export class SqliteFunctionSettings implements FunctionSettingsRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  /** `memo`: keeps `reservedConcurrency`'s answers until the next change (every write here also forgets them). */
  constructor(
    db: Db,
    private readonly memo?: ReadMemo,
  ) {
    this.s = prepareStatements(db);
  }

  async reservedConcurrency(functionId: number): Promise<number | undefined> {
    const load = () => (this.s.reserved.get(functionId) as { reserved: number } | undefined)?.reserved;
    return this.memo ? this.memo.get(`reserved\0${functionId}`, load) : load();
  }

  async setReservedConcurrency(functionId: number, value: number | undefined): Promise<void> {
    this.memo?.forget();
    if (value === undefined) {
      this.s.clearReserved.run(functionId);
    } else {
      this.s.setReserved.run(functionId, value);
    }
  }

  async totalReserved(accountId: string, region: string, exceptFunctionId = -1): Promise<number> {
    return (this.s.totalReserved.get(accountId, region, exceptFunctionId) as { total: number }).total;
  }

  async eventInvokeConfig(functionId: number, qualifier: string): Promise<EventInvokeConfig | undefined> {
    const row = this.s.config.get(functionId, qualifier) as EventInvokeConfigRow | undefined;
    return row && toEventInvokeConfig(row);
  }

  async putEventInvokeConfig(functionId: number, config: EventInvokeConfig): Promise<void> {
    this.memo?.forget();
    this.s.putConfig.run(functionId, ...eventInvokeConfigValues(config));
  }

  async deleteEventInvokeConfig(functionId: number, qualifier: string): Promise<boolean> {
    this.memo?.forget();
    return this.s.deleteConfig.run(functionId, qualifier).changes > 0;
  }

  async listEventInvokeConfigs(
    functionId: number,
    after: string,
    limit: number,
  ): Promise<EventInvokeConfig[]> {
    const rows = this.s.listConfigs.all(functionId, after, limit) as EventInvokeConfigRow[];
    return rows.map(toEventInvokeConfig);
  }

  async usage(accountId: string, region: string): Promise<AccountUsage> {
    const functions = this.s.functionUsage.get(accountId, region) as { count: number; bytes: number };
    const versions = this.s.versionUsage.get(accountId, region) as { bytes: number };
    const layers = this.s.layerUsage.get(accountId, region) as { bytes: number };
    return {
      totalCodeSize: functions.bytes + versions.bytes + layers.bytes,
      functionCount: functions.count,
    };
  }
}
