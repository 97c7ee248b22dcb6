/** The STS front: a query-protocol request body in, an XML answer (or XML error) out. */
import type { RequestContext } from "../http/context.js";
import { callerIdentity, StsError, type StsService } from "./service.js";
import { successXml } from "./xml.js";

/** The API version STS's query protocol carries (`Version=2011-06-15`). */
export const STS_VERSION = "2011-06-15";

/** Answers one STS request; throws StsError for the caller's mistakes. */
export function handleSts(service: StsService, ctx: RequestContext, params: URLSearchParams): string {
  const action = params.get("Action") ?? "";
  switch (action) {
    case "GetCallerIdentity":
      return successXml("GetCallerIdentity", callerIdentity(ctx), ctx.requestId);
    case "AssumeRole": {
      const c = service.assumeRole({
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
