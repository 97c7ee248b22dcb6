/**
 * The issued-credentials cache of the SQLite backend: a key found missing is believed only for a few seconds, so
 * credentials another process sharing the database issues become usable without a restart.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteCredentials } from "../../src/storage/sqlite/credentials.js";
import { openDatabase } from "../../src/storage/sqlite/db.js";
import type { IssuedCredentials } from "../../src/storage/types.js";
import { tmpDir } from "../helpers/server.js";

const ISSUED: IssuedCredentials = {
  accessKeyId: "ASIAEXAMPLE000000001",
  secretAccessKey: "secret",
  sessionToken: "token",
  accountId: "111111111111",
  arn: "arn:aws:sts::111111111111:assumed-role/r/s",
  userId: "AROAEXAMPLE:s",
  expiresAt: 4_102_444_800_000,
};

describe("SqliteCredentials", () => {
  const file = join(tmpDir(), "lamina.db");

  it("finds what it stored", async () => {
    const db = openDatabase(join(tmpDir(), "lamina.db"));
    const store = new SqliteCredentials(db);
    await store.insert(ISSUED);
    expect(await store.get(ISSUED.accessKeyId)).toEqual(ISSUED);
    expect(await store.get("ASIAUNKNOWN000000000")).toBeUndefined();
    db.close();
  });

  it("sees another process's credentials once the unknown-key answer expires", async () => {
    let now = 0;
    const readerDb = openDatabase(file);
    const writerDb = openDatabase(file);
    const reader = new SqliteCredentials(readerDb, () => now);
    const writer = new SqliteCredentials(writerDb);

    expect(await reader.get(ISSUED.accessKeyId)).toBeUndefined();
    await writer.insert(ISSUED);
    now += 1_000;
    // Still the cached answer: unknown keys do not reach SQLite on every request.
    expect(await reader.get(ISSUED.accessKeyId)).toBeUndefined();
    now += 10_000;
    expect(await reader.get(ISSUED.accessKeyId)).toEqual(ISSUED);
    readerDb.close();
    writerDb.close();
  });
});
