/**
 * The team server beside SQLite, in the same run: GetLayerVersion ×32, Publish 1 MiB and CreateFunction with 5
 * layers on the SQLite lamina, on one lamina over PostgreSQL + S3 (a private cluster, moto_server's S3), and on
 * two such processes sharing the database and the bucket behind a round-robin balancer. The servers take turns
 * in rounds, as in every other row. Not compared with moto: these rows price the backend.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { createDatabase, startPgCluster, type PgCluster } from "../../test/helpers/team-backend.js";
import { startBalancer } from "../lib/balancer.js";
import type { Server } from "../lib/servers.js";
import { DistinctZips, pythonModuleZip, storedZip } from "../lib/zip.js";
import {
  ACCOUNT,
  api,
  measureRow,
  newResult,
  newRow,
  publishBody,
  publishTiny,
  type BenchContext,
  type Row,
  type RowServer,
  type Scenario,
} from "../lib/context.js";

const SQLITE = "SQLite";
const ONE = "PostgreSQL + S3, 1 process";
const TWO = "PostgreSQL + S3, 2 processes";

/** moto's credentials for lamina's S3 client (the standard AWS chain reads the environment). */
function useMotoCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= "bench";
  process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
  process.env.AWS_REGION ??= "us-east-1";
}

/** A fresh database and bucket; the `serve` flags that use them. */
async function teamArgs(cluster: PgCluster, s3Endpoint: string, name: string): Promise<string[]> {
  const s3 = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: "us-east-1" });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    s3.destroy();
  }
  return [
    "--database-url",
    await createDatabase(cluster.url),
    "--blob-store",
    `s3://${name}/blobs`,
    "--s3-endpoint",
    s3Endpoint,
  ];
}

/** Splits one row measured on the three targets into one row per target, labelled with its backend. */
function perBackend(row: Row): Row[] {
  return [SQLITE, ONE, TWO].map((as) => {
    const m = row.others?.[as];
    return { ...newRow(`${row.id}-${as}`, `${row.label} — ${as}`, row.client), ...(m && { lamina: m }) };
  });
}

export const team: Scenario = {
  id: "team",
  title: "Team server: PostgreSQL + S3, one and two processes, beside SQLite",
  async run(ctx: BenchContext) {
    const result = newResult(this.id, this.title);
    if (!ctx.moto) {
      throw new Error("needs moto_server for its S3 API");
    }
    useMotoCredentials();
    const cluster = await startPgCluster();
    const stops: Server[] = [];
    try {
      const one = await ctx.startAnotherLamina(
        "team-1",
        await teamArgs(cluster, ctx.moto.url, "bench-team-1"),
      );
      const shared = await teamArgs(cluster, ctx.moto.url, "bench-team-2");
      const a = await ctx.startAnotherLamina("team-2a", shared);
      const b = await ctx.startAnotherLamina("team-2b", shared);
      const two = await startBalancer([a, b]);
      // Stopped before the cluster goes, not at the end of the run.
      stops.push(two, one, a, b);
      const targets: RowServer[] = [
        { server: ctx.lamina, as: SQLITE },
        { server: one, as: ONE },
        { server: two, as: TWO },
      ];

      // Set-up, untimed: one small version to read, five layers to attach, on each target.
      const version = new Map<string, number>();
      const layers = new Map<string, string[]>();
      for (const server of [ctx.lamina, one, two]) {
        const got = await publishTiny(server, ACCOUNT, "bench-team-get", pythonModuleZip("tg", "X = 1\n"));
        version.set(server.url, got.Version);
        const arns: string[] = [];
        for (let k = 0; k < 5; k++) {
          const p = await publishTiny(
            server,
            ACCOUNT,
            `bench-team-cf-${k}`,
            pythonModuleZip(`tcf${k}`, "X = 1\n"),
          );
          arns.push(p.LayerVersionArn);
        }
        layers.set(server.url, arns);
      }

      const get = newRow("team-get-32", "GetLayerVersion", "undici ×32");
      await measureRow(
        ctx,
        get,
        { connections: 32, durationMs: ctx.quick ? 1_200 : 10_000, warmupMs: ctx.quick ? 300 : 2_000 },
        (server) => {
          const req = api(server).request(
            "GET",
            `/2018-10-31/layers/bench-team-get/versions/${version.get(server.url) ?? 1}`,
          );
          return { make: () => req };
        },
        targets,
      );
      result.rows.push(...perBackend(get));

      const zips = new DistinctZips(1024 * 1024);
      let upload = 0;
      const publish = newRow("team-publish-1mib", "PublishLayerVersion 1 MiB (distinct zips)", "undici ×4");
      await measureRow(
        ctx,
        publish,
        { connections: 4, count: ctx.quick ? 12 : 150 },
        (server) => ({
          make: () =>
            api(server).request("POST", "/2018-10-31/layers/bench-team-publish/versions", {
              body: publishBody(zips.zip(upload++)),
            }),
        }),
        targets,
      );
      result.rows.push(...perBackend(publish));

      const code = storedZip([{ name: "app.py", data: Buffer.from("def handler(e, c):\n    return 1\n") }]);
      let fn = 0;
      const create = newRow("team-create-function-16", "CreateFunction, 5 layers", "undici ×16");
      await measureRow(
        ctx,
        create,
        { connections: 16, count: ctx.quick ? 60 : 1_000 },
        (server) => ({
          make: () =>
            api(server).request("POST", "/2015-03-31/functions", {
              body: {
                FunctionName: `bench-team-cf-${fn++}`,
                Runtime: "python3.12",
                Role: `arn:aws:iam::${ACCOUNT}:role/lambda-role`,
                Handler: "app.handler",
                Code: { ZipFile: code.toString("base64") },
                Layers: layers.get(server.url) ?? [],
              },
            }),
        }),
        targets,
      );
      result.rows.push(...perBackend(create));
      result.notes.push(
        "PostgreSQL 15 runs as a private cluster on this machine (fsync off), S3 is moto_server's; the two-process " +
          "rows go through a round-robin TCP balancer inside the bench process, and their server CPU is the first " +
          "process's only.",
      );
    } finally {
      for (const s of stops) {
        await s.stop();
      }
      cluster.stop();
    }
    return result;
  },
};
