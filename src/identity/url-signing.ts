/**
 * Signed code URLs for strict mode. AWS's `Content.Location` / `Code.Location` are presigned S3 URLs valid for
 * 10 minutes (`docs/reference/aws-layer-semantics.md` §1, Content.Location); lamina's carry the same query names,
 * `X-Amz-Date`, `X-Amz-Expires` and `X-Amz-Signature`, the last an HMAC-SHA256 of the path and both values under a
 * key only this server knows. The key lives in the data dir so URLs handed out survive a restart.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../util/clock.js";

/** How long a signed URL is valid, as AWS's presigned URLs: 10 minutes. */
export const URL_VALIDITY_SECONDS = 600;
/** The key's file in the data dir. */
export const SIGNING_KEY_FILE = "url-signing.key";

/** Why a URL is refused: no signature, a signature that does not match, or one whose time is over. */
export type UrlDenial = "unsigned" | "mismatch" | "expired";

/** The instant a refused URL stopped being valid, for S3's `Expires` member. */
export interface Expired {
  readonly denial: "expired";
  readonly expires: Date;
  /** The server's time when it refused, for S3's `ServerTime`. */
  readonly serverTime: Date;
}

/**
 * The signing key, created (random, mode 0600) at the first start. Team mode, with several servers on one
 * database, will need the key in the database instead, so every server verifies what another signed.
 */
export function loadSigningKey(dataDir: string): Buffer {
  const file = join(dataDir, SIGNING_KEY_FILE);
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw err;
    }
  }
  const key = randomBytes(32);
  // "wx": two first starts racing cannot both write; the loser reads the winner's key.
  try {
    writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      return loadSigningKey(dataDir);
    }
    throw err;
  }
  return key;
}

/** `20240102T030405Z`, the SigV4 timestamp form. */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** Signs and checks code URLs with one key and the injected clock. */
export class UrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
  ) {}

  /** The query that makes `path` valid for 10 minutes from now. */
  sign(path: string): string {
    const date = amzDate(this.clock());
    const expires = String(URL_VALIDITY_SECONDS);
    const query = new URLSearchParams({ "X-Amz-Date": date, "X-Amz-Expires": expires });
    query.set("X-Amz-Signature", this.mac(path, date, expires));
    return query.toString();
  }

  /** Undefined when the query validly signs `path` now; otherwise why not. */
  check(path: string, query: URLSearchParams): UrlDenial | Expired | undefined {
    const date = query.get("X-Amz-Date");
    const expires = query.get("X-Amz-Expires");
    const signature = query.get("X-Amz-Signature");
    if (date === null || expires === null || signature === null) {
      return "unsigned";
    }
    const expected = Buffer.from(this.mac(path, date, expires), "hex");
    const given = Buffer.from(signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return "mismatch";
    }
    // Both values are signed, so they are what this server wrote.
    const end = new Date((parseAmzDate(date)?.getTime() ?? 0) + Number(expires) * 1000);
    const now = this.clock();
    return now.getTime() > end.getTime() ? { denial: "expired", expires: end, serverTime: now } : undefined;
  }

  private mac(path: string, date: string, expires: string): string {
    return createHmac("sha256", this.key).update(`${path}\n${date}\n${expires}`).digest("hex");
  }
}
