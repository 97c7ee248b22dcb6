/**
 * `lamina import-layer <ARN> --from <endpoint> --to <lamina>`: a second lamina plays AWS. The version arrives under
 * the same ARN with the same members and CodeSha256, attachable and invokable; the upstream's refusals are printed
 * as it gave them and nothing is stored; other bytes under the ARN are refused unless --force.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionByArnCommand,
  PublishLayerVersionCommand,
  type GetLayerVersionByArnCommandOutput,
} from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { accessDenied } from "../helpers/aws-texts.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const MAIN = "dist/src/main.js";
const UPSTREAM_OWNER = "901234567890";
const IMPORTER = "111111111111";
const USER = "222222222222";
/** aws-layer-semantics.md §3 #18, #22: a version that does not exist. */
const NOT_FOUND = "The resource you requested does not exist.";

const upstream = await startTestServer({ sandbox: "none" });
const target = await startTestServer({ sandbox: "none" });
const owner = lambdaClient(upstream.url, UPSTREAM_OWNER);
const dir = tmpDir();

/** Runs `lamina import-layer` with credentials for `account` in the environment (the standard chain). */
function importLayer(
  args: string[],
  env: Record<string, string> = { AWS_ACCESS_KEY_ID: IMPORTER, AWS_SECRET_ACCESS_KEY: "s" },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("AWS_")) {
      clean[k] = v;
    }
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, "import-layer", ...args],
      {
        env: {
          ...clean,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_MAX_ATTEMPTS: "1",
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Publishes on the upstream as its owner and grants the importer; returns the version's ARN. */
async function publishUpstream(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const published = await owner.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Description: "Shared helpers, upstream",
      LicenseInfo: "MIT",
      CompatibleRuntimes: ["python3.11", "python3.12"],
      CompatibleArchitectures: ["x86_64"],
      Content: { ZipFile: await makeZip(files) },
    }),
  );
  await owner.send(
    new AddLayerVersionPermissionCommand({
      LayerName: name,
      VersionNumber: published.Version,
      StatementId: "importer",
      Action: "lambda:GetLayerVersion",
      Principal: IMPORTER,
    }),
  );
  return published.LayerVersionArn ?? "";
}

/** The members an import must carry over, as GetLayerVersionByArn answers them. */
function members(v: GetLayerVersionByArnCommandOutput) {
  return {
    LayerArn: v.LayerArn,
    LayerVersionArn: v.LayerVersionArn,
    Version: v.Version,
    Description: v.Description,
    LicenseInfo: v.LicenseInfo,
    CompatibleRuntimes: v.CompatibleRuntimes,
    CompatibleArchitectures: v.CompatibleArchitectures,
    CreatedDate: v.CreatedDate,
    CodeSha256: v.Content?.CodeSha256,
    CodeSize: v.Content?.CodeSize,
  };
}

describe("lamina import-layer", () => {
  let arn = "";
  let upstreamVersion: GetLayerVersionByArnCommandOutput;

  it("copies a granted version: same ARN, members and CodeSha256; progress on stderr", async () => {
    // Several chunks of incompressible bytes, so the download reports progress on the way.
    arn = await publishUpstream("shared-lib", {
      "python/shared_lib.py": "VALUE = 'imported'\n",
      "python/blob.bin": randomBytes(3 * 1024 * 1024),
    });
    upstreamVersion = await lambdaClient(upstream.url, IMPORTER).send(
      new GetLayerVersionByArnCommand({ Arn: arn }),
    );
    const out = await importLayer([arn, "--from", upstream.url, "--to", target.url]);
    const sha = upstreamVersion.Content?.CodeSha256 ?? "";
    expect({ code: out.code, stdout: out.stdout }).toEqual({ code: 0, stdout: `${arn}\t${sha}\tcreated\n` });
    const lines = out.stderr.trimEnd().split("\n");
    const size = `${((upstreamVersion.Content?.CodeSize ?? 0) / 1024 / 1024).toFixed(1)} MiB`;
    expect(lines.at(-1)).toBe(`downloading shared-lib:1: 100% (${size} of ${size})`);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^downloading shared-lib:1: (0|[1-9]0)% \(\d+\.\d (KiB|MiB) of \d+\.\d MiB\)$/);
    }

    const copied = await lambdaClient(target.url, USER).send(new GetLayerVersionByArnCommand({ Arn: arn }));
    expect(members(copied)).toEqual(members(upstreamVersion));
    expect(members(copied)).toMatchObject({
      LayerVersionArn: `arn:aws:lambda:${TEST_REGION}:${UPSTREAM_OWNER}:layer:shared-lib:1`,
      Version: 1,
      Description: "Shared helpers, upstream",
      LicenseInfo: "MIT",
      CompatibleRuntimes: ["python3.11", "python3.12"],
      CompatibleArchitectures: ["x86_64"],
    });
  });

  it("another account on the target attaches it and invokes", async () => {
    const user = lambdaClient(target.url, USER);
    await createFunction(user, USER, "uses-import", {
      runtime: "python3.11",
      handler: "index.handler",
      files: { "index.py": "import shared_lib\ndef handler(e, c):\n    return shared_lib.VALUE\n" },
      layers: [arn],
    });
    const out = await invoke(user, "uses-import", {});
    expect({ error: out.functionError, payload: out.payload }).toEqual({
      error: undefined,
      payload: '"imported"',
    });
  });

  it("a second import of the same version stores nothing new and exits 0", async () => {
    const out = await importLayer([arn, "--from", upstream.url, "--to", target.url]);
    expect({ code: out.code, stdout: out.stdout }).toEqual({
      code: 0,
      stdout: `${arn}\t${upstreamVersion.Content?.CodeSha256}\tunchanged\n`,
    });
  });

  it("an upstream AccessDenied is printed as given, exit 1, nothing stored", async () => {
    const ungranted = (
      await owner.send(
        new PublishLayerVersionCommand({
          LayerName: "private-lib",
          Content: { ZipFile: await makeZip({ "a.txt": "a" }) },
        }),
      )
    ).LayerVersionArn;
    const out = await importLayer([ungranted ?? "", "--from", upstream.url, "--to", target.url]);
    expect(out).toEqual({
      code: 1,
      stdout: "",
      stderr: `lamina import-layer: ${upstream.url} refused GetLayerVersionByArn: AccessDeniedException: ${accessDenied(IMPORTER, ungranted ?? "")}\n`,
    });
    // Not on the target: its owner finds no such version.
    await expectLambdaError(
      lambdaClient(target.url, UPSTREAM_OWNER).send(new GetLayerVersionByArnCommand({ Arn: ungranted })),
      { name: "ResourceNotFoundException", status: 404, message: NOT_FOUND },
    );
  });

  it("an upstream ResourceNotFound (credentials from a profile) is printed as given, exit 1", async () => {
    const credentials = join(dir, "credentials");
    writeFileSync(
      credentials,
      `[upstream]\naws_access_key_id = ${UPSTREAM_OWNER}\naws_secret_access_key = s\n`,
    );
    const missing = `arn:aws:lambda:${TEST_REGION}:${UPSTREAM_OWNER}:layer:shared-lib:99`;
    const out = await importLayer([missing, "--from", upstream.url, "--to", target.url], {
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_PROFILE: "upstream",
    });
    expect(out).toEqual({
      code: 1,
      stdout: "",
      stderr: `lamina import-layer: ${upstream.url} refused GetLayerVersionByArn: ResourceNotFoundException: ${NOT_FOUND}\n`,
    });
    await expectLambdaError(
      lambdaClient(target.url, UPSTREAM_OWNER).send(new GetLayerVersionByArnCommand({ Arn: missing })),
      { name: "ResourceNotFoundException", status: 404, message: NOT_FOUND },
    );
  });

  it("other bytes under the ARN on the target: 409 unless --force, which replaces them", async () => {
    const v2 = await publishUpstream("shared-lib", { "python/shared_lib.py": "VALUE = 'v2'\n" });
    const local = await makeZip({ "python/shared_lib.py": "VALUE = 'local'\n" });
    // The target already holds version 2 with other bytes (put straight through the endpoint).
    const put = await fetch(`${target.url}/_lamina/layers/${encodeURIComponent(v2)}`, {
      method: "PUT",
      headers: {
        "X-Lamina-Layer-Version": Buffer.from(JSON.stringify({ CodeSha256: codeSha256(local) })).toString(
          "base64",
        ),
      },
      body: local,
    });
    expect(put.status).toBe(201);
    const upstreamSha =
      (await owner.send(new GetLayerVersionByArnCommand({ Arn: v2 }))).Content?.CodeSha256 ?? "";

    const refused = await importLayer([v2, "--from", upstream.url, "--to", target.url]);
    expect({
      code: refused.code,
      stdout: refused.stdout,
      last: refused.stderr.trimEnd().split("\n").at(-1),
    }).toEqual({
      code: 1,
      stdout: "",
      last: `lamina import-layer: lamina answered 409 ResourceConflictException: Layer version ${v2} already exists with CodeSha256 ${codeSha256(local)}; the offered content has CodeSha256 ${upstreamSha}. Nothing was stored. Run again with --force to replace it.`,
    });
    const user = lambdaClient(target.url, USER);
    expect((await user.send(new GetLayerVersionByArnCommand({ Arn: v2 }))).Content?.CodeSha256).toBe(
      codeSha256(local),
    );

    const forced = await importLayer([v2, "--from", upstream.url, "--to", target.url, "--force"]);
    expect({ code: forced.code, stdout: forced.stdout }).toEqual({
      code: 0,
      stdout: `${v2}\t${upstreamSha}\treplaced\n`,
    });
    expect((await user.send(new GetLayerVersionByArnCommand({ Arn: v2 }))).Content?.CodeSha256).toBe(
      upstreamSha,
    );
  });

  it("the owner's next publish on the target takes the number after the imported ones (§1.1)", async () => {
    const published = await lambdaClient(target.url, UPSTREAM_OWNER).send(
      new PublishLayerVersionCommand({
        LayerName: "shared-lib",
        Content: { ZipFile: await makeZip({ "b.txt": "b" }) },
      }),
    );
    expect(published.LayerVersionArn).toBe(
      `arn:aws:lambda:${TEST_REGION}:${UPSTREAM_OWNER}:layer:shared-lib:3`,
    );
  });

  it("the endpoint refuses a body whose SHA-256 is not the claimed CodeSha256, storing nothing", async () => {
    const zip = await makeZip({ "a.txt": "a" });
    const claimed = codeSha256(Buffer.from("something else"));
    const lv = `arn:aws:lambda:${TEST_REGION}:${UPSTREAM_OWNER}:layer:mismatch:3`;
    const res = await fetch(`${target.url}/_lamina/layers/${encodeURIComponent(lv)}`, {
      method: "PUT",
      headers: {
        "X-Lamina-Layer-Version": Buffer.from(JSON.stringify({ CodeSha256: claimed })).toString("base64"),
      },
      body: zip,
    });
    expect({ status: res.status, type: res.headers.get("x-amzn-errortype"), body: await res.json() }).toEqual(
      {
        status: 400,
        type: "InvalidParameterValueException",
        body: {
          Type: "User",
          message: `The content's CodeSha256 is ${codeSha256(zip)}, not the ${claimed} it was sent with: nothing was stored.`,
        },
      },
    );
    await expectLambdaError(
      lambdaClient(target.url, UPSTREAM_OWNER).send(new GetLayerVersionByArnCommand({ Arn: lv })),
      { name: "ResourceNotFoundException", status: 404, message: NOT_FOUND },
    );
  });

  it("a strict target asks for the admin token, which --admin-token gives", async () => {
    const keys = join(dir, "keys.csv");
    writeFileSync(keys, `AKIAIMPORTTEST000001,secret-secret,${USER},tester\n`);
    const token = "import-admin-token-0123456789";
    const strict = await startTestServer({
      sandbox: "none",
      auth: "strict",
      credentials: keys,
      adminToken: token,
    });
    const without = await importLayer([arn, "--from", upstream.url, "--to", strict.url]);
    expect({ code: without.code, last: without.stderr.trimEnd().split("\n").at(-1) }).toEqual({
      code: 1,
      last: "lamina import-layer: lamina answered 401: The explorer needs the admin token: Authorization: Bearer <token>, or ?token=<token> once in a page.",
    });
    const withToken = await importLayer([
      arn,
      "--from",
      upstream.url,
      "--to",
      strict.url,
      "--admin-token",
      token,
    ]);
    expect({ code: withToken.code, stdout: withToken.stdout }).toEqual({
      code: 0,
      stdout: `${arn}\t${upstreamVersion.Content?.CodeSha256}\tcreated\n`,
    });
  });
});
