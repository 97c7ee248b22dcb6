/**
 * The SQLite backend: one database file holding every repository, and the transaction shape of `Storage`.
 *
 * Group commit. A change is durable once the WAL holding it is fsynced, about a millisecond on this kind of disk.
 * With `synchronous = FULL` better-sqlite3 would do that inside COMMIT, on the event loop, stalling every request;
 * one commit per change would cap writes at that rate. So the changes that arrive together share one commit: the
 * first opens a physical transaction (`BEGIN IMMEDIATE`) and schedules its COMMIT for the end of this turn of the
 * event loop (`setImmediate`); each change runs inside it as a SAVEPOINT (undone alone when its callback fails).
 * The COMMIT itself only writes the WAL (`synchronous = NORMAL`); the fsync runs in libuv's thread pool
 * (`fdatasync` of the `-wal` file); while one fsync runs, the open batch waits for it to end before it commits, so
 * the changes of that time share one COMMIT and the next fsync. A change is
 * acknowledged — its promise resolved — only after an fsync that started after its COMMIT has finished. If the
 * COMMIT fails, every change in it fails. (NORMAL keeps checkpoints safe: SQLite syncs the WAL before copying it
 * into the database and the database before the WAL is reused.)
 *
 * Isolation. Changes run one at a time (a lock orders callbacks that wait on I/O). Repository calls made outside a
 * change while a batch is open or not yet synced wait for its fsync first, so nobody reads a change before it is
 * durable.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync, fdatasync as fdatasyncCallback, fdatasyncSync, openSync } from "node:fs";
import { promisify } from "node:util";
import type { Storage } from "../types.js";
import { SqliteAliases } from "./aliases.js";
import { SqliteCode } from "./code.js";
import { SqliteCredentials } from "./credentials.js";
import { openDatabase, syncAtCheckpointsOnly, type Db } from "./db.js";
import { SqliteFunctions } from "./functions.js";
import { SqliteFunctionSettings } from "./function-settings.js";
import { SqliteFunctionUrls } from "./function-urls.js";
import { SqliteFunctionPolicies } from "./function-policies.js";
import { SqliteLayers } from "./layers.js";
import { SqliteOrganizations } from "./organizations.js";
import { ReadMemo } from "./read-memo.js";

/** fdatasync on a descriptor, in libuv's thread pool. */
const fdatasyncAsync = promisify((fd: number, done: (err: NodeJS.ErrnoException | null) => void) =>
  fdatasyncCallback(fd, done),
);

/** A physical transaction holding the changes of one turn of the event loop. */
interface Batch {
  readonly committed: Promise<void>;
  settle(err?: unknown): void;
}

function newBatch(): Batch {
  let resolve = () => {};
  let reject: (err: unknown) => void = () => {};
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when a batch fails (all its changes already failed); that is not an unhandled rejection.
  committed.catch(() => undefined);
  return { committed, settle: (err) => (err === undefined ? resolve() : reject(err)) };
}

/** The SQLite storage: every repository over one database handle. */
export class SqliteStorage implements Storage {
  readonly layers: SqliteLayers;
  readonly functions: SqliteFunctions;
  readonly aliases: SqliteAliases;
  readonly functionSettings: SqliteFunctionSettings;
  readonly functionUrls: SqliteFunctionUrls;
  readonly functionPolicies: SqliteFunctionPolicies;
  readonly code: SqliteCode;
  readonly organizations: SqliteOrganizations;
  readonly credentials: SqliteCredentials;
  private lock: Promise<void> = Promise.resolve();
  private batch: Batch | undefined;
  /** Batches committed and waiting for the next fsync of the WAL. */
  private unsynced: Batch[] = [];
  /** The batch whose durability readers wait for: the newest committed and not yet synced. */
  private newestUnsynced: Batch | undefined;
  private syncing = false;
  /** The open batch waits for the running fsync to end before it commits (see `scheduleCommit`). */
  private commitAfterSync = false;
  private closed = false;
  private walFd: number | undefined;
  /** The statements that shape transactions, prepared once (parsing them again for every change costs). */
  private readonly tx: ReturnType<typeof transactionStatements>;
  /** Set while a change's callback runs, so its own repository calls pass the gate. */
  private readonly inChange = new AsyncLocalStorage<true>();
  /** What invokes read, kept between changes (`read-memo.ts`). */
  private readonly memo: ReadMemo;
  /** The layers repository itself, ungated: a rollback must make it forget the versions it keeps. */
  private readonly layerRows: SqliteLayers;

  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    syncAtCheckpointsOnly(db);
    this.memo = new ReadMemo(db);
    this.tx = transactionStatements(db);
    const gate = () =>
      this.inChange.getStore() === undefined ? (this.batch ?? this.newestUnsynced) : undefined;
    this.layerRows = new SqliteLayers(db);
    this.layers = gated(this.layerRows, gate);
    this.functions = gated(new SqliteFunctions(db, this.memo), gate);
    this.aliases = gated(new SqliteAliases(db), gate);
    this.functionSettings = gated(new SqliteFunctionSettings(db, this.memo), gate);
    this.functionUrls = gated(new SqliteFunctionUrls(db), gate);
    this.functionPolicies = gated(new SqliteFunctionPolicies(db), gate);
    this.code = gated(new SqliteCode(db), gate);
    this.organizations = gated(new SqliteOrganizations(db), gate);
    this.credentials = gated(new SqliteCredentials(db), gate);
  }

  /** Opens (creating and migrating if needed) the database at `file`. */
  static open(file: string): SqliteStorage {
    return new SqliteStorage(openDatabase(file), file);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    this.memo.forget();
    let batch = this.batch;
    if (batch === undefined) {
      this.tx.begin.run();
      batch = this.batch = newBatch();
      setImmediate(() => this.scheduleCommit());
    }
    // One name serves every change: they run one at a time, each released or rolled back before the next.
    this.tx.savepoint.run();
    let out: T;
    try {
      out = await this.inChange.run(true, fn);
      this.tx.release.run();
    } catch (err) {
      if (this.db.inTransaction) {
        this.tx.rollbackTo.run();
        this.tx.release.run();
      }
      this.layerRows.forget();
      throw err;
    } finally {
      release();
    }
    await batch.committed;
    return out;
  }

  /**
   * Commits the open batch once the changes queued before it are done (they hold the lock in turn). While an
   * fsync runs the batch stays open instead, taking in the changes that arrive meanwhile, and `syncWal` commits it
   * when that fsync ends: its changes wait for the next fsync either way, and one COMMIT then writes each page
   * they touched once, not once per turn of the event loop.
   */
  private scheduleCommit(): void {
    if (this.syncing) {
      this.commitAfterSync = true;
      return;
    }
    void this.commitInTurn();
  }

  /** Takes the lock behind the changes queued so far, then commits the open batch. */
  private async commitInTurn(): Promise<void> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      this.commit();
    } finally {
      release();
    }
  }

  private commit(): void {
    const batch = this.batch;
    if (batch === undefined) {
      return;
    }
    this.batch = undefined;
    try {
      this.tx.commit.run();
    } catch (err) {
      try {
        this.layerRows.forget();
        if (this.db.inTransaction) {
          this.tx.rollback.run();
        }
      } finally {
        // Whatever the rollback did, the batch's changes hear of the failure (and syncWal goes on).
        batch.settle(err);
      }
      return;
    }
    this.unsynced.push(batch);
    this.newestUnsynced = batch;
    if (!this.syncing) {
      void this.syncWal();
    }
  }

  /** fsyncs the WAL until no committed batch waits; each fsync acknowledges the batches committed before it. */
  private async syncWal(): Promise<void> {
    this.syncing = true;
    while (this.unsynced.length > 0) {
      const group = this.unsynced;
      this.unsynced = [];
      let failure: unknown;
      try {
        // The WAL exists from the first COMMIT on, and SQLite keeps it while this handle is open.
        this.walFd ??= openSync(`${this.file}-wal`, "r");
        await fdatasyncAsync(this.walFd);
      } catch (err) {
        // The change is in the database but may not survive a power cut: its caller hears of the failure. (After
        // close the descriptor is gone, but close synced the WAL and checkpointed: nothing failed.)
        failure = this.closed ? undefined : err;
      }
      for (const batch of group) {
        batch.settle(failure);
      }
      if (this.newestUnsynced === group.at(-1)) {
        this.newestUnsynced = undefined;
      }
      if (this.commitAfterSync) {
        // The batch that waited for this fsync: committed now, synced by the next turn of this loop.
        this.commitAfterSync = false;
        // A failed COMMIT failed its batch's changes already; this loop goes on for the batches after it.
        await this.commitInTurn().catch(() => undefined);
      }
    }
    this.syncing = false;
  }

  close(): void {
    this.closed = true;
    this.commit();
    // Whatever is still waiting for its fsync gets it now (closing also checkpoints, with its own syncs).
    if (this.walFd !== undefined) {
      try {
        fdatasyncSync(this.walFd);
      } catch {
        // Closing checkpoints into the database file and syncs it anyway.
      }
      closeSync(this.walFd);
      this.walFd = undefined;
    }
    this.db.close();
    for (const batch of this.unsynced.splice(0)) {
      batch.settle();
    }
    this.newestUnsynced = undefined;
  }
}

function transactionStatements(db: Db) {
  return {
    begin: db.prepare("BEGIN IMMEDIATE"),
    savepoint: db.prepare("SAVEPOINT change"),
    release: db.prepare("RELEASE change"),
    rollbackTo: db.prepare("ROLLBACK TO change"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
  };
}

/**
 * The repository with every method gated: called outside a change while a batch is open, it first waits for that
 * batch's COMMIT. Every repository method is async, so the wait changes no signature.
 */
function gated<R extends object>(repo: R, gate: () => Batch | undefined): R {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") {
        return value;
      }
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const batch = gate();
        // A failed batch failed its own changes; a reader waiting on it reads what is committed.
        return batch === undefined
          ? method.apply(target, args)
          : batch.committed.then(
              () => method.apply(target, args),
              () => method.apply(target, args),
            );
      };
    },
  });
}
