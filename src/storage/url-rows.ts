/**
 * The rows of function URL configs as both SQL backends store them, and the one decoder and encoder between them
 * and `FunctionUrlConfig` records. The unqualified URL is stored under the qualifier `""` (a key column cannot be
 * NULL), which no alias can be named.
 */
import type { FunctionUrlConfig, FunctionUrlCors, FunctionUrlOwner } from "./types.js";

/** A function URL config row (with the owner's columns when joined to its function). */
export interface FunctionUrlRow {
  readonly function_id: number;
  readonly qualifier: string;
  readonly url_id: string;
  readonly auth_type: string;
  readonly cors: string | null;
  readonly invoke_mode: string | null;
  readonly creation_time: string;
  readonly last_modified_time: string;
  readonly [column: string]: unknown;
}

/** The columns of a config, in the order `functionUrlValues` gives their values. */
export const FUNCTION_URL_COLUMNS = [
  "function_id",
  "qualifier",
  "url_id",
  "auth_type",
  "cors",
  "invoke_mode",
  "creation_time",
  "last_modified_time",
] as const;

/** The stored form of a qualifier: `""` for the unqualified URL. */
export function storedQualifier(qualifier: string | undefined): string {
  return qualifier ?? "";
}

/** A config's column values, in `FUNCTION_URL_COLUMNS` order. */
export function functionUrlValues(c: FunctionUrlConfig): unknown[] {
  return [
    c.functionId,
    storedQualifier(c.qualifier),
    c.urlId,
    c.authType,
    c.cors === undefined ? null : JSON.stringify(c.cors),
    c.invokeMode ?? null,
    c.creationTime,
    c.lastModifiedTime,
  ];
}

/** Decodes a config row. */
export function toFunctionUrlConfig(row: FunctionUrlRow): FunctionUrlConfig {
  return {
    functionId: Number(row.function_id),
    qualifier: row.qualifier === "" ? undefined : row.qualifier,
    urlId: row.url_id,
    authType: row.auth_type,
    cors: row.cors === null ? undefined : (JSON.parse(row.cors) as FunctionUrlCors),
    invokeMode: row.invoke_mode ?? undefined,
    creationTime: row.creation_time,
    lastModifiedTime: row.last_modified_time,
  };
}

/** The owner columns of a config row joined to its function (`account_id`, `region`, `name`). */
export function toFunctionUrlOwner(row: FunctionUrlRow): FunctionUrlOwner {
  return {
    accountId: String(row.account_id),
    region: String(row.region),
    functionName: String(row.name),
  };
}
