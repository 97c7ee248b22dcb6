/**
 * Starts a real lamina on a free port and a temp data dir, and cleans both up after the file's tests. With
 * LAMINA_TEST_BACKEND=postgres (the team project) the server runs on PostgreSQL and S3 instead: a database and a
 * bucket of its own per data dir, so a test restarting a server on its data dir finds its records again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { startLamina, type Lamina, type StartOptions } from "../../src/index.js";
import { createBucket, createDatabase } from "./team-backend.js";

/** A temp directory removed after the file's tests. */
export function tmpDir(prefix = "lamina-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether this run tests the team backend (PostgreSQL + S3). */
export const TEAM_BACKEND = process.env.LAMINA_TEST_BACKEND === "postgres";

/** The team backend's options for one data dir: the same database and bucket each time it is asked. */
const teamBackends = new Map<string, Promise<StartOptions>>();

/** A fresh database and bucket on the run's PostgreSQL cluster and S3 server. */
export async function teamBackend(): Promise<StartOptions> {
  const endpoint = inject("teamS3Endpoint");
  return {
    databaseUrl: await createDatabase(inject("teamPgUrl")),
    blobStore: await createBucket(endpoint),
    s3Endpoint: endpoint,
  };
}

/** A server for this test file, closed after its tests. */
export async function startTestServer(options: StartOptions = {}): Promise<Lamina> {
  const dataDir = options.dataDir ?? tmpDir();
  let team: StartOptions = {};
  if (TEAM_BACKEND) {
    let pending = teamBackends.get(dataDir);
    if (!pending) {
      pending = teamBackend();
      teamBackends.set(dataDir, pending);
    }
    team = await pending;
  }
  const lamina = await startLamina({ port: 0, logLevel: "silent", ...team, ...options, dataDir });
  afterAll(() => lamina.close());
  return lamina;
}
