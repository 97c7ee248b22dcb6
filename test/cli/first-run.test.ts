/**
 * What a person sees on the first run: relative paths resolved once at start, readable logs and a banner on a
 * terminal (JSON lines otherwise), and, without bubblewrap, one plain statement of what changes — at start and in
 * each function's own log.
 */
import { spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/index.js";
import { lambdaClient } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { REPO_ROOT } from "../helpers/project-copy.js";
import { startTestServer, tmpDir } from "../helpers/server.js";

const MAIN = join(REPO_ROOT, "dist/src/main.js");
const ACCOUNT = "111111111111";

/** lamina's words for a run without a sandbox (src/execution/sandbox.ts), checked here letter for letter. */
const EFFECTS =
  "functions run as plain processes, without a sandbox: their layers are on the module path (Python's sys.path, " +
  "NODE_PATH) and PATH, but nothing is at /opt or /var/task, and a function can read this machine's files";
const NOT_INSTALLED = "bubblewrap is not installed (apt-get install bubblewrap)";

/** Runs `lamina serve --port 0 ...args` in `cwd` until `done(output)` holds, then stops it; returns its stderr. */
function serveUntil(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; tty?: boolean },
  done: (output: string) => boolean,
): Promise<string> {
  const argv = [process.execPath, MAIN, "serve", "--port", "0", ...args];
  // `script` gives the process a terminal, as a person's shell would.
  const [file, fileArgs] = options.tty
    ? ["script", ["-qfec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"]]
    : [argv[0] ?? "", argv.slice(1)];
  const child = spawn(file, fileArgs, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolveOutput, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`lamina did not print what was awaited; it printed:\n${output}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (done(output)) {
        clearTimeout(timer);
        child.once("exit", () => resolveOutput(output));
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", reject);
  });
}

describe("paths", () => {
  it("resolves a relative data dir and credentials file once, against the working directory", () => {
    const config = loadConfig({ dataDir: "./.lamina", auth: "strict", credentials: "keys.csv" });
    expect(config.dataDir).toBe(resolve(".lamina"));
    expect(config.credentials).toBe(resolve("keys.csv"));
  });

  it("logs the absolute data dir when started with a relative one", async () => {
    const cwd = tmpDir();
    const out = await serveUntil(["--data-dir", "rel/data"], { cwd }, (o) => o.includes("lamina is serving"));
    expect(out).toContain(`"dataDir":"${join(cwd, "rel/data")}"`);
  });
});

describe("log format", () => {
  it("writes JSON lines when stderr is not a terminal", async () => {
    const out = await serveUntil([], { cwd: tmpDir() }, (o) => o.includes("lamina is serving"));
    const lines = out.trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("lamina is serving");
  });

  it("on a terminal, writes readable lines and a banner with the URL, data dir, sandbox and a first command", async () => {
    const cwd = tmpDir();
    const out = await serveUntil(["--data-dir", "d"], { cwd, tty: true }, (o) =>
      o.includes("lambda list-layers"),
    );
    const url = /endpoint {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain(`  data dir  ${join(cwd, "d")}`);
    expect(out).toContain("  sandbox   bubblewrap (functions see /var/task and /opt)");
    expect(out).toContain(`  try:  aws --endpoint-url ${url} lambda list-layers`);
    expect(out).toMatch(/INFO.*lamina is serving/);
    expect(out).not.toContain('"msg":');
  });

  it("writes JSON lines on a terminal too with --log-format json", async () => {
    const out = await serveUntil(["--log-format", "json"], { cwd: tmpDir(), tty: true }, (o) =>
      o.includes("lamina is serving"),
    );
    expect(out).toContain('"msg":"lamina is serving"');
    expect(out).not.toContain("lambda list-layers");
  });
});

describe("without bubblewrap", () => {
  it("says once at start that it is not installed, and what that changes", async () => {
    const emptyBin = tmpDir();
    const out = await serveUntil([], { cwd: tmpDir(), env: { ...process.env, PATH: emptyBin } }, (o) =>
      o.includes("lamina is serving"),
    );
    const warnings = out.split("\n").filter((l) => l.includes("no sandbox"));
    expect(warnings.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      `no sandbox: ${NOT_INSTALLED}. So ${EFFECTS}. Install bubblewrap to get them.`,
    ]);
  });

  it("tells an installed bubblewrap that cannot run apart from a missing one", async () => {
    // A stand-in for a container without user namespaces: bubblewrap's own refusal, printed as it prints it.
    const bin = tmpDir();
    const refusal =
      "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.";
    writeFileSync(join(bin, "bwrap"), `#!/bin/sh\necho '${refusal}' >&2\nexit 1\n`);
    chmodSync(join(bin, "bwrap"), 0o755);
    const out = await serveUntil(
      [],
      { cwd: tmpDir(), env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` } },
      (o) => o.includes("lamina is serving"),
    );
    expect(out).toContain(
      `"msg":"no sandbox: bubblewrap is installed but cannot run here (${refusal}); a container without user namespaces does this. So ${EFFECTS}. Install bubblewrap to get them."`,
    );
  });

  it("says it in each function's log on a cold start", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write: (chunk: Buffer, _enc, next) => {
          lines.push(chunk.toString());
          next();
        },
      }),
    );
    const lamina = await startTestServer({ sandbox: "none", logger });
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      `no sandbox: --sandbox none was chosen. So ${EFFECTS}. Install bubblewrap to get them.`,
    ]);
    const client = lambdaClient(lamina.url, ACCOUNT);
    await createFunction(client, ACCOUNT, "plain", {
      runtime: "python3.12",
      handler: "app.handler",
      files: { "app.py": "def handler(event, context):\n    return 1\n" },
    });
    const cold = await invoke(client, "plain", {}, { LogType: "Tail" });
    expect(cold.payload).toBe("1");
    // Other notices may stand beside it (e.g. that the invoke waited for its code to be unpacked).
    expect(cold.log?.split("\n").filter((l) => l.startsWith("LAMINA_NOTICE no sandbox"))).toEqual([
      `LAMINA_NOTICE no sandbox (--sandbox none was chosen): ${EFFECTS}. Install bubblewrap to get them.`,
    ]);
    const warm = await invoke(client, "plain", {}, { LogType: "Tail" });
    expect(warm.log).not.toContain("LAMINA_NOTICE");
  });
});
