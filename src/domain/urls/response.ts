/**
 * How a function's answer becomes the HTTP response of its URL (`docs/reference/aws-deploy-api.md` §12.5): a JSON
 * object with `statusCode` is a structured response (status, headers, cookies, body, isBase64Encoded); any other
 * JSON value is the body of a 200 `application/json` answer, strings without their quotes and everything else
 * re-serialised compactly. An unhandled function error is a 502 (§12.6).
 */
import type { LambdaError } from "../../errors.js";

/** An HTTP answer of a function URL; header pairs may repeat (`set-cookie`). */
export interface UrlResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** §12.6: the body of the 502 for an unhandled function error. */
export const FUNCTION_ERROR_BODY = "Internal Server Error";

const JSON_TYPE = "application/json";

/** A header value as the function gave it: strings as they are, numbers and booleans as their text. */
function headerText(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return undefined;
}

/** The 502 an unhandled function error answers (§12.6; its Content-Type is not recorded). */
export function functionErrorResponse(): UrlResponse {
  return {
    status: 502,
    headers: [["Content-Type", "text/plain; charset=utf-8"]],
    body: Buffer.from(FUNCTION_ERROR_BODY),
  };
}

/** A Lambda error answered at the URL: its status, `x-amzn-ErrorType` and JSON body, as the API answers it. */
export function errorResponse(err: LambdaError): UrlResponse {
  return {
    status: err.status,
    headers: [["Content-Type", JSON_TYPE], ["x-amzn-ErrorType", err.code], ...Object.entries(err.headers())],
    body: Buffer.from(JSON.stringify(err.body())),
  };
}

/** A structured response: the function returned an object with `statusCode`. */
function structured(result: Record<string, unknown>): UrlResponse {
  const status = Number(result.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return functionErrorResponse();
  }
  const headers: [string, string][] = [];
  const given = result.headers;
  if (given !== null && typeof given === "object" && !Array.isArray(given)) {
    for (const [name, value] of Object.entries(given)) {
      const text = headerText(value);
      if (text !== undefined) {
        headers.push([name, text]);
      }
    }
  }
  if (!headers.some(([name]) => name.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", JSON_TYPE]);
  }
  if (Array.isArray(result.cookies)) {
    // One Set-Cookie header per cookie: the way functions are told to return cookies (§12.5).
    for (const cookie of result.cookies) {
      if (typeof cookie === "string") {
        headers.push(["Set-Cookie", cookie]);
      }
    }
  }
  const raw = result.body;
  let body: Buffer;
  if (raw === undefined || raw === null) {
    body = Buffer.alloc(0);
  } else if (typeof raw === "string") {
    body = result.isBase64Encoded === true ? Buffer.from(raw, "base64") : Buffer.from(raw);
  } else {
    body = Buffer.from(JSON.stringify(raw));
  }
  return { status, headers, body };
}

/** The response of one successful invocation whose answer is `payload`. */
export function mapFunctionResult(payload: Buffer): UrlResponse {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    // Not JSON (a custom runtime may post anything): the bytes are the body.
    return { status: 200, headers: [["Content-Type", JSON_TYPE]], body: payload };
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "statusCode" in value) {
    return structured(value);
  }
  let body: string;
  if (typeof value === "string") {
    body = value;
  } else if (value === null) {
    // A function that returns nothing answers an empty body (not recorded; `null` would surprise a user).
    body = "";
  } else {
    body = JSON.stringify(value);
  }
  return { status: 200, headers: [["Content-Type", JSON_TYPE]], body: Buffer.from(body) };
}
