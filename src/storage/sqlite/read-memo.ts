/**
 * Answers to the reads every invoke makes (the function, its reserved concurrency), kept until the next change.
 * Only this process writes its SQLite database, and every write runs inside `SqliteStorage.transaction`, which
 * forgets everything as it begins; nothing is kept or served while a transaction is open, so an answer kept is
 * always one of committed data. A warm invoke then reads nothing from the database: two queries were a tenth of
 * its CPU. (PostgreSQL is shared by processes and keeps no such memo.)
 */
import { keepBounded } from "../../util/bounded-memo.js";
import type { Db } from "./db.js";

/** Keeps read results until the next change. */
export class ReadMemo {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly db: Db) {}

  /** Forgets every answer: a change begins. */
  forget(): void {
    this.values.clear();
  }

  /** The answer kept for `key`, else `load()`'s (kept when no transaction is open). */
  get<T>(key: string, load: () => T): T {
    if (this.db.inTransaction) {
      return load();
    }
    if (this.values.has(key)) {
      return this.values.get(key) as T;
    }
    const value = load();
    keepBounded(this.values, key, value);
    return value;
  }
}
