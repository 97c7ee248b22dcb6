/**
 * The STS adapter: the AWS query protocol, a form-encoded body in, an XML answer (or XML error) out. A request is
 * STS's when its credential scope names `sts`, or, unsigned, when it is a form post to `/` without a target.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { LambdaError } from "../../errors.js";
import type { Authenticator } from "../../identity/authenticator.js";
import { credentialScope, type RequestContext } from "../../identity/context.js";
import { AuthError } from "../../identity/errors.js";
import { callerIdentity, StsError, type StsService } from "../../identity/sts.js";
import { INTERNAL_ERROR_MESSAGE, readSignedRequest, writeTyped, type ProtocolAdapter } from "../http.js";
import { errorXml, successXml } from "./xml.js";

/** The API version STS's query protocol carries (`Version=2011-06-15`). */
export const STS_VERSION = "2011-06-15";

/** Answers one STS request; throws StsError for the caller's mistakes. */
export async function handleSts(
  service: StsService,
  ctx: RequestContext,
  params: URLSearchParams,
): Promise<string> {
  const action = params.get("Action") ?? "";
  switch (action) {
    case "GetCallerIdentity":
      return successXml("GetCallerIdentity", callerIdentity(ctx), ctx.requestId);
    case "AssumeRole": {
      const c = await service.assumeRole({
        roleArn: params.get("RoleArn"),
        roleSessionName: params.get("RoleSessionName"),
        durationSeconds: params.get("DurationSeconds"),
      });
      return successXml(
        "AssumeRole",
        {
          Credentials: {
            AccessKeyId: c.accessKeyId,
            SecretAccessKey: c.secretAccessKey,
            SessionToken: c.sessionToken,
            Expiration: new Date(c.expiresAt).toISOString(),
          },
          AssumedRoleUser: { AssumedRoleId: c.userId, Arn: c.arn },
        },
        ctx.requestId,
      );
    }
    default:
      // The query protocol's answer for an action the service does not have.
      throw new StsError("InvalidAction", `Could not find operation ${action} for version ${STS_VERSION}`);
  }
}

/** What the adapter needs. */
export interface StsAdapterDeps {
  readonly auth: Authenticator;
  readonly sts: StsService;
  readonly log: Logger;
}

/** The STS adapter. */
export function stsAdapter(deps: StsAdapterDeps): ProtocolAdapter {
  return {
    accepts: (req, url) => {
      if (url.pathname !== "/" || req.method !== "POST" || req.headers["x-amz-target"] !== undefined) {
        return false;
      }
      const service = credentialScope(req.headers, url.searchParams)?.service;
      return (
        service === "sts" ||
        (service === undefined &&
          (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
      );
    },
    serve: (req, res, url, requestId) => serve(deps, req, res, url, requestId),
  };
}

async function serve(
  deps: StsAdapterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  try {
    const { body, ctx } = await readSignedRequest(deps.auth, req, res, url, requestId);
    const xml = await handleSts(deps.sts, ctx, new URLSearchParams(body.toString("utf8")));
    writeTyped(res, 200, "text/xml", xml, requestId);
  } catch (err) {
    const e = stsError(deps.log, err, requestId);
    writeTyped(
      res,
      e.status,
      "text/xml",
      errorXml(e.code, e.message, requestId, e.status >= 500 ? "Receiver" : "Sender"),
      requestId,
    );
  }
}

/** An STS error's code, status and message; signature failures under STS's own names. */
function stsError(
  log: Logger,
  err: unknown,
  requestId: string,
): { status: number; code: string; message: string } {
  if (err instanceof StsError) {
    return { status: err.status, code: err.code, message: err.message };
  }
  if (err instanceof AuthError) {
    return { status: err.status, code: err.stsCode, message: err.message };
  }
  if (err instanceof LambdaError) {
    return { status: err.status, code: err.code, message: err.message };
  }
  log.error({ err, requestId }, "unexpected error");
  return { status: 500, code: "InternalFailure", message: INTERNAL_ERROR_MESSAGE };
}
