/**
 * Strict mode's code URLs: `Content.Location` and `Code.Location` are signed and valid for 10 minutes, as AWS's
 * presigned S3 URLs (docs/reference/aws-layer-semantics.md §1). An unsigned, altered or expired URL answers S3's
 * 403. The signing key survives a restart; lenient mode keeps plain URLs.
 */
import { createHash } from "node:crypto";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GetFunctionCommand,
  GetLayerVersionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { download } from "../helpers/download.js";
import { createFunction } from "../helpers/invoke.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import type { Lamina } from "../../src/index.js";
import { makeZip } from "../helpers/zip.js";

const ACCOUNT = "123456789012";
const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SIGNED_RE = /^\?X-Amz-Date=(\d{8}T\d{6}Z)&X-Amz-Expires=600&X-Amz-Signature=([0-9a-f]{64})$/;
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

/** S3's 403 body for a refused presigned URL; `extra` holds the members between Message and RequestId. */
function s3Error(code: string, message: string, requestId: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
}

async function expectRefused(url: string, code: string, message: string, extra = ""): Promise<void> {
  const res = await download(url);
  const requestId = String(res.headers["x-amz-request-id"]);
  expect([res.status, res.headers["content-type"], res.bytes.toString()]).toEqual([
    403,
    "application/xml",
    s3Error(code, message, requestId, extra),
  ]);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `20240102T030405Z` → the Date it names. */
function fromAmzDate(text: string): Date {
  return new Date(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
}

describe("signed code URLs in strict mode", () => {
  /** The server's clock: the real one, until a test pins it. */
  let pinned: Date | undefined;
  const clock = () => pinned ?? new Date();
  const dataDir = tmpDir();
  const credentials = join(tmpDir(), "credentials");
  writeFileSync(credentials, `${KEY},${SECRET},${ACCOUNT},alice\n`);
  const start = () => startTestServer({ auth: "strict", credentials, clock, dataDir });
  let first: Lamina;
  let client: LambdaClient;
  let zip: Buffer;
  let location = "";
  let codeLocation = "";

  beforeAll(async () => {
    first = await start();
    client = new LambdaClient({
      endpoint: first.url,
      region: TEST_REGION,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    zip = await makeZip({ "python/signed.py": "S = 1\n" });
    await client.send(new PublishLayerVersionCommand({ LayerName: "signed", Content: { ZipFile: zip } }));
    await createFunction(client, ACCOUNT, "signed-fn", {
      runtime: "python3.12",
      handler: "main.handler",
      files: { "main.py": "def handler(e, c):\n    return 1\n" },
    });
  });

  it("GetLayerVersion's Content.Location is signed for 600 seconds and downloads the zip", async () => {
    const got = await client.send(new GetLayerVersionCommand({ LayerName: "signed", VersionNumber: 1 }));
    location = got.Content?.Location ?? "";
    const url = new URL(location);
    expect(url.pathname).toBe(`/_lamina/code/${sha256Hex(zip)}`);
    const [, date = ""] = SIGNED_RE.exec(url.search) ?? [];
    expect(Math.abs(fromAmzDate(date).getTime() - Date.now())).toBeLessThan(5_000);
    const res = await download(location);
    expect([res.status, res.complete, sha256Hex(res.bytes)]).toEqual([200, true, sha256Hex(zip)]);
  });

  it("GetFunction's Code.Location is signed the same way and downloads the code", async () => {
    const got = await client.send(new GetFunctionCommand({ FunctionName: "signed-fn" }));
    codeLocation = got.Code?.Location ?? "";
    expect(new URL(codeLocation).search).toMatch(SIGNED_RE);
    expect((await download(codeLocation)).status).toBe(200);
  });

  it("the key is kept in the data dir, readable by its owner only", () => {
    expect(statSync(join(dataDir, "url-signing.key")).mode & 0o777).toBe(0o600);
  });

  it("an unsigned URL answers 403 AccessDenied", async () => {
    const url = new URL(location);
    await expectRefused(`${url.origin}${url.pathname}`, "AccessDenied", "Access Denied");
  });

  it("a changed signature answers 403 SignatureDoesNotMatch", async () => {
    const last = location.at(-1) === "0" ? "1" : "0";
    await expectRefused(`${location.slice(0, -1)}${last}`, "SignatureDoesNotMatch", MISMATCH);
  });

  it("the layer's signature on another blob's path answers 403 SignatureDoesNotMatch", async () => {
    const other = new URL(codeLocation).pathname;
    const forged = new URL(location);
    forged.pathname = other;
    await expectRefused(forged.toString(), "SignatureDoesNotMatch", MISMATCH);
  });

  it("a changed expiry answers 403 SignatureDoesNotMatch", async () => {
    await expectRefused(
      location.replace("X-Amz-Expires=600", "X-Amz-Expires=6000"),
      "SignatureDoesNotMatch",
      MISMATCH,
    );
  });

  it("still downloads after a restart at 600 seconds, and answers 403 Request has expired after", async () => {
    const [, date = ""] = SIGNED_RE.exec(new URL(location).search) ?? [];
    const signedAt = fromAmzDate(date).getTime();
    // One lamina per data dir: the first goes before the second starts on the same key.
    await first.close();
    const restarted = await start();
    const same = new URL(location);
    const url = `${restarted.url}${same.pathname}${same.search}`;
    pinned = new Date(signedAt + 600_000);
    expect((await download(url)).status).toBe(200);
    pinned = new Date(signedAt + 601_000);
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
    await expectRefused(
      url,
      "AccessDenied",
      "Request has expired",
      `<X-Amz-Expires>600</X-Amz-Expires><Expires>${iso(signedAt + 600_000)}</Expires><ServerTime>${iso(signedAt + 601_000)}</ServerTime>`,
    );
  });
});

describe("lenient mode", () => {
  it("keeps plain, unsigned code URLs", async () => {
    const lamina = await startTestServer();
    const c = lambdaClient(lamina.url, ACCOUNT);
    const zip = await makeZip({ "python/plain.py": "P = 1\n" });
    const out = await c.send(
      new PublishLayerVersionCommand({ LayerName: "plain", Content: { ZipFile: zip } }),
    );
    expect(out.Content?.Location).toBe(`${lamina.url}/_lamina/code/${sha256Hex(zip)}`);
  });
});
