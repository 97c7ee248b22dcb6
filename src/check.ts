/**
 * `lamina check`: verifies a data dir without a server and without changing it. SQLite's integrity check, every
 * blob file's SHA-256 against its name, and every blob the rows reference but the disk lacks. One line per problem.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { listLocalBlobs } from "./storage/local-blobs/blobs.js";
import { sha256OfFile } from "./storage/integrity.js";
import { folderOf } from "./util/code-folder.js";
import { inspectDatabase } from "./storage/sqlite/inspect.js";

/** What `lamina check` prints, problem by problem. */
export const CHECK_TEXTS = {
  ok: (blobs: number) => `ok: ${blobs} blobs verified, database intact`,
  noDatabase: (file: string) => `no database at ${file}`,
  database: (line: string) => `database: ${line}`,
  damaged: (sha: string, actual: string, users: string) =>
    `damaged blob ${sha}: its bytes hash to ${actual}${users}`,
  missing: (sha: string, users: string) => `missing blob ${sha}${users}`,
  summary: (problems: number) => `${problems} problem${problems === 1 ? "" : "s"} found`,
} as const;

/** The outcome of a check: the lines to print and whether all was well. */
export interface CheckResult {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

function usedBy(users: readonly string[] | undefined): string {
  return users && users.length > 0 ? ` (used by ${users.join(", ")})` : "";
}

/** Checks the data dir at `dataDir`. */
export async function checkDataDir(dataDir: string): Promise<CheckResult> {
  const dbFile = join(dataDir, "lamina.db");
  if (!existsSync(dbFile)) {
    return { ok: false, lines: [CHECK_TEXTS.noDatabase(dbFile)] };
  }
  const report = inspectDatabase(dbFile);
  const problems: string[] = [];
  if (report.integrity.join() !== "ok") {
    problems.push(...report.integrity.map(CHECK_TEXTS.database));
  }
  const files = listLocalBlobs(join(dataDir, "blobs"));
  const onDisk = new Set<string>();
  for (const { sha256Hex, file } of files) {
    onDisk.add(sha256Hex);
    const actual = await sha256OfFile(file);
    if (actual !== sha256Hex) {
      problems.push(CHECK_TEXTS.damaged(sha256Hex, actual, usedBy(report.references.get(sha256Hex))));
    }
  }
  for (const [sha, users] of report.references) {
    // A row nothing references yet is an upload in flight (or swept at the next start), not a loss.
    // Folder code (the development loop) is the user's folder, never a blob.
    if (!onDisk.has(sha) && users.length > 0 && folderOf(sha) === undefined) {
      problems.push(CHECK_TEXTS.missing(sha, usedBy(users)));
    }
  }
  if (problems.length === 0) {
    return { ok: true, lines: [CHECK_TEXTS.ok(files.length)] };
  }
  return { ok: false, lines: [...problems, CHECK_TEXTS.summary(problems.length)] };
}
