/**
 * Uploaded code (layer and function zips) checked as Lambda checks it: a non-empty zip within the unzipped limit,
 * with AWS's texts for what it refuses. Shared by layers and functions.
 */
import { keepBounded } from "../util/bounded-memo.js";
import { FOLDER_CODE_SHA256, folderOf } from "../util/code-folder.js";
import { createHash } from "node:crypto";
import { InvalidParameterValueException } from "../errors.js";
import type { StoredCode } from "../storage/types.js";
import { summarizeZip, ZipTooLargeError, type ZipSummary } from "../util/zip.js";

/** Lambda's limit on code plus layers, unzipped (`docs/reference/aws-layer-semantics.md` §5). */
export const MAX_UNZIPPED_SIZE = 262_144_000;

/** AWS's texts for uploads it refuses, `docs/reference/aws-layer-semantics.md` §3 #12 and #14. */
export const ZIP_MESSAGES = {
  notAZip: "Could not unzip uploaded file. Please check your file, then try to upload again.",
  empty: "Uploaded file must be a non-empty zip",
  tooLarge: `Unzipped size must be smaller than ${MAX_UNZIPPED_SIZE} bytes`,
} as const;

/** Converts a stored hex digest (or a host folder's key, which has none) into Lambda's base64 `CodeSha256`. */
export function codeSha256Of(sha256Hex: string): string {
  if (folderOf(sha256Hex) !== undefined) {
    return FOLDER_CODE_SHA256;
  }
  return Buffer.from(sha256Hex, "hex").toString("base64");
}

/** How many accepted zips' summaries are remembered (by SHA-256) so the same bytes are not inflated again. */
const REMEMBERED_SUMMARIES = 256;
/** Accepted zips' summaries by SHA-256 hex: the check is a pure function of the bytes. */
const summaries = new Map<string, ZipSummary>();

/** Validates a zip as Lambda does and computes its hashes and sizes, storing nothing. */
export async function inspectZip(zip: Buffer): Promise<StoredCode> {
  if (zip.length === 0) {
    throw new InvalidParameterValueException(ZIP_MESSAGES.empty);
  }
  const digest = createHash("sha256").update(zip).digest();
  const sha256Hex = digest.toString("hex");
  // The same bytes again (every CreateFunction of one zip) were accepted already: reading them through once more
  // would find what it found then.
  let summary = summaries.get(sha256Hex);
  if (summary === undefined) {
    try {
      summary = await summarizeZip(zip, MAX_UNZIPPED_SIZE);
    } catch (err) {
      throw new InvalidParameterValueException(
        err instanceof ZipTooLargeError ? ZIP_MESSAGES.tooLarge : ZIP_MESSAGES.notAZip,
      );
    }
    if (summary.entries === 0) {
      throw new InvalidParameterValueException(ZIP_MESSAGES.empty);
    }
    keepBounded(summaries, sha256Hex, summary, REMEMBERED_SUMMARIES);
  }
  return {
    sha256Hex,
    codeSha256: digest.toString("base64"),
    codeSize: zip.length,
    unzippedSize: summary.unzippedSize,
  };
}
