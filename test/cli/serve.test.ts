/** `lamina serve` as users run it: flags, environment variables, --help, and a clean stop on SIGTERM/SIGINT. */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tmpDir } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const MAIN = "dist/src/main.js";

/** Starts `lamina serve`, resolving with its URL once it logs that it is serving. */
function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, "serve", "--port", "0", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let log = "";
    child.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
      const url = /"url":"([^"]+)"/.exec(log)?.[1];
      if (url) {
        resolve({ child, url });
      }
    });
    child.once("exit", (code) => reject(new Error(`lamina exited with ${code}: ${log}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("lamina serve", () => {
  it("--help lists every flag with its environment variable", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, "serve", "--help"], {
      env: { ...process.env, COLUMNS: "300" },
    });
    for (const [flag, env] of [
      ["--host", "LAMINA_HOST"],
      ["--port", "LAMINA_PORT"],
      ["--data-dir", "LAMINA_DATA_DIR"],
      ["--region", "LAMINA_REGION"],
      ["--log-level", "LAMINA_LOG_LEVEL"],
      ["--sandbox", "LAMINA_SANDBOX"],
      ["--runtime-policy", "LAMINA_RUNTIME_POLICY"],
      ["--organization", "LAMINA_ORGANIZATIONS"],
    ]) {
      expect(stdout).toContain(flag);
      expect(stdout).toContain(`env: ${env}`);
    }
  });

  it("refuses an invalid option with a readable error and exit code 1", async () => {
    const run = promisify(execFile)(process.execPath, [MAIN, "serve", "--region", "moon"]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: "lamina: invalid configuration: region: a region such as us-east-1\n",
    });
  });

  it("takes the data dir and region from LAMINA_* variables", async () => {
    const dataDir = tmpDir();
    const { child, url } = await serve([], { LAMINA_DATA_DIR: dataDir, LAMINA_REGION: "eu-north-1" });
    const zip = await makeZip({ "a.txt": "a" });
    const res = await fetch(`${url}/2018-10-31/layers/env-layer/versions`, {
      method: "POST",
      body: JSON.stringify({ Content: { ZipFile: zip.toString("base64") } }),
    });
    expect(((await res.json()) as { LayerArn: string }).LayerArn).toBe(
      "arn:aws:lambda:eu-north-1:000000000000:layer:env-layer",
    );
    expect(existsSync(join(dataDir, "lamina.db"))).toBe(true);
    child.kill("SIGINT");
    expect(await exitOf(child)).toBe(0);
  });

  it("on SIGTERM lets an in-flight request finish, then closes the database and exits 0", async () => {
    const dataDir = tmpDir();
    const { child, url } = await serve(["--data-dir", dataDir]);
    const zip = await makeZip({ "slow.txt": "slow" });
    const body = JSON.stringify({ Content: { ZipFile: zip.toString("base64") } });
    const { port } = new URL(url);
    // Send the head and half the body, stop the server, then send the rest.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/2018-10-31/layers/in-flight/versions",
          headers: { "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(10)), 200);
      }, 200);
    });
    const exited = exitOf(child);
    const done = await answer;
    expect(done.status).toBe(201);
    expect((JSON.parse(done.body) as { Version: number }).Version).toBe(1);
    expect(await exited).toBe(0);
    // better-sqlite3 checkpoints and removes the WAL when the last connection closes cleanly.
    expect(existsSync(join(dataDir, "lamina.db-wal"))).toBe(false);
  });
});
