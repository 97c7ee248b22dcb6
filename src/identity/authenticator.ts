/**
 * Turns a request into its RequestContext. Lenient (the default): the signature is read for the access key and
 * region, never checked; keys AssumeRole issued map to their assumed role. Strict (`--auth strict`): the key must
 * be configured or issued, and the SigV4 signature, payload hash and time are verified as AWS verifies them.
 */
import type { IncomingHttpHeaders } from "node:http";
import {
  contextFor,
  credentialScope,
  principalContext,
  type Principal,
  type RequestContext,
} from "./context.js";
import { uniqueId } from "./ids.js";
import type { CredentialRepository } from "../storage/types.js";
import type { Clock } from "../util/clock.js";
import type { ConfiguredKey } from "./credentials.js";
import {
  ExpiredTokenException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from "./errors.js";
import { parseSignature, verifySignature } from "./sigv4.js";

/** The request as the authenticator sees it. */
export interface IncomingRequest {
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: URLSearchParams;
}

/** Derives (and in strict mode checks) who sent a request. */
export interface Authenticator {
  /** The caller's context; throws an AuthError when strict checking refuses the request. */
  context(requestId: string, req: IncomingRequest, body: Buffer | undefined): Promise<RequestContext>;
}

/** The lenient authenticator: docs/reference/identity.md §1's identity rule plus issued keys. */
export class LenientAuthenticator implements Authenticator {
  constructor(
    private readonly defaultRegion: string,
    private readonly issued: CredentialRepository,
  ) {}

  async context(requestId: string, req: IncomingRequest): Promise<RequestContext> {
    const scope = credentialScope(req.headers, req.query);
    const key = scope?.accessKeyId;
    // Only issued keys (ASIA…) reach storage, so account-id and other keys cost no lookup; the principal is
    // fetched before contextFor, whose lookup is synchronous.
    const principal: Principal | undefined = key?.startsWith("ASIA") ? await this.issued.get(key) : undefined;
    return contextFor(requestId, scope, this.defaultRegion, principal && (() => principal));
  }
}

/** The strict authenticator: only configured or issued keys, with verified signatures. */
export class StrictAuthenticator implements Authenticator {
  constructor(
    private readonly keys: ReadonlyMap<string, ConfiguredKey>,
    private readonly issued: CredentialRepository,
    private readonly clock: Clock,
  ) {}

  async context(requestId: string, req: IncomingRequest, body: Buffer | undefined): Promise<RequestContext> {
    const sig = parseSignature(req.headers, req.query);
    if (!sig) {
      throw new MissingAuthenticationTokenException();
    }
    const now = this.clock();
    const configured = this.keys.get(sig.accessKeyId);
    let secret: string;
    let principal: Principal;
    let expiresAt = Infinity;
    if (configured) {
      secret = configured.secretAccessKey;
      principal = {
        accountId: configured.accountId,
        arn: `arn:aws:iam::${configured.accountId}:user/${configured.userName}`,
        userId: uniqueId("AIDA", configured.accessKeyId),
      };
    } else {
      const issued = await this.issued.get(sig.accessKeyId);
      // A temporary key is only valid together with the session token it was issued with.
      if (!issued || sig.sessionToken !== issued.sessionToken) {
        throw new UnrecognizedClientException();
      }
      secret = issued.secretAccessKey;
      principal = issued;
      expiresAt = issued.expiresAt;
    }
    verifySignature(
      { method: req.method, rawUrl: req.rawUrl, headers: req.headers, body: body ?? Buffer.alloc(0) },
      sig,
      secret,
      now,
    );
    if (expiresAt < now.getTime()) {
      throw new ExpiredTokenException();
    }
    const credentials = {
      accessKeyId: sig.accessKeyId,
      secretAccessKey: secret,
      sessionToken: sig.sessionToken,
    };
    // Verified: lamina may sign for this caller too (code it reads from S3 with the caller's own rights).
    return { ...principalContext(requestId, principal, sig.region), signingCredentials: () => credentials };
  }
}
