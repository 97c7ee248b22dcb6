/**
 * What a load balancer sees: `/_lamina/health` answers 200 only while the database and the bucket answer, and
 * the URLs lamina hands out start with `--public-url`.
 */
import { PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { lambdaClient } from "../helpers/clients.js";
import { startTestServer, teamBackend } from "../helpers/server.js";
import { S3_TEST_ENV } from "../helpers/team-backend.js";
import { makeZip } from "../helpers/zip.js";
import { createHash } from "node:crypto";
import { VERSION } from "../../src/util/version.js";

async function health(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/_lamina/health`);
  return { status: res.status, body: await res.json() };
}

describe("the team server behind a load balancer", () => {
  it("hands out code URLs under --public-url", async () => {
    const lamina = await startTestServer({
      ...(await teamBackend()),
      publicUrl: "https://lamina.example.com/",
    });
    const zip = await makeZip({ "a.txt": "a" });
    const out = await lambdaClient(lamina.url, "111111111111").send(
      new PublishLayerVersionCommand({ LayerName: "public", Content: { ZipFile: zip } }),
    );
    expect(out.Content?.Location).toBe(
      `https://lamina.example.com/_lamina/code/${createHash("sha256").update(zip).digest("hex")}`,
    );
  });

  it("answers 503 once the database is gone", async () => {
    const team = await teamBackend();
    const lamina = await startTestServer(team);
    expect(await health(lamina.url)).toEqual({
      status: 200,
      body: { status: "ok", version: VERSION },
    });
    const url = new URL(team.databaseUrl ?? "");
    const name = url.pathname.slice(1);
    url.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
    const answer = await health(lamina.url);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      status: "unavailable",
      version: VERSION,
      reason: `the database is unreachable: database "${name}" does not exist`,
    });
  });

  it("answers 503 once the bucket is gone", async () => {
    const team = await teamBackend();
    const lamina = await startTestServer(team);
    expect((await health(lamina.url)).status).toBe(200);
    const bucket = /^s3:\/\/([^/]+)/.exec(team.blobStore ?? "")?.[1] ?? "";
    const s3 = new S3Client({
      endpoint: team.s3Endpoint,
      forcePathStyle: true,
      region: S3_TEST_ENV.AWS_REGION,
    });
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const answer = await health(lamina.url);
    expect([answer.status, (answer.body as { reason: string }).reason]).toEqual([
      503,
      `the bucket is unreachable: bucket ${bucket} does not exist`,
    ]);
  });
});
