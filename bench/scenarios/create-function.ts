/** CreateFunction with 5 layers (distinct function names), 16 connections. Target: ≥ 10× moto. */
import type { Server } from "../lib/servers.js";
import { pythonModuleZip, storedZip } from "../lib/zip.js";
import {
  ACCOUNT,
  api,
  checkRatio,
  ensureRole,
  measureRow,
  newResult,
  newRow,
  publishTiny,
  servers,
  type Scenario,
} from "../lib/context.js";

export const createFunction: Scenario = {
  id: "create-function",
  title: "CreateFunction with 5 layers",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const code = storedZip([
      { name: "app.py", data: Buffer.from("import cf0\n\ndef handler(event, context):\n    return cf0.X\n") },
    ]).toString("base64");
    const layers = new Map<string, string[]>();
    const roles = new Map<string, string>();
    for (const server of servers(ctx, false)) {
      const arns: string[] = [];
      for (let k = 0; k < 5; k++) {
        const published = await publishTiny(
          server,
          ACCOUNT,
          `bench-cf-${k}`,
          pythonModuleZip(`cf${k}`, `X = ${k}\n`),
        );
        arns.push(published.LayerVersionArn);
      }
      layers.set(server.kind, arns);
      roles.set(server.kind, await ensureRole(server));
    }
    const floorArns = layers.get("lamina") ?? [];

    const row = newRow("create-function-16", "CreateFunction, 5 layers", "undici ×16");
    // Measured for a time, as the read rows are, not for a count: 2,000 creates made rounds of a third of a second
    // on lamina (against 4 s of moto), too short for a steady state: each paid its own start and whatever periodic
    // work fell inside it (cache sweeps, checkpoints, a major GC), 0.53-0.73 ms of server CPU per create against
    // 0.40-0.46 in rounds of seconds. A warm-up first; its functions get names of their own. Each server's table
    // grows with what it manages, so lamina's ends up the larger by far.
    const load = {
      connections: 16,
      durationMs: ctx.quick ? 1_200 : 9_000,
      warmupMs: ctx.quick ? 300 : 1_500,
    };
    await measureRow(ctx, row, load, (server: Server) => {
      const client = api(server);
      const arns = layers.get(server.kind) ?? floorArns;
      const role = roles.get(server.kind) ?? `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
      return {
        make: (i: number) =>
          client.request("POST", "/2015-03-31/functions", {
            body: {
              FunctionName: `bench-cf-${i}`,
              Runtime: "python3.12",
              Role: role,
              Handler: "app.handler",
              Code: { ZipFile: code },
              Layers: arns,
            },
          }),
        check: (reply) => {
          const text = reply.body.toString("utf8");
          return text.includes(arns[4] ?? "") ? undefined : "layers missing from the answer";
        },
      };
    });
    checkRatio(row, 10);
    row.notes.push("every request names a new function; the code zip is the same small one");
    result.rows.push(row);
    return result;
  },
};
