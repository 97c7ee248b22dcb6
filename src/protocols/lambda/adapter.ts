/**
 * The Lambda REST-JSON adapter: identity → route → body → handler → one serializer. Anything a handler throws
 * that is not a LambdaError is logged and answered as a 500 ServiceException, never as a stack trace.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import {
  InvalidRequestContentException,
  LambdaError,
  RequestEntityTooLargeException,
  ServiceException,
  UnknownOperationException,
} from "../../errors.js";
import type { Authenticator } from "../../identity/authenticator.js";
import { closeAfterAnswer, INTERNAL_ERROR_MESSAGE, readBody, type ProtocolAdapter } from "../http.js";
import { DISK_FULL_MESSAGE, isDiskFull } from "../../util/disk-space.js";
import { FAST_PATH_MIN_BYTES, parseWithBlobCut, STRICT_UTF8 } from "./blob-body.js";
import type { OperationName } from "./operations.js";
import { writeError, writeJson } from "./respond.js";
import type { Router } from "./router.js";
import type { HandlerTable } from "./types.js";
import type { CodeLocation } from "../lamina/internal.js";

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

/** What the adapter needs. */
export interface LambdaAdapterDeps {
  readonly router: Router;
  readonly handlers: HandlerTable;
  /** Who sent each request (lenient or strict). */
  readonly auth: Authenticator;
  readonly log: Logger;
  /** How URLs of stored zips are written (signed in strict mode). */
  readonly codeLocation: CodeLocation;
}

/** The Lambda adapter; it accepts every request, so the listener asks it last. */
export function lambdaAdapter(deps: LambdaAdapterDeps): ProtocolAdapter {
  return {
    accepts: () => true,
    serve: async (req, res, url, requestId) => {
      try {
        await serve(deps, req, res, url, requestId);
      } catch (err) {
        failLambda(deps.log, res, err, requestId);
      }
    },
  };
}

async function serve(
  deps: LambdaAdapterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const method = req.method ?? "GET";
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
    closeAfterAnswer(req, res);
    throw tooLarge(route.operation);
  }
  const ctx = await deps.auth.context(
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
    codeLocation: (sha256Hex) => deps.codeLocation(`http://${req.headers.host ?? "127.0.0.1"}`, sha256Hex),
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
 * Answers a failed request as a Lambda error; also the listener's last resort for what any adapter lets escape.
 * A client that hung up gets nothing: nobody is left to answer, and it is no fault of lamina's.
 */
export function failLambda(log: Logger, res: ServerResponse, err: unknown, requestId: string): void {
  let error: LambdaError;
  if (err instanceof LambdaError) {
    error = err;
  } else if (
    res.socket === null ||
    res.socket.destroyed ||
    (err as NodeJS.ErrnoException).code === "ECONNRESET"
  ) {
    // Only a gone socket means the client hung up: `req.destroyed` is also true once a body has been read whole.
    log.debug({ requestId, err }, "client closed the connection");
    res.destroy();
    return;
  } else if (isDiskFull(err)) {
    log.error({ err, requestId }, "the data dir's disk is full");
    error = new ServiceException(DISK_FULL_MESSAGE);
  } else {
    log.error({ err, requestId }, "unexpected error");
    error = new ServiceException(INTERNAL_ERROR_MESSAGE);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeError(res, error, requestId);
}
