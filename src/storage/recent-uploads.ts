/**
 * Zips this process has just stored, held in memory for a short while so that unpacking them (which starts right
 * after the commit, `execution/cache-keeper.ts`) need not read them back from disk and hash them again: their
 * SHA-256 was computed from these very bytes when they were uploaded. For a 50 MB layer on a small machine the
 * read and the second hash cost as much as the unpacking itself. Each zip is handed out once; what nobody takes
 * (code already unpacked, a request that failed) is let go within a minute, and the total held is bounded.
 */

/** How long a zip is held for the unpacking that usually follows within milliseconds. */
const HOLD_MS = 30_000;
/** At most this many bytes are held; the oldest go first. */
const MAX_HELD_BYTES = 128 * 1024 * 1024;

/** The zips just stored, by SHA-256, each handed out once. */
export class RecentUploads {
  private readonly held = new Map<string, { bytes: Buffer; at: number }>();
  private heldBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Holds `bytes`, whose SHA-256 is `sha256Hex`, computed from them by this process. */
  keep(sha256Hex: string, bytes: Buffer): void {
    if (bytes.length > MAX_HELD_BYTES) {
      return;
    }
    this.drop(sha256Hex);
    this.held.set(sha256Hex, { bytes, at: Date.now() });
    this.heldBytes += bytes.length;
    for (const [sha, entry] of this.held) {
      if (this.heldBytes <= MAX_HELD_BYTES) {
        break;
      }
      this.heldBytes -= entry.bytes.length;
      this.held.delete(sha);
    }
    this.timer ??= setTimeout(() => this.expire(), HOLD_MS).unref();
  }

  /** The bytes held for `sha256Hex`, once: they are let go as they are handed out. */
  take(sha256Hex: string): Buffer | undefined {
    const entry = this.held.get(sha256Hex);
    this.drop(sha256Hex);
    return entry?.bytes;
  }

  private drop(sha256Hex: string): void {
    const entry = this.held.get(sha256Hex);
    if (entry !== undefined) {
      this.held.delete(sha256Hex);
      this.heldBytes -= entry.bytes.length;
    }
  }

  private expire(): void {
    this.timer = undefined;
    const cutoff = Date.now() - HOLD_MS;
    for (const [sha, entry] of this.held) {
      if (entry.at <= cutoff) {
        this.drop(sha);
      }
    }
    if (this.held.size > 0) {
      this.timer = setTimeout(() => this.expire(), HOLD_MS).unref();
    }
  }
}
