/**
 * The PostgreSQL connection: a pool, and the transaction every repository call inside `transaction()` joins.
 * Repositories are built once and shared by all requests, so the transaction's client travels in an
 * AsyncLocalStorage: a call made inside `fn` (however deep, across awaits) runs on that client, and any other call
 * takes a pooled connection of its own for one statement.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";

/** Rows of a query, typed by the caller. */
export type Row = Record<string, unknown>;

/**
 * The transaction lost a race and is safe to run again: serialization failure and deadlock, and also unique and
 * foreign key violations, which PostgreSQL reports instead of a serialization failure when the race is decided
 * by a constraint (a blob row collected while a function attached it). The domain checks before it writes, so
 * run again it answers what a one-at-a-time order would have (ResourceConflict, layer version not found).
 */
const RETRYABLE = new Set(["40001", "40P01", "23505", "23503"]);
/** Attempts before a transaction that keeps losing races gives up (and the request answers 500). */
const MAX_ATTEMPTS = 40;

const { Pool, TypeOverrides } = pg;

/** int8 (counts, epoch milliseconds) as numbers: lamina's values stay far below 2^53. */
const typeParsers = new TypeOverrides();
typeParsers.setTypeParser(20, (v: string) => Number(v));

/** The pool and the current transaction. */
export class PgDb {
  private readonly pool: pg.Pool;
  private readonly current = new AsyncLocalStorage<pg.PoolClient>();

  constructor(url: string, max = 10) {
    // A bounded connect: an unreachable database fails requests (and the health check) instead of hanging them.
    this.pool = new Pool({ connectionString: url, max, types: typeParsers, connectionTimeoutMillis: 5_000 });
    // An idle pooled connection the server dropped (restart, failover) must not crash the process.
    this.pool.on("error", () => {});
  }

  /** Runs one statement on the current transaction's client, or on any pooled connection outside one. */
  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const client = this.current.getStore();
    const result = client
      ? await client.query<T>(sql, params as unknown[])
      : await this.pool.query<T>(sql, params as unknown[]);
    return result.rows;
  }

  /** Rows changed by one statement (DELETE, UPDATE). */
  async change(sql: string, params: readonly unknown[] = []): Promise<number> {
    const client = this.current.getStore();
    const result = client
      ? await client.query(sql, params as unknown[])
      : await this.pool.query(sql, params as unknown[]);
    return result.rowCount ?? 0;
  }

  /**
   * Runs `fn` in one SERIALIZABLE transaction on a client of its own, retried from the start when PostgreSQL
   * reports a lost race. Serializable gives what SQLite's one writer gave the domain's check-then-write code
   * (a Sid checked new, a RevisionId compared, a name found free): as if transactions ran one at a time, now
   * across every process sharing the database. `fn` only touches the database (and idempotent blob deletes),
   * so running it again is safe.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) {
      throw new Error("transactions do not nest");
    }
    const client = await this.pool.connect();
    let broken = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
          const out = await this.current.run(client, fn);
          await client.query("COMMIT");
          return out;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => (broken = true));
          if (broken || attempt >= MAX_ATTEMPTS || !RETRYABLE.has(codeOf(err))) {
            throw err;
          }
          // Jittered and growing, so the racers of a hot row stop colliding in lockstep.
          await sleep(Math.random() * Math.min(100, 2 * attempt));
        }
      }
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs `fn` in a READ COMMITTED transaction of its own (not the current one), for work whose statements must
   * each see what others committed up to that moment: a blob's deletion under its advisory lock.
   */
  async locked<T>(
    fn: (query: (sql: string, params: readonly unknown[]) => Promise<Row[]>) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
      const out = await fn(async (sql, params) => (await client.query<Row>(sql, params as unknown[])).rows);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** A client of its own for work that holds a session (the migration's advisory lock). */
  connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  /** Closes every pooled connection. */
  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The SQLSTATE of a PostgreSQL error, or "". */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
