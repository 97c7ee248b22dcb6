/**
 * The payload format 2.0 event a function URL hands its function (`docs/reference/aws-deploy-api.md` §12.4): the
 * request's method, path, query, headers, cookies and body, and the request context, keys in the order AWS sends
 * them. Built from a plain description of the request, so no HTTP library reaches the domain.
 */
import { randomBytes } from "node:crypto";

/** A request to a function URL, as the HTTP adapter read it. */
export interface UrlRequest {
  readonly method: string;
  /** The request target as received: path and query, still percent-encoded. */
  readonly rawUrl: string;
  /** Every header, names in lower case, each with the values in the order they came. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  /** The client's address. */
  readonly sourceIp: string;
  /** lamina's port the request came in at (AWS's `x-forwarded-port` is its own, 443). */
  readonly localPort: number;
}

/** Who signed an `AWS_IAM` request: `requestContext.authorizer.iam`. */
export interface IamAuthorizer {
  readonly accessKey: string;
  readonly accountId: string;
  /** The principal's unique id (`AIDA…`, `AROA…:session`), the account id for a root. */
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
}

/** What the event needs besides the request. */
export interface EventContext {
  readonly urlId: string;
  readonly requestId: string;
  readonly now: Date;
  /** Present for `AWS_IAM` URLs; `NONE` URLs see `accountId: "anonymous"` (§12.4, real captures). */
  readonly iam: IamAuthorizer | undefined;
}

/** Media types whose bodies reach the function as text; every other body is base64 (§12.4, rule INFERRED). */
function isTextual(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/javascript" ||
    type === "application/xml" ||
    type.endsWith("+json") ||
    type.endsWith("+xml")
  );
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Whether `body` is valid UTF-8 (a body sent without a Content-Type goes as text only then). */
function isUtf8(body: Buffer): boolean {
  try {
    STRICT_UTF8.decode(body);
    return true;
  } catch {
    return false;
  }
}

/** Percent-decodes a path, leaving any malformed escape as it is. */
function decodePath(raw: string): string {
  return raw.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** `12/Mar/2020:19:03:58 +0000`, the request context's `time`. */
function clfTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`
  );
}

/** An X-Ray trace header as Lambda's front door adds it: `Root=1-<8 hex seconds>-<24 hex>`. */
function traceId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, "0");
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")}`;
}

/** The query's parameters, decoded, a repeated key's values joined with commas; undefined without a query. */
function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === "") {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return out;
}

/** The request's cookies, one entry each, from every `Cookie` header; undefined when there are none. */
function cookiesOf(headers: UrlRequest["headers"]): string[] | undefined {
  const cookies = (headers.cookie ?? [])
    .flatMap((h) => h.split(";"))
    .map((c) => c.trim())
    .filter((c) => c !== "");
  return cookies.length === 0 ? undefined : cookies;
}

/**
 * The event's headers: lower-case names, repeated headers joined with commas, `cookie` moved to `cookies`, and
 * the headers Lambda's front door adds (trace id and forwarding; no TLS ones, the local URL is plain HTTP).
 */
function eventHeaders(req: UrlRequest, now: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headers)) {
    if (name !== "cookie") {
      out[name] = values.join(",");
    }
  }
  const forwarded = out["x-forwarded-for"];
  out["x-amzn-trace-id"] = traceId(now);
  out["x-forwarded-for"] = forwarded === undefined ? req.sourceIp : `${forwarded}, ${req.sourceIp}`;
  out["x-forwarded-port"] = String(req.localPort);
  out["x-forwarded-proto"] = "http";
  return out;
}

/** The payload format 2.0 event of one request. */
export function buildUrlEvent(req: UrlRequest, ctx: EventContext): Record<string, unknown> {
  const q = req.rawUrl.indexOf("?");
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQueryString = q < 0 ? "" : req.rawUrl.slice(q + 1);
  const host = req.headers.host?.[0] ?? "";
  const domainName = host.replace(/:\d+$/, "");
  const cookies = cookiesOf(req.headers);
  const queryStringParameters = queryParameters(rawQueryString);
  const contentType = req.headers["content-type"]?.[0];
  const text = req.body.length > 0 && (contentType === undefined ? isUtf8(req.body) : isTextual(contentType));
  const iam = ctx.iam;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(cookies && { cookies }),
    headers: eventHeaders(req, ctx.now),
    ...(queryStringParameters && { queryStringParameters }),
    requestContext: {
      accountId: iam?.accountId ?? "anonymous",
      apiId: ctx.urlId,
      ...(iam && {
        authorizer: {
          iam: {
            accessKey: iam.accessKey,
            accountId: iam.accountId,
            callerId: iam.callerId,
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: iam.userArn,
            userId: iam.userId,
          },
        },
      }),
      domainName,
      domainPrefix: ctx.urlId,
      http: {
        method: req.method,
        // Decoded, and the slash doubled by `FunctionUrl + "/path"` collapsed (§12.4).
        path: decodePath(rawPath).replace(/^\/{2,}/, "/"),
        protocol: "HTTP/1.1",
        sourceIp: req.sourceIp,
        userAgent: req.headers["user-agent"]?.join(",") ?? "",
      },
      requestId: ctx.requestId,
      routeKey: "$default",
      stage: "$default",
      time: clfTime(ctx.now),
      timeEpoch: ctx.now.getTime(),
    },
    ...(req.body.length > 0 && { body: text ? req.body.toString("utf8") : req.body.toString("base64") }),
    isBase64Encoded: req.body.length > 0 && !text,
  };
}
