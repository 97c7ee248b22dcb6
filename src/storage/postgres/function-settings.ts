/** Reserved concurrency, event-invoke configs and account usage on PostgreSQL. */
import {
  EVENT_INVOKE_CONFIG_COLUMNS,
  eventInvokeConfigValues,
  toEventInvokeConfig,
  type EventInvokeConfigRow,
} from "../settings-rows.js";
import type { AccountUsage, EventInvokeConfig, FunctionSettingsRepository } from "../types.js";
import type { PgDb } from "./db.js";

/** The settings tables. */
export class PgFunctionSettings implements FunctionSettingsRepository {
  constructor(private readonly db: PgDb) {}

  async reservedConcurrency(functionId: number): Promise<number | undefined> {
    const [row] = await this.db.query<{ reserved: number }>(
      "SELECT reserved FROM function_concurrency WHERE function_id = $1",
      [functionId],
    );
    return row?.reserved;
  }

  async setReservedConcurrency(functionId: number, value: number | undefined): Promise<void> {
    if (value === undefined) {
      await this.db.change("DELETE FROM function_concurrency WHERE function_id = $1", [functionId]);
      return;
    }
    await this.db.change(
      `INSERT INTO function_concurrency (function_id, reserved) VALUES ($1, $2)
       ON CONFLICT (function_id) DO UPDATE SET reserved = excluded.reserved`,
      [functionId, value],
    );
  }

  async totalReserved(accountId: string, region: string, exceptFunctionId = -1): Promise<number> {
    const [row] = await this.db.query<{ total: number }>(
      `SELECT COALESCE(SUM(c.reserved), 0)::bigint AS total FROM function_concurrency c
       JOIN functions f ON f.id = c.function_id
       WHERE f.account_id = $1 AND f.region = $2 AND f.id <> $3`,
      [accountId, region, exceptFunctionId],
    );
    return row?.total ?? 0;
  }

  async eventInvokeConfig(functionId: number, qualifier: string): Promise<EventInvokeConfig | undefined> {
    const [row] = await this.db.query<EventInvokeConfigRow>(
      "SELECT * FROM function_event_invoke_configs WHERE function_id = $1 AND qualifier = $2",
      [functionId, qualifier],
    );
    return row && toEventInvokeConfig(row);
  }

  async putEventInvokeConfig(functionId: number, config: EventInvokeConfig): Promise<void> {
    const columns = EVENT_INVOKE_CONFIG_COLUMNS;
    await this.db.change(
      `INSERT INTO function_event_invoke_configs (function_id, ${columns.join(", ")})
       VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(", ")})
       ON CONFLICT (function_id, qualifier) DO UPDATE SET
         ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`,
      [functionId, ...eventInvokeConfigValues(config)],
    );
  }

  async deleteEventInvokeConfig(functionId: number, qualifier: string): Promise<boolean> {
    const n = await this.db.change(
      "DELETE FROM function_event_invoke_configs WHERE function_id = $1 AND qualifier = $2",
      [functionId, qualifier],
    );
    return n > 0;
  }

  async listEventInvokeConfigs(
    functionId: number,
    after: string,
    limit: number,
  ): Promise<EventInvokeConfig[]> {
    const rows = await this.db.query<EventInvokeConfigRow>(
      `SELECT * FROM function_event_invoke_configs WHERE function_id = $1 AND qualifier COLLATE "C" > $2
       ORDER BY qualifier COLLATE "C" LIMIT $3`,
      [functionId, after, limit],
    );
    return rows.map(toEventInvokeConfig);
  }

  async usage(accountId: string, region: string): Promise<AccountUsage> {
    const [functions] = await this.db.query<{ count: number; bytes: number }>(
      `SELECT COUNT(*)::bigint AS count, COALESCE(SUM(code_size), 0)::bigint AS bytes FROM functions
       WHERE account_id = $1 AND region = $2`,
      [accountId, region],
    );
    // aws-deploy-api.md §3.1 #8: every published version counts its code, even the same code as $LATEST.
    const [versions] = await this.db.query<{ bytes: number }>(
      `SELECT COALESCE(SUM(v.code_size), 0)::bigint AS bytes FROM function_versions v
       JOIN functions f ON f.id = v.function_id WHERE f.account_id = $1 AND f.region = $2`,
      [accountId, region],
    );
    const [layers] = await this.db.query<{ bytes: number }>(
      `SELECT COALESCE(SUM(v.code_size), 0)::bigint AS bytes FROM layer_versions v
       JOIN layers l ON l.id = v.layer_id WHERE l.account_id = $1 AND l.region = $2`,
      [accountId, region],
    );
    return {
      totalCodeSize: (functions?.bytes ?? 0) + (versions?.bytes ?? 0) + (layers?.bytes ?? 0),
      functionCount: functions?.count ?? 0,
    };
  }
}
