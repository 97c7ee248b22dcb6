/** lamina's own endpoints under `/_lamina/`: health, and downloads of stored zips (`Content.Location`). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BlobStore } from "../../storage/types.js";
import { UnknownOperationException } from "../../errors.js";
import { writeError } from "../lambda/respond.js";
import type { ProtocolAdapter } from "../http.js";

const CODE_PATH_RE = /^\/_lamina\/code\/([0-9a-f]{64})$/;

/** Where lamina serves a stored zip (`Content.Location`, GetFunction's `Code.Location`). */
export function codeLocation(baseUrl: string, sha256Hex: string): string {
  return `${baseUrl}/_lamina/code/${sha256Hex}`;
}

/** The `/_lamina/*` adapter: lamina's own endpoints, beside the AWS protocols. */
export function laminaAdapter(version: string, blobs: BlobStore): ProtocolAdapter {
  return {
    accepts: (_req, url) => url.pathname.startsWith("/_lamina/"),
    serve: (req, res, url, requestId) => {
      serve(req, res, url.pathname, requestId, version, blobs);
      return Promise.resolve();
    },
  };
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requestId: string,
  version: string,
  blobs: BlobStore,
): void {
  req.resume();
  if (path === "/_lamina/health") {
    sendJson(res, 200, { status: "ok", version });
    return;
  }
  const sha = CODE_PATH_RE.exec(path)?.[1];
  if (sha && (req.method === "GET" || req.method === "HEAD")) {
    void sendBlob(req, res, blobs, sha);
    return;
  }
  writeError(
    res,
    new UnknownOperationException(`No operation matches ${req.method ?? "GET"} ${path}`),
    requestId,
  );
}

async function sendBlob(req: IncomingMessage, res: ServerResponse, blobs: BlobStore, sha: string) {
  const size = await blobs.size(sha);
  if (size === undefined) {
    sendJson(res, 404, { message: "The specified key does not exist." });
    return;
  }
  res.writeHead(200, { "Content-Type": "application/zip", "Content-Length": size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = blobs.open(sha);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
