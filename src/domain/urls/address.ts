/**
 * Where a function URL lives: its `<url-id>`, the host name built from it, and reading both back from a request's
 * Host (`docs/reference/aws-deploy-api.md` §12.1, §12.2). AWS's host name `<url-id>.lambda-url.<region>.on.aws`
 * cannot reach a local server, so lamina hands out `http://<url-id>.lambda-url.<region>.localhost:<port>/`: names
 * under `localhost` mean loopback (RFC 6761; curl and browsers resolve them so themselves), and any request whose
 * Host is `<url-id>.lambda-url.<region>.<anything>` is served as that URL, so the same call also works with the
 * Host header sent to lamina's own address.
 */
import { randomInt } from "node:crypto";

/** The length of a `<url-id>`: 32, as every real one seen (§12.1). */
const URL_ID_LENGTH = 32;
const URL_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `<url-id>.lambda-url.<region>.` at the start of a host name (any suffix, any port). */
const URL_HOST_RE = /^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.[^:]*(?::\d+)?$/i;

/**
 * A new `<url-id>`: 32 characters of `[a-z0-9]`. AWS derives its ids from the account among other things; a
 * deleted URL must never come back with the same address (§11 #87), so lamina draws them at random.
 */
export function newUrlId(): string {
  let id = "";
  for (let i = 0; i < URL_ID_LENGTH; i++) {
    id += URL_ID_ALPHABET[randomInt(URL_ID_ALPHABET.length)];
  }
  return id;
}

/** What a function URL host name names. */
export interface UrlHost {
  readonly urlId: string;
  readonly region: string;
}

/** The url id and region a Host header names, or undefined when it is no function URL host. */
export function parseUrlHost(host: string | undefined): UrlHost | undefined {
  const m = host === undefined ? null : URL_HOST_RE.exec(host);
  if (!m) {
    return undefined;
  }
  return { urlId: (m[1] ?? "").toLowerCase(), region: (m[2] ?? "").toLowerCase() };
}

/**
 * The `FunctionUrl` lamina answers for a url id: on lamina's own scheme and port (from `endpoint`, the URL lamina
 * serves at), with the trailing slash AWS's URLs have so `FunctionUrl + "path"` works (§12.2).
 */
export function functionUrlOf(urlId: string, region: string, endpoint: string): string {
  const base = new URL(endpoint);
  const port = base.port === "" ? "" : `:${base.port}`;
  return `${base.protocol}//${urlId}.lambda-url.${region}.localhost${port}/`;
}
