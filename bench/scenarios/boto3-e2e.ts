/**
 * boto3 end to end, as users see it: GetLayerVersion and PublishLayerVersion (distinct 1 MiB zips), one call at
 * a time, each timed whole by a Python process (`bench/boto3_e2e.py`). The floor is boto3 against the canned
 * server: the cost of boto3 itself. No targets: this row shows what the server's speed is worth to a user.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { Server } from "../lib/servers.js";
import { measureOf, newResult, newRow, servers, type Scenario } from "../lib/context.js";
import { round } from "../lib/stats.js";

interface Boto3Output {
  get_ms: number[];
  publish_ms: number[];
  get_errors: Record<string, number>;
  publish_errors: Record<string, number>;
}

function runBoto3(script: string, server: Server, get: number, publish: number): Promise<Boto3Output> {
  return new Promise((resolve, reject) => {
    execFile(
      "python3",
      [script, "--endpoint", server.url, "--get", String(get), "--publish", String(publish)],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`boto3 against ${server.kind}: ${err.message}\n${stderr.slice(-2000)}`));
          return;
        }
        resolve(JSON.parse(stdout) as Boto3Output);
      },
    );
  });
}

export const boto3EndToEnd: Scenario = {
  id: "boto3-e2e",
  title: "boto3 end to end (sequential)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const script = join(ctx.benchSrc, "boto3_e2e.py");
    const get = newRow("boto3-get", "boto3 get_layer_version", "boto3 ×1");
    const pub = newRow("boto3-publish-1mib", "boto3 publish_layer_version, distinct 1 MiB zips", "boto3 ×1");
    for (const server of servers(ctx)) {
      ctx.progress.say(`  ${server.kind}: boto3 …`);
      const out = await runBoto3(script, server, ctx.quick ? 50 : 500, ctx.quick ? 3 : 30);
      get[server.kind] = measureOf(out.get_ms, out.get_errors);
      pub[server.kind] = measureOf(out.publish_ms, out.publish_errors);
    }
    for (const row of [get, pub]) {
      if (row.lamina && row.moto) {
        row.ratio = round(row.lamina.opsPerS / row.moto.opsPerS, 2);
      }
      if (row.floor && row.lamina) {
        row.notes.push(
          `boto3 itself costs p50 ${row.floor.p50Ms} ms of the ${row.lamina.p50Ms} ms users see on lamina`,
        );
      }
      result.rows.push(row);
    }
    return result;
  },
};
