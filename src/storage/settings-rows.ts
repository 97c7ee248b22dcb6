/**
 * The rows of reserved concurrency and event-invoke configs as both SQL backends store them, and the one decoder
 * and encoder between them and `EventInvokeConfig` records.
 */
import type { EventInvokeConfig } from "./types.js";

/** An event-invoke config row. */
export interface EventInvokeConfigRow {
  readonly qualifier: string;
  readonly maximum_retry_attempts: number | null;
  readonly maximum_event_age: number | null;
  readonly on_success: string | null;
  readonly on_failure: string | null;
  readonly last_modified: number;
  readonly [column: string]: unknown;
}

/** The columns of a config, in the order `EVENT_INVOKE_CONFIG_COLUMNS` names them. */
export const EVENT_INVOKE_CONFIG_COLUMNS = [
  "qualifier",
  "maximum_retry_attempts",
  "maximum_event_age",
  "on_success",
  "on_failure",
  "last_modified",
] as const;

/** A config's column values, in `EVENT_INVOKE_CONFIG_COLUMNS` order. */
export function eventInvokeConfigValues(c: EventInvokeConfig): unknown[] {
  return [
    c.qualifier,
    c.maximumRetryAttempts ?? null,
    c.maximumEventAgeInSeconds ?? null,
    c.onSuccess ? JSON.stringify(c.onSuccess) : null,
    c.onFailure ? JSON.stringify(c.onFailure) : null,
    c.lastModified,
  ];
}

/** Decodes a config row. */
export function toEventInvokeConfig(row: EventInvokeConfigRow): EventInvokeConfig {
  const side = (text: string | null) =>
    text === null ? undefined : (JSON.parse(text) as { destination: string | undefined });
  return {
    qualifier: row.qualifier,
    maximumRetryAttempts: row.maximum_retry_attempts ?? undefined,
    maximumEventAgeInSeconds: row.maximum_event_age ?? undefined,
    onSuccess: side(row.on_success),
    onFailure: side(row.on_failure),
    lastModified: Number(row.last_modified),
  };
}
