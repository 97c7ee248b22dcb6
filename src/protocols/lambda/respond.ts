/**
 * The one place responses are written: JSON with `x-amzn-RequestId`, and errors with their status,
 * `x-amzn-ErrorType` and AWS's body keys. Head and body go out in one write, and sockets have TCP_NODELAY,
 * so no request pays the ~44 ms Nagle/delayed-ACK stall (`docs/reference/http-peers.md` §6).
 */
import type { ServerResponse } from "node:http";
import type { LambdaError } from "../../errors.js";

/** Writes a JSON (or empty, for `undefined`) response; a Buffer body goes out as it is. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = body === undefined ? "" : Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": requestId,
  });
  res.end(payload);
}

/** Writes a Lambda error exactly as AWS shapes it. */
export function writeError(res: ServerResponse, err: LambdaError, requestId: string): void {
  writeJson(res, err.status, err.body(), requestId, { ...err.headers(), "x-amzn-ErrorType": err.code });
}
