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
import type { CredentialStore } from "../storage/sqlite/credentials.js";
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
  private readonly lookup: (key: string) => Principal | undefined;

  constructor(
    private readonly defaultRegion: string,
    issued: CredentialStore,
  ) {
    this.lookup = (key) => (key.startsWith("ASIA") ? issued.get(key) : undefined);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async for stores that are
  async context(requestId: string, req: IncomingRequest): Promise<RequestContext> {
    return contextFor(requestId, credentialScope(req.headers, req.query), this.defaultRegion, this.lookup);
  }
}

/** The strict authenticator: only configured or issued keys, with verified signatures. */
export class StrictAuthenticator implements Authenticator {
  constructor(
    private readonly keys: ReadonlyMap<string, ConfiguredKey>,
    private readonly issued: CredentialStore,
    private readonly clock: Clock,
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async for stores that are
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
      const issued = this.issued.get(sig.accessKeyId);
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
    return principalContext(requestId, principal, sig.region);
  }
}
