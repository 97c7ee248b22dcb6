/**
 * A fast path for large code uploads. PublishLayerVersion and CreateFunction bodies are almost all one base64
 * string (`"ZipFile":"…"`, up to 70 MB). Decoding the whole body to a JS string and JSON.parse-ing it costs more
 * than hashing and storing the zip, so the base64 is cut out of the raw bytes and decoded directly, and only the
 * small rest is parsed. A random placeholder proves the cut was the real `Content.ZipFile` member: if the parsed
 * rest does not hold it exactly there, the normal parser handles the body.
 */
import { randomUUID } from "node:crypto";

/** Decodes UTF-8 and throws on invalid bytes, as AWS's JSON reader refuses them. */
export const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

const KEY = Buffer.from('"ZipFile"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Base64 text cut from a request body, still as bytes; `blobMember` decodes it. */
export class RawBase64 {
  constructor(readonly text: Buffer) {}

  /**
   * Decodes in 1 MiB pieces (a multiple of 4 characters) into one buffer: no 70 MB JS string is ever built.
   * Returns undefined when the text is not strict base64 (Node's decoder skips bad characters, so a short
   * result betrays them).
   */
  decode(): Buffer | undefined {
    const text = this.text;
    if (text.length % 4 !== 0) {
      return undefined;
    }
    const padding = text[text.length - 1] === 0x3d ? (text[text.length - 2] === 0x3d ? 2 : 1) : 0;
    const expected = (text.length / 4) * 3 - padding;
    const out = Buffer.allocUnsafe(expected);
    const piece = 1 << 20;
    let written = 0;
    for (let i = 0; i < text.length && written <= expected; i += piece) {
      written += out.write(text.subarray(i, i + piece).toString("latin1"), written, "base64");
    }
    return written === expected ? out : undefined;
  }
}

/** Bodies smaller than this are parsed normally; the fast path only pays off for big uploads. */
export const FAST_PATH_MIN_BYTES = 256 * 1024;

function skipWhitespace(buf: Buffer, i: number): number {
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) {
    i++;
  }
  return i;
}

/** Where the upload operations carry their zip: PublishLayerVersion's Content, CreateFunction's Code, or the top. */
const HOLDERS = ["Content", "Code"] as const;

/**
 * Parses `raw` with the `ZipFile` member (of `Content`, `Code` or the body itself) left as a `RawBase64` of its
 * bytes; undefined when the body does not have that shape.
 */
export function parseWithBlobCut(raw: Buffer): Record<string, unknown> | undefined {
  const keyAt = raw.indexOf(KEY);
  if (keyAt <= 0 || raw[keyAt - 1] === BACKSLASH) {
    return undefined;
  }
  let i = skipWhitespace(raw, keyAt + KEY.length);
  if (raw[i] !== 0x3a /* : */) {
    return undefined;
  }
  i = skipWhitespace(raw, i + 1);
  if (raw[i] !== QUOTE) {
    return undefined;
  }
  const start = i + 1;
  const end = raw.indexOf(QUOTE, start);
  if (end < 0 || raw.subarray(start, end).includes(BACKSLASH)) {
    return undefined; // escapes inside: not plain base64, let JSON.parse decide
  }
  const placeholder = `lamina-blob-${randomUUID()}`;
  let rest: string;
  try {
    rest = STRICT_UTF8.decode(raw.subarray(0, start)) + placeholder + STRICT_UTF8.decode(raw.subarray(end));
  } catch {
    return undefined; // not UTF-8: the normal path answers AWS's error
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return undefined;
  }
  const body = parsed as Record<string, unknown>;
  const candidates = [body, ...HOLDERS.map((key) => body[key])];
  const holder = candidates.find(
    (c): c is Record<string, unknown> =>
      c !== null && typeof c === "object" && (c as Record<string, unknown>).ZipFile === placeholder,
  );
  if (!holder) {
    return undefined;
  }
  holder.ZipFile = new RawBase64(raw.subarray(start, end));
  return body;
}
