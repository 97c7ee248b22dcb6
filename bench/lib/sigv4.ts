/**
 * A small AWS Signature Version 4 signer (node:crypto only). lamina reads the account and region from the
 * credential scope and never checks the signature; moto only needs it to look valid. It is still computed the
 * way AWS does, so the same request is accepted by any server.
 */
import { createHash, createHmac } from "node:crypto";

/** The keys a request is signed with. A 12-digit access key id is the account on lamina. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What is signed: the request as it goes on the wire. */
export interface UnsignedRequest {
  readonly method: string;
  /** The path as sent (already percent-encoded once). */
  readonly path: string;
  /** Query members in any order, not encoded. */
  readonly query?: readonly (readonly [string, string])[];
  readonly host: string;
  readonly body?: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** RFC 3986 percent-encoding, as SigV4 wants it. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The encoded query string (sorted, as the canonical request has it; fine to send as is). */
export function queryString(query: readonly (readonly [string, string])[] | undefined): string {
  if (!query || query.length === 0) {
    return "";
  }
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Signs requests for one service and region; the derived key is cached per day. */
export class SigV4Signer {
  private keyDate = "";
  private key: Buffer = Buffer.alloc(0);

  constructor(
    private readonly credentials: Credentials,
    readonly region: string,
    readonly service: string,
  ) {}

  private signingKey(date: string): Buffer {
    if (date !== this.keyDate) {
      const kDate = hmac(`AWS4${this.credentials.secretAccessKey}`, date);
      this.key = hmac(hmac(hmac(kDate, this.region), this.service), "aws4_request");
      this.keyDate = date;
    }
    return this.key;
  }

  /** The headers to send: the request's own plus host, x-amz-date and authorization. */
  sign(req: UnsignedRequest, now: Date = new Date()): Record<string, string> {
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      headers[k.toLowerCase()] = v;
    }
    headers.host = req.host;
    headers["x-amz-date"] = amzDate;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => `${n}:${(headers[n] ?? "").trim()}\n`).join("");
    const signedHeaders = names.join(";");
    // Lambda is not S3: each path segment is encoded once more in the canonical request.
    const canonicalPath = req.path
      .split("/")
      .map((segment) => uriEncode(segment))
      .join("/");
    const canonical = [
      req.method,
      canonicalPath,
      queryString(req.query),
      canonicalHeaders,
      signedHeaders,
      sha256Hex(req.body ?? ""),
    ].join("\n");
    const scope = `${date}/${this.region}/${this.service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
    const signature = createHmac("sha256", this.signingKey(date)).update(toSign).digest("hex");
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }
}
