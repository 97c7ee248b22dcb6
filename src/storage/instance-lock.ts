/**
 * One lamina per data dir. Two processes writing one SQLite file, one blob folder and one extraction cache would
 * each believe it owns the temp files, the sweeps and the caches. The lock is an exclusive SQLite lock on
 * `<data dir>/lamina.lock` (an fcntl lock underneath), so the kernel releases it when the holder dies, even by
 * SIGKILL: no stale lock to clean up by hand. `lamina.pid` beside it names the holder for the refusal message.
 */
import Database from "better-sqlite3";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The lock held by this process; release it last, when everything else is closed. */
export interface InstanceLock {
  release(): void;
}

/** Thrown when another process holds the data dir. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: string,
  ) {
    super(`the data dir ${dataDir} is in use by ${holder}; stop it, or give this one another --data-dir`);
    this.name = "DataDirInUseError";
  }
}

/** Takes the data dir for this process, or throws `DataDirInUseError` at once when another process has it. */
export function lockDataDir(dataDir: string, what: string): InstanceLock {
  const db = new Database(join(dataDir, "lamina.lock"), { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    // The first write in exclusive mode takes the lock and keeps it until the connection closes.
    db.exec(
      "CREATE TABLE IF NOT EXISTS held (at INTEGER); BEGIN EXCLUSIVE; INSERT INTO held VALUES (0); COMMIT;",
    );
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === "SQLITE_BUSY") {
      throw new DataDirInUseError(dataDir, holderOf(dataDir));
    }
    throw err;
  }
  const pidFile = join(dataDir, "lamina.pid");
  writeFileSync(pidFile, `${process.pid} ${what} since ${new Date().toISOString()}\n`);
  return {
    release: () => {
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

/** Who holds the lock, as `lamina.pid` says ("process 1234 (lamina serve since …)"). */
function holderOf(dataDir: string): string {
  try {
    const [pid, ...rest] = readFileSync(join(dataDir, "lamina.pid"), "utf8").trim().split(" ");
    return `process ${pid} (${rest.join(" ")})`;
  } catch {
    return "another process";
  }
}
