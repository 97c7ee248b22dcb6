/** lamina's own endpoints under `/_lamina/`: health, and downloads of stored zips (`Content.Location`). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BlobStore } from "../storage/blobs.js";
import { randomUUID } from "node:crypto";
import { UnknownOperationException } from "../errors.js";
import type { InternalRoute } from "./app.js";
import { writeError } from "./respond.js";

const CODE_PATH_RE = /^\/_lamina\/code\/([0-9a-f]{64})$/;

/** Builds the `/_lamina/*` handler; it returns false for any other path. */
export function internalRoutes(version: string, blobs: BlobStore): InternalRoute {
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (!path.startsWith("/_lamina/")) {
      return false;
    }
    req.resume();
    if (path === "/_lamina/health") {
      sendJson(res, 200, { status: "ok", version });
      return true;
    }
    const sha = CODE_PATH_RE.exec(path)?.[1];
    if (sha && (req.method === "GET" || req.method === "HEAD")) {
      void sendBlob(req, res, blobs, sha);
      return true;
    }
    writeError(
      res,
      new UnknownOperationException(`No operation matches ${req.method ?? "GET"} ${path}`),
      randomUUID(),
    );
    return true;
  };
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
  const stream = blobs.read(sha);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
