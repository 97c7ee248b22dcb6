/**
 * Layer version policies: statements as AWS writes them, the policy document, and the check of a statement list
 * against a caller. Texts and shapes: `docs/reference/aws-layer-semantics.md` §2.3 and §3 E.
 */
import { accountRootArn } from "../arn.js";
import type { StatementRow } from "./store.js";

/** The only action a layer version policy can grant (§3 #41). */
export const GET_LAYER_VERSION_ACTION = "lambda:GetLayerVersion";

/** Who belongs to which AWS Organization, at the moment of a check. */
export interface OrganizationDirectory {
  /** Whether `accountId` is a member of `organizationId` now. */
  isMember(organizationId: string, accountId: string): boolean;
}

/** An organization directory backed by a fixed map (`--organization o-…=acct,acct`). */
export class StaticOrganizations implements OrganizationDirectory {
  private readonly members: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(organizations: Readonly<Record<string, readonly string[]>>) {
    this.members = new Map(Object.entries(organizations).map(([org, accts]) => [org, new Set(accts)]));
  }

  isMember(organizationId: string, accountId: string): boolean {
    return this.members.get(organizationId)?.has(accountId) ?? false;
  }
}

/**
 * A directory that asks several in turn: configured organizations (`--organization`) and those created through
 * the Organizations API. An account is a member when any of them says so.
 */
export class CombinedOrganizations implements OrganizationDirectory {
  constructor(private readonly directories: readonly OrganizationDirectory[]) {}

  isMember(organizationId: string, accountId: string): boolean {
    return this.directories.some((d) => d.isMember(organizationId, accountId));
  }
}

const ROOT_ARN_ACCOUNT_RE = /^arn:[^:]+:iam::(\d{12}):root$/;

/** The statement row for a grant: its JSON as AWS returns it, plus the columns the check reads. */
export function buildStatement(input: {
  sid: string;
  principal: string;
  organizationId: string | undefined;
  resourceArn: string;
  partition: string;
}): StatementRow {
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
    principal_account: principalAccount,
    organization_id: input.organizationId ?? null,
  };
}

/** The policy document AWS returns from GetLayerVersionPolicy, statements in insertion order. */
export function policyDocument(statements: readonly StatementRow[]): string {
  return `{"Version":"2012-10-17","Id":"default","Statement":[${statements.map((s) => s.statement).join(",")}]}`;
}

/**
 * Whether any statement lets `accountId` call lambda:GetLayerVersion: its principal is that account or `*`, and
 * its organization condition, if any, holds for that account now.
 */
export function allowsGetLayerVersion(
  statements: readonly StatementRow[],
  accountId: string,
  organizations: OrganizationDirectory,
): boolean {
  return statements.some(
    (s) =>
      (s.principal_account === null || s.principal_account === accountId) &&
      (s.organization_id === null || organizations.isMember(s.organization_id, accountId)),
  );
}
