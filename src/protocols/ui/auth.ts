/**
 * Who may see the explorer. It shows every account, so in strict mode it asks for the admin token: as
 * `Authorization: Bearer <token>`, as the cookie a page visit with `?token=` sets, or not at all in lenient mode
 * (which is open on lamina's interface, as the Lambda API is). No token configured in strict mode: closed.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The cookie a `?token=` page visit sets. */
export const ADMIN_COOKIE = "lamina_admin";

/** The gate's answer. */
export type GateResult =
  | { readonly ok: true; readonly fromQuery: boolean }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

/** AWS-free texts of the refusals. */
export const GATE_MESSAGES = {
  closed: "The explorer is closed in strict mode: start lamina with --admin-token to open it.",
  missing:
    "The explorer needs the admin token: Authorization: Bearer <token>, or ?token=<token> once in a page.",
  wrong: "The admin token is not the one lamina was started with.",
} as const;

/** Checks a request against the configured mode and token. */
export function checkAdmin(
  req: IncomingMessage,
  url: URL,
  mode: "lenient" | "strict",
  token: string | undefined,
): GateResult {
  if (mode === "lenient") {
    return { ok: true, fromQuery: false };
  }
  if (token === undefined) {
    return { ok: false, status: 403, message: GATE_MESSAGES.closed };
  }
  const query = url.searchParams.get("token");
  const presented = bearer(req) ?? query ?? cookie(req, ADMIN_COOKIE);
  if (presented === undefined) {
    return { ok: false, status: 401, message: GATE_MESSAGES.missing };
  }
  if (!same(presented, token)) {
    return { ok: false, status: 403, message: GATE_MESSAGES.wrong };
  }
  return { ok: true, fromQuery: query !== null && bearer(req) === undefined };
}

/** The Set-Cookie of a good `?token=`: the pages' later requests (fetch, EventSource) carry it. */
export function adminCookie(token: string): string {
  return `${ADMIN_COOKIE}=${encodeURIComponent(token)}; Path=/_lamina/; HttpOnly; SameSite=Strict`;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Compares in constant time, so the answer's timing says nothing of how much of a guess was right. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
