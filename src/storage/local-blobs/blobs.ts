/**
 * The local BlobStore: content-addressed zip files, `blobs/<aa>/<sha256 hex>`. A blob is written to `blobs/tmp/`,
 * fsynced, renamed into place and its directory fsynced, all before the database row that references it commits;
 * so a row never points at a missing or half-written file. Files nobody references are removed through
 * `CodeStore.collect()`, and at start-up by `sweep()`, which also clears temp files left by a crash.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, type ReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { CodeStorageExceededException } from "../../errors.js";
import { formatBytes, freeBytes } from "../../util/disk-space.js";
import type { BlobStore } from "../types.js";

/** Stores and serves zip bytes by their SHA-256 in a local directory. */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /**
   * Hashes whose file this store has written or found, and not deleted since: a second upload of the same bytes
   * (every CreateFunction of one zip) then needs no stat. Kept only when this process alone deletes the files.
   */
  private readonly present: Set<string> | undefined;

  /**
   * `minFreeBytes`: uploads that would leave less than this free on the disk are refused (`--min-free-space`).
   * `soleOwner`: no other process deletes from `dir` (the SQLite backend), so what is stored can be remembered.
   */
  constructor(
    private readonly dir: string,
    private readonly minFreeBytes = 0,
    soleOwner = false,
  ) {
    this.present = soleOwner ? new Set() : undefined;
    this.tmpDir = join(dir, "tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** The blob's own file: local blobs need no materializing. */
  async localPath(sha256Hex: string): Promise<string> {
    return this.path(sha256Hex);
  }

  private path(sha256Hex: string): string {
    return join(this.dir, sha256Hex.slice(0, 2), sha256Hex);
  }

  /**
   * Makes sure the bytes are durably stored under their hash. The caller (CodeStore) pins the hash first and
   * unpins it once the referencing row has committed (or failed), so a concurrent collection cannot remove it.
   */
  async put(sha256Hex: string, bytes: Uint8Array): Promise<void> {
    if (this.present?.has(sha256Hex) === true) {
      return;
    }
    const target = this.path(sha256Hex);
    if (await exists(target)) {
      this.present?.add(sha256Hex);
      return;
    }
    // 0 turns the reserve off: the write itself then meets a full disk, which answers a 500 of its own.
    if (this.minFreeBytes > 0) {
      const free = await freeBytes(this.dir);
      if (free - bytes.length < this.minFreeBytes) {
        throw new CodeStorageExceededException(reserveMessage(free, this.minFreeBytes));
      }
    }
    const tmp = join(this.tmpDir, randomUUID());
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (err) {
      // A full disk (or any failed write) must not leave half a blob behind.
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const shard = join(this.dir, sha256Hex.slice(0, 2));
    mkdirSync(shard, { recursive: true });
    await rename(tmp, target);
    await fsyncDir(shard);
    this.present?.add(sha256Hex);
  }

  /** A stream of the blob's bytes. */
  open(sha256Hex: string): ReadStream {
    // 1 MiB reads: a download then costs a few dozen chunks, not hundreds (each one hashed and written).
    return createReadStream(this.path(sha256Hex), { highWaterMark: 1024 * 1024 });
  }

  /** The blob's size on disk, or undefined when it is not stored. */
  async size(sha256Hex: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(sha256Hex))).size;
    } catch {
      return undefined;
    }
  }

  /** Removes the file of a blob that is no longer referenced; unlinked before this returns its promise. */
  async delete(sha256Hex: string): Promise<void> {
    this.present?.delete(sha256Hex);
    rmSync(this.path(sha256Hex), { force: true });
  }

  /**
   * Start-up clean-up: deletes leftover temp files and every blob file whose hash `isReferenced` rejects.
   * Synchronous inside on purpose: it runs before the server accepts requests.
   */
  async sweep(isReferenced: (sha256Hex: string) => boolean): Promise<{ tempFiles: number; orphans: number }> {
    let tempFiles = 0;
    let orphans = 0;
    for (const name of readdirSync(this.tmpDir)) {
      rmSync(join(this.tmpDir, name), { force: true });
      tempFiles++;
    }
    for (const shard of readdirSync(this.dir)) {
      if (shard === "tmp") {
        continue;
      }
      for (const name of readdirSync(join(this.dir, shard))) {
        if (!isReferenced(name)) {
          this.present?.delete(name);
          rmSync(join(this.dir, shard, name), { force: true });
          orphans++;
        }
      }
    }
    return { tempFiles, orphans };
  }
}

/** Why an upload was refused to keep the reserve; lamina's own text, inside AWS's CodeStorageExceededException. */
export function reserveMessage(free: number, reserve: number): string {
  return (
    `lamina keeps ${formatBytes(reserve)} of its data dir's disk free (--min-free-space) and ${formatBytes(free)} ` +
    "are free: uploads are refused until space is freed. Deletes, grants and reads still work."
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** fsyncs a directory so a rename into it survives a crash. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Every blob file in a local blob directory, by name (temp files excluded); reads only. */
export function listLocalBlobs(dir: string): { sha256Hex: string; file: string }[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((shard) => shard !== "tmp")
    .flatMap((shard) =>
      readdirSync(join(dir, shard)).map((name) => ({ sha256Hex: name, file: join(dir, shard, name) })),
    );
}
