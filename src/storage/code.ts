/**
 * Uploaded code (layer and function zips): checks it as Lambda does, stores the bytes once per SHA-256, and keeps
 * the `blobs` rows whose reference counts decide when a file may go.
 */
import { createHash } from "node:crypto";
import type { Db } from "./sqlite/db.js";
import type { BlobStore } from "./local-blobs/blobs.js";
import { InvalidParameterValueException } from "../errors.js";
import { summarizeZip, ZipTooLargeError } from "../util/zip.js";

/** Lambda's limit on code plus layers, unzipped (`../shared/reference/aws-layer-semantics.md` §5). */
export const MAX_UNZIPPED_SIZE = 262_144_000;

/** AWS's texts for uploads it refuses, `../shared/reference/aws-layer-semantics.md` §3 #12 and #14. */
export const ZIP_MESSAGES = {
  notAZip: "Could not unzip uploaded file. Please check your file, then try to upload again.",
  empty: "Uploaded file must be a non-empty zip",
  tooLarge: `Unzipped size must be smaller than ${MAX_UNZIPPED_SIZE} bytes`,
} as const;

/** A zip as stored: its hashes and sizes. */
export interface StoredCode {
  /** Hex SHA-256: the blob's file name and key. */
  readonly sha256Hex: string;
  /** base64 of the raw SHA-256, as Lambda's `CodeSha256`. */
  readonly codeSha256: string;
  readonly codeSize: number;
  readonly unzippedSize: number;
}

/** Converts a stored hex digest into Lambda's base64 `CodeSha256`. */
export function codeSha256Of(sha256Hex: string): string {
  return Buffer.from(sha256Hex, "hex").toString("base64");
}

/** The code store: validation, content-addressed bytes and their reference counts. */
export class CodeStore {
  private readonly insertBlob;
  private readonly selectUnreferenced;
  private readonly deleteBlob;
  private readonly selectReferenced;
  private readonly selectUnzippedSize;
  private readonly selectRow;

  constructor(
    private readonly db: Db,
    readonly blobs: BlobStore,
  ) {
    this.insertBlob = db.prepare(
      "INSERT INTO blobs (sha256, size, unzipped_size) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
    );
    this.selectUnreferenced = db.prepare("SELECT sha256 FROM blobs WHERE refcount <= 0").pluck();
    this.deleteBlob = db.prepare("DELETE FROM blobs WHERE sha256 = ? AND refcount <= 0");
    this.selectReferenced = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ? AND refcount > 0").pluck();
    this.selectUnzippedSize = db.prepare("SELECT unzipped_size FROM blobs WHERE sha256 = ?").pluck();
    this.selectRow = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?").pluck();
  }

  /**
   * Validates and durably stores a zip. The returned hash is pinned: call `register` inside the transaction
   * that references it, then `release` once that transaction is over.
   */
  async ingest(zip: Buffer): Promise<StoredCode> {
    const code = await this.inspect(zip);
    this.blobs.pin(code.sha256Hex);
    try {
      await this.blobs.put(code.sha256Hex, zip);
    } catch (err) {
      this.blobs.unpin(code.sha256Hex);
      throw err;
    }
    return code;
  }

  /** Validates a zip as Lambda does and computes its hashes and sizes, storing nothing (DryRun). */
  async inspect(zip: Buffer): Promise<StoredCode> {
    if (zip.length === 0) {
      throw new InvalidParameterValueException(ZIP_MESSAGES.empty);
    }
    let summary;
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
    const digest = createHash("sha256").update(zip).digest();
    return {
      sha256Hex: digest.toString("hex"),
      codeSha256: digest.toString("base64"),
      codeSize: zip.length,
      unzippedSize: summary.unzippedSize,
    };
  }

  /** The unzipped size recorded for a stored blob (0 if unknown). */
  unzippedSize(sha256Hex: string): number {
    return (this.selectUnzippedSize.get(sha256Hex) as number | undefined) ?? 0;
  }

  /** Records the blob row (refcount 0); the referencing insert's trigger raises the count. */
  register(code: StoredCode): void {
    this.insertBlob.run(code.sha256Hex, code.codeSize, code.unzippedSize);
  }

  /**
   * Ends the pin taken by `ingest`. When the referencing transaction never committed (the request failed after
   * the upload was stored) and nothing else holds the bytes, the file goes at once rather than at the next start.
   */
  release(code: StoredCode): void {
    this.blobs.unpin(code.sha256Hex);
    if (!this.blobs.isPinned(code.sha256Hex) && this.selectRow.get(code.sha256Hex) === undefined) {
      this.blobs.remove(code.sha256Hex);
    }
  }

  /**
   * Removes every blob nobody references (and nobody is about to). Synchronous from the row check to the unlink,
   * so no upload of the same bytes can slip in between and find a file that is about to vanish.
   */
  collect(): void {
    for (const sha of this.selectUnreferenced.all() as string[]) {
      if (!this.blobs.isPinned(sha) && this.deleteBlob.run(sha).changes === 1) {
        this.blobs.remove(sha);
      }
    }
  }

  /** Start-up clean-up: unreferenced rows and files, and temp files left by a crash. */
  sweepAtStartup(): { tempFiles: number; orphans: number } {
    this.db.prepare("DELETE FROM blobs WHERE refcount <= 0").run();
    return this.blobs.sweep((sha) => this.selectReferenced.get(sha) !== undefined);
  }
}
