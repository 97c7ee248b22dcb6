/**
 * Reads recent invocations back out of a function's log file (`logs.ts` writes them): each START … END, REPORT
 * block becomes one invocation with its durations, status and lines. Only the file's tail is read, so a long log
 * costs no more than a short one.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";

/** One invocation as its log tells it. */
export interface LoggedInvocation {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  /** Set on cold starts. */
  readonly initDurationMs: number | null;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** From REPORT: `timeout`, `error` (runtime errors only; handler errors do not show there), else `success`. */
  readonly status: "success" | "error" | "timeout";
  readonly errorType: string | null;
  /** Every line of the invocation, INIT_START (cold) through REPORT. */
  readonly lines: string[];
}

/** Bytes of the file's end that are read: enough for many invocations, bounded for huge logs. */
const TAIL_READ_BYTES = 512 * 1024;

const START_RE = /^START RequestId: (\S+)/;
const REPORT_RE = /^REPORT RequestId: (\S+)\t(.*)$/;

/** The last `limit` invocations in a function's log, newest first; [] when it has none. */
export async function readInvocations(
  logsRoot: string,
  accountId: string,
  region: string,
  name: string,
  limit: number,
): Promise<LoggedInvocation[]> {
  const text = await readTail(join(logsRoot, accountId, region, `${name}.log`), TAIL_READ_BYTES);
  return parseInvocations(text).slice(-limit).reverse();
}

/** Parses log text into invocations, oldest first; a block cut by the tail's start or still open is skipped. */
export function parseInvocations(text: string): LoggedInvocation[] {
  const out: LoggedInvocation[] = [];
  let before: string[] = [];
  let current: { requestId: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    const start = START_RE.exec(line);
    if (start?.[1]) {
      // Lines since the last REPORT (INIT_START, init output) belong to this cold start.
      current = { requestId: start[1], lines: [...before, line] };
      before = [];
      continue;
    }
    const report = REPORT_RE.exec(line);
    if (report?.[1] && current?.requestId === report[1]) {
      current.lines.push(line);
      out.push(fromReport(current.requestId, report[2] ?? "", current.lines));
      current = undefined;
      continue;
    }
    if (current) {
      current.lines.push(line);
    } else if (line !== "") {
      before.push(line);
    }
  }
  return out;
}

function fromReport(requestId: string, fields: string, lines: string[]): LoggedInvocation {
  const values = new Map<string, string>();
  for (const part of fields.split("\t")) {
    const colon = part.indexOf(": ");
    if (colon > 0) {
      values.set(part.slice(0, colon), part.slice(colon + 2));
    }
  }
  const num = (key: string) => Number.parseFloat(values.get(key) ?? "0");
  const status = values.get("Status");
  return {
    requestId,
    durationMs: num("Duration"),
    billedDurationMs: num("Billed Duration"),
    initDurationMs: values.has("Init Duration") ? num("Init Duration") : null,
    memorySizeMb: num("Memory Size"),
    maxMemoryUsedMb: num("Max Memory Used"),
    status: status === "timeout" ? "timeout" : status === "error" ? "error" : "success",
    errorType: values.get("Error Type") ?? null,
    lines,
  };
}

/** The last `bytes` of a file, starting at a line boundary; "" when the file does not exist. */
async function readTail(file: string, bytes: number): Promise<string> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) {
    return "";
  }
  try {
    const { size } = await handle.stat();
    const from = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    const text = buffer.toString("utf8");
    return from === 0 ? text : text.slice(text.indexOf("\n") + 1);
  } finally {
    await handle.close();
  }
}
