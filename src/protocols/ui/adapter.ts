/**
 * The layer explorer's adapter: its JSON API under `/_lamina/api/` and its pages under `/_lamina/ui/`, both
 * behind the admin gate in strict mode. Listed before `/_lamina/`'s own adapter, which keeps health and code
 * downloads. Shapes: `domain/explorer/views.ts` and the README.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExplorerService } from "../../domain/explorer/service.js";
import { USERS_PAGE } from "../../domain/explorer/service.js";
import { whatIf, type WhatIfAction } from "../../domain/explorer/what-if.js";
import type { ProtocolAdapter } from "../http.js";
import { asset, shell } from "./assets.js";
import { adminCookie, checkAdmin } from "./auth.js";
import type { EventStreams } from "./sse.js";

const API = "/_lamina/api/";
const UI = "/_lamina/ui";

/** What the explorer's adapter serves from. */
export interface UiAdapterDeps {
  readonly explorer: ExplorerService;
  readonly streams: EventStreams;
  readonly auth: "lenient" | "strict";
  readonly adminToken: string | undefined;
  readonly version: string;
}

/** The `/_lamina/api/` and `/_lamina/ui/` adapter. */
export function uiAdapter(deps: UiAdapterDeps): ProtocolAdapter {
  return {
    accepts: (_req, url) =>
      url.pathname.startsWith(API) || url.pathname === UI || url.pathname.startsWith(`${UI}/`),
    serve: (req, res, url) => serve(req, res, url, deps),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: UiAdapterDeps,
): Promise<void> {
  req.resume();
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendJson(res, 405, { message: `The explorer is read-only: ${req.method ?? ""} is not served.` });
    return;
  }
  const gate = checkAdmin(req, url, deps.auth, deps.adminToken);
  if (!gate.ok) {
    const headers: Record<string, string> =
      gate.status === 401 ? { "WWW-Authenticate": 'Bearer realm="lamina"' } : {};
    sendJson(res, gate.status, { message: gate.message }, headers);
    return;
  }
  const path = url.pathname;
  if (!path.startsWith(API)) {
    if (gate.fromQuery && deps.adminToken !== undefined) {
      // The token goes into a cookie and out of the address bar (and the history).
      url.searchParams.delete("token");
      res.writeHead(303, {
        "Set-Cookie": adminCookie(deps.adminToken),
        Location: `${url.pathname}${url.search}`,
      });
      res.end();
      return;
    }
    servePage(res, path, deps.version);
    return;
  }
  await serveApi(req, res, url, path.slice(API.length).split("/"), deps);
}

function servePage(res: ServerResponse, path: string, version: string): void {
  const assetName = path.startsWith(`${UI}/assets/`) ? path.slice(`${UI}/assets/`.length) : undefined;
  if (assetName !== undefined) {
    const found = asset(assetName);
    if (!found) {
      sendJson(res, 404, { message: `No explorer asset ${assetName}.` });
      return;
    }
    res.writeHead(200, {
      "Content-Type": found.type,
      "Content-Length": found.body.length,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(found.body);
    return;
  }
  const html = shell(version);
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-store",
    "Content-Security-Policy":
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(html);
}

async function serveApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: string[],
  deps: UiAdapterDeps,
): Promise<void> {
  const { explorer } = deps;
  const [kind, encoded, sub, extra] = parts;
  const arn = encoded === undefined ? "" : safeDecode(encoded);
  const q = url.searchParams;
  if (kind === "overview" && encoded === undefined) {
    sendJson(res, 200, await explorer.overview());
    return;
  }
  if (kind === "events" && encoded === undefined) {
    deps.streams.serve(res);
    return;
  }
  if (kind === "layers" && arn !== "" && extra === undefined) {
    const after = intParam(q.get("after"), 0);
    const limit = intParam(q.get("limit"), USERS_PAGE);
    if (sub === undefined) {
      const view = await explorer.layerVersion(arn, after, limit);
      sendFound(res, view, `No layer version ${arn}, and no function holds it.`);
      return;
    }
    if (sub === "users") {
      sendJson(res, 200, await explorer.users(arn, after, limit));
      return;
    }
    if (sub === "what-if") {
      const action = whatIfAction(q);
      if (!action) {
        sendJson(res, 400, { message: "what-if needs ?action=delete or ?action=revoke&statementId=<sid>." });
        return;
      }
      sendFound(res, await whatIf(explorer, arn, action), `No layer version ${arn} with that statement.`);
      return;
    }
  }
  if (kind === "functions" && arn !== "" && extra === undefined) {
    const fn = await explorer.functionOf(arn);
    if (!fn) {
      sendJson(res, 404, { message: `No function ${arn}.` });
      return;
    }
    if (sub === undefined) {
      sendJson(res, 200, await explorer.function(fn));
      return;
    }
    if (sub === "opt") {
      sendJson(res, 200, await explorer.opt(fn));
      return;
    }
    if (sub === "invocations") {
      const limit = Math.min(intParam(q.get("limit"), 20), 200);
      sendJson(res, 200, { invocations: await explorer.invocations(fn, limit) });
      return;
    }
  }
  sendJson(res, 404, { message: `No explorer API at ${url.pathname}.` });
}

function whatIfAction(q: URLSearchParams): WhatIfAction | undefined {
  const action = q.get("action");
  const sid = q.get("statementId");
  if (action === "delete") {
    return { action };
  }
  return action === "revoke" && sid ? { action, statementId: sid } : undefined;
}

function intParam(value: string | null, fallback: number): number {
  const n = value === null ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

function sendFound(res: ServerResponse, body: unknown, missing: string): void {
  if (body === undefined) {
    sendJson(res, 404, { message: missing });
  } else {
    sendJson(res, 200, body);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(payload);
}
