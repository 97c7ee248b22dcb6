/**
 * Stored code, whatever the backend: bytes in the BlobStore, once per SHA-256, and the reference-counted rows
 * that decide when a blob may go. Hashes being uploaded are pinned, so a collection running meanwhile never
 * removes bytes a transaction is about to reference.
 */
import { FOLDER_CODE_SHA256, folderKey, folderOf } from "../util/code-folder.js";
import type { RecentUploads } from "./recent-uploads.js";
import type { BlobStore, CodeRepository, Storage, StoredCode } from "./types.js";

/** A host folder as stored code: its key, no hash, no size (nothing of it is stored). */
export function folderCode(absolutePath: string): StoredCode {
  return { sha256Hex: folderKey(absolutePath), codeSha256: FOLDER_CODE_SHA256, codeSize: 0, unzippedSize: 0 };
}

/** The code store: content-addressed bytes and their reference counts. */
export class CodeStore {
  /** Hashes being written or about to be referenced; `collect()` never removes these. */
  private readonly pinned = new Map<string, number>();
  /** The database holds taken by `ingest` (shared backends only), per hash, dropped by `release`. */
  private readonly holds = new Map<string, string[]>();
  private readonly rows: CodeRepository;

  /** `recent`: where stored zips are held for the unpacking that follows (none: it reads them back). */
  constructor(
    private readonly storage: Storage,
    readonly blobs: BlobStore,
    private readonly recent?: RecentUploads,
  ) {
    this.rows = storage.code;
  }

  /**
   * Durably stores a checked zip. The hash stays pinned: call `register` inside the transaction that references
   * it, then `release` once that transaction is over.
   */
  async ingest(code: StoredCode, zip: Buffer): Promise<void> {
    this.pin(code.sha256Hex);
    try {
      // Before the upload: a process sharing the database must not delete these bytes from now on.
      const token = await this.rows.hold?.(code.sha256Hex);
      if (token !== undefined) {
        this.holds.set(code.sha256Hex, [...(this.holds.get(code.sha256Hex) ?? []), token]);
      }
      await this.blobs.put(code.sha256Hex, zip);
      this.recent?.keep(code.sha256Hex, zip);
    } catch (err) {
      this.unpin(code.sha256Hex);
      await this.dropHold(code.sha256Hex);
      throw err;
    }
  }

  /**
   * Takes a host folder as code (the development loop): nothing is stored, but its key is pinned like an upload's
   * hash until `release`, so the flow of `register` and `release` is the same.
   */
  ingestFolder(absolutePath: string): StoredCode {
    const code = folderCode(absolutePath);
    this.pin(code.sha256Hex);
    return code;
  }

  /** The unzipped size recorded for a stored blob (0 if unknown). */
  unzippedSize(sha256Hex: string): Promise<number> {
    return this.rows.unzippedSize(sha256Hex);
  }

  /** Whether a blob row exists (the bytes are stored and not being collected). */
  known(sha256Hex: string): Promise<boolean> {
    return this.rows.known(sha256Hex);
  }

  /** Records the blob row (no references yet); the referencing insert raises the count. Inside a transaction. */
  register(code: StoredCode): Promise<void> {
    return this.rows.register(code);
  }

  /**
   * Ends the pin taken by `ingest`. When the referencing transaction never committed (the request failed after
   * the upload was stored) and nothing else holds the bytes, the blob goes at once rather than at the next start.
   * `registered`: that transaction committed the blob's row (`register`), which no collection here removes while
   * the hash is pinned, so there is nothing to look up (nor to wait for: a read outside a change waits for the
   * group commit of whatever other requests are writing).
   */
  async release(code: StoredCode, registered = false): Promise<void> {
    this.unpin(code.sha256Hex);
    await this.dropHold(code.sha256Hex);
    if (registered) {
      return;
    }
    if (!this.pinned.has(code.sha256Hex) && !(await this.rows.known(code.sha256Hex))) {
      await this.remove(code.sha256Hex);
    }
  }

  /**
   * Removes every blob nobody references (and nobody is about to). The rows go and the files are unlinked in one
   * transaction, so no upload of the same bytes can slip in between and find a file that is about to vanish.
   */
  async collect(): Promise<void> {
    if (this.rows.whenUnused) {
      // Shared backends: the rows go first; each blob then goes under the database's lock, only if no process
      // registered or held it again meanwhile (the check must see the rows' deletion committed).
      const gone = await this.storage.transaction(() =>
        this.rows.deleteUnreferenced((sha) => this.pinned.has(sha)),
      );
      await Promise.all(gone.map((sha) => this.remove(sha)));
      return;
    }
    await this.storage.transaction(async () => {
      const gone = await this.rows.deleteUnreferenced((sha) => this.pinned.has(sha));
      await Promise.all(
        gone.filter((sha) => folderOf(sha) === undefined).map((sha) => this.blobs.delete(sha)),
      );
    });
  }

  /** Start-up clean-up: unreferenced rows and blobs, and temp files left by a crash. */
  async sweepAtStartup(): Promise<{ tempFiles: number; orphans: number }> {
    const isReferenced = await this.rows.sweep();
    return this.blobs.sweep(isReferenced, this.rows.whenUnused?.bind(this.rows));
  }

  /** Deletes a blob's bytes: at once on a one-process backend, under the database's check on a shared one. */
  private async remove(sha256Hex: string): Promise<void> {
    if (folderOf(sha256Hex) !== undefined) {
      return; // a folder's bytes are the user's own
    }
    if (!this.rows.whenUnused) {
      await this.blobs.delete(sha256Hex);
      return;
    }
    await this.rows.whenUnused(sha256Hex, async () => {
      if (!this.pinned.has(sha256Hex)) {
        await this.blobs.delete(sha256Hex);
      }
    });
  }

  private async dropHold(sha256Hex: string): Promise<void> {
    const tokens = this.holds.get(sha256Hex);
    const token = tokens?.pop();
    if (tokens?.length === 0) {
      this.holds.delete(sha256Hex);
    }
    if (token !== undefined) {
      await this.rows.unhold?.(token);
    }
  }

  private pin(sha256Hex: string): void {
    this.pinned.set(sha256Hex, (this.pinned.get(sha256Hex) ?? 0) + 1);
  }

  private unpin(sha256Hex: string): void {
    const n = (this.pinned.get(sha256Hex) ?? 1) - 1;
    if (n <= 0) {
      this.pinned.delete(sha256Hex);
    } else {
      this.pinned.set(sha256Hex, n);
    }
  }
}
