/**
 * Function policy statements as both SQL backends store them, and the one decoder from rows to a FunctionPolicy.
 */
import type { FunctionPolicy, FunctionPolicyStatement } from "./types.js";

/** A function policy statement row, with its policy's RevisionId (the rows are read joined). */
export interface FunctionPolicyRow {
  readonly revision_id: string;
  readonly sid: string;
  readonly statement: string;
  readonly action: string;
  readonly principal: string;
  readonly organization_id: string | null;
  readonly source_conditions: number;
  readonly [column: string]: unknown;
}

/** The select list both backends read a policy with, statements in insertion order. */
export const FUNCTION_POLICY_SELECT = `
  SELECT p.revision_id, s.sid, s.statement, s.action, s.principal, s.organization_id, s.source_conditions
  FROM function_policies p
  JOIN function_policy_statements s ON s.function_id = p.function_id AND s.qualifier = p.qualifier`;

/** The statement's column values after (function_id, qualifier, sid, seq): statement … source_conditions. */
export function statementValues(s: FunctionPolicyStatement): unknown[] {
  return [s.statement, s.action, s.principal, s.organizationId, s.sourceConditions ? 1 : 0];
}

/** The policy the rows describe, undefined when there are none. */
export function toFunctionPolicy(rows: readonly FunctionPolicyRow[]): FunctionPolicy | undefined {
  const first = rows[0];
  if (!first) {
    return undefined;
  }
  return {
    revisionId: first.revision_id,
    statements: rows.map((r) => ({
      sid: r.sid,
      statement: r.statement,
      action: r.action,
      principal: r.principal,
      organizationId: r.organization_id,
      sourceConditions: r.source_conditions !== 0,
    })),
  };
}
