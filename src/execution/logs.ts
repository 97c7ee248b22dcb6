/**
 * Function logs as Lambda writes them: START, the function's output, END and REPORT (with Init Duration on cold
 * starts), `docs/reference/aws-lambda-execution.md` §A7. Each function's log is appended to
 * `<data dir>/logs/<account>/<region>/<name>.log` (rotated at 10 MB), and the last 4 KB of an invocation's log is
 * what `X-Amz-Log-Type: Tail` returns.
 */
import { appendFile, mkdir, open, rename, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { InvokeOutcome } from "./environment.js";

/** Bytes of log a Tail returns (§A7). */
export const TAIL_BYTES = 4096;
const ROTATE_BYTES = 10 * 1024 * 1024;
/** Log files kept open at most (one per recently invoked function). */
const OPEN_LOGS = 64;

/** What REPORT needs besides the outcome. */
export interface ReportContext {
  readonly requestId: string;
  /** The version that ran (`$LATEST`), as START names it. */
  readonly version: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  /** The INIT_START line's runtime version, e.g. `python:3.12.v1`, and its ARN. */
  readonly runtimeVersion: string;
  readonly runtimeVersionArn: string;
  /** A line of lamina's own for cold starts, e.g. that there is no sandbox; Lambda has nothing like it. */
  readonly coldStartNotice?: string;
}

const ms = (n: number) => n.toFixed(2);

/** The invocation's log, as CloudWatch would show it. */
export function formatInvocationLog(outcome: InvokeOutcome, ctx: ReportContext): string {
  const lines: string[] = [];
  const cold = outcome.initDurationMs !== undefined;
  if (cold) {
    lines.push(
      `INIT_START Runtime Version: ${ctx.runtimeVersion}\tRuntime Version ARN: ${ctx.runtimeVersionArn}\n`,
    );
    if (ctx.coldStartNotice) {
      lines.push(`${ctx.coldStartNotice}\n`);
    }
  }
  const output = outcome.output && (outcome.output.endsWith("\n") ? outcome.output : `${outcome.output}\n`);
  if (outcome.initFailed) {
    // §A7: the init phase's output, then INIT_REPORT, then the invocation that re-ran init and failed.
    lines.push(output);
    lines.push(
      `INIT_REPORT Init Duration: ${ms(outcome.initDurationMs ?? 0)} ms\tPhase: init\tStatus: ${
        outcome.status === "timeout" ? "timeout" : "error"
      }${outcome.errorType && outcome.status !== "timeout" ? `\tError Type: ${outcome.errorType}` : ""}\n`,
    );
    lines.push(`START RequestId: ${ctx.requestId} Version: ${ctx.version}\n`);
  } else {
    lines.push(`START RequestId: ${ctx.requestId} Version: ${ctx.version}\n`, output);
  }
  if (outcome.status === "timeout") {
    lines.push(
      `${new Date().toISOString()} ${ctx.requestId} Task timed out after ${ctx.timeoutSeconds.toFixed(2)} seconds\n`,
    );
  }
  lines.push(`END RequestId: ${ctx.requestId}\n`);
  let report =
    `REPORT RequestId: ${ctx.requestId}\tDuration: ${ms(outcome.durationMs)} ms\t` +
    `Billed Duration: ${Math.max(1, Math.ceil(outcome.durationMs))} ms\tMemory Size: ${ctx.memorySizeMb} MB\t` +
    `Max Memory Used: ${outcome.maxMemoryMb} MB\t`;
  if (cold && outcome.initDurationMs !== undefined) {
    report += `Init Duration: ${ms(outcome.initDurationMs)} ms\t`;
  }
  if (outcome.status === "timeout") {
    report += "Status: timeout";
  } else if (outcome.status === "error" && outcome.errorType?.startsWith("Runtime.")) {
    report += `Status: error\tError Type: ${outcome.errorType}`;
  }
  lines.push(`${report}\n`);
  return lines.join("");
}

/** The last 4 KB of a log, base64, for `X-Amz-Log-Result`. */
export function logTail(log: string): string {
  const bytes = Buffer.from(log, "utf8");
  return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString("base64");
}

/**
 * Appends function logs to files in the data dir. Appends that arrive together (concurrent invokes) are written
 * as one append per file, and each file's size is tracked in memory, so a warm invoke costs its log one write.
 */
export class LogStore {
  private readonly created = new Set<string>();
  /** Logs kept open for appending, with their sizes, least recently used first. */
  private readonly handles = new Map<string, { handle: FileHandle; size: number }>();
  /** Text waiting for the next drain, by file, in arrival order. */
  private readonly pending = new Map<string, string[]>();
  private drainQueued = false;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly root: string) {}

  /** Queues `text` for the function's log file; writes are ordered and never reject. */
  append(accountId: string, region: string, name: string, text: string): void {
    const file = join(this.root, accountId, region, `${name}.log`);
    const queued = this.pending.get(file);
    if (queued) {
      queued.push(text);
    } else {
      this.pending.set(file, [text]);
    }
    if (!this.drainQueued) {
      this.drainQueued = true;
      this.chain = this.chain.then(() => this.drain());
    }
  }

  /** Resolves once every queued write is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async drain(): Promise<void> {
    // From here on, appends queue the next drain, which runs after this one: order per file is kept.
    this.drainQueued = false;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [file, texts] of batch) {
      await this.write(file, texts.join("")).catch(() => undefined);
    }
  }

  private async write(file: string, text: string): Promise<void> {
    if (this.closed) {
      // Output that arrives while lamina shuts down is still written, but no handle is kept that nothing closes.
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, text);
      return;
    }
    let open = this.handles.get(file);
    if (open && open.size > ROTATE_BYTES) {
      this.handles.delete(file);
      await open.handle.close();
      // Gone already (removed by hand): there is nothing to rotate.
      await rename(file, `${file}.1`).catch(() => undefined);
      open = undefined;
    }
    if (!open) {
      open = await this.open(file);
    }
    // Most recently used last: the first entry is the one to close when too many are open.
    this.handles.delete(file);
    this.handles.set(file, open);
    await open.handle.appendFile(text);
    open.size += Buffer.byteLength(text);
  }

  /** Opens a log for appending (kept open: an open and a close per invoke showed in profiles). */
  private async open(file: string): Promise<{ handle: FileHandle; size: number }> {
    const dir = dirname(file);
    if (!this.created.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.created.add(dir);
    }
    if (this.handles.size >= OPEN_LOGS) {
      const [oldest, entry] = this.handles.entries().next().value as [string, { handle: FileHandle }];
      this.handles.delete(oldest);
      await entry.handle.close().catch(() => undefined);
    }
    const handle = await open(file, "a");
    try {
      return { handle, size: (await handle.stat()).size };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /** Closes the open logs (after a last flush). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.handle.close().catch(() => undefined)));
  }
}
