/**
 * Layer version policies: statements as AWS writes them, the policy document, and the check of a statement list
 * against a caller. Texts and shapes: `docs/reference/aws-layer-semantics.md` §2.3 and §3 E.
 */
import { accountRootArn } from "../../arn.js";
import type { OrganizationDirectory } from "../../identity/organizations.js";
import type { PolicyStatement } from "../../storage/types.js";

/** The only action a layer version policy can grant (§3 #41). */
export const GET_LAYER_VERSION_ACTION = "lambda:GetLayerVersion";

const ROOT_ARN_ACCOUNT_RE = /^arn:[^:]+:iam::(\d{12}):root$/;

/** The statement for a grant: its JSON as AWS returns it, plus the members the check reads. */
export function buildStatement(input: {
  sid: string;
  principal: string;
  organizationId: string | undefined;
  resourceArn: string;
  partition: string;
}): PolicyStatement {
  let principal: unknown = "*";
  let principalAccount: string | null = null;
  if (input.principal !== "*") {
    const fromArn = ROOT_ARN_ACCOUNT_RE.exec(input.principal)?.[1];
    principalAccount = fromArn ?? input.principal;
    principal = { AWS: fromArn ? input.principal : accountRootArn(input.partition, input.principal) };
  }
  // Key order Sid, Effect, Principal, Action, Resource, Condition: AWS's (§1.2).
  const statement: Record<string, unknown> = {
    Sid: input.sid,
    Effect: "Allow",
    Principal: principal,
    Action: GET_LAYER_VERSION_ACTION,
    Resource: input.resourceArn,
  };
  if (input.organizationId) {
    statement.Condition = { StringEquals: { "aws:PrincipalOrgID": input.organizationId } };
  }
  return {
    sid: input.sid,
    statement: JSON.stringify(statement),
    principalAccount,
    organizationId: input.organizationId ?? null,
  };
}

/**
 * The policy document AWS returns from GetLayerVersionPolicy and GetPolicy, statements in insertion order
 * (`docs/reference/aws-deploy-api.md` §1.2: `Version`, `Id`, `Statement`).
 */
export function policyDocument(statements: readonly { readonly statement: string }[]): string {
  return `{"Version":"2012-10-17","Id":"default","Statement":[${statements.map((s) => s.statement).join(",")}]}`;
}

/**
 * Whether any statement lets `accountId` call lambda:GetLayerVersion: its principal is that account or `*`, and
 * its organization condition, if any, holds for that account now.
 */
export async function allowsGetLayerVersion(
  statements: readonly PolicyStatement[],
  accountId: string,
  organizations: OrganizationDirectory,
): Promise<boolean> {
  for (const s of statements) {
    if (s.principalAccount !== null && s.principalAccount !== accountId) {
      continue;
    }
    // Membership is asked only for statements whose principal matches, as the check short-circuits in AWS too.
    if (s.organizationId === null || (await organizations.isMember(s.organizationId, accountId))) {
      return true;
    }
  }
  return false;
}
