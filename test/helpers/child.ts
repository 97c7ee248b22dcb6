/**
 * lamina as a separate process (`node dist/src/main.js serve`), for tests that kill it, restart it on the same
 * data dir, or measure its memory apart from the test runner's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

const MAIN = "dist/src/main.js";

/** A running `lamina serve` child. */
export interface ChildLamina {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  /** Everything it wrote to stderr so far (its JSON log lines). */
  log(): string;
  /** Kills it with SIGKILL (no clean-up of any kind) and waits until it is gone. */
  kill(): Promise<void>;
  /** Asks it to stop (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * How the child is started: by default `node` itself; a launcher may wrap the command line (e.g. in a private
 * mount namespace) as long as the process it finally runs is lamina, under the same pid.
 */
export type Launcher = (argv: readonly string[]) => { file: string; args: readonly string[] };

const direct: Launcher = (argv) => ({ file: argv[0] ?? "", args: argv.slice(1) });

/** Starts `lamina serve --port 0 --data-dir <dataDir> ...args`; resolves once it logs the URL it serves. */
export function spawnLamina(
  dataDir: string,
  args: readonly string[] = [],
  launcher: Launcher = direct,
): Promise<ChildLamina> {
  const argv = [process.execPath, MAIN, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "info"];
  const { file, args: fileArgs } = launcher([...argv, ...args]);
  const child = spawn(file, fileArgs, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let log = "";
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`lamina exited with ${code} before serving: ${log}`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.stderr?.on("data", (d: Buffer) => {
      const wasServing = /"url":"[^"]+"/.test(log);
      log += d.toString();
      const url = /"url":"([^"]+)"/.exec(log)?.[1];
      if (url && !wasServing) {
        child.off("exit", onExit);
        resolve({
          child,
          pid: child.pid ?? -1,
          url,
          port: Number(new URL(url).port),
          log: () => log,
          kill: async () => {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill("SIGKILL");
            }
            await exited;
          },
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill("SIGTERM");
            }
            return exited;
          },
        });
      }
    });
  });
}

/** A `/proc/<pid>/status` memory figure in bytes: `VmRSS` (now) or `VmHWM` (the peak so far). */
export function processMemory(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1];
  if (kb === undefined) {
    throw new Error(`no ${field} in /proc/${pid}/status`);
  }
  return Number(kb) * 1024;
}
