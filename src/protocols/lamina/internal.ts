/**
 * lamina's own endpoints under `/_lamina/`: health, downloads of stored zips (`Content.Location`), and layer
 * versions stored under a given ARN (`layers.ts`, what `lamina import-layer` calls). Downloads
 * are checked against the blob's SHA-256 as they stream (a mismatch cuts the connection before the last bytes), and
 * in strict mode they need a signature that is at most 10 minutes old, refused the way S3 refuses a presigned URL.
 */
import { pathToFileURL } from "node:url";
import { folderOf } from "../../util/code-folder.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { ServiceException, UnknownOperationException } from "../../errors.js";
import type { UrlSigner } from "../../identity/url-signing.js";
import { damagedBlobMessage, type BlobIntegrity } from "../../storage/integrity.js";
import { writeError } from "../lambda/respond.js";
import type { ProtocolAdapter } from "../http.js";
import { s3Denial } from "./s3-errors.js";
import { LAYERS_PATH, putLayerVersion } from "./layers.js";
import type { VendorLayers } from "../../domain/layers/vendor.js";
// Sideways, on the same floor: /_lamina/layers/ is gated exactly as the explorer's API is.
import { checkAdmin } from "../ui/auth.js";

const CODE_PATH_RE = /^\/_lamina\/code\/([0-9a-f]{64})$/;
/** S3's answer for a key that is not there (a blob deleted since its URL was handed out). */
export const NO_SUCH_KEY_MESSAGE = "The specified key does not exist.";

/** Builds the URL of a stored zip for the origin a client used. */
export type CodeLocation = (baseUrl: string, sha256Hex: string) => string;

/**
 * Where lamina serves a stored zip (`Content.Location`, GetFunction's `Code.Location`): a plain URL, or with a
 * signer (strict mode) one valid for 10 minutes.
 */
export function codeLocations(signer?: UrlSigner): CodeLocation {
  return (baseUrl, sha256Hex) => {
    // Folder code has no zip: where it lives is the folder (as LocalStack answers for hot reloading).
    const folder = folderOf(sha256Hex);
    if (folder !== undefined) {
      return pathToFileURL(folder).href;
    }
    const path = `/_lamina/code/${sha256Hex}`;
    return signer ? `${baseUrl}${path}?${signer.sign(path)}` : `${baseUrl}${path}`;
  };
}

/** What the `/_lamina/` adapter serves from. */
export interface LaminaAdapterDeps {
  readonly version: string;
  readonly blobs: BlobIntegrity;
  /** Strict mode's signer: downloads without a valid, current signature are refused. */
  readonly signer?: UrlSigner;
  /** Why storage cannot serve now (database or bucket unreachable); health then answers 503. */
  readonly unavailable?: () => Promise<string | undefined>;
  /** Stores layer versions under given ARNs (`PUT /_lamina/layers/<ARN>`); absent, that path is not served. */
  readonly vendor?: VendorLayers;
  /** The gate of `PUT /_lamina/layers/`: the explorer's (open in lenient mode, the admin token in strict). */
  readonly auth?: "lenient" | "strict";
  readonly adminToken?: string | undefined;
}

/** The `/_lamina/*` adapter: lamina's own endpoints, beside the AWS protocols. */
export function laminaAdapter(deps: LaminaAdapterDeps): ProtocolAdapter {
  return {
    accepts: (_req, url) => url.pathname.startsWith("/_lamina/"),
    serve: async (req, res, url, requestId) => {
      if (url.pathname.startsWith(LAYERS_PATH) && req.method === "PUT" && deps.vendor) {
        const gate = checkAdmin(req, url, deps.auth ?? "lenient", deps.adminToken);
        if (!gate.ok) {
          req.resume();
          sendJson(res, gate.status, { message: gate.message });
          return;
        }
        await putLayerVersion(req, res, url, requestId, deps.vendor);
        return;
      }
      serve(req, res, url, requestId, deps);
    },
  };
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
  deps: LaminaAdapterDeps,
): void {
  req.resume();
  const path = url.pathname;
  if (path === "/_lamina/health") {
    void health(res, deps);
    return;
  }
  const sha = CODE_PATH_RE.exec(path)?.[1];
  if (sha && (req.method === "GET" || req.method === "HEAD")) {
    const denial = deps.signer?.check(path, url.searchParams);
    if (denial !== undefined) {
      s3Denial(res, denial, requestId);
      return;
    }
    void sendBlob(req, res, deps.blobs, sha, requestId);
    return;
  }
  writeError(
    res,
    new UnknownOperationException(`No operation matches ${req.method ?? "GET"} ${path}`),
    requestId,
  );
}

/** 200 while storage answers; 503 with the reason otherwise, so a load balancer routes around this process. */
async function health(res: ServerResponse, deps: LaminaAdapterDeps): Promise<void> {
  const reason = deps.unavailable ? await deps.unavailable().catch((err: unknown) => String(err)) : undefined;
  if (reason === undefined) {
    sendJson(res, 200, { status: "ok", version: deps.version });
  } else {
    sendJson(res, 503, { status: "unavailable", version: deps.version, reason });
  }
}

async function sendBlob(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: BlobIntegrity,
  sha: string,
  requestId: string,
) {
  if (blobs.isDamaged(sha)) {
    writeError(res, new ServiceException(damagedBlobMessage(sha)), requestId);
    return;
  }
  const size = await blobs.blobs.size(sha);
  if (size === undefined) {
    sendJson(res, 404, { message: NO_SUCH_KEY_MESSAGE });
    return;
  }
  res.writeHead(200, { "Content-Type": "application/zip", "Content-Length": size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  // The status goes out at once, so a damaged blob fails the same way at any size: 200, then a body cut short
  // (a blob of one chunk would otherwise cut the connection before any status line).
  res.flushHeaders();
  // A failed pipeline (damaged bytes, a read error, a client gone) destroys the response and so its socket: every
  // client sees an incomplete body, never a complete one of bad bytes. BlobIntegrity has logged the damage.
  await pipeline(blobs.open(sha), res).catch(() => res.destroy());
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
