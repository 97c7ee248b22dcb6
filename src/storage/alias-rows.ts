/**
 * Aliases as both SQL backends store them (the same columns; routing weights kept as JSON text), and the one
 * decoder from a row to an Alias record.
 */
import type { Alias } from "./types.js";

/** An alias row as stored. */
export interface AliasRow {
  readonly function_id: number;
  readonly name: string;
  readonly function_version: string;
  readonly description: string;
  readonly revision_id: string;
  readonly routing_config: string | null;
  readonly [column: string]: unknown;
}

/** Decodes an alias row. */
export function toAlias(row: AliasRow): Alias {
  return {
    functionId: row.function_id,
    name: row.name,
    functionVersion: row.function_version,
    description: row.description,
    revisionId: row.revision_id,
    additionalVersionWeights:
      row.routing_config === null ? undefined : (JSON.parse(row.routing_config) as Record<string, number>),
  };
}

/** The stored `routing_config` of an alias: its weights as JSON, or null without routing. */
export function routingOf(a: Alias): string | null {
  return a.additionalVersionWeights ? JSON.stringify(a.additionalVersionWeights) : null;
}
