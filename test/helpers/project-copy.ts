/**
 * A copy of this repository as a new user gets it (every tracked or new file that git does not ignore; no
 * node_modules, no dist, no data dir), and shell commands run in it as a person would type them.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The repository this test runs in. */
export const REPO_ROOT = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();

/** Copies the working tree (what a fresh clone plus uncommitted work would hold) into a new temp folder. */
export function copyWorkingTree(prefix: string): string {
  const target = mkdtempSync(join(tmpdir(), prefix));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f !== "" && existsSync(join(REPO_ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(target, file));
  }
  return target;
}

/**
 * The environment a person's shell would give: the host's, without AWS_* variables (no profile, endpoint or key
 * of the developer's may leak in) and with empty AWS config files.
 */
export function userShellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_") && !key.startsWith("LAMINA_") && !key.startsWith("npm_")) {
      env[key] = value;
    }
  }
  return {
    ...env,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_PAGER: "",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** What one shell command printed. */
export interface ShellResult {
  readonly code: number | null;
  /** stdout and stderr together, in the order they were written as far as pipes allow. */
  readonly output: string;
}

/** Runs `script` with bash in `cwd` and resolves with its exit code and output. */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

/** A long-running shell command (e.g. `npm start`) in its own process group, with its output kept. */
export interface BackgroundShell {
  readonly child: ChildProcess;
  output(): string;
  /** Ctrl-C: SIGINT to the whole process group; resolves when the shell has exited. */
  interrupt(): Promise<void>;
}

/** Starts `script` with bash in `cwd`, in the background. */
export function startShell(script: string, cwd: string, env: NodeJS.ProcessEnv): BackgroundShell {
  const child = spawn("bash", ["-c", script], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => output,
    interrupt: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(-child.pid, "SIGINT");
      }
      await exited;
    },
  };
}

/** Polls `url` until it answers 200, or throws after `timeoutMs` with what the server printed. */
export async function waitForHealth(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; the server printed:\n${output()}`);
}
