/**
 * What every protocol adapter shares: the adapter contract, reading a whole body under a limit, and writing a
 * typed answer in one write (head and body together, so no request pays a Nagle/delayed-ACK stall).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { RequestEntityTooLargeException } from "../errors.js";
import type { Authenticator } from "../identity/authenticator.js";
import type { RequestContext } from "../identity/context.js";

/** One wire protocol: whether a request is its own, and how it answers one. */
export interface ProtocolAdapter {
  /** Whether this adapter serves the request (decided from the method, path and headers only). */
  accepts(req: IncomingMessage, url: URL): boolean;
  /** Answers the request, errors included, in this protocol's own shapes. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void>;
}

/**
 * The whole body, or undefined as soon as it is known to exceed `limit` (declared or counted). With a declared
 * length the chunks are copied into one buffer as they arrive, so no second pass is needed at the end.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "-1");
  if (declared > limit) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const into = declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onEnd = () => resolve(into ? into.subarray(0, size) : Buffer.concat(chunks, size));
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > (into ? into.length : limit)) {
        // Let go of what was read (up to the limit, ~70 MB) now: the request lives on while its answer lingers.
        req.off("data", onData);
        req.off("end", onEnd);
        req.pause();
        chunks.length = 0;
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
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

/** How long a connection closed over an unread body keeps discarding input after its answer. */
const LINGER_MS = 2000;

/**
 * Closes the connection once the answer is sent, when the rest of the request's body was never read. Closing the
 * socket at once would make the kernel answer the client's unread bytes with a reset, which can throw the answer
 * away before the client reads it. So the write side is half-closed, and what still arrives is discarded (Node
 * dumps an unread request once its answer is finished) until the client hangs up or `LINGER_MS` pass: the
 * "lingering close" of HTTP servers.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("Connection", "close");
  // Node ends a `Connection: close` exchange with the socket's destroySoon() (end, then destroy as soon as the
  // answer is written), which is exactly the hasty close above; this socket lingers instead.
  const socket = req.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
}

/** Writes a complete answer with its content type, request id and, for errors, `x-amzn-ErrorType`. */
export function writeTyped(
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

/** Organizations and STS requests are small; AWS's query and JSON fronts refuse far less than this. */
export const SERVICE_BODY_LIMIT = 1024 * 1024;

/** The message every protocol gives for an unexpected failure; the details go to the log only. */
export const INTERNAL_ERROR_MESSAGE = "An internal error occurred. See the lamina log for details.";

/**
 * A small service request (Organizations, STS) read whole and its caller identified; a body over
 * `SERVICE_BODY_LIMIT` throws the 413, and the connection closes after it (the rest of the body is never read).
 */
export async function readSignedRequest(
  auth: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<{ body: Buffer; ctx: RequestContext }> {
  const body = await readBody(req, SERVICE_BODY_LIMIT);
  if (body === undefined) {
    closeAfterAnswer(req, res);
    throw new RequestEntityTooLargeException(`Request must be smaller than ${SERVICE_BODY_LIMIT} bytes`);
  }
  const ctx = await auth.context(
    requestId,
    { method: "POST", rawUrl: req.url ?? "/", headers: req.headers, query: url.searchParams },
    body,
  );
  return { body, ctx };
}
