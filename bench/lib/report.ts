/** The Markdown report of a run (the JSON file holds the same data, unrounded where it matters). */
import type { Row, ScenarioResult } from "./context.js";
import type { Memory } from "./servers.js";
import type { Measure } from "./stats.js";

/** Where and when a run happened. */
export interface RunInfo {
  started: string;
  finished: string;
  mode: "quick" | "full";
  machine: {
    nproc: number;
    cpuModel: string;
    memTotalGiB: number;
    memFreeGiB: number;
    freeH: string;
    node: string;
    python: string;
    moto: string;
    boto3: string;
    bwrap: string;
  };
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  logs: string;
  /** The lamina commit measured. */
  revision: string;
  /** Why moto has no figures in this run, if it has none. */
  motoProblem?: string;
  memoryAtStart?: Record<string, Memory | undefined>;
  memoryAtEnd: Record<string, Memory>;
}

function ops(x: number): string {
  if (!Number.isFinite(x)) {
    return "–";
  }
  return x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
}

function ms(x: number): string {
  if (!Number.isFinite(x)) {
    return "–";
  }
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function errs(m: Measure): string {
  const n = Object.values(m.errors).reduce((a, b) => a + b, 0);
  return n ? ` (${n} err)` : "";
}

function cells(m: Measure | undefined, note?: string): string[] {
  if (!m) {
    return [note ?? "–", "", ""];
  }
  return [`${ops(m.opsPerS)}${errs(m)}`, ms(m.p50Ms), ms(m.p99Ms)];
}

function checkText(row: Row): string {
  return row.checks
    .map(
      (c) =>
        `${c.pass === undefined ? "n/a" : c.pass ? "PASS" : "**FAIL**"} ${c.what} ${c.target} (${c.value})`,
    )
    .join("<br>");
}

function cpu(row: Row): string {
  const l = row.lamina?.serverCpuMsPerOp;
  const m = row.moto?.serverCpuMsPerOp;
  if (l === undefined && m === undefined) {
    return "";
  }
  const f = (x: number | undefined) => (x === undefined ? "–" : x >= 10 ? x.toFixed(0) : x.toFixed(2));
  return `${f(l)} / ${f(m)}`;
}

/** The results table alone (also what the README's Performance section shows). */
export function renderTable(results: readonly ScenarioResult[]): string {
  const lines = [
    "| scenario | client | lamina ops/s | p50 ms | p99 ms | moto ops/s | p50 ms | p99 ms | floor ops/s | p50 ms | p99 ms | lamina/moto | server CPU ms/op lamina / moto | targets |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.title} | – | failed: ${r.error.replace(/\|/g, "/").slice(0, 200)} |||||||||||`);
    }
    for (const row of r.rows) {
      lines.push(
        `| ${row.label} | ${row.client} | ${[
          ...cells(row.lamina),
          ...cells(row.moto, row.motoNote),
          ...cells(row.floor, row.floorNote),
        ].join(
          " | ",
        )} | ${row.ratio === undefined ? "–" : `${row.ratio}×`} | ${cpu(row)} | ${checkText(row)} |`,
      );
    }
  }
  return lines.join("\n");
}

function memoryCell(m: Memory | undefined): string {
  return m ? `${m.rssMiB} MiB (peak ${m.peakMiB})` : "–";
}

/** The whole report. */
export function renderMarkdown(info: RunInfo, results: readonly ScenarioResult[]): string {
  const m = info.machine;
  const checks = results.flatMap((r) => r.rows.flatMap((row) => row.checks.map((c) => ({ row, c }))));
  const failed = checks.filter(({ c }) => c.pass === false);
  const out: string[] = [
    `# lamina vs moto_server: ${info.mode} run, ${info.started}`,
    "",
    `- machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memTotalGiB} GiB RAM (${m.memFreeGiB} GiB free at start)`,
    `- load average before / after: ${info.loadAvgBefore.join(", ")} / ${info.loadAvgAfter.join(", ")} (a shared machine: compare the ratios, which come from the same run)`,
    `- lamina ${info.revision}; Node ${m.node}; ${m.python}; moto ${m.moto}; boto3 ${m.boto3}; bubblewrap ${m.bwrap}`,
    `- finished ${info.finished}; server logs in \`${info.logs}\``,
    ...(info.motoProblem ? [`- **moto: ${info.motoProblem}**`] : []),
    `- targets: ${checks.length - failed.length} of ${checks.length} met${failed.length ? `; missed: ${failed.map(({ row, c }) => `${row.label}: ${c.what} ${c.target} (${c.value})`).join("; ")}` : ""}`,
    "",
    "ops/s = requests / wall time (one connection: 1 / mean latency). Latencies are per request as the client saw",
    "them. The floor is the same client against a canned-answer server unless a row says otherwise. Server CPU is",
    "user + system time of the server process over the timed part, per request.",
    "",
    renderTable(results),
    "",
    "## Server memory (VmRSS, peak VmHWM)",
    "",
    "| after | lamina | moto |",
    "|---|--:|--:|",
    `| start | ${memoryCell(info.memoryAtStart?.lamina)} | ${memoryCell(info.memoryAtStart?.moto)} |`,
    ...results.map(
      (r) => `| ${r.id} | ${memoryCell(r.memoryAfter?.lamina)} | ${memoryCell(r.memoryAfter?.moto)} |`,
    ),
    `| **end of run** | **${memoryCell(info.memoryAtEnd.lamina)}** | **${memoryCell(info.memoryAtEnd.moto)}** |`,
    "",
    "## Notes",
    "",
  ];
  for (const r of results) {
    const notes = [...r.notes, ...r.rows.flatMap((row) => row.notes.map((n) => `${row.label}: ${n}`))];
    const errors = r.rows.flatMap((row) =>
      (["lamina", "moto", "floor"] as const).flatMap((k) => {
        const meas = row[k];
        return meas?.errorSample
          ? [`${row.label} on ${k}: ${JSON.stringify(meas.errors)}; e.g. ${meas.errorSample}`]
          : [];
      }),
    );
    if (notes.length + errors.length === 0 && !r.error) {
      continue;
    }
    const seconds = typeof r.extra.seconds === "number" ? `${r.extra.seconds} s` : "";
    out.push(`### ${r.title}${seconds && ` (${seconds})`}`, "");
    if (r.error) {
      out.push(`- **failed**: ${r.error}`);
    }
    out.push(...notes.map((n) => `- ${n}`), ...errors.map((e) => `- errors: ${e}`), "");
  }
  return `${out.join("\n")}\n`;
}
