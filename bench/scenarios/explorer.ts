/**
 * The explorer's layer-version answer (`GET /_lamina/api/layers/<ARN>`: the version, its grants, the first page of
 * the functions using it with their count, and its siblings' usage) on 10,000 layer versions and 5,000 functions
 * across 10 accounts (quick: 1,000 and 500). Target: p99 < 300 ms. lamina only: moto has no such page. The data is
 * written straight into a fresh lamina's database (one transaction), beside one version published through the API
 * whose blob every seeded row references, so seeding takes a second, not minutes.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import type { Reply } from "../lib/api.js";
import { pythonModuleZip } from "../lib/zip.js";
import {
  api,
  checkValue,
  measureRow,
  newResult,
  newRow,
  publishTiny,
  REGION,
  type Scenario,
} from "../lib/context.js";

const ACCOUNTS = Array.from({ length: 10 }, (_, k) => String(310_000_000_000 + k));
const arnOf = (account: string, layer: number, version: number) =>
  `arn:aws:lambda:${REGION}:${account}:layer:bench-x-${layer}:${version}`;

export const explorer: Scenario = {
  id: "explorer",
  title: "Explorer: a layer version's page on 10,000 versions and 5,000 functions",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const layersPerAccount = 10;
    const versions = ctx.quick ? 10 : 100;
    const functions = ctx.quick ? 500 : 5_000;
    const server = await ctx.startAnotherLamina("explorer");
    const owner = ACCOUNTS[0] ?? "";
    const { LayerVersionArn } = await publishTiny(
      server,
      owner,
      "bench-x-seed",
      pythonModuleZip("seed", "X = 1\n"),
    );
    const db = new Database(join(server.dataDir ?? "", "lamina.db"));
    db.pragma("busy_timeout = 10000");
    const started = performance.now();
    db.transaction(() => {
      const sha = (db.prepare("SELECT code_sha256 AS s FROM layer_versions").get() as { s: string }).s;
      const layer = db.prepare(
        "INSERT INTO layers (account_id, region, name, last_version) VALUES (?, ?, ?, ?) RETURNING id",
      );
      const version = db.prepare(`
        INSERT INTO layer_versions (layer_id, version, description, created_date, code_sha256, code_size)
        VALUES (?, ?, '', '2026-01-01T00:00:00.000+0000', ?, 200)`);
      for (const account of ACCOUNTS) {
        for (let l = 0; l < layersPerAccount; l++) {
          const { id } = layer.get(account, REGION, `bench-x-${l}`, versions) as { id: number };
          for (let v = 1; v <= versions; v++) {
            version.run(id, v, sha);
          }
        }
      }
      const fn = db.prepare(`
        INSERT INTO functions (account_id, region, name, runtime, handler, role, description, timeout, memory_size,
          architectures, tracing_mode, ephemeral_storage, logging_config, code_sha256, code_size, last_modified,
          revision_id)
        VALUES (?, ?, ?, 'python3.12', 'a.h', 'arn:aws:iam::1:role/r', '', 3, 128, '["x86_64"]', 'PassThrough', 512,
          '{}', ?, 200, '2026-01-01T00:00:00.000+0000', 'r') RETURNING id`);
      const holds = db.prepare(`
        INSERT INTO function_layers (function_id, position, arn, code_sha256, code_size, attached_at)
        VALUES (?, ?, ?, ?, 200, '2026-01-01T00:00:00.000+0000')`);
      for (let f = 0; f < functions; f++) {
        const account = ACCOUNTS[f % ACCOUNTS.length] ?? "";
        const { id } = fn.get(account, REGION, `bench-fn-${f}`, sha) as { id: number };
        // One in ten holds the measured version (owner's layer 0, newest); each holds two more versions.
        holds.run(
          id,
          0,
          f % 10 === 0 ? arnOf(owner, 0, versions) : arnOf(owner, 0, 1 + (f % (versions - 1))),
          sha,
        );
        holds.run(
          id,
          1,
          arnOf(ACCOUNTS[(f + 1) % ACCOUNTS.length] ?? "", 1 + (f % 9), 1 + (f % versions)),
          sha,
        );
        holds.run(id, 2, arnOf(ACCOUNTS[(f + 3) % ACCOUNTS.length] ?? "", 9, 1 + ((f * 7) % versions)), sha);
      }
    })();
    db.close();
    const seedMs = Math.round(performance.now() - started);
    const target = arnOf(owner, 0, versions);
    const users = functions / 10;

    const row = newRow(
      "explorer-layer-version-1",
      "GET /_lamina/api/layers/<ARN> (layer version page)",
      "undici ×1",
    );
    const check = (reply: Reply): string | undefined => {
      const body = JSON.parse(reply.body.toString("utf8")) as { users?: { total?: number } };
      return body.users?.total === users ? undefined : `users.total ${body.users?.total} ≠ ${users}`;
    };
    await measureRow(
      ctx,
      row,
      { connections: 1, durationMs: ctx.quick ? 600 : 5_000, warmupMs: ctx.quick ? 100 : 500, rounds: 1 },
      () => ({
        make: () => api(server, owner).request("GET", `/_lamina/api/layers/${encodeURIComponent(target)}`),
        check,
      }),
      [server],
    );
    checkValue(row, "lamina p99", row.lamina?.p99Ms, "≤", 300, " ms");
    row.notes.push(
      `${(ACCOUNTS.length * layersPerAccount * versions).toLocaleString("en-US")} layer versions, ${functions.toLocaleString("en-US")} functions holding 3 each; the version has ${users} users (a page of 100 and the count), 50 siblings with their counts; seeded by SQL in ${seedMs} ms beside ${LayerVersionArn}`,
    );
    result.rows.push(row);
    return result;
  },
};
