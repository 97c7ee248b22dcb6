/**
 * Layer versions and policy statements as both SQL backends store them (the same columns; JSON lists kept as the
 * text they were given), and the one decoder from a row to a LayerVersion record.
 */
import type { LayerVersion } from "./types.js";

/** A layer version row joined with its layer's identity. */
export interface LayerVersionRow {
  readonly layer_id: number;
  readonly account_id: string;
  readonly region: string;
  readonly name: string;
  readonly version: number;
  readonly description: string;
  /** 0 when the publish gave no Description (the column then holds ""); rows from before the flag are 1. */
  readonly description_given: number;
  readonly license_info: string | null;
  readonly compatible_runtimes: string | null;
  readonly compatible_architectures: string | null;
  readonly created_date: string;
  readonly code_sha256: string;
  readonly code_size: number;
  readonly policy_revision_id: string | null;
  readonly [column: string]: unknown;
}

/** A policy statement row. */
export interface StatementRow {
  readonly sid: string;
  readonly statement: string;
  readonly principal_account: string | null;
  readonly organization_id: string | null;
  readonly [column: string]: unknown;
}

function parseList(text: string | null): string[] | undefined {
  return text === null ? undefined : (JSON.parse(text) as string[]);
}

/** The record of a layer version row, decoded once. */
export function toLayerVersion(row: LayerVersionRow): LayerVersion {
  return {
    layerId: row.layer_id,
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    version: row.version,
    description: row.description_given ? row.description : undefined,
    licenseInfo: row.license_info ?? undefined,
    compatibleRuntimes: parseList(row.compatible_runtimes),
    compatibleArchitectures: parseList(row.compatible_architectures),
    createdDate: row.created_date,
    sha256Hex: row.code_sha256,
    codeSize: row.code_size,
    policyRevisionId: row.policy_revision_id ?? undefined,
  };
}
