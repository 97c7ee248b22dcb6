/**
 * Chooses the storage backend from the configuration: SQLite or PostgreSQL for the records, the data dir or an
 * S3 bucket for the blobs, each independent of the other. The only module besides tests that knows the concrete
 * implementations; `server.ts` asks it for a `Backend`.
 */
import { join } from "node:path";
import { LocalBlobStore } from "./local-blobs/blobs.js";
import type { PgStorage } from "./postgres/storage.js";
import type { S3BlobStore } from "./s3-blobs/blobs.js";
import { SqliteStorage } from "./sqlite/storage.js";
import type { BlobStore, Storage } from "./types.js";

/** What the backend needs to know. */
export interface BackendOptions {
  /** This process's own directory: SQLite's file, local blobs, the S3 cache. */
  readonly dataDir: string;
  readonly minFreeSpace: number;
  readonly databaseUrl?: string | undefined;
  readonly blobStore?: string | undefined;
  readonly s3Endpoint?: string | undefined;
}

/** Opened storage and blobs, with what the server asks of them beyond the interfaces. */
export interface Backend {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  /** Why the database or the bucket cannot be reached now, or undefined when both answer (the health check). */
  unavailable(): Promise<string | undefined>;
  /** The strict mode URL-signing key every process sharing the database agrees on; undefined: the data dir's. */
  sharedSigningKey(): Promise<Buffer | undefined>;
  /** Closes the database and the bucket's client. */
  close(): Promise<void>;
}

/** How long the health check waits for the database or the bucket before calling it unreachable. */
const PING_TIMEOUT_MS = 3_000;

/** Opens the configured backend (migrating the database when needed). */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  // The team backends are loaded only when asked for: pg and the S3 client would double a SQLite start-up.
  const pg: PgStorage | undefined =
    options.databaseUrl === undefined
      ? undefined
      : await (await import("./postgres/storage.js")).PgStorage.open(options.databaseUrl);
  const storage: Storage = pg ?? SqliteStorage.open(join(options.dataDir, "lamina.db"));
  const s3: S3BlobStore | undefined =
    options.blobStore === undefined
      ? undefined
      : new (await import("./s3-blobs/blobs.js")).S3BlobStore({
          url: options.blobStore,
          endpoint: options.s3Endpoint,
          cacheDir: join(options.dataDir, "s3-cache"),
        });
  const blobs: BlobStore =
    s3 ??
    // With SQLite this process is the only one deleting blobs; with PostgreSQL others sharing the folder may be.
    new LocalBlobStore(join(options.dataDir, "blobs"), options.minFreeSpace, pg === undefined);
  return {
    storage,
    blobs,
    unavailable: async () => {
      const [db, bucket] = await Promise.all([
        pg && reason("database", pg.ping()),
        s3 && reason("bucket", s3.ping()),
      ]);
      return db ?? bucket;
    },
    sharedSigningKey: async () => pg?.sharedSecret("url-signing-key"),
    close: async () => {
      s3?.close();
      await storage.close();
    },
  };
}

/** Undefined when `ping` succeeds in time, else what failed. */
async function reason(what: string, ping: Promise<void>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping, timeout]);
    return undefined;
  } catch (err) {
    return `the ${what} is unreachable: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}
