/**
 * Rot: one flipped byte in a stored blob. Its download (Content.Location, Code.Location) fails the first time with
 * a cut connection and afterwards with a 500 at once; an Invoke of a function using it fails with 502
 * InvalidZipFileException naming the layer's ARN or the function's code; `lamina check` names the blob and exits 1.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { pino } from "pino";
import { GetFunctionCommand, GetLayerVersionCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { download } from "../helpers/download.js";
import { createFunction, invoke, pollFor, publishLayer } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const run = promisify(execFile);
const A = "123456789012";
const logLines: { level: number; blob?: string; msg: string }[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(
      ...chunk
        .toString()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as (typeof logLines)[0]),
    );
    done();
  },
});
const lamina = await startTestServer({ logger: pino({ level: "error" }, logSink) });
const client = lambdaClient(lamina.url, A);
const fnArn = (name: string) => `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}`;
const HANDLER = { "main.py": "def handler(event, context):\n    return 'ran'\n" };
const LAYER = { "python/helper.py": "X = 1\n" };

/** Invoke's answer for a damaged layer or function code. */
function damaged(what: string, sha: string) {
  return {
    name: "InvalidZipFileException",
    status: 502,
    type: "Service",
    message: `Lambda could not unzip the deployment package: the stored bytes of ${what} are damaged (blob ${sha} no longer matches its SHA-256).`,
  };
}

/** The download error once a blob is known to be damaged. */
function damagedBody(sha: string) {
  return {
    Type: "Service",
    Message: `The stored bytes of blob ${sha} are damaged: their SHA-256 no longer matches.`,
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function blobFile(dataDir: string, sha: string): string {
  return join(dataDir, "blobs", sha.slice(0, 2), sha);
}

/** Flips every bit of one byte in the middle of the blob's file; returns the file's new hash. */
/**
 * Flips a byte of a stored blob. Blobs are unpacked into `cache/` as soon as they are stored, so this waits for
 * that, then drops the unpacked tree as a lost cache would be: the next invoke rebuilds it from the rotten blob.
 */
async function rot(dataDir: string, sha: string): Promise<string> {
  const tree = join(dataDir, "cache", "code", sha);
  await pollFor(
    () => existsSync(`${tree}.meta`),
    (done) => done,
  );
  rmSync(tree, { recursive: true, force: true });
  const file = blobFile(dataDir, sha);
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  return sha256Hex(bytes);
}

function shaOfLocation(location: string): string {
  return new URL(location).pathname.split("/").at(-1) ?? "";
}

async function layerLocation(c: LambdaClient, arn: string): Promise<string> {
  const [name = "", version = "0"] = arn.split(":").slice(-2);
  const got = await c.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: Number(version) }));
  return got.Content?.Location ?? "";
}

/** The first download is cut short; the next answers 500 ServiceException at once. */
async function expectDamagedDownloads(location: string, sha: string): Promise<void> {
  const first = await download(location);
  expect(first.status).toBe(200);
  expect(first.complete).toBe(false);
  expect(first.bytes.length).toBeLessThan(Number(first.headers["content-length"]));
  const second = await download(location);
  expect([second.status, second.headers["x-amzn-errortype"], JSON.parse(second.bytes.toString())]).toEqual([
    500,
    "ServiceException",
    damagedBody(sha),
  ]);
}

const rotten = new Map<string, { sha: string; actual: string; users: string }>();

describe("a rotten layer blob", () => {
  it("fails its download, then the invoke of a function using it names the layer", async () => {
    const layerArn = await publishLayer(client, randomName("rotlayer"), { files: LAYER });
    const name = randomName("rotfn");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "main.handler",
      files: HANDLER,
      layers: [layerArn],
    });
    const location = await layerLocation(client, layerArn);
    const sha = shaOfLocation(location);
    const good = await download(location);
    expect([good.status, good.complete, sha256Hex(good.bytes)]).toEqual([200, true, sha]);

    const actual = await rot(lamina.config.dataDir, sha);
    await expectDamagedDownloads(location, sha);
    expect(logLines.map((l) => [l.level, l.blob, l.msg])).toEqual([
      [50, sha, `blob ${sha} is damaged: its bytes no longer match their SHA-256`],
    ]);
    await expectLambdaError(invoke(client, name, {}), damaged(`layer ${layerArn}`, sha));
    await expectLambdaError(invoke(client, name, {}), damaged(`layer ${layerArn}`, sha));
    rotten.set("layer", {
      sha,
      actual,
      users: `layer ${layerArn}, layer ${layerArn} of function ${fnArn(name)}`,
    });
  });

  it("fails the first invoke after the flip (nothing cached) with the layer's ARN", async () => {
    const layerArn = await publishLayer(client, randomName("rotlayer2"), {
      files: { "python/b.py": "B = 2\n" },
    });
    const name = randomName("rotfn2");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "main.handler",
      files: { "main.py": "def handler(event, context):\n    return 'two'\n" },
      layers: [layerArn],
    });
    const sha = shaOfLocation(await layerLocation(client, layerArn));
    const actual = await rot(lamina.config.dataDir, sha);
    await expectLambdaError(invoke(client, name, {}), damaged(`layer ${layerArn}`, sha));
    rotten.set("layer2", {
      sha,
      actual,
      users: `layer ${layerArn}, layer ${layerArn} of function ${fnArn(name)}`,
    });
  });
});

describe("a rotten function code blob", () => {
  it("fails the first invoke after the flip with the function's code, then its Code.Location", async () => {
    const name = randomName("rotcode");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "main.handler",
      files: { "main.py": "def handler(event, context):\n    return 'code'\n" },
    });
    const location = (await client.send(new GetFunctionCommand({ FunctionName: name }))).Code?.Location ?? "";
    const sha = shaOfLocation(location);
    const actual = await rot(lamina.config.dataDir, sha);
    await expectLambdaError(invoke(client, name, {}), damaged(`the code of function ${fnArn(name)}`, sha));
    // The invoke found the damage, so the download answers the error at once.
    const after = await download(location);
    expect([after.status, JSON.parse(after.bytes.toString())]).toEqual([500, damagedBody(sha)]);
    rotten.set("code", { sha, actual, users: `code of function ${fnArn(name)}` });
  });

  it("a healthy function on the same server still runs", async () => {
    const name = randomName("healthy");
    await createFunction(client, A, name, { runtime: "python3.12", handler: "main.handler", files: HANDLER });
    const out = await invoke(client, name, {});
    expect([out.status, out.functionError, out.payload]).toEqual([200, undefined, '"ran"']);
  });
});

describe("lamina check", () => {
  const check = (dataDir: string) =>
    run(process.execPath, ["dist/src/main.js", "check", "--data-dir", dataDir]).then(
      (out) => ({ code: 0, stdout: out.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );

  it("names every damaged blob and what uses it, and exits 1", async () => {
    expect(rotten.size).toBe(3);
    const lines = [...rotten.values()]
      .sort((a, b) => (a.sha < b.sha ? -1 : 1))
      .map((r) => `damaged blob ${r.sha}: its bytes hash to ${r.actual} (used by ${r.users})`);
    const out = await check(lamina.config.dataDir);
    expect(out.code).toBe(1);
    expect(out.stdout.split("\n").sort()).toEqual(["", ...lines, "3 problems found"].sort());
  });

  it("prints ok and exits 0 on a healthy data dir", async () => {
    const healthy = await startTestServer();
    const c = lambdaClient(healthy.url, A);
    await publishLayer(c, randomName("fine"), { files: LAYER });
    await createFunction(c, A, randomName("fine"), {
      runtime: "python3.12",
      handler: "main.handler",
      files: HANDLER,
    });
    const out = await check(healthy.config.dataDir);
    expect(out).toEqual({ code: 0, stdout: "ok: 2 blobs verified, database intact\n" });
  });
});
