/** Opens lamina's SQLite database with its pragmas and brings the schema up to date. */
import Database from "better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** The database handle every store shares. */
export type Db = Database.Database;

/**
 * Opens (creating if needed) the database at `file`.
 * WAL lets readers run beside the one writer. Migrations commit with `synchronous = FULL` (the WAL fsynced at
 * each commit). Then the handle runs with `synchronous = NORMAL`: SQLite still syncs the WAL before a checkpoint
 * copies it and the database file before the WAL is reused, but no longer at each COMMIT — `SqliteStorage`
 * fsyncs the WAL itself, off the event loop, before it acknowledges a change (see storage.ts).
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // Each change runs in a SAVEPOINT (storage.ts), whose undo copies of the pages it touches would otherwise go
  // to a temporary file once they pass 64 KiB: memory keeps a CreateFunction's savepoint off the file system.
  // The durable state is the WAL alone; the temporary store only ever holds what a rollback would need.
  db.pragma("temp_store = MEMORY");
  migrate(db, migrations);
  return db;
}

/** Switches a handle whose commits its owner makes durable (storage.ts) to syncing only at checkpoints. */
export function syncAtCheckpointsOnly(db: Db): void {
  db.pragma("synchronous = NORMAL");
}

function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this lamina (${latest}); upgrade lamina`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) {
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
