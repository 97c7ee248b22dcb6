/**
 * Who is calling, from where: the RequestContext every handler receives.
 * Identity follows `../shared/DESIGN.md` §1: a 12-digit access key id *is* the account id (LocalStack's
 * convention), any other key is the default account; the region is the SigV4 credential scope's. Unsigned
 * requests get the default account and lamina's `--region`. Signatures are not verified here.
 */
import type { IncomingHttpHeaders } from "node:http";
import { accountRootArn, partitionOf } from "../arn.js";

/** The account used for unsigned requests and non-numeric access keys. */
export const DEFAULT_ACCOUNT_ID = "000000000000";

/** Identity and request id, derived once per request and passed down. */
export interface RequestContext {
  readonly requestId: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** The caller's principal ARN as AWS's AccessDeniedException texts name it. */
  readonly callerArn: string;
}

// Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request
const CREDENTIAL_RE = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;
const QUERY_CREDENTIAL_RE = /^([^/]+)\/\d{8}\/([^/]+)\/[^/]+\/aws4_request$/;
const ACCOUNT_KEY_RE = /^\d{12}$/;

/** Builds the context from the Authorization header (or presigned query) of a request. */
export function identify(
  requestId: string,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  defaultRegion: string,
): RequestContext {
  let accessKey: string | undefined;
  let region: string | undefined;
  const auth = headers.authorization;
  const m = auth ? CREDENTIAL_RE.exec(auth) : null;
  if (m) {
    accessKey = m[1];
    region = m[2];
  } else {
    const q = QUERY_CREDENTIAL_RE.exec(query.get("X-Amz-Credential") ?? "");
    if (q) {
      accessKey = q[1];
      region = q[2];
    }
  }
  const accountId = accessKey && ACCOUNT_KEY_RE.test(accessKey) ? accessKey : DEFAULT_ACCOUNT_ID;
  const finalRegion = region ?? defaultRegion;
  const partition = partitionOf(finalRegion);
  return {
    requestId,
    accountId,
    region: finalRegion,
    partition,
    callerArn: accountRootArn(partition, accountId),
  };
}
