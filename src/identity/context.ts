/**
 * Who is calling, from where: the RequestContext every handler receives.
 * Identity follows `docs/reference/identity.md` §1: a 12-digit access key id *is* the account id (LocalStack's
 * convention), any other key is the default account; the region is the SigV4 credential scope's. Unsigned
 * requests get the default account and lamina's `--region`. Keys lamina issued (AssumeRole's `ASIA…`) and, in
 * strict mode, the configured keys name their own principal through `lookup`. Signatures are verified by
 * `src/auth/`, not here.
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
  /** GetCallerIdentity's UserId; absent for an account's root, whose UserId is the account id. */
  readonly userId?: string;
  /**
   * The credentials the caller signed with, when lamina verified them (strict mode); lenient mode never learns a
   * caller's secret. A function, so the secret never ends up in a log line or a JSON dump of the context.
   */
  readonly signingCredentials?: () => SigningCredentials;
}

/** An access key with its secret (and session token, for temporary keys). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** A principal other than an account's root: an assumed role or a configured IAM user. */
export interface Principal {
  readonly accountId: string;
  readonly arn: string;
  readonly userId: string;
}

/** Resolves an access key lamina knows (issued or configured) to its principal. */
export type PrincipalLookup = (accessKeyId: string) => Principal | undefined;

/** The parts of a SigV4 credential scope: `<key>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

// Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request
const CREDENTIAL_RE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const QUERY_CREDENTIAL_RE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const ACCOUNT_KEY_RE = /^\d{12}$/;

/** The credential scope of a signed request (Authorization header, else presigned query), if any. */
export function credentialScope(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): CredentialScope | undefined {
  const auth = headers.authorization;
  const m =
    (auth ? CREDENTIAL_RE.exec(auth) : null) ?? QUERY_CREDENTIAL_RE.exec(query.get("X-Amz-Credential") ?? "");
  if (!m) {
    return undefined;
  }
  const [, accessKeyId = "", date = "", region = "", service = ""] = m;
  return { accessKeyId, date, region, service };
}

/** Builds the context from the Authorization header (or presigned query) of a request. */
export function identify(
  requestId: string,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  defaultRegion: string,
  lookup?: PrincipalLookup,
): RequestContext {
  return contextFor(requestId, credentialScope(headers, query), defaultRegion, lookup);
}

/** The context for an already parsed scope (or none: unsigned). */
export function contextFor(
  requestId: string,
  scope: CredentialScope | undefined,
  defaultRegion: string,
  lookup?: PrincipalLookup,
): RequestContext {
  const accessKey = scope?.accessKeyId;
  const region = scope?.region ?? defaultRegion;
  const partition = partitionOf(region);
  // Only keys that cannot be account ids are looked up, so the 12-digit rule stays one regex test.
  const principal = accessKey && !ACCOUNT_KEY_RE.test(accessKey) ? lookup?.(accessKey) : undefined;
  if (principal) {
    return principalContext(requestId, principal, region);
  }
  const accountId = accessKey && ACCOUNT_KEY_RE.test(accessKey) ? accessKey : DEFAULT_ACCOUNT_ID;
  return { requestId, accountId, region, partition, callerArn: accountRootArn(partition, accountId) };
}

/** The context of a known principal (assumed role, configured user) signing for `region`. */
export function principalContext(requestId: string, principal: Principal, region: string): RequestContext {
  return {
    requestId,
    accountId: principal.accountId,
    region,
    partition: partitionOf(region),
    callerArn: principal.arn,
    userId: principal.userId,
  };
}
