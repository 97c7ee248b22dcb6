/**
 * Memory: 100 publishes of distinct 20 MiB zips (quick: 10), one at a time. Targets: lamina's RSS ≤ 250 MB at
 * the end (moto keeps every upload in RAM, about 2.3× its size), and identical zips stored once (the blob store
 * grows by one zip when the same zip is published again and again).
 */
import { join } from "node:path";
import { memoryOf, type Server } from "../lib/servers.js";
import { round } from "../lib/stats.js";
import { DistinctZips } from "../lib/zip.js";
import {
  api,
  bytesUnder,
  measureRow,
  newResult,
  newRow,
  publishBody,
  servers,
  type Scenario,
} from "../lib/context.js";

const MiB = 1024 * 1024;
const MB_PER_MIB = MiB / 1e6;

/** Samples the RSS of some processes every 250 ms and keeps each one's highest. */
function sampleRss(pids: Record<string, number>): { stop(): Record<string, number> } {
  const max: Record<string, number> = {};
  const take = () => {
    for (const [k, pid] of Object.entries(pids)) {
      const m = memoryOf(pid);
      if (m) {
        max[k] = Math.max(max[k] ?? 0, m.rssMiB);
      }
    }
  };
  take();
  const timer = setInterval(take, 250);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

export const memory: Scenario = {
  id: "memory",
  title: "Memory: distinct 20 MiB publishes, identical zips stored once",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const n = ctx.quick ? 2 : 100;
    const on = servers(ctx, false);
    const pids = Object.fromEntries(on.map((s) => [s.kind, s.pid]));
    const before = Object.fromEntries(on.map((s) => [s.kind, memoryOf(s.pid)]));

    const zips = new DistinctZips(20 * MiB);
    const row = newRow("memory-publish", `PublishLayerVersion, ${n} distinct 20 MiB zips`, "undici ×1");
    const sampler = sampleRss(pids);
    await measureRow(
      ctx,
      row,
      { connections: 1, count: n },
      (server: Server) => {
        const client = api(server);
        return {
          make: (i: number) =>
            client.request("POST", "/2018-10-31/layers/bench-memory/versions", {
              body: publishBody(zips.zip(i)),
            }),
        };
      },
      on,
    );
    const highest = sampler.stop();
    const after = Object.fromEntries(on.map((s) => [s.kind, memoryOf(s.pid)]));
    const laminaMB = after.lamina ? round(after.lamina.rssMiB * MB_PER_MIB, 1) : undefined;
    row.checks.push({
      what: "lamina RSS at the end",
      target: "≤ 250 MB",
      value: laminaMB === undefined ? "n/a" : `${laminaMB} MB`,
      pass: laminaMB === undefined ? undefined : laminaMB <= 250,
    });
    for (const s of on) {
      row.notes.push(
        `${s.kind} RSS ${before[s.kind]?.rssMiB ?? "?"} → ${after[s.kind]?.rssMiB ?? "?"} MiB ` +
          `(highest sampled during the publishes ${highest[s.kind] ?? "?"} MiB)`,
      );
    }
    result.rows.push(row);
    result.extra.rssBeforeMiB = before;
    result.extra.rssAfterMiB = after;
    result.extra.rssHighestMiB = highest;

    // The same zip, again and again: stored once on lamina.
    const k = ctx.quick ? 2 : 5;
    const same = new DistinctZips(20 * MiB).zip(0);
    const blobs = join(ctx.lamina.dataDir ?? "", "blobs");
    const blobBytesBefore = bytesUnder(blobs);
    const motoBefore = ctx.moto ? memoryOf(ctx.moto.pid) : undefined;
    const dup = newRow(
      "memory-identical",
      `PublishLayerVersion, the same 20 MiB zip ${k} times`,
      "undici ×1",
    );
    await measureRow(
      ctx,
      dup,
      { connections: 1, count: k },
      (server: Server) => {
        const client = api(server);
        const body = publishBody(same);
        return {
          make: () => client.request("POST", "/2018-10-31/layers/bench-memory-same/versions", { body }),
        };
      },
      on,
    );
    const grown = bytesUnder(blobs) - blobBytesBefore;
    dup.checks.push({
      what: "lamina blob store growth",
      target: `one zip (${same.length} B)`,
      value: `${grown} B`,
      pass: grown <= same.length * 1.01,
    });
    const motoAfter = ctx.moto ? memoryOf(ctx.moto.pid) : undefined;
    if (motoBefore && motoAfter) {
      dup.notes.push(
        `moto RSS ${motoBefore.rssMiB} → ${motoAfter.rssMiB} MiB for the ${k} identical uploads`,
      );
    }
    result.rows.push(dup);
    return result;
  },
};
