/** Identifiers in the shapes AWS gives them: unique ids (AIDA…, AROA…), temporary keys (ASIA…), secrets. */
import { createHash, randomBytes } from "node:crypto";

// IAM unique ids and access keys use upper-case letters and digits (IAM user guide, "Unique identifiers").
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A 21-character IAM unique id, `prefix` + 17 characters derived from `seed`, stable across restarts. */
export function uniqueId(prefix: "AIDA" | "AROA", seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  return prefix + encode(digest, 17);
}

/** A fresh temporary access key id: `ASIA` + 16 characters, 20 in all as AWS's. */
export function temporaryAccessKeyId(): string {
  return "ASIA" + encode(randomBytes(16), 16);
}

/** A fresh 40-character secret access key. */
export function secretAccessKey(): string {
  return randomBytes(30).toString("base64").replace(/\+/g, "A").replace(/\//g, "B");
}

/** A fresh session token (AWS's are long opaque base64 blobs). */
export function sessionToken(): string {
  return "IQoJb3JpZ2luX2VjE" + randomBytes(96).toString("base64");
}

function encode(bytes: Buffer, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += ID_ALPHABET[(bytes[i % bytes.length] ?? 0) % 32];
  }
  return out;
}
