/**
 * PublishLayerVersion of distinct 1 MiB and 20 MiB zips, one connection (each upload is stored: no two are
 * alike). Targets: ≥ 3× moto end to end, and lamina's server time ≤ 1.5× the work floor.
 *
 * Upload i goes to lamina, then moto, then the floor (the canned server), then through the work floor, before
 * upload i + 1: the four figures of one upload are taken within a second of each other, so a noisy neighbour
 * weighs on all of them alike. lamina's server time for upload i is its latency minus the floor's latency for
 * the same bytes (the client's work plus the loopback transfer); the row reports the median of those paired
 * differences. The work floor is what any server has to do with the bytes, timed in-process on lamina's file
 * system: base64-decode + SHA-256 + write + fsync.
 */
import { createHash } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { HttpRequest } from "../lib/api.js";
import { cpuMsOf, type Server } from "../lib/servers.js";
import { percentile, round, type Measure } from "../lib/stats.js";
import { DistinctZips } from "../lib/zip.js";
import {
  api,
  checkRatio,
  checkValue,
  measureOf,
  newResult,
  newRow,
  publishBody,
  servers,
  Session,
  type BenchContext,
  type Row,
  type Scenario,
} from "../lib/context.js";

const MiB = 1024 * 1024;

/** Base64-decode + SHA-256 + write + fsync of one upload's base64 text; returns ms. */
async function workFloorOnce(ctx: BenchContext, base64: Buffer, i: number): Promise<number> {
  const file = join(ctx.workDir, `floor-${i}`);
  const t0 = performance.now();
  const bytes = Buffer.from(base64.toString("latin1"), "base64");
  createHash("sha256").update(bytes).digest();
  const fh = await open(file, "wx");
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const ms = performance.now() - t0;
  await unlink(file);
  return ms;
}

interface Side {
  readonly server: Server;
  readonly session: Session;
  readonly latencies: number[];
  readonly errors: Record<string, number>;
  cpuMs: number;
  sample?: string;
}

async function publishRows(ctx: BenchContext, size: number, label: string, n: number): Promise<Row[]> {
  const zips = new DistinctZips(size);
  const layer = `bench-publish-${label.replace(/\s/g, "")}`;
  const sides: Side[] = servers(ctx).map((server) => ({
    server,
    session: new Session(server),
    latencies: [],
    errors: {},
    cpuMs: 0,
  }));
  const work: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      ctx.progress.tick(`PublishLayerVersion ${label}: upload ${i + 1}/${n}`);
      const zip = zips.zip(i);
      const body = publishBody(zip);
      for (const side of sides) {
        const req: HttpRequest = api(side.server).request("POST", `/2018-10-31/layers/${layer}/versions`, {
          body,
        });
        const cpu0 = cpuMsOf(side.server.pid);
        const { reply, ms } = await side.session.timed(req);
        side.cpuMs += cpuMsOf(side.server.pid) - cpu0;
        side.latencies.push(ms);
        if (reply.status < 200 || reply.status > 299) {
          const key = String(reply.status);
          side.errors[key] = (side.errors[key] ?? 0) + 1;
          side.sample ??= `${key}: ${reply.body.toString("utf8").slice(0, 300)}`;
        }
      }
      work.push(await workFloorOnce(ctx, Buffer.from(zip.toString("base64"), "latin1"), i));
    }
  } finally {
    ctx.progress.endLive();
    await Promise.all(sides.map((s) => s.session.close()));
  }

  const row = newRow(`publish-${label}`, `PublishLayerVersion, distinct ${label} zips`, "undici ×1");
  for (const side of sides) {
    const m: Measure = {
      ...measureOf(side.latencies, side.errors),
      ...(side.sample !== undefined && { errorSample: side.sample }),
      serverCpuMsPerOp: round(side.cpuMs / n, 3),
    };
    row[side.server.kind] = m;
    ctx.progress.say(`  ${side.server.kind.padEnd(6)} ${row.label}: ${m.opsPerS} ops/s, p50 ${m.p50Ms} ms`);
  }
  if (row.lamina && row.moto) {
    row.ratio = round(row.lamina.opsPerS / row.moto.opsPerS, 2);
  }
  checkRatio(row, 3);

  const floorRow = newRow(
    `work-floor-${label}`,
    `work floor ${label}: base64-decode + SHA-256 + write + fsync`,
    "in-process",
  );
  floorRow.floor = measureOf(work);
  floorRow.floorNote = "in-process";
  floorRow.notes.push(
    "what storing an upload costs at least; the floor column of this row is that work alone",
  );

  const lamina = sides.find((s) => s.server.kind === "lamina");
  const floor = sides.find((s) => s.server.kind === "floor");
  if (lamina && floor) {
    const diffs = lamina.latencies.map((ms, i) => ms - (floor.latencies[i] ?? 0)).sort((a, b) => a - b);
    const serverMs = round(percentile(diffs, 50), 2);
    const workP50 = floorRow.floor.p50Ms;
    checkValue(
      row,
      `lamina server time (vs work floor p50 ${workP50} ms)`,
      serverMs,
      "≤",
      round(1.5 * workP50, 2),
      " ms",
    );
    row.notes.push(
      `lamina server time = median over uploads of (lamina − client floor) latency = ${serverMs} ms ` +
        `(${round(serverMs / workP50, 2)}× the work floor's p50 of ${workP50} ms); lamina CPU ${row.lamina?.serverCpuMsPerOp ?? "?"} ms per upload`,
    );
  }
  return [row, floorRow];
}

export const publish: Scenario = {
  id: "publish",
  title: "PublishLayerVersion 1 MiB and 20 MiB",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    result.rows.push(...(await publishRows(ctx, MiB, "1 MiB", ctx.quick ? 3 : 40)));
    result.rows.push(...(await publishRows(ctx, 20 * MiB, "20 MiB", ctx.quick ? 2 : 15)));
    result.notes.push(
      "each upload goes to lamina, moto, the floor and the work floor in turn before the next one, so the four see the same moment of a noisy machine",
    );
    return result;
  },
};
