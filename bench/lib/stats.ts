/** Latency summaries: nearest-rank percentiles over every sample, milliseconds. */

/** One server's figures for one row. */
export interface Measure {
  /** Requests sent (and timed). */
  readonly n: number;
  readonly concurrency: number;
  /** Failed requests by `<status> <error type>` (or a client error name). */
  readonly errors: Readonly<Record<string, number>>;
  /** One failing response, to tell what went wrong. */
  readonly errorSample?: string;
  readonly wallS: number;
  readonly opsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Server CPU time (user + system) per request, from /proc/<pid>/stat; absent for in-process floors. */
  readonly serverCpuMsPerOp?: number;
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const k = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[k - 1] ?? Number.NaN;
}

/**
 * Summarizes latencies. Throughput is requests / wall time; with one connection that is the same as
 * 1 / mean latency, except that time spent preparing requests between calls is left out.
 */
export function summarize(
  latenciesMs: readonly number[],
  wallS: number,
  concurrency: number,
  errors: Record<string, number> = {},
  errorSample?: string,
): Measure {
  const sorted = Float64Array.from(latenciesMs).sort();
  const n = sorted.length;
  const sum = sorted.reduce((a, b) => a + b, 0);
  const busyS = concurrency === 1 ? sum / 1000 : wallS;
  return {
    n,
    concurrency,
    errors,
    ...(errorSample !== undefined && { errorSample }),
    wallS: round(wallS, 3),
    opsPerS: round(busyS > 0 ? n / busyS : Number.NaN, 1),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    meanMs: round(n ? sum / n : Number.NaN, 3),
    minMs: round(sorted[0] ?? Number.NaN, 3),
    maxMs: round(sorted[n - 1] ?? Number.NaN, 3),
  };
}

/** Rounds to `digits` decimals (NaN stays NaN). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
