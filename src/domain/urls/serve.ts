/**
 * Serving one request to a function URL (`docs/reference/aws-deploy-api.md` §12): the URL is found by its
 * `<url-id>` alone, a CORS preflight is answered by the URL, the caller is authorized as the URL's AuthType says
 * (SigV4 checked by the server's authenticator, so strict mode verifies it), the 2.0 event is built, the function
 * runs through the same path as Invoke, and its answer is mapped to the HTTP response.
 */
import type { IncomingHttpHeaders } from "node:http";
import { AccessDeniedException, LambdaError, TooManyRequestsException } from "../../errors.js";
import type { Authenticator } from "../../identity/authenticator.js";
import { InvalidSignatureException } from "../../identity/errors.js";
import { parseSignature } from "../../identity/sigv4.js";
import type { FunctionUrlConfig, FunctionVersion, Storage } from "../../storage/types.js";
import type { Clock } from "../../util/clock.js";
import type { FunctionPermissionService } from "../functions/permissions.js";
import type { Invoker } from "../invoke/invoker.js";
import { URL_FORBIDDEN_MESSAGE, urlInvokeAllowed } from "./access.js";
import type { UrlHost } from "./address.js";
import { isPreflight, preflightResponse, withCors } from "./cors.js";
import { buildUrlEvent, type IamAuthorizer, type UrlRequest } from "./event.js";
import { resolveUrlQualifier } from "./qualifier.js";
import { errorResponse, functionErrorResponse, mapFunctionResult, type UrlResponse } from "./response.js";

/** A URL request with what signature checking reads of it. */
export interface SignedUrlRequest extends UrlRequest {
  /** The headers exactly as received (signature checking reads them as signed). */
  readonly rawHeaders: IncomingHttpHeaders;
}

/** An AWS_IAM URL signed for another service: AWS's text for such scopes elsewhere (INFERRED for Lambda URLs). */
const WRONG_SERVICE_MESSAGE = "Credential should be scoped to correct service: 'lambda'. ";

/** Serves function URLs. */
export class FunctionUrlServer {
  constructor(
    private readonly storage: Storage,
    private readonly invoker: Invoker,
    private readonly permissions: FunctionPermissionService,
    private readonly auth: Authenticator,
    private readonly clock: Clock,
  ) {}

  /** The response to `req`, addressed to the URL `host` names; `requestId` is also the invocation's id. */
  async serve(host: UrlHost, req: SignedUrlRequest, requestId: string): Promise<UrlResponse> {
    const found = await this.storage.functionUrls.byUrlId(host.urlId);
    // §12.6: an unknown url id is a 403 with a null message (also one asked for under another region's name).
    if (!found || found.owner.region !== host.region) {
      return errorResponse(new AccessDeniedException(null));
    }
    const { config, owner } = found;
    const latest = await this.storage.functions.get(owner.accountId, owner.region, owner.functionName);
    const fn = latest && (await resolveUrlQualifier(this.storage, latest, config.qualifier));
    if (!fn) {
      // §12.6: the URL of an alias that is gone.
      return errorResponse(new AccessDeniedException(URL_FORBIDDEN_MESSAGE));
    }
    const origin = req.headers.origin?.[0];
    if (config.cors !== undefined && isPreflight(req.method, req.headers)) {
      return preflightResponse(config.cors, origin);
    }
    let iam: IamAuthorizer | undefined;
    try {
      iam = await this.authorize(fn, config, req, requestId);
    } catch (err) {
      if (err instanceof LambdaError) {
        return withCors(config.cors, origin, errorResponse(err));
      }
      throw err;
    }
    const event = buildUrlEvent(req, { urlId: config.urlId, requestId, now: this.clock(), iam });
    return withCors(config.cors, origin, await this.run(fn, config, requestId, event));
  }

  /**
   * Checks the caller against the URL's AuthType and the function's permissions; for `AWS_IAM` returns who signed.
   * Throws the 403 to answer.
   */
  private async authorize(
    fn: FunctionVersion,
    config: FunctionUrlConfig,
    req: SignedUrlRequest,
    requestId: string,
  ): Promise<IamAuthorizer | undefined> {
    if (config.authType === "NONE") {
      if (!(await urlInvokeAllowed(this.permissions, fn, config, undefined))) {
        throw new AccessDeniedException(URL_FORBIDDEN_MESSAGE);
      }
      return undefined;
    }
    const query = new URLSearchParams(req.rawUrl.split("?")[1] ?? "");
    const sig = parseSignature(req.rawHeaders, query);
    if (!sig) {
      throw new AccessDeniedException(URL_FORBIDDEN_MESSAGE);
    }
    if (sig.service !== "lambda") {
      throw new InvalidSignatureException(WRONG_SERVICE_MESSAGE);
    }
    // Strict mode verifies the signature, the payload hash and the time here; lenient mode only reads the key.
    const ctx = await this.auth.context(
      requestId,
      { method: req.method, rawUrl: req.rawUrl, headers: req.rawHeaders, query },
      req.body,
    );
    if (!(await urlInvokeAllowed(this.permissions, fn, config, ctx))) {
      throw new AccessDeniedException(URL_FORBIDDEN_MESSAGE);
    }
    const userId = ctx.userId ?? ctx.accountId;
    return {
      accessKey: sig.accessKeyId,
      accountId: ctx.accountId,
      callerId: userId,
      userArn: ctx.callerArn,
      userId,
    };
  }

  /** Runs the function with the event and maps its answer; an unhandled error is a 502, a throttle a 429. */
  private async run(
    fn: FunctionVersion,
    config: FunctionUrlConfig,
    requestId: string,
    event: Record<string, unknown>,
  ): Promise<UrlResponse> {
    try {
      const result = await this.invoker.run(
        fn,
        config.qualifier,
        requestId,
        Buffer.from(JSON.stringify(event)),
      );
      return result.functionError ? functionErrorResponse() : mapFunctionResult(result.payload);
    } catch (err) {
      if (err instanceof TooManyRequestsException) {
        return errorResponse(err);
      }
      if (err instanceof LambdaError) {
        // The function could not be run (its runtime, its code): to the URL's caller, a failed function.
        return functionErrorResponse();
      }
      throw err;
    }
  }
}
