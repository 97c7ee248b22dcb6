/** Starts a real lamina on a free port and a temp data dir, and cleans both up after the file's tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { startLamina, type Lamina, type StartOptions } from "../../src/index.js";

/** A temp directory removed after the file's tests. */
export function tmpDir(prefix = "lamina-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A server for this test file, closed after its tests. */
export async function startTestServer(options: StartOptions = {}): Promise<Lamina> {
  const lamina = await startLamina({ port: 0, dataDir: tmpDir(), logLevel: "silent", ...options });
  afterAll(() => lamina.close());
  return lamina;
}
