/**
 * Starts runtime processes. Node's `spawn` forks the whole lamina process and waits for the exec: 5 ms with an
 * empty heap, 8–15 ms at lamina's size, on the event loop and on the path of every cold start. Under bubblewrap
 * that wait is taken off the path: once a command (interpreter, flags, bootstrap) has started, a spare
 * `bwrap --args 3 -- <command>` is started ahead of the next cold start of that command. It waits, blocked on
 * its descriptor 3, for the sandbox's options and the variables (as `--setenv`, so they never appear on a command
 * line, as `ps` would show them); handing them over is one pipe write. The command is the same for every function
 * of a runtime, and bubblewrap takes it only from its command line, so spares are kept per command.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import type { SpawnPlan } from "./sandbox.js";

/** At most this many commands keep a spare (the oldest spare makes way). */
const MAX_SPARES = 4;

/** Starts runtime processes, from a spare when one is waiting for the command. */
export class Launcher {
  /** Waiting spares by command, oldest first. */
  private readonly spares = new Map<string, ChildProcess>();
  private closed = false;

  /** Starts `plan`'s process; the caller listens to it as to any spawned child. */
  start(plan: SpawnPlan): ChildProcess {
    const bwrap = plan.bwrap;
    if (bwrap === undefined || plan.cwd !== "/") {
      return spawnNow(plan);
    }
    const key = bwrap.command.join("\0");
    const spare = this.take(key);
    // The next spare is started after this turn of the event loop: the fork blocks it for milliseconds, which
    // the runtime just started spends initialising anyway.
    setImmediate(() => this.prepare(key, bwrap.command));
    if (spare === undefined) {
      return spawnNow(plan);
    }
    const setenv = Object.entries(plan.env).flatMap(([name, value]) => ["--setenv", name, value]);
    const fd3 = spare.stdio[3] as Writable;
    fd3.end([...bwrap.options, ...setenv].map((arg) => `${arg}\0`).join(""));
    return spare;
  }

  /** Kills the waiting spares; later starts spawn directly. */
  close(): void {
    this.closed = true;
    for (const spare of this.spares.values()) {
      spare.kill("SIGKILL");
    }
    this.spares.clear();
  }

  /** A live spare for `key`, removed from the waiting ones. */
  private take(key: string): ChildProcess | undefined {
    const spare = this.spares.get(key);
    this.spares.delete(key);
    return spare?.pid !== undefined && spare.exitCode === null && spare.signalCode === null
      ? spare
      : undefined;
  }

  private prepare(key: string, command: readonly string[]): void {
    if (this.closed || this.spares.has(key)) {
      return;
    }
    const [oldest] = this.spares.keys();
    if (oldest !== undefined && this.spares.size >= MAX_SPARES) {
      this.spares.get(oldest)?.kill("SIGKILL");
      this.spares.delete(oldest);
    }
    // No variables of lamina's own: the runtime's come through `--setenv`, and bubblewrap needs none.
    const spare = spawn("bwrap", ["--args", "3", "--", ...command], {
      cwd: "/",
      env: {},
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    spare.on("error", () => undefined); // a spare that could not start is never handed out (its exit says so)
    (spare.stdio[3] as Writable).on("error", () => undefined); // it died before its options were written
    spare.once("exit", () => {
      if (this.spares.get(key) === spare) {
        this.spares.delete(key);
      }
    });
    this.spares.set(key, spare);
  }
}

function spawnNow(plan: SpawnPlan): ChildProcess {
  return spawn(plan.file, plan.args, {
    cwd: plan.cwd,
    env: plan.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Without a sandbox the runtime gets its own process group, so a kill reaches its children too.
    detached: plan.file !== "bwrap",
  });
}
