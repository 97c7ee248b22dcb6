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
    const n = ctx.quick ? 60 : 2_000;
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
    // A warm-up first, as the read rows have: lamina's first few hundred creates run before V8 has compiled the
    // path they take (the same steady state is what moto is measured in). Its functions get names of their own.
    const load = { connections: 16, count: n, warmupMs: ctx.quick ? 300 : 1_500 };
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
