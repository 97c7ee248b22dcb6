/**
 * AddLayerVersionPermission, one statement on each of N distinct versions, 32 connections. Target: ≥ 10× moto.
 * The N small publishes that create the versions are a row of their own (no target).
 */
import type { Server } from "../lib/servers.js";
import { pythonModuleZip } from "../lib/zip.js";
import {
  api,
  checkRatio,
  measureRow,
  newResult,
  newRow,
  publishBody,
  servers,
  type Scenario,
} from "../lib/context.js";

const LAYER = "bench-perm";

export const addPermission: Scenario = {
  id: "add-permission",
  title: "AddLayerVersionPermission (distinct versions)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const n = ctx.quick ? 90 : 3_000;
    const body = publishBody(pythonModuleZip("benchperm", "X = 1\n"));

    const setup = newRow(
      "publish-tiny-32",
      `PublishLayerVersion, small zip (${n} versions of one layer)`,
      "undici ×32",
    );
    await measureRow(ctx, setup, { connections: 32, count: n }, (server: Server) => {
      const client = api(server);
      return { make: () => client.request("POST", `/2018-10-31/layers/${LAYER}/versions`, { body }) };
    });
    setup.notes.push("creates the versions of the next row; the same small zip every time");
    result.rows.push(setup);

    const row = newRow("add-permission-32", "AddLayerVersionPermission, one per version", "undici ×32");
    await measureRow(
      ctx,
      row,
      { connections: 32, count: n },
      (server: Server) => {
        const client = api(server);
        return {
          make: (i: number) =>
            client.request("POST", `/2018-10-31/layers/${LAYER}/versions/${i + 1}/policy`, {
              body: {
                StatementId: `bench-${i}`,
                Action: "lambda:GetLayerVersion",
                Principal: String(100_000_000_000 + i),
              },
            }),
        };
      },
      servers(ctx),
    );
    checkRatio(row, 10);
    row.notes.push("moto answers 200 where AWS (and lamina) answer 201; both count as success");
    result.rows.push(row);
    return result;
  },
};
