/**
 * Debug environments: a function whose environment sets `LAMINA_DEBUG_PORT=<port>` runs with a debugger listening
 * on `127.0.0.1:<port>` (Node.js: the V8 inspector; Python: debugpy), opened by lamina's runtime clients
 * (`runtime/nodejs/debugger.mjs`, `runtime/python/_lamina_debug.py`). Lambda has nothing like it; what the
 * executor does differently for such a function is decided here:
 *
 * - the port is validated before anything starts; a bad value answers a `Runtime.InvalidDebugPort` error and says
 *   why in the function's log, without starting a process;
 * - time-outs do not run: a person paused at a breakpoint decides how long an invoke takes (init as well, since
 *   the runtime waits for the debugger before it loads the handler, so breakpoints in module code work too);
 * - one environment per port at a time, since only one process can listen on it. Invokes beyond it wait their
 *   turn instead of answering 429: each then stops in the debugger in order, as one debugged process serving
 *   requests would, and no caller has to retry while someone steps through code.
 */
import type { LaunchSpec } from "./runtimes.js";

/** The variable that turns a function's environments into debug environments. */
export const DEBUG_PORT_VARIABLE = "LAMINA_DEBUG_PORT";

/**
 * The deadline a debugged function sees (`getRemainingTimeInMillis()`): Lambda's largest time-out, 900 s, from
 * the invoke's start. Not unlimited: code commonly passes the remaining time to `setTimeout`, which misbehaves
 * past 2^31 ms. lamina does not enforce it; after 15 minutes at a breakpoint the remaining time goes negative.
 */
export const DEBUG_DEADLINE_MS = 900_000;

/** The error type of an invoke whose LAMINA_DEBUG_PORT is not a usable port (lamina's own; Lambda has none). */
export const INVALID_DEBUG_PORT = "Runtime.InvalidDebugPort";

/** What a function's environment asks for: no debugger, one on a port, or a value that is not a port. */
export type DebugSetting =
  | { readonly kind: "off" }
  | { readonly kind: "on"; readonly port: number }
  | { readonly kind: "invalid"; readonly message: string };

/** Reads LAMINA_DEBUG_PORT from a function's variables: a decimal integer from 1024 to 65535. */
export function debugSettingOf(environment: Readonly<Record<string, string>>): DebugSetting {
  const value = environment[DEBUG_PORT_VARIABLE];
  if (value === undefined) {
    return { kind: "off" };
  }
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(port >= 1024 && port <= 65535)) {
    return {
      kind: "invalid",
      message:
        `${DEBUG_PORT_VARIABLE} must be a port number from 1024 to 65535 for the debugger to listen on ` +
        `127.0.0.1, not ${JSON.stringify(value)}. Change it with update-function-configuration, or remove it ` +
        `to run without a debugger.`,
    };
  }
  return { kind: "on", port };
}

/**
 * The launch spec of a debug environment. Python 3.11+ loads part of its standard library frozen, which makes
 * debugpy warn at every start that it may miss breakpoints there; `-X frozen_modules=off` loads them from files
 * (older Pythons keep unknown `-X` options to themselves). Node.js needs nothing: its runtime client opens the
 * inspector itself, so it can report a port it cannot listen on.
 */
export function debugLaunch<T extends LaunchSpec>(launch: T): T {
  const python = launch.args.some((arg) => arg.endsWith("/bootstrap.py"));
  return python ? { ...launch, args: ["-Xfrozen_modules=off", ...launch.args] } : launch;
}

/**
 * One debug environment per port. `acquire` waits (first come, first served) until no invoke holds the port;
 * the pool that last held it may keep an idle environment listening there, and when another pool (another
 * version, or another function given the same port) takes the port, the caller is told to stop those.
 */
export class DebugPorts {
  private readonly tails = new Map<number, Promise<void>>();
  private readonly owners = new Map<number, string>();
  private abandoned = false;

  /**
   * Waits for the port, then returns its release and the pool that held it before, if another one did (its
   * idle environments still listen on the port and must be stopped first).
   */
  async acquire(port: number, pool: string): Promise<{ release: () => void; previousOwner?: string }> {
    const before = this.tails.get(port) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => done);
    this.tails.set(port, tail);
    await before;
    if (this.abandoned) {
      release();
      throw new Error("lamina is shutting down");
    }
    const owner = this.owners.get(port);
    this.owners.set(port, pool);
    return {
      release: () => {
        if (this.tails.get(port) === tail) {
          this.tails.delete(port);
        }
        release();
      },
      ...(owner !== undefined && owner !== pool ? { previousOwner: owner } : {}),
    };
  }

  /** Shutdown: invokes still waiting for a port give up instead of starting a debugger nobody will attach. */
  abandon(): void {
    this.abandoned = true;
  }
}
