/**
 * Rot checks: a blob's name is the SHA-256 of its bytes, so any byte that changed on disk shows as a mismatch.
 * Blobs are checked where their bytes leave storage: when they are unpacked (before anything is cached) and when
 * they are served. A blob once found damaged is remembered, so later readers fail at once instead of re-reading it.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type { RecentUploads } from "./recent-uploads.js";
import type { BlobStore } from "./types.js";

/** Read size for hashing and serving: fewer, larger chunks make both the hash and the socket writes cheaper. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

/** The stored bytes of a blob no longer hash to its name. */
export class DamagedBlobError extends Error {
  constructor(readonly sha256Hex: string) {
    super(damagedBlobMessage(sha256Hex));
  }
}

/** What lamina says about a damaged blob, everywhere it says it. */
export function damagedBlobMessage(sha256Hex: string): string {
  return `The stored bytes of blob ${sha256Hex} are damaged: their SHA-256 no longer matches.`;
}

/** The hex SHA-256 of a file, read as a stream. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: BLOB_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/**
 * Passes bytes through while hashing them, holding back the last chunk until the digest is known: on a mismatch
 * the stream fails before the final bytes go out, so a reader never receives a complete body of bad bytes.
 */
class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  private held: Buffer | undefined;

  constructor(
    private readonly sha256Hex: string,
    private readonly onDamaged: (sha256Hex: string) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    if (this.hash.digest("hex") !== this.sha256Hex) {
      this.onDamaged(this.sha256Hex);
      done(new DamagedBlobError(this.sha256Hex));
      return;
    }
    done(null, this.held);
  }
}

/** Verified access to a BlobStore's bytes, and the memory of which blobs were found damaged. */
export class BlobIntegrity {
  private readonly damaged = new Set<string>();

  /**
   * `verifyServed` false turns off the check of served bytes: a private switch for the bench's floor row only.
   * `onDamaged` hears of each blob the first time it is found damaged (the server logs it). `recent`: zips this
   * process has just stored, whose bytes `verifiedBytes` hands out as they are (they were hashed on the way in).
   */
  constructor(
    readonly blobs: BlobStore,
    private readonly onDamaged: (sha256Hex: string) => void = () => {},
    private readonly verifyServed = true,
    private readonly recent?: RecentUploads,
  ) {}

  /** Whether the blob was found damaged since start-up. */
  isDamaged(sha256Hex: string): boolean {
    return this.damaged.has(sha256Hex);
  }

  /** A stream of the blob's bytes that fails (before its last chunk) when they do not hash to its name. */
  open(sha256Hex: string): Readable {
    const source = this.blobs.open(sha256Hex);
    if (!this.verifyServed) {
      return source;
    }
    const verifying = new VerifyingStream(sha256Hex, (sha) => this.markDamaged(sha));
    source.on("error", (err) => verifying.destroy(err));
    return source.pipe(verifying);
  }

  /** A local file of the blob whose bytes were just checked; throws DamagedBlobError when they do not match. */
  async verifiedPath(sha256Hex: string): Promise<string> {
    if (this.damaged.has(sha256Hex)) {
      throw new DamagedBlobError(sha256Hex);
    }
    const file = await this.blobs.localPath(sha256Hex);
    if ((await sha256OfFile(file)) !== sha256Hex) {
      this.markDamaged(sha256Hex);
      throw new DamagedBlobError(sha256Hex);
    }
    return file;
  }

  /**
   * The blob's bytes, read once and checked; throws DamagedBlobError when they do not match. Unpacking uses the
   * same bytes it hashed, so the zip is read from disk once, not twice; a zip just uploaded is not read at all.
   */
  async verifiedBytes(sha256Hex: string): Promise<Buffer> {
    if (this.damaged.has(sha256Hex)) {
      throw new DamagedBlobError(sha256Hex);
    }
    const uploaded = this.recent?.take(sha256Hex);
    if (uploaded !== undefined) {
      return uploaded;
    }
    const bytes = await readFile(await this.blobs.localPath(sha256Hex));
    if (createHash("sha256").update(bytes).digest("hex") !== sha256Hex) {
      this.markDamaged(sha256Hex);
      throw new DamagedBlobError(sha256Hex);
    }
    return bytes;
  }

  private markDamaged(sha256Hex: string): void {
    if (!this.damaged.has(sha256Hex)) {
      this.damaged.add(sha256Hex);
      this.onDamaged(sha256Hex);
    }
  }
}
