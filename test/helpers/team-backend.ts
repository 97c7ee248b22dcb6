/**
 * The team backend for tests: a private PostgreSQL cluster (`initdb` in a temp dir, run as the `postgres` user,
 * on a free port) and an S3 server (`moto_server`). Started once per run by `test/team-setup.ts`, which passes
 * their addresses to the test files in LAMINA_TEST_PG and LAMINA_TEST_S3.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";

const PG_BIN = "/usr/lib/postgresql/15/bin";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A running private PostgreSQL cluster; `url` reaches its `postgres` database as superuser. */
export interface PgCluster {
  readonly url: string;
  stop(): void;
}

/** initdb + pg_ctl start as the postgres user in a temp dir, listening on 127.0.0.1 on a free port. */
export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), "lamina-pg-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  const asPostgres = (bin: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args], { stdio: "pipe" });
  asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  // fsync off: the tests kill lamina, never the database, and a cluster on a busy CI disk is slow enough.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  asPostgres("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A new, empty database on the cluster at `clusterUrl`; returns its URL. */
export async function createDatabase(clusterUrl: string): Promise<string> {
  const name = `lamina_${randomUUID().replaceAll("-", "")}`;
  const client = new pg.Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A running moto_server. */
export interface S3Server {
  readonly endpoint: string;
  stop(): void;
}

/**
 * Starts `moto_server` on a free port and waits until it answers. `env` adds to its environment (e.g.
 * `INITIAL_NO_AUTH_ACTION_COUNT`, after which moto checks every request's signature against its IAM users).
 */
export async function startS3Server(env: Record<string, string> = {}): Promise<S3Server> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-p", String(port)], {
    stdio: "ignore",
    env: { ...process.env, ...env },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(endpoint);
      break;
    } catch (err) {
      if (i > 300 || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`moto_server did not start: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { endpoint, stop: () => child.kill("SIGKILL") };
}

/** Credentials moto accepts; lamina reads them through the standard AWS chain (the environment). */
export const S3_TEST_ENV = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
} as const;

/** A new bucket on the S3 server; returns the `s3://bucket/prefix` to give lamina. */
export async function createBucket(endpoint: string): Promise<string> {
  const bucket = `lamina-${randomUUID()}`;
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: S3_TEST_ENV.AWS_REGION,
    credentials: {
      accessKeyId: S3_TEST_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: S3_TEST_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
  return `s3://${bucket}/blobs`;
}
