/**
 * The SQLite backend: one database file holding every repository, and the transaction shape of `Storage`.
 * better-sqlite3 answers synchronously, so a transaction whose callback awaits only these repositories runs from
 * BEGIN to COMMIT within one turn of the event loop, as isolated as the synchronous transactions it replaces;
 * the lock orders transactions whose callbacks do wait on I/O.
 */
import type { Storage } from "../types.js";
import { SqliteCode } from "./code.js";
import { SqliteCredentials } from "./credentials.js";
import { openDatabase, type Db } from "./db.js";
import { SqliteFunctions } from "./functions.js";
import { SqliteLayers } from "./layers.js";
import { SqliteOrganizations } from "./organizations.js";

/** The SQLite storage: every repository over one database handle. */
export class SqliteStorage implements Storage {
  readonly layers: SqliteLayers;
  readonly functions: SqliteFunctions;
  readonly code: SqliteCode;
  readonly organizations: SqliteOrganizations;
  readonly credentials: SqliteCredentials;
  private lock: Promise<void> = Promise.resolve();

  constructor(private readonly db: Db) {
    this.layers = new SqliteLayers(db);
    this.functions = new SqliteFunctions(db);
    this.code = new SqliteCode(db);
    this.organizations = new SqliteOrganizations(db);
    this.credentials = new SqliteCredentials(db);
  }

  /** Opens (creating and migrating if needed) the database at `file`. */
  static open(file: string): SqliteStorage {
    return new SqliteStorage(openDatabase(file));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = await fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      if (this.db.inTransaction) {
        this.db.exec("ROLLBACK");
      }
      throw err;
    } finally {
      release();
    }
  }

  close(): void {
    this.db.close();
  }
}
