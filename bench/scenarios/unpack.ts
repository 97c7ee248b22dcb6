/**
 * Layers ready at publish. (1) Unpacking: the time from PublishLayerVersion's answer until lamina's cache holds the
 * unpacked layer (it unpacks in the background after the commit), against `unzip -q` of the same zip into a fresh
 * folder; target ≤ 1×. (2) A function whose five layers (250 MB in all; quick: 25 MB) were published 3 s earlier:
 * its first invoke against an ordinary cold start of the same function; target ≤ 0.2 s more.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Api } from "../lib/api.js";
import { storedZip } from "../lib/zip.js";
import {
  api,
  checkValue,
  measureOf,
  newResult,
  newRow,
  publishBody,
  Session,
  type Scenario,
} from "../lib/context.js";
import { invokeRequest } from "./invoke.js";

/** A layer zip of `files` incompressible files of `size` bytes under `python/<tag>/`. */
function layerZip(tag: string, files: number, size: number): Buffer {
  return storedZip(
    Array.from({ length: files }, (_, i) => ({ name: `python/${tag}/f${i}.bin`, data: randomBytes(size) })),
  );
}

async function publish(client: Api, name: string, zip: Buffer): Promise<{ arn: string; hex: string }> {
  const out = await client.json<{ LayerVersionArn: string; Content: { CodeSha256: string } }>(
    client.request("POST", `/2018-10-31/layers/${name}/versions`, { body: publishBody(zip) }),
  );
  return { arn: out.LayerVersionArn, hex: Buffer.from(out.Content.CodeSha256, "base64").toString("hex") };
}

async function until(test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) {
      throw new Error("timed out waiting for the cache");
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const unpack: Scenario = {
  id: "unpack",
  title: "Layers ready at publish: background unpacking, and a first invoke 3 s after publishing 5 layers",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const client = api(ctx.lamina);
    const cache = join(ctx.lamina.dataDir ?? "", "cache", "code");
    const work = mkdtempSync(join(tmpdir(), "lamina-unpack-"));
    const [files, size] = ctx.quick ? [500, 10_000] : [5_000, 10_000];
    try {
      // (1) Unpack time against unzip, same zips.
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < (ctx.quick ? 2 : 6); i++) {
        const zip = layerZip(`u${i}`, files, size);
        const file = join(work, `u${i}.zip`);
        writeFileSync(file, zip);
        // Each side starts with nothing left to write back: the other's 50 MB of dirty pages would slow it down.
        spawnSync("sync");
        const t0 = performance.now();
        const { hex } = await publish(client, `bench-unpack-${i}`, zip);
        const answered = performance.now();
        await until(() => existsSync(join(cache, `${hex}.meta`)), 120_000);
        ours.push(performance.now() - answered);
        ctx.progress.tick(`unpack ${i + 1}: publish ${Math.round(answered - t0)} ms`);
        spawnSync("sync");
        const u0 = performance.now();
        const r = spawnSync("unzip", ["-q", "-o", file, "-d", join(work, `out${i}`)], { stdio: "ignore" });
        if (r.status !== 0) {
          throw new Error(`unzip exited ${r.status}`);
        }
        theirs.push(performance.now() - u0);
      }
      const row = newRow(
        "unpack-vs-unzip",
        `Unpack a ${(files * size) / 1e6} MB layer of ${files} files`,
        "–",
      );
      row.lamina = measureOf(ours);
      row.floor = measureOf(theirs);
      row.floorNote = "unzip -q of the same zip into a new folder";
      const ratio = Math.round((row.lamina.p50Ms / row.floor.p50Ms) * 100) / 100;
      checkValue(row, "unpack p50 / unzip p50", ratio, "≤", 1, "×");
      result.rows.push(row);

      // (2) Five layers published 3 s before the function's first invoke.
      const arns: string[] = [];
      for (let k = 0; k < 5; k++) {
        arns.push((await publish(client, `bench-ready-${k}`, layerZip(`r${k}`, files, size))).arn);
      }
      await new Promise((r) => setTimeout(r, 3_000));
      await client.json(
        client.request("POST", "/2015-03-31/functions", {
          body: {
            FunctionName: "bench-ready",
            Runtime: "python3.12",
            Role: "arn:aws:iam::123456789012:role/lambda-role",
            Handler: "app.handler",
            Layers: arns,
            Timeout: 60,
            Code: {
              ZipFile: storedZip([
                { name: "app.py", data: Buffer.from('def handler(e, c):\n    return {"sum": 10, "n": 5}\n') },
              ]).toString("base64"),
            },
          },
        }),
      );
      const session = new Session(ctx.lamina);
      try {
        const first = (await session.timed(invokeRequest(client, "bench-ready"))).ms;
        const colds: number[] = [];
        for (let i = 0; i < 3; i++) {
          await client.json(
            client.request("PUT", "/2015-03-31/functions/bench-ready/configuration", {
              body: { Description: `cold-${i}` },
            }),
          );
          colds.push((await session.timed(invokeRequest(client, "bench-ready"))).ms);
        }
        const ready = newRow(
          "first-invoke-ready",
          `First invoke, 5 layers (${(5 * files * size) / 1e6} MB) published 3 s earlier`,
          "undici ×1",
        );
        ready.lamina = measureOf([first]);
        ready.floor = measureOf(colds);
        ready.floorNote = "ordinary cold starts of the same function (after UpdateFunctionConfiguration)";
        const extra = Math.round(first - ready.floor.p50Ms);
        checkValue(ready, "first invoke − ordinary cold start", extra, "≤", 200, " ms");
        result.rows.push(ready);
      } finally {
        await session.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return result;
  },
};
