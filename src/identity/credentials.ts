/**
 * The credentials file of strict mode (`--credentials <path>`): one IAM user's access key per line,
 * `access-key-id,secret-access-key,account-id,user-name`. Blank lines and `#` comments are skipped, so the file
 * can document itself.
 */
import { readFileSync } from "node:fs";

/** One configured access key and whose it is. */
export interface ConfiguredKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  readonly userName: string;
}

const ACCESS_KEY_RE = /^[\w]{12,128}$/;
const ACCOUNT_RE = /^\d{12}$/;
const USER_NAME_RE = /^[\w+=,.@-]{1,64}$/;

/** Parses the file's text; throws naming the first bad line. */
export function parseCredentials(text: string, source = "credentials"): Map<string, ConfiguredKey> {
  const keys = new Map<string, ConfiguredKey>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) {
      return;
    }
    const [accessKeyId = "", secretAccessKey = "", accountId = "", userName = "", ...rest] = line
      .split(",")
      .map((f) => f.trim());
    if (
      rest.length > 0 ||
      !ACCESS_KEY_RE.test(accessKeyId) ||
      secretAccessKey === "" ||
      !ACCOUNT_RE.test(accountId) ||
      !USER_NAME_RE.test(userName)
    ) {
      throw new Error(
        `${source} line ${index + 1}: expected access-key-id,secret-access-key,account-id(12 digits),user-name`,
      );
    }
    keys.set(accessKeyId, { accessKeyId, secretAccessKey, accountId, userName });
  });
  return keys;
}

/** Reads and parses the credentials file at `path`. */
export function loadCredentials(path: string): Map<string, ConfiguredKey> {
  return parseCredentials(readFileSync(path, "utf8"), path);
}
