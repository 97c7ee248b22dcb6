/**
 * A 20 MiB download through `Content.Location`, checked against its SHA-256 as it streams, against the same
 * download from a second lamina started with the private `--unverified-downloads` (the raw read-and-send floor).
 * The two take turns on one fresh connection each, so load on this shared machine weighs on both alike.
 * Target (issue 18): verification costs under 10% of the download.
 */
import { get } from "node:http";
import { DistinctZips } from "../lib/zip.js";
import {
  checkValue,
  measureOf,
  newResult,
  newRow,
  publishTiny,
  ACCOUNT,
  type Scenario,
} from "../lib/context.js";
import { cpuMsOf, type Server } from "../lib/servers.js";

const MiB = 1024 * 1024;

/** GETs `url` and discards the body; resolves with the ms until the last byte, rejects on a cut body. */
function timedDownload(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    get(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () =>
        res.statusCode === 200 && bytes === Number(res.headers["content-length"])
          ? resolve(performance.now() - t0)
          : reject(new Error(`status ${res.statusCode}, ${bytes} bytes`)),
      );
      res.on("error", reject);
    }).on("error", reject);
  });
}

async function locationOn(server: Server, zip: Buffer): Promise<string> {
  const published = (await publishTiny(server, ACCOUNT, "bench-download", zip)) as {
    Content?: { Location?: string };
  };
  return published.Content?.Location ?? "";
}

export const verifiedDownload: Scenario = {
  id: "download",
  title: "Content.Location download of 20 MiB, verified vs unverified",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const zip = new DistinctZips(20 * MiB).zip(0);
    const unverified = await ctx.startAnotherLamina("unverified-downloads", ["--unverified-downloads"]);
    const verifiedUrl = await locationOn(ctx.lamina, zip);
    const unverifiedUrl = await locationOn(unverified, zip);
    const n = ctx.quick ? 5 : 40;
    const times = { verified: [] as number[], unverified: [] as number[] };
    const cpu = { verified: 0, unverified: 0 };
    // One untimed download each: the file into the page cache, the code paths warm.
    await timedDownload(verifiedUrl);
    await timedDownload(unverifiedUrl);
    for (let i = 0; i < n; i++) {
      ctx.progress.tick(`download 20 MiB: ${i + 1}/${n}`);
      for (const [side, server, url] of [
        ["verified", ctx.lamina, verifiedUrl],
        ["unverified", unverified, unverifiedUrl],
      ] as const) {
        const cpu0 = cpuMsOf(server.pid);
        times[side].push(await timedDownload(url));
        cpu[side] += cpuMsOf(server.pid) - cpu0;
      }
    }
    const row = newRow(
      "download-20",
      "Content.Location download, 20 MiB (SHA-256 checked while streaming)",
      "node:http ×1",
    );
    row.lamina = measureOf(times.verified);
    row.floor = measureOf(times.unverified);
    row.floorNote = "the same download from a lamina started with --unverified-downloads (no check)";
    const ratio = Math.round((row.lamina.p50Ms / row.floor.p50Ms) * 1000) / 1000;
    checkValue(row, "verified/unverified p50 time", ratio, "≤", 1.1, "×");
    row.notes.push(
      `server CPU per download: ${Math.round(cpu.verified / n)} ms verified, ${Math.round(cpu.unverified / n)} ms unverified`,
    );
    result.rows.push(row);
    result.extra.downloadRatio = ratio;
    await unverified.stop();
    return result;
  },
};
