/** Function resource policies on PostgreSQL. */
import {
  FUNCTION_POLICY_SELECT,
  statementValues,
  toFunctionPolicy,
  type FunctionPolicyRow,
} from "../policy-rows.js";
import type { FunctionPolicy, FunctionPolicyRepository, FunctionPolicyStatement } from "../types.js";
import type { PgDb } from "./db.js";

/** The policy tables. */
export class PgFunctionPolicies implements FunctionPolicyRepository {
  constructor(private readonly db: PgDb) {}

  async get(functionId: number, qualifier: string): Promise<FunctionPolicy | undefined> {
    const rows = await this.db.query<FunctionPolicyRow>(
      `${FUNCTION_POLICY_SELECT} WHERE p.function_id = $1 AND p.qualifier = $2 ORDER BY s.seq`,
      [functionId, qualifier],
    );
    return toFunctionPolicy(rows);
  }

  private async setRevision(functionId: number, qualifier: string, revisionId: string): Promise<void> {
    await this.db.change(
      `INSERT INTO function_policies (function_id, qualifier, revision_id) VALUES ($1, $2, $3)
       ON CONFLICT (function_id, qualifier) DO UPDATE SET revision_id = excluded.revision_id`,
      [functionId, qualifier, revisionId],
    );
  }

  async addStatement(
    functionId: number,
    qualifier: string,
    statement: FunctionPolicyStatement,
    revisionId: string,
  ): Promise<void> {
    await this.setRevision(functionId, qualifier, revisionId);
    await this.db.change(
      `INSERT INTO function_policy_statements
         (function_id, qualifier, sid, seq, statement, action, principal, organization_id, source_conditions)
       VALUES ($1, $2, $3,
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM function_policy_statements WHERE function_id = $1 AND qualifier = $2),
         $4, $5, $6, $7, $8)`,
      [functionId, qualifier, statement.sid, ...statementValues(statement)],
    );
  }

  async removeStatement(
    functionId: number,
    qualifier: string,
    sid: string,
    revisionId: string,
  ): Promise<boolean> {
    const removed = await this.db.change(
      "DELETE FROM function_policy_statements WHERE function_id = $1 AND qualifier = $2 AND sid = $3",
      [functionId, qualifier, sid],
    );
    if (removed === 0) {
      return false;
    }
    const [row] = await this.db.query<{ n: number }>(
      "SELECT COUNT(*)::int AS n FROM function_policy_statements WHERE function_id = $1 AND qualifier = $2",
      [functionId, qualifier],
    );
    if ((row?.n ?? 0) === 0) {
      await this.deletePolicy(functionId, qualifier);
    } else {
      await this.setRevision(functionId, qualifier, revisionId);
    }
    return true;
  }

  async deletePolicy(functionId: number, qualifier: string): Promise<void> {
    await this.db.change("DELETE FROM function_policies WHERE function_id = $1 AND qualifier = $2", [
      functionId,
      qualifier,
    ]);
  }
}
