/**
 * The servers under test, each a process of its own so its CPU time and RSS are its own: lamina
 * (`node dist/src/main.js serve`), moto_server, and the floor (a canned-answer server, `floor-server.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** Which server a target is. */
export type ServerKind = "lamina" | "moto" | "floor";

/** A running server. */
export interface Server {
  readonly kind: ServerKind;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`, the Host header. */
  readonly host: string;
  readonly pid: number;
  /** lamina's data directory. */
  readonly dataDir?: string;
  /** Where the server's stdout and stderr go. */
  readonly logFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`); resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A free TCP port on loopback (free when asked; servers start right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Memory of a process from /proc/<pid>/status, MiB: resident now (VmRSS) and its peak (VmHWM). */
export interface Memory {
  readonly rssMiB: number;
  readonly peakMiB: number;
}

/** Reads VmRSS and VmHWM of `pid`. */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kb("VmRSS") / 102.4) / 10, peakMiB: Math.round(kb("VmHWM") / 102.4) / 10 };
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, all threads) `pid` has used so far, in ms. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (ms) used so far by every live descendant of `pid` (not `pid` itself), e.g. lamina's runtimes. */
export function descendantsCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      cpu.set(Number(name), ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const stack = [...(children.get(pid) ?? [])];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    total += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once("exit", () => resolve());
  });
}

function launch(
  kind: ServerKind,
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once("error", (err) => log.write(`spawn error: ${err.message}\n`));
  if (child.pid === undefined) {
    throw new Error(`${kind}: could not start ${command}`);
  }
  return child;
}

async function waitUntilUp(
  kind: ServerKind,
  child: ChildProcess,
  probe: () => Promise<boolean>,
  logFile: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${kind} exited during start-up (code ${child.exitCode}); see ${logFile}`);
    }
    if (await probe().catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${kind} did not answer within ${timeoutMs} ms; see ${logFile}`);
}

function handle(
  kind: ServerKind,
  child: ChildProcess,
  port: number,
  logFile: string,
  dataDir?: string,
): Server {
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    logFile,
    ...(dataDir !== undefined && { dataDir }),
    stop: async (graceMs = 15_000) => {
      const exited = waitForExit(child);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Options of `startLaminaServer`. */
export interface LaminaOptions {
  readonly root: string;
  readonly dataDir: string;
  readonly logDir: string;
  /** Directory for a V8 CPU profile of the whole run (`--cpu-prof`), if wanted. */
  readonly cpuProfDir?: string;
  /** More `serve` flags (e.g. the private `--unverified-downloads`). */
  readonly extraArgs?: readonly string[];
}

/** Starts `node dist/src/main.js serve` on a free port with a fresh data directory. */
export async function startLaminaServer(opts: LaminaOptions): Promise<Server> {
  const port = await freePort();
  const logFile = join(opts.logDir, "lamina.log");
  const nodeArgs = opts.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", opts.cpuProfDir] : [];
  const args = [
    ...nodeArgs,
    join(opts.root, "dist/src/main.js"),
    "serve",
    "--port",
    String(port),
    "--data-dir",
    opts.dataDir,
    "--log-level",
    "warn",
    ...(opts.extraArgs ?? []),
  ];
  const child = launch("lamina", process.execPath, args, logFile);
  await waitUntilUp(
    "lamina",
    child,
    async () => (await fetch(`http://127.0.0.1:${port}/_lamina/health`)).ok,
    logFile,
  );
  return handle("lamina", child, port, logFile, opts.dataDir);
}

/** Starts `moto_server` on a free port; it keeps everything in RAM, so a new process is a fresh state. */
export async function startMotoServer(logDir: string): Promise<Server> {
  const port = await freePort();
  const logFile = join(logDir, "moto.log");
  const child = launch("moto", "moto_server", ["-H", "127.0.0.1", "-p", String(port)], logFile);
  await waitUntilUp(
    "moto",
    child,
    async () => (await fetch(`http://127.0.0.1:${port}/moto-api/reset`, { method: "POST" })).ok,
    logFile,
  );
  return handle("moto", child, port, logFile);
}

/** Starts the canned-answer floor server (`floor-server.js`, next to this file's parent). */
export async function startFloorServer(benchDist: string, logDir: string): Promise<Server> {
  const port = await freePort();
  const logFile = join(logDir, "floor.log");
  const child = launch(
    "floor",
    process.execPath,
    [join(benchDist, "floor-server.js"), "--port", String(port)],
    logFile,
  );
  await waitUntilUp(
    "floor",
    child,
    async () => (await fetch(`http://127.0.0.1:${port}/_floor/health`)).ok,
    logFile,
  );
  return handle("floor", child, port, logFile);
}
