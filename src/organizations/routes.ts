/**
 * The Organizations front: JSON 1.1 (`POST /`, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`), dispatched to the service by operation name.
 */
import type { RequestContext } from "../http/context.js";
import { OrganizationsError } from "./errors.js";
import type { OrganizationsService } from "./service.js";

/** The target prefix of botocore's organizations/2016-11-28 model (`metadata.targetPrefix`). */
export const ORGANIZATIONS_TARGET_PREFIX = "AWSOrganizationsV20161128.";

type Operation = (s: OrganizationsService, ctx: RequestContext, input: Record<string, unknown>) => unknown;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateOrganization: (s, ctx, i) => s.createOrganization(ctx, i),
  DescribeOrganization: (s, ctx) => s.describeOrganization(ctx),
  DeleteOrganization: (s, ctx) => s.deleteOrganization(ctx),
  ListRoots: (s, ctx) => s.listRoots(ctx),
  CreateAccount: (s, ctx, i) => s.createAccount(ctx, i),
  DescribeCreateAccountStatus: (s, ctx, i) => s.describeCreateAccountStatus(ctx, i),
  ListAccounts: (s, ctx, i) => s.listAccounts(ctx, i),
  DescribeAccount: (s, ctx, i) => s.describeAccount(ctx, i),
  InviteAccountToOrganization: (s, ctx, i) => s.inviteAccount(ctx, i),
  AcceptHandshake: (s, ctx, i) => s.acceptHandshake(ctx, i),
  RemoveAccountFromOrganization: (s, ctx, i) => s.removeAccount(ctx, i),
  LeaveOrganization: (s, ctx) => s.leaveOrganization(ctx),
};

/** Answers one Organizations request: the JSON result (`{}` for operations without output). */
export function handleOrganizations(
  service: OrganizationsService,
  ctx: RequestContext,
  operation: string,
  body: Buffer,
): Record<string, unknown> {
  const op = OPERATIONS[operation];
  if (!op) {
    // The JSON protocol's answer for a target the service does not have (AWS: UnknownOperationException).
    throw new OrganizationsError("UnknownOperationException", `lamina does not implement ${operation}`);
  }
  let input: unknown = {};
  if (body.length > 0) {
    try {
      input = JSON.parse(body.toString("utf8"));
    } catch {
      throw new OrganizationsError(
        "SerializationException",
        "Start of structure or map found where not expected.",
      );
    }
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new OrganizationsError(
      "SerializationException",
      "Start of structure or map found where not expected.",
    );
  }
  const out = op(service, ctx, input as Record<string, unknown>);
  return (out as Record<string, unknown> | undefined) ?? {};
}
