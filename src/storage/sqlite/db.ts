/** Opens lamina's SQLite database with its pragmas and brings the schema up to date. */
import Database from "better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** The database handle every store shares. */
export type Db = Database.Database;

/**
 * Opens (creating if needed) the database at `file`.
 * WAL lets readers run beside the one writer; `synchronous = FULL` fsyncs the WAL at every commit, so an
 * acknowledged change survives a process crash and a power cut alike.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db, migrations);
  return db;
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
