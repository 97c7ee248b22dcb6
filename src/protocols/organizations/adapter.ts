/**
 * The Organizations adapter: JSON 1.1 (`POST /`, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`), dispatched to the service by operation name; errors as
 * `{"__type", "Message"}` with `x-amzn-ErrorType`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { LambdaError } from "../../errors.js";
import type { Authenticator } from "../../identity/authenticator.js";
import type { RequestContext } from "../../identity/context.js";
import { OrganizationsError } from "../../domain/organizations/errors.js";
import type { OrganizationsService } from "../../domain/organizations/service.js";
import { INTERNAL_ERROR_MESSAGE, readSignedRequest, writeTyped, type ProtocolAdapter } from "../http.js";

const CONTENT_TYPE = "application/x-amz-json-1.1";

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
export async function handleOrganizations(
  service: OrganizationsService,
  ctx: RequestContext,
  operation: string,
  body: Buffer,
): Promise<Record<string, unknown>> {
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
  const out = await op(service, ctx, input as Record<string, unknown>);
  return (out as Record<string, unknown> | undefined) ?? {};
}

/** What the adapter needs. */
export interface OrganizationsAdapterDeps {
  readonly auth: Authenticator;
  readonly organizations: OrganizationsService;
  readonly log: Logger;
}

/** The Organizations adapter: `POST /` with an `X-Amz-Target` of the Organizations model. */
export function organizationsAdapter(deps: OrganizationsAdapterDeps): ProtocolAdapter {
  return {
    accepts: (req, url) =>
      url.pathname === "/" &&
      req.method === "POST" &&
      typeof req.headers["x-amz-target"] === "string" &&
      req.headers["x-amz-target"].startsWith(ORGANIZATIONS_TARGET_PREFIX),
    serve: (req, res, url, requestId) => serve(deps, req, res, url, requestId),
  };
}

async function serve(
  deps: OrganizationsAdapterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const target = String(req.headers["x-amz-target"]);
  try {
    const { body, ctx } = await readSignedRequest(deps.auth, req, res, url, requestId);
    const out = await handleOrganizations(
      deps.organizations,
      ctx,
      target.slice(ORGANIZATIONS_TARGET_PREFIX.length),
      body,
    );
    writeTyped(res, 200, CONTENT_TYPE, JSON.stringify(out), requestId);
  } catch (err) {
    const e = jsonServiceError(deps.log, err, requestId);
    writeTyped(res, e.status, CONTENT_TYPE, JSON.stringify(e.body), requestId, e.code);
  }
}

/** A JSON 1.1 error: `{"__type", "Message"}`, or `message` for the front door's signature errors (as AWS). */
function jsonServiceError(
  log: Logger,
  err: unknown,
  requestId: string,
): { status: number; code: string; body: object } {
  if (err instanceof OrganizationsError) {
    return { status: err.status, code: err.code, body: err.body() };
  }
  if (err instanceof LambdaError) {
    return { status: err.status, code: err.code, body: { __type: err.code, message: err.message } };
  }
  log.error({ err, requestId }, "unexpected error");
  return {
    status: 500,
    code: "ServiceException",
    body: { __type: "ServiceException", Message: INTERNAL_ERROR_MESSAGE },
  };
}
