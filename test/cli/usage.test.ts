/** `lamina usage <layer version ARN>`: the functions holding a version, for scripts; --fail-if-used exits 1. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { createFunction, publishLayer } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const MAIN = "dist/src/main.js";
const A = "111111111111";
const lamina = await startTestServer({ sandbox: "none" });
const client = lambdaClient(lamina.url, A);
let used = "";
let unused = "";
let since = "";

async function usage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [MAIN, "usage", ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

beforeAll(async () => {
  used = await publishLayer(client, "lib", { files: { "python/lib.py": "X = 1\n" } });
  unused = await publishLayer(client, "lib", { files: { "python/lib.py": "X = 2\n" } });
  await createFunction(client, A, "user-fn", {
    runtime: "nodejs20.x",
    handler: "index.handler",
    files: { "index.mjs": "export const handler = async () => 1;\n" },
    layers: [used],
  });
  since =
    (await client.send(new GetFunctionConfigurationCommand({ FunctionName: "user-fn" }))).LastModified ?? "";
});

describe("lamina usage", () => {
  it("prints each function using the version, and exits 1 with --fail-if-used", async () => {
    const line = `arn:aws:lambda:${TEST_REGION}:${A}:function:user-fn\t$LATEST\t${since}\n`;
    expect(await usage([used, "--endpoint", lamina.url])).toEqual({
      code: 0,
      stdout: line,
      stderr: `1 function uses ${used}\n`,
    });
    expect(await usage([used, "--endpoint", lamina.url, "--fail-if-used"])).toEqual({
      code: 1,
      stdout: line,
      stderr: `1 function uses ${used}\n`,
    });
  });

  it("prints nothing and exits 0 for an unused version, even with --fail-if-used", async () => {
    expect(await usage([unused, "--endpoint", lamina.url, "--fail-if-used"])).toEqual({
      code: 0,
      stdout: "",
      stderr: `0 functions use ${unused}\n`,
    });
  });

  it("exits 2 when lamina cannot be reached", async () => {
    const out = await usage([used, "--endpoint", "http://127.0.0.1:1"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^lamina usage: cannot reach lamina at http:\/\/127\.0\.0\.1:1: /);
  });
});
