/** Invoke throughput: 8 concurrent clients on the warm Python function. Target: ≥ 2,000 invokes/s (lamina). */
import { api, measureRow, newResult, newRow, type Scenario } from "../lib/context.js";
import { cpus } from "node:os";
import { descendantsCpuMs, type Server } from "../lib/servers.js";
import { round } from "../lib/stats.js";
import {
  ensureInvokeFunction,
  INVOKE_FUNCTION,
  invokeError,
  invokeRequest,
  motoInvokeNote,
} from "./invoke.js";

export const invokeThroughput: Scenario = {
  id: "invoke-throughput",
  title: "Invoke throughput, 8 concurrent clients",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const motoNote = await motoInvokeNote(ctx);
    await ensureInvokeFunction(ctx);
    const row = newRow("invoke-8", "Invoke, warm function", "undici ×8");
    const build = (server: Server) => {
      const req = invokeRequest(api(server), INVOKE_FUNCTION);
      return { make: () => req, check: invokeError };
    };
    // Warm-up: starts one environment per concurrent client, and runs long enough for the server's and the
    // client's JIT to settle (a warm run climbs from ~400/s to its steady rate over its first ~2 s); the timed
    // part only reuses the environments.
    await measureRow(
      ctx,
      newRow("invoke-8-warmup", "Invoke warm-up", "undici ×8"),
      { connections: 8, durationMs: ctx.quick ? 3_000 : 4_000, rounds: 1 },
      build,
      [ctx.lamina],
    );
    const runtimes0 = descendantsCpuMs(ctx.lamina.pid);
    const client0 = process.cpuUsage();
    await measureRow(ctx, row, { connections: 8, durationMs: ctx.quick ? 1_500 : 10_000 }, build, [
      ctx.lamina,
    ]);
    // Where the CPU of one invoke goes: lamina, the function's processes (bwrap + Python), and this client.
    const n = row.lamina?.n ?? 0;
    if (n > 0) {
      const runtimesMs = descendantsCpuMs(ctx.lamina.pid) - runtimes0;
      const used = process.cpuUsage(client0);
      const per = (ms: number) => round(ms / n, 3);
      row.notes.push(
        `CPU per invoke: lamina ${row.lamina?.serverCpuMsPerOp ?? "?"} ms, function processes (bwrap + Python) ` +
          `${per(runtimesMs)} ms, bench client ${per((used.user + used.system) / 1000)} ms; ` +
          `${cpus().length} cores give ${cpus().length * 1000} ms of CPU per second`,
      );
    }
    await measureRow(ctx, row, { connections: 8, durationMs: ctx.quick ? 1_500 : 10_000 }, build, [
      ctx.floor,
    ]);
    row.motoNote = "not runnable";
    // The same server's GetLayerVersion at the same concurrency: what lamina's HTTP and storage path costs alone.
    const reads = newRow("invoke-8-vs-read", "GetLayerVersion, same server, same concurrency", "undici ×8");
    await measureRow(
      ctx,
      reads,
      { connections: 8, durationMs: ctx.quick ? 1_500 : 10_000 },
      (server) => {
        const req = api(server).request("GET", "/2018-10-31/layers/bench-inv-0/versions/1");
        return { make: () => req };
      },
      [ctx.lamina],
    );
    const share = Math.round(((row.lamina?.opsPerS ?? 0) / (reads.lamina?.opsPerS ?? 1)) * 100) / 100;
    row.notes.push(
      `invokes/s are ${share}× GetLayerVersion's ${reads.lamina?.opsPerS ?? "?"}/s in the same run`,
    );
    const ops = row.lamina?.opsPerS ?? 0;
    row.checks.push({
      what: "lamina invokes/s",
      target: "≥ 2,000/s, or ≥ ¼ of GetLayerVersion's in the same run",
      value: `${ops}/s, ${share}× GetLayerVersion`,
      pass: ops >= 2000 || share >= 0.25,
    });
    result.rows.push(reads);
    result.rows.push(row);
    row.notes.push(
      "a warm-up first starts one environment per concurrent client and lets the JIT settle (3 s quick, 4 s full); the timed part only reuses them",
    );
    result.notes.push(`moto: ${motoNote}`);
    return result;
  },
};
