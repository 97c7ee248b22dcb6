/**
 * GetLayerVersion of one small layer version, on a data dir that holds almost nothing yet.
 * Target: with 32 keep-alive connections, ≥ 10× moto's throughput and p99 ≤ 5 ms. The one-connection row is the
 * "empty data dir" latency that `list-large` compares GetLayerVersion on 100,000 versions against.
 */
import { pythonModuleZip } from "../lib/zip.js";
import {
  ACCOUNT,
  api,
  checkRatio,
  checkValue,
  measureRow,
  newResult,
  newRow,
  publishTiny,
  servers,
  type Scenario,
} from "../lib/context.js";

export const getLayerVersion: Scenario = {
  id: "get-layer-version",
  title: "GetLayerVersion (empty data dir)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const zip = pythonModuleZip("benchget", "X = 1\n");
    const versions = new Map<string, number>();
    for (const server of servers(ctx, false)) {
      versions.set(server.kind, (await publishTiny(server, ACCOUNT, "bench-get", zip)).Version);
    }
    const build = (server: (typeof ctx)["lamina"]) => {
      const client = api(server);
      const req = client.request(
        "GET",
        `/2018-10-31/layers/bench-get/versions/${versions.get(server.kind) ?? 1}`,
      );
      return { make: () => req };
    };

    const many = newRow("get-32", "GetLayerVersion", "undici ×32");
    await measureRow(
      ctx,
      many,
      { connections: 32, durationMs: ctx.quick ? 1_200 : 10_000, warmupMs: ctx.quick ? 300 : 2_000 },
      build,
    );
    checkRatio(many, 10);
    checkValue(many, "lamina p99", many.lamina?.p99Ms, "≤", 5, " ms");
    result.rows.push(many);

    const one = newRow("get-1", "GetLayerVersion, latency (empty data dir)", "undici ×1");
    await measureRow(
      ctx,
      one,
      { connections: 1, durationMs: ctx.quick ? 600 : 5_000, warmupMs: ctx.quick ? 100 : 500 },
      build,
    );
    if (one.lamina) {
      ctx.shared.set("getP50Empty", one.lamina.p50Ms);
    }
    result.rows.push(one);
    return result;
  },
};
