/**
 * A zip just uploaded goes to its unpacking without being read back and hashed again (storage/recent-uploads.ts):
 * BlobIntegrity hands out the upload's own bytes once, then reads and checks the stored file as always. The
 * stored file here holds other bytes than the upload, so which of the two was handed out shows.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BlobIntegrity, DamagedBlobError } from "../../src/storage/integrity.js";
import { LocalBlobStore } from "../../src/storage/local-blobs/blobs.js";
import { RecentUploads } from "../../src/storage/recent-uploads.js";

const UPLOAD = Buffer.from("the uploaded zip");
const SHA = createHash("sha256").update(UPLOAD).digest("hex");

let dir: string;
let recent: RecentUploads;
let integrity: BlobIntegrity;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lamina-recent-"));
  recent = new RecentUploads();
  integrity = new BlobIntegrity(new LocalBlobStore(dir), () => {}, true, recent);
  // On disk, under the upload's hash: bytes that do not match it (rot, as far as a check can tell).
  mkdirSync(join(dir, SHA.slice(0, 2)), { recursive: true });
  writeFileSync(join(dir, SHA.slice(0, 2), SHA), "rotten bytes");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("zips held between their upload and their unpacking", () => {
  it("hands out the upload's own bytes once, then checks the stored file", async () => {
    recent.keep(SHA, UPLOAD);
    expect(await integrity.verifiedBytes(SHA)).toBe(UPLOAD);
    await expect(integrity.verifiedBytes(SHA)).rejects.toThrow(DamagedBlobError);
  });

  it("holds nothing for a hash it was not given", async () => {
    recent.keep("0".repeat(64), UPLOAD);
    await expect(integrity.verifiedBytes(SHA)).rejects.toThrow(DamagedBlobError);
    expect(recent.take("0".repeat(64))).toBe(UPLOAD);
    expect(recent.take("0".repeat(64))).toBeUndefined();
  });

  it("lets the oldest go once it holds more than 128 MiB", () => {
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (const sha of ["a", "b", "c"]) {
      recent.keep(sha, big);
    }
    expect([recent.take("a"), recent.take("b"), recent.take("c")].map((b) => b?.length)).toEqual([
      undefined,
      big.length,
      big.length,
    ]);
  });

  it("lets go of what nobody took after 30 s", () => {
    vi.useFakeTimers();
    try {
      const timed = new RecentUploads();
      timed.keep(SHA, UPLOAD);
      vi.advanceTimersByTime(29_000);
      expect(timed.take(SHA)).toBe(UPLOAD);
      timed.keep(SHA, UPLOAD);
      vi.advanceTimersByTime(61_000);
      expect(timed.take(SHA)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
