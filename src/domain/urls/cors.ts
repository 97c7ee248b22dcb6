/**
 * A function URL's CORS settings at work (`docs/reference/aws-deploy-api.md` §12.5): Lambda adds the configured
 * CORS headers to every response of an allowed origin, and they win over headers of the same name the function
 * sets. Preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) are answered by the URL itself,
 * without invoking the function, as a browser's preflight carries no credentials; AWS's exact preflight answer is
 * not recorded, so lamina answers as the Fetch standard expects.
 */
import type { FunctionUrlCors } from "../../storage/types.js";
import type { UrlResponse } from "./response.js";

const CORS_HEADERS = [
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-expose-headers",
  "access-control-max-age",
];

/** The Access-Control-Allow-Origin value for `origin`, or undefined when the settings do not allow it. */
function allowedOrigin(cors: FunctionUrlCors, origin: string | undefined): string | undefined {
  if (origin === undefined) {
    return undefined;
  }
  const origins = cors.allowOrigins ?? [];
  if (origins.some((o) => o.toLowerCase() === origin.toLowerCase())) {
    return origin;
  }
  if (origins.includes("*")) {
    // With credentials a browser refuses `*`, so the origin itself is named.
    return cors.allowCredentials === true ? origin : "*";
  }
  return undefined;
}

/** Whether a request is a CORS preflight. */
export function isPreflight(method: string, headers: Readonly<Record<string, readonly string[]>>): boolean {
  return (
    method === "OPTIONS" &&
    headers.origin !== undefined &&
    headers["access-control-request-method"] !== undefined
  );
}

/** The answer to a preflight: 200 with the allowed methods, headers and age, or no CORS headers at all. */
export function preflightResponse(cors: FunctionUrlCors, origin: string | undefined): UrlResponse {
  const allow = allowedOrigin(cors, origin);
  const headers: [string, string][] = [];
  if (allow !== undefined) {
    headers.push(["Access-Control-Allow-Origin", allow]);
    if (cors.allowCredentials === true) {
      headers.push(["Access-Control-Allow-Credentials", "true"]);
    }
    if (cors.allowMethods !== undefined && cors.allowMethods.length > 0) {
      headers.push(["Access-Control-Allow-Methods", cors.allowMethods.join(",")]);
    }
    if (cors.allowHeaders !== undefined && cors.allowHeaders.length > 0) {
      headers.push(["Access-Control-Allow-Headers", cors.allowHeaders.join(",")]);
    }
    if (cors.maxAge !== undefined && cors.maxAge > 0) {
      headers.push(["Access-Control-Max-Age", String(cors.maxAge)]);
    }
  }
  headers.push(["Vary", "Origin"]);
  return { status: 200, headers, body: Buffer.alloc(0) };
}

/**
 * `response` with the URL's CORS headers for `origin`: the function's own CORS headers are dropped when the URL
 * has CORS settings (the configured ones take precedence), and the configured ones added for an allowed origin.
 */
export function withCors(
  cors: FunctionUrlCors | undefined,
  origin: string | undefined,
  response: UrlResponse,
): UrlResponse {
  if (cors === undefined) {
    return response;
  }
  const headers = response.headers.filter(([name]) => !CORS_HEADERS.includes(name.toLowerCase()));
  const allow = allowedOrigin(cors, origin);
  if (allow !== undefined) {
    headers.push(["Access-Control-Allow-Origin", allow]);
    if (cors.allowCredentials === true) {
      headers.push(["Access-Control-Allow-Credentials", "true"]);
    }
    if (cors.exposeHeaders !== undefined && cors.exposeHeaders.length > 0) {
      headers.push(["Access-Control-Expose-Headers", cors.exposeHeaders.join(",")]);
    }
  }
  if (origin !== undefined) {
    headers.push(["Vary", "Origin"]);
  }
  return { ...response, headers };
}
