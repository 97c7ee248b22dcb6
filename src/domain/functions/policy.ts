/**
 * Function resource policies: the statement AddPermission writes, the texts of the policy operations, and the
 * check of a policy against a direct API caller. Shapes and texts: `docs/reference/aws-deploy-api.md` §1.2, §5.
 */
import type { OrganizationDirectory } from "../../identity/organizations.js";
import type { FunctionPolicy, FunctionPolicyStatement } from "../../storage/types.js";

/** AWS's texts for function policies (§5.2). */
export const FUNCTION_POLICY_MESSAGES = {
  /** #44. */
  duplicateSid: (sid: string) =>
    `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
  /** #46. */
  latestUnsupported: "We currently do not support adding policies for $LATEST.",
  /** #47. */
  invalidPrincipal: "The provided principal was invalid. Please check the principal and try again.",
  /** #48, #52: an alias-shaped qualifier that names no alias. */
  aliasNotFound: (arn: string) => `Cannot find alias arn: ${arn}`,
  /** #49 (2025); RemovePermission's current text is not recorded and is taken to be the same. */
  revisionMismatch:
    "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
  /** #50. */
  tooLong: (size: number) => `The final policy size (${size}) is bigger than the limit (${MAX_POLICY_SIZE}).`,
  /** #51. */
  noResource: "The resource you requested does not exist.",
  /** #52. */
  statementNotFound: (sid: string) => `Statement ${sid} is not found in resource policy.`,
  /** #52. */
  noPolicy: "No policy is associated with the given resource.",
  /** #52: RemovePermission on a function that does not exist. */
  noPolicyFound: (arn: string) => `No policy found for: ${arn}`,
  /** §5.3: a caller of another account that no statement allows. */
  accessDenied: (callerArn: string, action: string, resourceArn: string) =>
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resourceArn} because no resource-based policy allows the ${action} action`,
} as const;

/** "Function resource-based policy: 20 KB" (§5.2 #50). */
export const MAX_POLICY_SIZE = 20_480;

/** An alias name as the model writes it: letters, digits, `-`, `_`, not only digits. */
const ALIAS_NAME_RE = /^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/;

/** Whether a qualifier has an alias name's shape (a missing one is then reported as a missing alias, #48). */
export function isAliasShaped(qualifier: string): boolean {
  return ALIAS_NAME_RE.test(qualifier);
}

const ACCOUNT_RE = /^\d{12}$/;
const ROOT_RE = /^arn:[^:]+:iam::(\d{12}):root$/;
const IAM_PRINCIPAL_RE = /^arn:aws[a-zA-Z-]*:iam::\d{12}:(root|user\/\S+|role\/\S+)$/;
const SERVICE_RE = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com$/;
const ROLE_RE = /^arn:([^:]+):iam::(\d{12}):role\/(?:\S*\/)?([^/]+)$/;
const SESSION_RE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/** AddPermission's members after validation. */
export interface PermissionInput {
  readonly statementId: string;
  readonly action: string;
  readonly principal: string;
  readonly sourceArn: string | undefined;
  readonly sourceAccount: string | undefined;
  readonly eventSourceToken: string | undefined;
  readonly principalOrgId: string | undefined;
  readonly functionUrlAuthType: string | undefined;
  readonly revisionId: string | undefined;
}

/**
 * The `Principal` member as the statement holds it: `*`, an IAM ARN (a 12-digit account becomes its root's ARN in
 * the function's partition) or a service principal; undefined when AWS calls it invalid (#47).
 */
export function canonicalPrincipal(principal: string, partition: string): string | undefined {
  if (principal === "*" || IAM_PRINCIPAL_RE.test(principal) || SERVICE_RE.test(principal)) {
    return principal;
  }
  return ACCOUNT_RE.test(principal) ? `arn:${partition}:iam::${principal}:root` : undefined;
}

/** The statement for a permission on `resourceArn`, its JSON written as AWS writes it (§1.2, §5.1). */
export function buildStatement(
  input: PermissionInput,
  principal: string,
  resourceArn: string,
): FunctionPolicyStatement {
  const stringEquals: Record<string, string> = {};
  // The recorded order is SourceAccount, FunctionUrlAuthType, PrincipalOrgID; EventSourceToken's place among them
  // is not recorded (it was seen alone).
  if (input.sourceAccount !== undefined) {
    stringEquals["AWS:SourceAccount"] = input.sourceAccount;
  }
  if (input.eventSourceToken !== undefined) {
    stringEquals["lambda:EventSourceToken"] = input.eventSourceToken;
  }
  if (input.functionUrlAuthType !== undefined) {
    stringEquals["lambda:FunctionUrlAuthType"] = input.functionUrlAuthType;
  }
  if (input.principalOrgId !== undefined) {
    stringEquals["aws:PrincipalOrgID"] = input.principalOrgId;
  }
  const condition: Record<string, unknown> = {};
  if (Object.keys(stringEquals).length > 0) {
    condition.StringEquals = stringEquals;
  }
  if (input.sourceArn !== undefined) {
    condition.ArnLike = { "AWS:SourceArn": input.sourceArn };
  }
  const statement: Record<string, unknown> = {
    Sid: input.statementId,
    Effect: "Allow",
    Principal:
      principal === "*" ? "*" : SERVICE_RE.test(principal) ? { Service: principal } : { AWS: principal },
    Action: input.action,
    Resource: resourceArn,
  };
  if (Object.keys(condition).length > 0) {
    statement.Condition = condition;
  }
  return {
    sid: input.statementId,
    statement: JSON.stringify(statement),
    action: input.action,
    principal,
    organizationId: input.principalOrgId ?? null,
    sourceConditions:
      input.sourceArn !== undefined ||
      input.sourceAccount !== undefined ||
      input.eventSourceToken !== undefined ||
      input.functionUrlAuthType !== undefined,
  };
}

/** Who is calling, as a statement sees it. */
export interface PolicyCaller {
  readonly accountId: string;
  /** The caller's principal ARN: an account's root, an IAM user, or an assumed role's session. */
  readonly callerArn: string;
}

/** Whether a statement's Principal names the caller: `*`, its account's root, its own ARN, or its session's role. */
function principalMatches(principal: string, caller: PolicyCaller): boolean {
  if (principal === "*" || principal === caller.callerArn) {
    return true;
  }
  if (ROOT_RE.exec(principal)?.[1] === caller.accountId) {
    return true;
  }
  const role = ROLE_RE.exec(principal);
  const session = SESSION_RE.exec(caller.callerArn);
  return role !== null && session !== null && role[2] === session[2] && role[3] === session[3];
}

function actionMatches(granted: string, action: string): boolean {
  return granted === action || granted === "*" || granted === "lambda:*";
}

/**
 * Whether `policy` lets the caller perform `action` through a direct API call (§5.3): a statement whose action and
 * principal match, without conditions on the request's source (a direct call carries none of those keys, not even
 * `lambda:FunctionUrlAuthType`, which only calls through a function URL carry: `allowsUrlCaller`), and
 * whose organization condition, if any, holds for the caller's account now.
 */
export async function allowsCaller(
  policy: FunctionPolicy | undefined,
  caller: PolicyCaller,
  action: string,
  organizations: OrganizationDirectory,
): Promise<boolean> {
  for (const s of policy?.statements ?? []) {
    if (s.sourceConditions || !actionMatches(s.action, action) || !principalMatches(s.principal, caller)) {
      continue;
    }
    if (s.organizationId === null || (await organizations.isMember(s.organizationId, caller.accountId))) {
      return true;
    }
  }
  return false;
}

/** The conditions of a statement as a function URL call meets them. */
interface UrlConditions {
  /** The `lambda:FunctionUrlAuthType` the statement asks for, if any. */
  readonly authType: string | undefined;
  /** Whether it also asks for keys a URL call does not carry (SourceArn, SourceAccount, EventSourceToken). */
  readonly otherSourceKeys: boolean;
}

/** Reads the conditions from the statement's JSON, which is stored exactly as AddPermission built it (§5.1). */
function urlConditionsOf(statement: string): UrlConditions {
  const parsed = JSON.parse(statement) as {
    Condition?: { StringEquals?: Record<string, string>; ArnLike?: unknown };
  };
  const stringEquals = parsed.Condition?.StringEquals ?? {};
  return {
    authType: stringEquals["lambda:FunctionUrlAuthType"],
    otherSourceKeys:
      parsed.Condition?.ArnLike !== undefined ||
      Object.keys(stringEquals).some((k) => k !== "lambda:FunctionUrlAuthType" && k !== "aws:PrincipalOrgID"),
  };
}

/**
 * Whether `policy` lets a call through a function URL whose AuthType is `authType` in
 * (`docs/reference/aws-deploy-api.md` §12.3): a statement allowing `lambda:InvokeFunctionUrl` (or `lambda:*`, `*`)
 * whose `lambda:FunctionUrlAuthType` condition is the URL's AuthType. AWS requires that condition for public
 * access; that an `AWS_IAM` grant needs it too is INFERRED (the console writes it). `caller` is undefined for an
 * anonymous (`NONE`) call, which only a `*` principal without an organization condition lets in.
 */
export async function allowsUrlCaller(
  policy: FunctionPolicy | undefined,
  authType: string,
  caller: PolicyCaller | undefined,
  organizations: OrganizationDirectory,
): Promise<boolean> {
  for (const s of policy?.statements ?? []) {
    if (!actionMatches(s.action, "lambda:InvokeFunctionUrl")) {
      continue;
    }
    if (caller === undefined ? s.principal !== "*" : !principalMatches(s.principal, caller)) {
      continue;
    }
    const conditions = urlConditionsOf(s.statement);
    if (conditions.otherSourceKeys || conditions.authType !== authType) {
      continue;
    }
    if (s.organizationId === null) {
      return true;
    }
    if (caller !== undefined && (await organizations.isMember(s.organizationId, caller.accountId))) {
      return true;
    }
  }
  return false;
}
