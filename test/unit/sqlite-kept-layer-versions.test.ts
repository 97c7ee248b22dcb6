/**
 * The SQLite layers repository keeps the versions it has read (CreateFunction reads each of its layers). What it
 * answers must always be what the database holds: after a policy change, a delete, and after a change that read
 * its own write and was then rolled back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStorage } from "../../src/storage/sqlite/storage.js";
import type { NewLayerVersion } from "../../src/storage/types.js";

const A = "123456789012";
const R = "eu-central-1";
const SHA = "a".repeat(64);
const VERSION: NewLayerVersion = {
  description: "d",
  licenseInfo: undefined,
  compatibleRuntimes: ["python3.12"],
  compatibleArchitectures: undefined,
  createdDate: "2026-12-01T00:00:00.000+0000",
  sha256Hex: SHA,
  codeSize: 10,
};

let dir: string;
let storage: SqliteStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "lamina-kept-"));
  storage = SqliteStorage.open(join(dir, "lamina.sqlite"));
  await storage.transaction(async () => {
    await storage.code.register({ sha256Hex: SHA, codeSha256: "qg==", codeSize: 10, unzippedSize: 20 });
    await storage.layers.publish(A, R, "lib", VERSION);
  });
});

afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("layer versions kept by the SQLite repository", () => {
  it("answers a policy revision set after the version was read", async () => {
    const before = await storage.layers.getVersion(A, R, "lib", 1);
    expect(before?.policyRevisionId).toBeUndefined();
    await storage.transaction(() => storage.layers.setRevision(before?.layerId ?? 0, 1, "rev-1"));
    expect((await storage.layers.getVersion(A, R, "lib", 1))?.policyRevisionId).toBe("rev-1");
  });

  it("answers nothing for a version deleted after it was read", async () => {
    expect((await storage.layers.getVersion(A, R, "lib", 1))?.version).toBe(1);
    await storage.transaction(() => storage.layers.deleteVersion(A, R, "lib", 1));
    expect(await storage.layers.getVersion(A, R, "lib", 1)).toBeUndefined();
  });

  it("forgets what a rolled-back change read of its own writes", async () => {
    const layerId = (await storage.layers.getVersion(A, R, "lib", 1))?.layerId ?? 0;
    const failed = storage.transaction(async () => {
      await storage.layers.setRevision(layerId, 1, "rev-rolled-back");
      // Read inside the change: the repository keeps this answer, which the rollback makes untrue.
      expect((await storage.layers.getVersion(A, R, "lib", 1))?.policyRevisionId).toBe("rev-rolled-back");
      throw new Error("the change fails");
    });
    await expect(failed).rejects.toThrow("the change fails");
    expect((await storage.layers.getVersion(A, R, "lib", 1))?.policyRevisionId).toBeUndefined();
  });

  it("keeps a zip's unzipped size, and answers 0 for a hash it does not know", async () => {
    expect(await storage.code.unzippedSize(SHA)).toBe(20);
    expect(await storage.code.unzippedSize(SHA)).toBe(20);
    expect(await storage.code.unzippedSize("b".repeat(64))).toBe(0);
  });
});
