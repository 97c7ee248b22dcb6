/**
 * The development loop's edit-to-invoke delay: a Python function whose code and layer are host folders
 * (`S3Bucket: "hot-reload"`), one of the layer's files rewritten 20 times (quick: 10). For each edit, invokes
 * start back to back on one connection from the moment the file is written; the row reports when the first invoke
 * that answered with the new text had started (the change was visible to it; target ≤ 200 ms, LocalStack's hot
 * reload takes up to 700 ms), and notes when that answer arrived (it includes the cold start of the fresh
 * environment).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, checkValue, measureOf, newResult, newRow, Session, type Scenario } from "../lib/context.js";
import { invokeRequest } from "./invoke.js";

export const editToInvoke: Scenario = {
  id: "edit-to-invoke",
  title: "Development loop: a layer file edited on disk, seen by the next invokes",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const client = api(ctx.lamina);
    const work = mkdtempSync(join(tmpdir(), "lamina-edit-"));
    const session = new Session(ctx.lamina);
    try {
      const code = join(work, "code");
      const layer = join(work, "layer", "python");
      mkdirSync(code, { recursive: true });
      mkdirSync(layer, { recursive: true });
      writeFileSync(join(code, "app.py"), "import greeting\ndef handler(e, c):\n    return greeting.TEXT\n");
      writeFileSync(join(layer, "greeting.py"), "TEXT = 'edit 0'\n");
      const published = await client.json<{ LayerVersionArn: string }>(
        client.request("POST", "/2018-10-31/layers/bench-edit/versions", {
          body: { Content: { S3Bucket: "hot-reload", S3Key: join(work, "layer") } },
        }),
      );
      await client.json(
        client.request("POST", "/2015-03-31/functions", {
          body: {
            FunctionName: "bench-edit",
            Runtime: "python3.12",
            Role: "arn:aws:iam::123456789012:role/lambda-role",
            Handler: "app.handler",
            Code: { S3Bucket: "hot-reload", S3Key: code },
            Layers: [published.LayerVersionArn],
          },
        }),
      );
      await session.timed(invokeRequest(client, "bench-edit"));
      const visible: number[] = [];
      const answered: number[] = [];
      const edits = ctx.quick ? 10 : 20;
      for (let i = 1; i <= edits; i++) {
        await new Promise((r) => setTimeout(r, 300)); // the previous reload has settled; the function is warm
        const want = `"edit ${i}"`;
        const t0 = performance.now();
        writeFileSync(join(layer, "greeting.py"), `TEXT = 'edit ${i}'\n`);
        for (;;) {
          const started = performance.now();
          const { reply } = await session.timed(invokeRequest(client, "bench-edit"));
          if (reply.body.toString("utf8") === want) {
            visible.push(started - t0);
            answered.push(performance.now() - t0);
            break;
          }
          if (performance.now() - t0 > 10_000) {
            throw new Error(`edit ${i} not seen after 10 s: ${reply.status} ${reply.body.toString("utf8")}`);
          }
        }
        ctx.progress.tick(`edit ${i}: visible after ${Math.round(visible.at(-1) ?? 0)} ms`);
      }
      const row = newRow("edit-to-invoke", `Edit a layer file → an invoke sees it (×${edits})`, "undici ×1");
      row.lamina = measureOf(visible);
      row.floor = measureOf(answered);
      row.floorNote = "the floor column here: edit → the new answer received (includes the fresh cold start)";
      const worst = Math.round(Math.max(...visible));
      checkValue(row, "edit → visible to an invoke, p50", Math.round(row.lamina.p50Ms), "≤", 200, " ms");
      row.notes.push(
        `visible p50 ${Math.round(row.lamina.p50Ms)} ms, worst ${worst} ms; answered p50 ${Math.round(row.floor.p50Ms)} ms, worst ${Math.round(Math.max(...answered))} ms`,
      );
      result.rows.push(row);
    } finally {
      await session.close();
      rmSync(work, { recursive: true, force: true });
    }
    return result;
  },
};
