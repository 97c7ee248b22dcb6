/** Function resource policies on SQLite. */
import { FUNCTION_POLICY_SELECT, toFunctionPolicy, type FunctionPolicyRow } from "../policy-rows.js";
import type { FunctionPolicy, FunctionPolicyRepository, FunctionPolicyStatement } from "../types.js";
import type { Db } from "./db.js";

function prepareStatements(db: Db) {
  const q = (sql: string) => db.prepare(sql);
  return {
    get: q(`${FUNCTION_POLICY_SELECT} WHERE p.function_id = ? AND p.qualifier = ? ORDER BY s.seq`),
    setRevision: q(`
      INSERT INTO function_policies (function_id, qualifier, revision_id) VALUES (?, ?, ?)
      ON CONFLICT (function_id, qualifier) DO UPDATE SET revision_id = excluded.revision_id`),
    insertStatement: q(`
      INSERT INTO function_policy_statements
        (function_id, qualifier, sid, seq, statement, action, principal, organization_id, source_conditions)
      VALUES (@functionId, @qualifier, @sid,
        (SELECT COALESCE(MAX(seq), 0) + 1 FROM function_policy_statements
         WHERE function_id = @functionId AND qualifier = @qualifier),
        @statement, @action, @principal, @organizationId, @sourceConditions)`),
    deleteStatement: q(
      "DELETE FROM function_policy_statements WHERE function_id = ? AND qualifier = ? AND sid = ?",
    ),
    remaining: q(
      "SELECT COUNT(*) AS n FROM function_policy_statements WHERE function_id = ? AND qualifier = ?",
    ),
    deletePolicy: q("DELETE FROM function_policies WHERE function_id = ? AND qualifier = ?"),
  };
}

/** The policy tables. */
export class SqliteFunctionPolicies implements FunctionPolicyRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Db) {
    this.s = prepareStatements(db);
  }

  async get(functionId: number, qualifier: string): Promise<FunctionPolicy | undefined> {
    return toFunctionPolicy(this.s.get.all(functionId, qualifier) as FunctionPolicyRow[]);
  }

  async addStatement(
    functionId: number,
    qualifier: string,
    statement: FunctionPolicyStatement,
    revisionId: string,
  ): Promise<void> {
    this.s.setRevision.run(functionId, qualifier, revisionId);
    this.s.insertStatement.run({
      functionId,
      qualifier,
      sid: statement.sid,
      statement: statement.statement,
      action: statement.action,
      principal: statement.principal,
      organizationId: statement.organizationId,
      sourceConditions: statement.sourceConditions ? 1 : 0,
    });
  }

  async removeStatement(
    functionId: number,
    qualifier: string,
    sid: string,
    revisionId: string,
  ): Promise<boolean> {
    if (this.s.deleteStatement.run(functionId, qualifier, sid).changes === 0) {
      return false;
    }
    const { n } = this.s.remaining.get(functionId, qualifier) as { n: number };
    if (n === 0) {
      this.s.deletePolicy.run(functionId, qualifier);
    } else {
      this.s.setRevision.run(functionId, qualifier, revisionId);
    }
    return true;
  }

  async deletePolicy(functionId: number, qualifier: string): Promise<void> {
    this.s.deletePolicy.run(functionId, qualifier);
  }
}
