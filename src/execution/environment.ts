/**
 * One execution environment: a long-lived runtime process with its own Runtime API, serving one invocation at a
 * time. Cold start, init errors, timeouts and crashes are answered as Lambda answers them
 * (`docs/reference/aws-lambda-execution.md` §A5–§A7); an environment that timed out or crashed is dead and
 * its pool starts a fresh one for the next invoke.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { RuntimeApi, type Invocation } from "./runtime-api.js";
import { limitProcesses } from "./limits.js";
import type { SpawnPlan } from "./sandbox.js";

/** Lambda's limit on the init phase (§A6). */
export const INIT_TIMEOUT_MS = 10_000;

/** Output kept per invocation for its log; beyond it, lines are dropped (a flood must not grow memory). */
export const MAX_LOG_BYTES_PER_INVOKE = 256 * 1024;

/** What an invocation produced. */
export interface InvokeOutcome {
  /** The body the caller receives. */
  readonly payload: Buffer;
  /** Set when the function failed (`X-Amz-Function-Error: Unhandled`). */
  readonly functionError: boolean;
  /** Everything the runtime printed during this invocation (and its init, when cold). */
  readonly output: string;
  readonly durationMs: number;
  /** Set on cold starts: how long init took. */
  readonly initDurationMs: number | undefined;
  /** Init itself failed (the answer is the init error; the log gets INIT_REPORT). */
  readonly initFailed: boolean;
  /** The timeout or error that ended the invocation, for REPORT's Status. */
  readonly status: "success" | "error" | "timeout";
  readonly errorType: string | undefined;
  /** Peak resident memory of the runtime, in MB. */
  readonly maxMemoryMb: number;
}

/** What an environment needs to start. */
export interface EnvironmentSpec {
  /** Builds the spawn plan once the Runtime API address is known. */
  readonly plan: (runtimeApi: string) => SpawnPlan;
  /** Starts the plan's process (`launcher.ts`). */
  readonly launch: (plan: SpawnPlan) => ChildProcess;
  /** Receives output printed while no invocation is running. */
  readonly onIdleOutput: (text: string) => void;
  /** Told when processes outside the environment tried its Runtime API (see `RuntimeApiEvents.onRefused`). */
  readonly onRefused: (count: number, pid: number | undefined) => void;
}

/**
 * How Lambda names the signal that ended a runtime: the texts of Go's os/exec, which its runtime manager is written
 * in (`docs/reference/aws-lambda-execution.md` §A5: "signal: killed", "signal: segmentation fault").
 */
const SIGNAL_TEXTS: Readonly<Record<string, string>> = {
  SIGHUP: "hangup",
  SIGINT: "interrupt",
  SIGQUIT: "quit",
  SIGILL: "illegal instruction",
  SIGTRAP: "trace/breakpoint trap",
  SIGABRT: "aborted",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGKILL: "killed",
  SIGUSR1: "user defined signal 1",
  SIGSEGV: "segmentation fault",
  SIGUSR2: "user defined signal 2",
  SIGPIPE: "broken pipe",
  SIGALRM: "alarm clock",
  SIGTERM: "terminated",
};

/** AWS's error payloads for failures the runtime cannot report itself. */
export const ENVIRONMENT_ERRORS = {
  /** §A7, current runtimes. */
  timedOut: (requestId: string, seconds: number) =>
    errorBody(
      "Sandbox.Timedout",
      `RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`,
    ),
  /** A function past its MemorySize is killed (INFERRED from AWS's OOM reports: the kill signal, typed OutOfMemory). */
  outOfMemory: (requestId: string) =>
    errorBody(
      "Runtime.OutOfMemory",
      `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
    ),
  /** §A5. */
  exited: (requestId: string, code: number | null, signal: string | null) =>
    errorBody(
      "Runtime.ExitError",
      `RequestId: ${requestId} Error: ${
        code !== null && code !== 0
          ? `Runtime exited with error: exit status ${code}`
          : signal
            ? `Runtime exited with error: signal: ${SIGNAL_TEXTS[signal] ?? signal.toLowerCase().replace(/^sig/, "")}`
            : "Runtime exited without providing a reason"
      }`,
    ),
  /** §A6: a response over 6 MB. */
  responseTooLarge: () =>
    errorBody(
      "Function.ResponseSizeTooLarge",
      "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    ),
} as const;

function errorBody(errorType: string, errorMessage: string): { errorType: string; payload: Buffer } {
  return { errorType, payload: Buffer.from(JSON.stringify({ errorMessage, errorType })) };
}

type Failure =
  | { readonly kind: "exit"; code: number | null; signal: string | null }
  | { readonly kind: "init"; body: Buffer; errorType: string };

/** One runtime process and its Runtime API. */
export class Environment {
  private child: ChildProcess | undefined;
  private readonly api: RuntimeApi;
  private output: string[] = [];
  private outputBytes = 0;
  private capturing = false;
  private startedAt = 0;
  private initDurationMs: number | undefined;
  private readyPromise: Promise<void>;
  private markReady: () => void = () => undefined;
  private failed: Failure | undefined;
  private onFailure: ((f: Failure) => void) | undefined;
  private dead = false;
  private runtimePid: number | undefined;
  /** An open `/proc/<runtime pid>/status`, for REPORT's memory figure. */
  private statusFd: number | undefined;
  /** Whether this environment has served an invocation (its next one is warm). */
  warm = false;
  /** When it last finished an invocation, for the keep-alive. */
  lastUsed = Date.now();

  constructor(
    private readonly spec: EnvironmentSpec,
    /** Which configuration it was built for; a changed function retires it. */
    readonly revisionId: string,
  ) {
    this.api = new RuntimeApi({
      onReady: () => {
        this.initDurationMs = performance.now() - this.startedAt;
        this.markReady();
      },
      onInitError: (body, errorType) => this.fail({ kind: "init", body, errorType }),
      rootPid: () => this.child?.pid,
      onRefused: (count, pid) => spec.onRefused(count, pid),
    });
    this.readyPromise = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Whether the environment can take another invocation. */
  get alive(): boolean {
    return !this.dead;
  }

  /** Starts the runtime process (the init phase begins). */
  async start(): Promise<void> {
    const address = await this.api.listen();
    const plan = this.spec.plan(address);
    this.startedAt = performance.now();
    this.capturing = true;
    const child = this.spec.launch(plan);
    this.child = child;
    if (child.pid !== undefined) {
      const limit = limitProcesses(child.pid, `${process.pid}-${child.pid}`);
      child.once("exit", () => limit?.release());
    }
    const onData = (chunk: Buffer) => this.capture(chunk.toString("utf8"));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", (err) => {
      this.capture(`lamina: could not start the runtime: ${err.message}\n`);
      this.fail({ kind: "exit", code: 127, signal: null });
    });
    child.on("exit", (code, signal) => this.fail({ kind: "exit", code, signal }));
  }

  /**
   * Runs one invocation; never rejects. A time-out of `Infinity` never fires (a debug environment, `debug.ts`).
   */
  async invoke(
    invocation: Invocation,
    timeoutMs: number,
    memoryMb: number,
    initTimeoutMs = INIT_TIMEOUT_MS,
  ): Promise<InvokeOutcome> {
    const cold = !this.warm;
    this.warm = true;
    this.capturing = true;
    // Duration counts from the moment the runtime has the event; init is reported apart.
    let begin = performance.now();
    let initFailed = false;
    const finish = async (
      payload: Buffer,
      status: InvokeOutcome["status"],
      errorType: string | undefined,
    ): Promise<InvokeOutcome> => {
      // Let output the runtime printed before answering arrive (pipes and sockets are read in the same poll).
      await new Promise((resolve) => setImmediate(resolve));
      this.capturing = false;
      this.lastUsed = Date.now();
      const output = this.output.join("");
      this.output = [];
      this.outputBytes = 0;
      return {
        payload,
        functionError: status !== "success",
        output,
        durationMs: performance.now() - begin,
        initDurationMs: cold ? (this.initDurationMs ?? performance.now() - this.startedAt) : undefined,
        initFailed,
        status,
        errorType,
        maxMemoryMb: this.maxMemoryMb(),
      };
    };

    const failed = new Promise<Failure>((resolve) => {
      if (this.failed) {
        resolve(this.failed);
      } else {
        this.onFailure = resolve;
      }
    });
    const timer = (ms: number) => {
      let handle: NodeJS.Timeout | undefined;
      const promise = new Promise<"timeout">((resolve) => {
        // setTimeout would fire an unbounded wait at once.
        if (Number.isFinite(ms)) {
          handle = setTimeout(() => resolve("timeout"), ms);
        }
      });
      return { promise, cancel: () => clearTimeout(handle) };
    };

    // Init: wait for the runtime's first `/next` (or its failure) within the init limit.
    if (!this.initDurationMs) {
      const initTimer = timer(initTimeoutMs);
      const init = await Promise.race([
        this.readyPromise.then(() => "ready" as const),
        failed,
        initTimer.promise,
      ]);
      initTimer.cancel();
      initFailed = init !== "ready";
      if (init === "timeout") {
        this.kill();
        const err = ENVIRONMENT_ERRORS.timedOut(invocation.requestId, initTimeoutMs / 1000);
        return finish(err.payload, "timeout", err.errorType);
      }
      if (init !== "ready") {
        return finish(...this.failurePayload(init, invocation.requestId));
      }
    }

    begin = performance.now();
    const invokeTimer = timer(timeoutMs);
    const watchdog = this.watchMemory(memoryMb);
    const result = await Promise.race([
      this.api.dispatch(invocation),
      failed,
      invokeTimer.promise,
      watchdog.promise,
    ]);
    invokeTimer.cancel();
    watchdog.cancel();
    if (result === "outOfMemory") {
      this.kill();
      const err = ENVIRONMENT_ERRORS.outOfMemory(invocation.requestId);
      return finish(err.payload, "error", err.errorType);
    }
    if (result === "timeout") {
      this.kill();
      const err = ENVIRONMENT_ERRORS.timedOut(invocation.requestId, timeoutMs / 1000);
      return finish(err.payload, "timeout", err.errorType);
    }
    if ("kind" in result && (result.kind === "exit" || result.kind === "init")) {
      return finish(...this.failurePayload(result, invocation.requestId));
    }
    const outcome = result;
    if (outcome.kind === "tooLarge") {
      const err = ENVIRONMENT_ERRORS.responseTooLarge();
      return finish(err.payload, "error", err.errorType);
    }
    if (outcome.kind === "error") {
      return finish(outcome.body, "error", outcome.errorType);
    }
    return finish(outcome.body, "success", undefined);
  }

  private failurePayload(failure: Failure, requestId: string): [Buffer, "error", string] {
    this.kill();
    if (failure.kind === "init") {
      return [failure.body, "error", failure.errorType];
    }
    const err = ENVIRONMENT_ERRORS.exited(requestId, failure.code, failure.signal);
    return [err.payload, "error", err.errorType];
  }

  /** Stops the runtime process and its Runtime API; idempotent. */
  kill(): void {
    this.dead = true;
    this.closeStatus();
    this.api.close();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        // A negative pid signals the process group (no sandbox); bwrap's own children die with it.
        process.kill(child.spawnargs[0] === "bwrap" ? child.pid : -child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
  }

  private fail(failure: Failure): void {
    if (this.failed) {
      return;
    }
    this.failed = failure;
    this.dead = true;
    this.closeStatus();
    this.onFailure?.(failure);
    if (failure.kind === "init") {
      // The runtime exits after reporting; make sure it does.
      setTimeout(() => this.kill(), 100).unref();
    }
  }

  private capture(text: string): void {
    if (!this.capturing) {
      this.spec.onIdleOutput(text);
      return;
    }
    if (this.outputBytes >= MAX_LOG_BYTES_PER_INVOKE) {
      return;
    }
    this.outputBytes += Buffer.byteLength(text);
    this.output.push(text);
  }

  /**
   * Lambda stops a function that uses more than its MemorySize. Every 50 ms the runtime's resident memory is
   * read; past the limit the environment is killed and the invoke answers Runtime.OutOfMemory.
   */
  private watchMemory(memoryMb: number): { promise: Promise<"outOfMemory">; cancel: () => void } {
    let handle: NodeJS.Timeout | undefined;
    const promise = new Promise<"outOfMemory">((resolve) => {
      handle = setInterval(() => {
        if (this.residentMb() > memoryMb) {
          resolve("outOfMemory");
        }
      }, 50);
    });
    return { promise, cancel: () => clearInterval(handle) };
  }

  /** Current resident memory of the runtime process, in MB (0 when it cannot be read). */
  private residentMb(): number {
    return (this.statusKb("VmRSS") ?? 0) / 1024;
  }

  /** Peak resident memory of the runtime process, in MB, at least 1 (0 when it cannot be read). */
  private maxMemoryMb(): number {
    const kb = this.statusKb("VmHWM");
    return kb === undefined ? 0 : Math.max(1, Math.round(kb / 1024));
  }

  /** A kB field of the runtime process's `/proc/<pid>/status` (the deepest process under the one spawned). */
  private statusKb(field: "VmRSS" | "VmHWM"): number | undefined {
    try {
      this.runtimePid ??= deepestChild(this.child?.pid);
      // Read on every invoke for REPORT's Max Memory Used: one pread on a descriptor kept open, not an
      // open/read/close each time (procfs regenerates the text at offset 0).
      this.statusFd ??= openSync(`/proc/${this.runtimePid}/status`, "r");
      const length = readSync(this.statusFd, statusBuffer, 0, statusBuffer.length, 0);
      const text = statusBuffer.toString("latin1", 0, length);
      return Number(STATUS_FIELDS[field].exec(text)?.[1] ?? 0);
    } catch {
      return undefined;
    }
  }

  private closeStatus(): void {
    if (this.statusFd !== undefined) {
      closeSync(this.statusFd);
      this.statusFd = undefined;
    }
  }
}

/** One buffer for every status read: they are synchronous, so never two at once. */
const statusBuffer = Buffer.alloc(4096);
const STATUS_FIELDS = { VmRSS: /VmRSS:\s+(\d+)/, VmHWM: /VmHWM:\s+(\d+)/ } as const;

/** The runtime under bwrap is a grandchild of the spawned process; without a sandbox it is the process itself. */
function deepestChild(pid: number | undefined): number | undefined {
  for (let depth = 0; pid !== undefined && depth < 4; depth++) {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    if (!first) {
      break;
    }
    pid = Number(first);
  }
  return pid;
}
