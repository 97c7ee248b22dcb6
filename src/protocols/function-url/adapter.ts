/**
 * The function URL adapter: every request whose Host is `<url-id>.lambda-url.<region>.<anything>` is a call to a
 * function URL (`docs/reference/aws-deploy-api.md` §12.1, §12.2), whatever its method and path. It is asked before
 * the Lambda adapter, which would otherwise claim it. The domain builds the event, runs the function and maps the
 * answer; this writes it, with `x-amzn-RequestId` (the invocation's id) on every answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RequestEntityTooLargeException } from "../../errors.js";
import { parseUrlHost } from "../../domain/urls/address.js";
import { errorResponse, type UrlResponse } from "../../domain/urls/response.js";
import type { FunctionUrlServer } from "../../domain/urls/serve.js";
import { closeAfterAnswer, readBody, type ProtocolAdapter } from "../http.js";

/** A URL request's body limit: Invoke's synchronous 6 MB (`docs/reference/aws-lambda-execution.md` §A7). */
export const URL_BODY_LIMIT = 6_291_456;

/** What the adapter needs. */
export interface FunctionUrlAdapterDeps {
  readonly server: FunctionUrlServer;
}

/** Every header with all its values, names in lower case (Node folds some repeated headers; these are whole). */
function headerLists(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    (out[name] ??= []).push(raw[i + 1] ?? "");
  }
  return out;
}

/** Writes a URL response in one go. */
function write(res: ServerResponse, response: UrlResponse, requestId: string): void {
  const headers: string[] = [];
  for (const [name, value] of response.headers) {
    headers.push(name, value);
  }
  headers.push("Content-Length", String(response.body.length), "x-amzn-RequestId", requestId);
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** The function URL adapter. */
export function functionUrlAdapter(deps: FunctionUrlAdapterDeps): ProtocolAdapter {
  return {
    accepts: (req) => parseUrlHost(req.headers.host) !== undefined,
    serve: async (req, res, _url, requestId) => {
      const host = parseUrlHost(req.headers.host);
      if (host === undefined) {
        return;
      }
      const body = await readBody(req, URL_BODY_LIMIT);
      if (body === undefined) {
        // The rest of the body is never read, so this connection cannot be reused.
        closeAfterAnswer(req, res);
        const tooLarge = new RequestEntityTooLargeException(
          `Request must be smaller than ${URL_BODY_LIMIT} bytes for the InvokeFunction operation`,
          "Message",
        );
        write(res, errorResponse(tooLarge), requestId);
        return;
      }
      const response = await deps.server.serve(
        host,
        {
          method: req.method ?? "GET",
          rawUrl: req.url ?? "/",
          headers: headerLists(req),
          rawHeaders: req.headers,
          body,
          sourceIp: (req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
          localPort: req.socket.localPort ?? 0,
        },
        requestId,
      );
      write(res, response, requestId);
    },
  };
}
