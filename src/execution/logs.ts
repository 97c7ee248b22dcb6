/**
 * Function logs as Lambda writes them: START, the function's output, END and REPORT (with Init Duration on cold
 * starts), `docs/reference/aws-lambda-execution.md` §A7. Each function's log is appended to
 * `<data dir>/logs/<account>/<region>/<name>.log` (rotated at 10 MB), and the last 4 KB of an invocation's log is
 * what `X-Amz-Log-Type: Tail` returns.
 */
import { appendFile, mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { InvokeOutcome } from "./environment.js";

/** Bytes of log a Tail returns (§A7). */
export const TAIL_BYTES = 4096;
const ROTATE_BYTES = 10 * 1024 * 1024;

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

/** Appends function logs to files in the data dir. */
export class LogStore {
  private readonly created = new Set<string>();
  /** Known sizes of log files, so appends need no stat. */
  private readonly sizes = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly root: string) {}

  /** Queues `text` for the function's log file; writes are ordered and never reject. */
  append(accountId: string, region: string, name: string, text: string): void {
    const dir = join(this.root, accountId, region);
    const file = join(dir, `${name}.log`);
    this.chain = this.chain
      .then(async () => {
        if (!this.created.has(dir)) {
          await mkdir(dir, { recursive: true });
          this.created.add(dir);
        }
        const size = await stat(file).then(
          (s) => s.size,
          () => 0,
        );
        if (size > ROTATE_BYTES) {
          await rename(file, `${file}.1`);
        }
        await appendFile(file, text);
      })
      .catch(() => undefined);
  }

  /** Resolves once every queued write is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}
