/**
 * Verification of AWS Signature Version 4, header form (`Authorization: AWS4-HMAC-SHA256 …`) and query form
 * (presigned `X-Amz-*` parameters), following AWS's "Create a signed AWS API request" (IAM user guide,
 * reference_sigv-create-signed-request): canonical request → string to sign → HMAC chain of the secret.
 * Non-S3 rules: each path segment is URI-encoded twice (the path on the wire is already encoded once), empty
 * and `.` segments are dropped, query pairs are re-encoded and sorted.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  signatureMismatchMessage,
} from "./errors.js";

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** AWS accepts request times up to 15 minutes from its own clock (the "- 15 min." in its expiry text). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** A SigV4 signature as the request carries it. */
export interface ParsedSignature {
  readonly accessKeyId: string;
  /** `yyyymmdd/region/service/aws4_request` */
  readonly scope: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** `YYYYMMDDTHHMMSSZ` */
  readonly amzDate: string;
  readonly sessionToken: string | undefined;
  /** Presigned URLs: seconds the signature stays valid. */
  readonly expires: number | undefined;
  readonly form: "header" | "query";
}

/** What the verifier needs of a request. */
export interface RequestToVerify {
  readonly method: string;
  /** `req.url` as received: path and query still percent-encoded. */
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const AMZ_DATE_RE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

/** The signature of a request, or undefined when it is unsigned. Throws for a malformed one. */
export function parseSignature(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): ParsedSignature | undefined {
  const auth = headers.authorization;
  const token = headerValue(headers, "x-amz-security-token");
  if (auth !== undefined) {
    const m = AUTH_RE.exec(auth.trim());
    if (!m) {
      // INFERRED wording: AWS lists what is missing; lamina names the header it could not read.
      throw new IncompleteSignatureException(
        `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${auth}`,
      );
    }
    const [, credential = "", signedHeaders = "", signature = ""] = m;
    return build(
      credential,
      signedHeaders,
      signature,
      headerValue(headers, "x-amz-date") ?? "",
      token,
      undefined,
      "header",
    );
  }
  if (query.get("X-Amz-Algorithm") === ALGORITHM) {
    return build(
      query.get("X-Amz-Credential") ?? "",
      query.get("X-Amz-SignedHeaders") ?? "",
      query.get("X-Amz-Signature") ?? "",
      query.get("X-Amz-Date") ?? "",
      query.get("X-Amz-Security-Token") ?? token,
      Number(query.get("X-Amz-Expires") ?? "900"),
      "query",
    );
  }
  return undefined;
}

function build(
  credential: string,
  signedHeaders: string,
  signature: string,
  amzDate: string,
  sessionToken: string | undefined,
  expires: number | undefined,
  form: "header" | "query",
): ParsedSignature {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !AMZ_DATE_RE.test(amzDate) || signature === "") {
    throw new IncompleteSignatureException(
      `Invalid credential or date in the request signature: Credential=${credential}`,
    );
  }
  const [accessKeyId = "", date = "", region = "", service = ""] = parts;
  return {
    accessKeyId,
    scope: `${date}/${region}/${service}/aws4_request`,
    region,
    service,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    sessionToken,
    expires,
    form,
  };
}

/**
 * Checks the time, then the signature, of `req` against `secret`. Throws InvalidSignatureException with AWS's
 * texts: "Signature expired: …" / "Signature not yet current: …" outside the skew, the mismatch text otherwise.
 */
export function verifySignature(req: RequestToVerify, sig: ParsedSignature, secret: string, now: Date): void {
  checkTime(sig, now);
  const key = signingKey(secret, sig.scope);
  let first: { canonical: string; stringToSign: string } | undefined;
  for (const payload of payloadHashes(req, sig)) {
    const canonical = canonicalRequest(req, sig, payload);
    const stringToSign = [ALGORITHM, sig.amzDate, sig.scope, sha256Hex(canonical)].join("\n");
    const expected = Buffer.from(hmac(key, stringToSign).toString("hex"), "utf8");
    const given = Buffer.from(sig.signature, "utf8");
    if (expected.length === given.length && timingSafeEqual(expected, given)) {
      return;
    }
    first ??= { canonical, stringToSign };
  }
  throw new InvalidSignatureException(
    signatureMismatchMessage(first?.canonical ?? "", first?.stringToSign ?? ""),
  );
}

/**
 * AWS's skew texts, e.g. `Signature expired: 20140325T143453Z is now earlier than 20140325T143751Z
 * (20140325T145251Z - 15 min.)` (aws/aws-sdk-js#254); the future case mirrors it with "not yet current".
 * Presigned URLs may also outlive their X-Amz-Expires (INFERRED wording, same shape in seconds).
 */
function checkTime(sig: ParsedSignature, now: Date): void {
  const at = parseAmzDate(sig.amzDate);
  const nowMs = now.getTime();
  if (at < nowMs - MAX_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature expired: ${sig.amzDate} is now earlier than ${amzDate(nowMs - MAX_SKEW_MS)} (${amzDate(nowMs)} - 15 min.)`,
    );
  }
  if (at > nowMs + MAX_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${sig.amzDate} is still later than ${amzDate(nowMs + MAX_SKEW_MS)} (${amzDate(nowMs)} + 15 min.)`,
    );
  }
  if (sig.expires !== undefined && at + sig.expires * 1000 < nowMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${sig.amzDate} is now earlier than ${amzDate(nowMs - sig.expires * 1000)} (${amzDate(nowMs)} - ${sig.expires} sec.)`,
    );
  }
}

/** The canonical request of `req` as the signer must have built it. */
export function canonicalRequest(req: RequestToVerify, sig: ParsedSignature, payload: string): string {
  const q = req.rawUrl.indexOf("?");
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? "" : req.rawUrl.slice(q + 1);
  const headerLines = sig.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`);
  return [
    req.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery, sig.form === "query"),
    headerLines.join(""),
    sig.signedHeaders.join(";"),
    payload,
  ].join("\n");
}

function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") {
      continue;
    }
    if (segment === "..") {
      segments.pop();
    } else {
      segments.push(uriEncode(segment));
    }
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return `/${segments.join("/")}${trailing}`;
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  if (rawQuery === "") {
    return "";
  }
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") {
      continue;
    }
    const eq = part.indexOf("=");
    const key = uriEncode(safeDecode(eq < 0 ? part : part.slice(0, eq)));
    if (presigned && key === "X-Amz-Signature") {
      continue;
    }
    pairs.push([key, uriEncode(safeDecode(eq < 0 ? "" : part.slice(eq + 1)))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * The payload hashes a signer may have used. A declared `x-amz-content-sha256` is the one. A presigned URL cannot
 * know its body: botocore (SigV4QueryAuth) signs `UNSIGNED-PAYLOAD`, the smithy signer the hash of the (empty)
 * body, so both are tried.
 */
function payloadHashes(req: RequestToVerify, sig: ParsedSignature): string[] {
  const declared = headerValue(req.headers, "x-amz-content-sha256");
  if (declared !== undefined) {
    return [declared];
  }
  return sig.form === "query" ? [UNSIGNED_PAYLOAD, sha256Hex(req.body)] : [sha256Hex(req.body)];
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined.trim().replace(/\s+/g, " ");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** RFC 3986 encoding: everything but `A-Za-z0-9-_.~`. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function signingKey(secret: string, scope: string): Buffer {
  const [date = "", region = "", service = ""] = scope.split("/");
  let key = hmac(`AWS4${secret}`, date);
  key = hmac(key, region);
  key = hmac(key, service);
  return hmac(key, "aws4_request");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function parseAmzDate(s: string): number {
  const [, y, mo, d, h, mi, se] = AMZ_DATE_RE.exec(s) ?? [];
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
}

/** `YYYYMMDDTHHMMSSZ` of a time in milliseconds. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}
