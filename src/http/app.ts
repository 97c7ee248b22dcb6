/**
 * The request listener: identity → route → body → handler → one serializer. Anything a handler throws that is
 * not a LambdaError is logged and answered as a 500 ServiceException, never as a stack trace.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import {
  InvalidRequestContentException,
  LambdaError,
  RequestEntityTooLargeException,
  ServiceException,
  UnknownOperationException,
} from "../errors.js";
import { FAST_PATH_MIN_BYTES, parseWithBlobCut, STRICT_UTF8 } from "./blob-body.js";
import { AuthError } from "../auth/errors.js";
import type { Authenticator } from "../auth/authenticator.js";
import { OrganizationsError } from "../organizations/errors.js";
import { handleOrganizations, ORGANIZATIONS_TARGET_PREFIX } from "../organizations/routes.js";
import type { OrganizationsService } from "../organizations/service.js";
import { handleSts } from "../sts/routes.js";
import { StsError, type StsService } from "../sts/service.js";
import { errorXml } from "../sts/xml.js";
import { credentialScope, type RequestContext } from "./context.js";
import type { OperationName } from "./operations.js";
import { writeError, writeJson } from "./respond.js";
import type { Router } from "./router.js";
import type { Handler } from "./types.js";

/**
 * Lambda's request size limit for code uploads, `docs/reference/aws-layer-semantics.md` §3 #13: base64 of
 * 50 MiB plus 256 KiB. Other operations take far less, but none legitimately more.
 */
export const MAX_REQUEST_BYTES = 70_167_211;

/**
 * Operations whose body is the function's payload, not a JSON request: their size limit and the name AWS's 413
 * message gives the operation (`docs/reference/aws-lambda-execution.md` §A7: 6 MB synchronous).
 */
const RAW_PAYLOAD_LIMITS: Partial<Record<OperationName, { limit: number; name: string }>> = {
  Invoke: { limit: 6_291_456, name: "InvokeFunction" },
};
const EMPTY: Buffer = Buffer.alloc(0);
/** Organizations and STS requests are small; AWS's query and JSON fronts refuse far less than this. */
const SERVICE_BODY_LIMIT = 1024 * 1024;

/** lamina's own endpoints beside the Lambda API (health, code downloads). */
export type InternalRoute = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** What the listener needs from the server. */
export interface AppDeps {
  readonly router: Router;
  readonly handlers: { readonly [K in OperationName]: Handler };
  readonly internal: InternalRoute;
  readonly defaultRegion: string;
  readonly log: Logger;
  /** Who sent each request (lenient or strict). */
  readonly auth: Authenticator;
  /** The services answering `POST /` beside Lambda: Organizations (by X-Amz-Target) and STS (by scope). */
  readonly organizations: OrganizationsService;
  readonly sts: StsService;
}

/** Builds the `node:http` request listener. */
export function createApp(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { log } = deps;
  return (req, res) => {
    const requestId = randomUUID();
    if (log.isLevelEnabled("debug")) {
      const start = performance.now();
      res.once("finish", () => {
        const ms = Math.round((performance.now() - start) * 10) / 10;
        log.debug({ requestId, method: req.method, url: req.url, status: res.statusCode, ms }, "request");
      });
    }
    handle(deps, req, res, requestId).catch((err: unknown) => {
      fail(log, res, err, requestId);
    });
  };
}

async function handle(deps: AppDeps, req: IncomingMessage, res: ServerResponse, requestId: string) {
  const url = new URL(req.url ?? "/", "http://lamina");
  if (deps.internal(req, res, url.pathname)) {
    return;
  }
  const method = req.method ?? "GET";
  // No Lambda operation lives at `/`, so this one comparison is all the Lambda path pays for the other services.
  if (url.pathname === "/" && method === "POST" && (await serveRootPost(deps, req, res, url, requestId))) {
    return;
  }
  let route;
  try {
    route = deps.router.match(method, url.pathname, url.searchParams);
  } catch {
    route = undefined; // a malformed percent-encoding names no operation
  }
  if (!route) {
    req.resume();
    throw new UnknownOperationException(`No operation matches ${method} ${url.pathname}`);
  }
  const raw = RAW_PAYLOAD_LIMITS[route.operation];
  // Read whole before anything else: strict mode hashes it to check the signature, and the 413 comes first.
  const bytes = await readBody(req, raw?.limit ?? MAX_REQUEST_BYTES);
  if (bytes === undefined) {
    // Stop reading: the client may still be sending, so this connection cannot be reused.
    res.setHeader("Connection", "close");
    throw tooLarge(route.operation);
  }
  const ctx = deps.auth.context(
    requestId,
    { method, rawUrl: req.url ?? "/", headers: req.headers, query: url.searchParams },
    bytes,
  );
  const rawBody = raw ? bytes : EMPTY;
  const body = raw ? {} : parseJsonBody(bytes);
  const reply = await deps.handlers[route.operation]({
    ctx,
    params: route.params,
    query: url.searchParams,
    body,
    rawBody,
    headers: req.headers,
    baseUrl: `http://${req.headers.host ?? "127.0.0.1"}`,
  });
  writeJson(res, reply.status ?? route.spec.status, reply.rawBody ?? reply.body, requestId, reply.headers);
}

/** AWS's 413 for a body over the operation's limit (its key and operation name differ for Invoke). */
function tooLarge(operation: OperationName): RequestEntityTooLargeException {
  const raw = RAW_PAYLOAD_LIMITS[operation];
  return raw
    ? new RequestEntityTooLargeException(
        `Request must be smaller than ${raw.limit} bytes for the ${raw.name} operation`,
        "Message",
      )
    : new RequestEntityTooLargeException(
        `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the ${operation} operation`,
      );
}

/** Parses a whole JSON request body (large code uploads through the blob cut). */
function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) {
    return {};
  }
  const cut = raw.length >= FAST_PATH_MIN_BYTES ? parseWithBlobCut(raw) : undefined;
  if (cut) {
    return cut;
  }
  let parsed: unknown;
  try {
    // AWS's JSON reader refuses bytes that are not UTF-8; Node's lenient decoding would store U+FFFD instead.
    parsed = JSON.parse(STRICT_UTF8.decode(raw));
  } catch (err) {
    throw new InvalidRequestContentException(
      `Could not parse request body into json: ${(err as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidRequestContentException(
      "Could not parse request body into json: the body must be a JSON object",
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * The whole body, or undefined as soon as it is known to exceed `limit` (declared or counted). With a declared
 * length the chunks are copied into one buffer as they arrive, so no second pass is needed at the end.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "-1");
  if (declared > limit) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const into = declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > (into ? into.length : limit)) {
        req.off("data", onData);
        req.pause();
        resolve(undefined);
        return;
      }
      if (into) {
        chunk.copy(into, size);
      } else {
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    req.on("data", onData);
    req.once("end", () => resolve(into ? into.subarray(0, size) : Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}
/**
 * `POST /` for Organizations (JSON 1.1, by `X-Amz-Target`) and STS (query protocol, by the credential scope's
 * service, or a form body when unsigned). Returns false when the request is neither, for the Lambda router.
 */
async function serveRootPost(
  deps: AppDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<boolean> {
  const target = req.headers["x-amz-target"];
  const isOrganizations = typeof target === "string" && target.startsWith(ORGANIZATIONS_TARGET_PREFIX);
  const service = credentialScope(req.headers, url.searchParams)?.service;
  const isSts =
    !isOrganizations &&
    target === undefined &&
    (service === "sts" ||
      (service === undefined &&
        (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")));
  if (!isOrganizations && !isSts) {
    return false;
  }
  const body = await readBody(req, SERVICE_BODY_LIMIT);
  try {
    if (body === undefined) {
      res.setHeader("Connection", "close");
      throw new RequestEntityTooLargeException(`Request must be smaller than ${SERVICE_BODY_LIMIT} bytes`);
    }
    const ctx: RequestContext = deps.auth.context(
      requestId,
      { method: "POST", rawUrl: req.url ?? "/", headers: req.headers, query: url.searchParams },
      body,
    );
    if (isOrganizations) {
      const out = handleOrganizations(
        deps.organizations,
        ctx,
        target.slice(ORGANIZATIONS_TARGET_PREFIX.length),
        body,
      );
      writeTyped(res, 200, "application/x-amz-json-1.1", JSON.stringify(out), requestId);
    } else {
      writeTyped(
        res,
        200,
        "text/xml",
        handleSts(deps.sts, ctx, new URLSearchParams(body.toString("utf8"))),
        requestId,
      );
    }
  } catch (err) {
    if (isOrganizations) {
      const e = jsonServiceError(deps.log, err, requestId);
      writeTyped(res, e.status, "application/x-amz-json-1.1", JSON.stringify(e.body), requestId, e.code);
    } else {
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
  return true;
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
  const message = "An internal error occurred. See the lamina log for details.";
  return { status: 500, code: "ServiceException", body: { __type: "ServiceException", Message: message } };
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
  return {
    status: 500,
    code: "InternalFailure",
    message: "An internal error occurred. See the lamina log for details.",
  };
}

function writeTyped(
  res: ServerResponse,
  status: number,
  contentType: string,
  payload: string,
  requestId: string,
  errorType?: string,
): void {
  const headers: Record<string, string | number> = {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": requestId,
  };
  if (errorType !== undefined) {
    headers["x-amzn-ErrorType"] = errorType;
  }
  res.writeHead(status, headers);
  res.end(payload);
}

function fail(log: Logger, res: ServerResponse, err: unknown, requestId: string): void {
  let error: LambdaError;
  if (err instanceof LambdaError) {
    error = err;
  } else if (res.req.destroyed || (err as NodeJS.ErrnoException).code === "ECONNRESET") {
    // The client hung up mid-request: nobody is left to answer, and it is no fault of lamina's.
    log.debug({ requestId, err }, "client closed the connection");
    res.destroy();
    return;
  } else {
    log.error({ err, requestId }, "unexpected error");
    error = new ServiceException("An internal error occurred. See the lamina log for details.");
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeError(res, error, requestId);
  if (res.getHeader("Connection") === "close") {
    res.on("finish", () => res.socket?.destroy());
  }
}
