/**
 * The founding scenario (docs/reference/seed-walkthrough.md), the function side of steps 3, 5, 8, 9, 12, 13
 * and 14, driven by the real `aws` CLI with the walkthrough's own flags against a lamina started for this file.
 * Only the API part is covered: configuration answers, no invoke (steps 4, 6 and 8's invoke need Invoke).
 *
 * A (123456789012) publishes `requests` version 1 once; everything else builds on that one version:
 *   step 3: A creates `test` without layers;  step 5: A attaches version 1;
 *   step 9: B (111111111111) is denied before any grant;  step 7: A grants B;  step 8: B creates `test` with it;
 *   step 12: B in us-west-2 is still denied;  step 13: A revokes the grant;
 *   step 14: B's `test` keeps the layer, a new function is denied; A deletes version 1, B's `test` still lists it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws, type AwsCliResult } from "../helpers/aws-cli.js";
import { accessDenied } from "../helpers/aws-texts.js";
import { TEST_REGION } from "../helpers/clients.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

/** A, the layer owner. */
const OWNER = "123456789012";
/** B, the consumer of seed-walkthrough.md ("Accounts: … B = `111111111111`"). */
const DEV = "111111111111";
/** seed-walkthrough.md step 12: "a function in another region". */
const OTHER_REGION = "us-west-2";

const LAYER_VERSION_ARN = `arn:aws:lambda:${TEST_REGION}:${OWNER}:layer:requests:1`;

/** seed-walkthrough.md step 3: `--role <role arn>`, one role per account. */
const roleOf = (account: string): string => `arn:aws:iam::${account}:role/lambda-role`;
const functionArnOf = (account: string, name: string, region = TEST_REGION): string =>
  `arn:aws:lambda:${region}:${account}:function:${name}`;

/**
 * seed-walkthrough.md step 9 (with today's suffix), step 12 ("the same AccessDeniedException as step 9") and
 * step 14 ("Creating a new function with the layer is now denied"); aws-layer-semantics.md §3 #71 (the caller is
 * its account's root: `User: arn:aws:iam::<B>:root`, CreateFunction) and #73 (another region: the same 403).
 */
const CREATE_DENIED =
  "An error occurred (AccessDeniedException) when calling the CreateFunction operation: " +
  accessDenied(DEV, LAYER_VERSION_ARN);

/** aws-function-api.md §10 CreateFunction: the function is still being created. */
const CREATING = {
  State: "Pending",
  StateReason: "The function is being created.",
  StateReasonCode: "Creating",
};
/** aws-layer-semantics.md §3 #56 and aws-function-api.md §10: an update's immediate answer (sic "created"). */
const UPDATING = {
  State: "Active",
  LastUpdateStatus: "InProgress",
  LastUpdateStatusReason: "The function is being created.",
  LastUpdateStatusReasonCode: "Creating",
};

/** aws-function-api.md §10 LastModified (`2019-09-26T20:28:40.438+0000`) and RevisionId (a UUID). */
const LAST_MODIFIED_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** aws-cli v1's exit code when the service answered with an error (a botocore ClientError). */
const CLIENT_ERROR_EXIT = 255;

/** The CLI's JSON for a function's configuration (aws-function-api.md §10), the members this file reads. */
interface ConfigurationJson {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  CodeSha256: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  Version: string;
  RevisionId: string;
  Layers?: { Arn: string; CodeSize: number }[];
  State?: string;
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: string;
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
  PackageType: string;
  Architectures: string[];
}

/** GetFunction's answer (aws-function-api.md §10 GetFunction). */
interface GetFunctionJson {
  Configuration: ConfigurationJson;
  Code: { RepositoryType: string; Location: string };
}

/** The CLI's JSON for publish-layer-version, the members this file reads (aws-layer-semantics.md §2.3). */
interface LayerVersionJson {
  LayerVersionArn: string;
  Content: { CodeSize: number };
}

const lamina = await startTestServer();
const workDir = tmpDir("lamina-cli-fn-");

/** Runs `aws lambda …` as `account` (in `region`) from the directory holding the zips. */
function lambda(account: string, args: string[], region = TEST_REGION): Promise<AwsCliResult> {
  return runAws(["lambda", ...args], { url: lamina.url, accountId: account, region, cwd: workDir });
}

/** A successful run's JSON; fails the test with the CLI's stderr otherwise. */
function okJson<T>(result: AwsCliResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(result.stdout) as T;
}

/** A run that printed nothing and succeeded (seed-walkthrough.md step 13: "empty answer (HTTP 204)"). */
function expectEmpty(result: AwsCliResult): void {
  expect(result).toStrictEqual({ code: 0, stdout: "", stderr: "" });
}

/** A create-function the service refused with CREATE_DENIED. */
function expectCreateDenied(result: AwsCliResult): void {
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr.trim() }).toEqual({
    code: CLIENT_ERROR_EXIT,
    stdout: "",
    stderr: CREATE_DENIED,
  });
}

/** seed-walkthrough.md step 3, verbatim, as `account`; step 8/9/12/14 add `--layers <arn>`. */
function createArgs(account: string, name: string, layers: string[] = []): string[] {
  return [
    "create-function",
    "--function-name",
    name,
    "--runtime",
    "python3.7",
    "--handler",
    "test.lambda_handler",
    "--role",
    roleOf(account),
    "--zip-file",
    "fileb://function.zip",
    ...(layers.length > 0 ? ["--layers", ...layers] : []),
  ];
}

/** The members of a configuration whose values do not depend on the moment of the call. */
function stableMembers(config: ConfigurationJson): Partial<ConfigurationJson> {
  const keys = [
    "FunctionName",
    "FunctionArn",
    "Runtime",
    "Role",
    "Handler",
    "CodeSize",
    "CodeSha256",
    "Description",
    "Timeout",
    "MemorySize",
    "Version",
    "State",
    "StateReason",
    "StateReasonCode",
    "PackageType",
    "Architectures",
  ] as const;
  return Object.fromEntries(keys.filter((k) => k in config).map((k) => [k, config[k]]));
}

describe("the founding scenario's functions with the aws CLI", () => {
  let layerZip: Buffer;
  let functionZip: Buffer;
  /** A's `test` as step 3 created it. */
  let ownerTestCreated: ConfigurationJson;
  /** What B's `test` showed in step 14, before A deleted the version. */
  let devTestBeforeDelete: ConfigurationJson;

  /** seed-walkthrough.md step 5 / aws-layer-semantics.md §2.3 "Function side": `[{"Arn", "CodeSize"}]`. */
  const attached = (): { Arn: string; CodeSize: number }[] => [
    { Arn: LAYER_VERSION_ARN, CodeSize: layerZip.length },
  ];

  beforeAll(async () => {
    // Step 1: a `python/` folder holding the `requests` package; step 3: `test.py`, which imports it.
    [layerZip, functionZip] = await Promise.all([
      makeZip({
        "python/requests/__init__.py": '__version__ = "2.21.0"\n\ndef get(url):\n    return url\n',
        "python/requests/api.py": "def request(method, url):\n    return (method, url)\n",
      }),
      makeZip({
        "test.py": 'import requests\n\n\ndef lambda_handler(event, context):\n    return "ok"\n',
      }),
    ]);
    writeFileSync(join(workDir, "python.zip"), layerZip);
    writeFileSync(join(workDir, "function.zip"), functionZip);

    // Step 2, verbatim (its answer is checked in seed-walkthrough.test.ts).
    const published = okJson<LayerVersionJson>(
      await lambda(OWNER, [
        "publish-layer-version",
        "--layer-name",
        "requests",
        "--description",
        "requests 2.21.0",
        "--zip-file",
        "fileb://python.zip",
        "--compatible-runtimes",
        "python3.7",
      ]),
    );
    expect(published.LayerVersionArn).toBe(LAYER_VERSION_ARN);
    expect(published.Content.CodeSize).toBe(layerZip.length);
  });

  it("step 3: create-function without layers answers the Pending configuration, with no Layers key", async () => {
    const created = okJson<ConfigurationJson>(await lambda(OWNER, createArgs(OWNER, "test")));

    // aws-function-api.md §10 CreateFunction: defaults and the Pending state.
    expect(stableMembers(created)).toStrictEqual({
      FunctionName: "test",
      FunctionArn: functionArnOf(OWNER, "test"),
      Runtime: "python3.7",
      Role: roleOf(OWNER),
      Handler: "test.lambda_handler",
      CodeSize: functionZip.length,
      CodeSha256: codeSha256(functionZip),
      Description: "",
      Timeout: 3,
      MemorySize: 128,
      Version: "$LATEST",
      ...CREATING,
      PackageType: "Zip",
      Architectures: ["x86_64"],
    });
    // aws-layer-semantics.md §3 #57 and aws-function-api.md §10: no Layers key, no LastUpdateStatus on create.
    expect(created).not.toHaveProperty("Layers");
    expect(created).not.toHaveProperty("LastUpdateStatus");
    expect(created.LastModified).toMatch(LAST_MODIFIED_RE);
    expect(created.RevisionId).toMatch(UUID_RE);
    ownerTestCreated = created;
  });

  it("step 5: update-function-configuration --layers attaches version 1; the next read shows it Successful", async () => {
    const updated = okJson<ConfigurationJson>(
      await lambda(OWNER, [
        "update-function-configuration",
        "--function-name",
        "test",
        "--layers",
        LAYER_VERSION_ARN,
      ]),
    );
    // aws-layer-semantics.md §3 #56: the exact Layers list, InProgress, a new RevisionId.
    expect(updated.Layers).toStrictEqual(attached());
    expect({
      State: updated.State,
      LastUpdateStatus: updated.LastUpdateStatus,
      LastUpdateStatusReason: updated.LastUpdateStatusReason,
      LastUpdateStatusReasonCode: updated.LastUpdateStatusReasonCode,
    }).toStrictEqual(UPDATING);
    expect(updated.RevisionId).toMatch(UUID_RE);
    expect(updated.RevisionId).not.toBe(ownerTestCreated.RevisionId);

    const read = okJson<ConfigurationJson>(
      await lambda(OWNER, ["get-function-configuration", "--function-name", "test"]),
    );
    // §3 #56 "After the update finishes": the same Layers, LastUpdateStatus Successful, no reason members.
    expect(read.Layers).toStrictEqual(attached());
    expect(read).toMatchObject({ State: "Active", LastUpdateStatus: "Successful" });
    expect(read).not.toHaveProperty("LastUpdateStatusReason");
    expect(read).not.toHaveProperty("LastUpdateStatusReasonCode");
    // Nothing else moved: the code is the one step 3 uploaded.
    expect({ CodeSha256: read.CodeSha256, CodeSize: read.CodeSize }).toStrictEqual({
      CodeSha256: codeSha256(functionZip),
      CodeSize: functionZip.length,
    });
  });

  it("step 9: before any grant, B's create-function with A's layer is denied with AccessDeniedException", async () => {
    expectCreateDenied(await lambda(DEV, createArgs(DEV, "test", [LAYER_VERSION_ARN])));
  });

  it("step 7 then step 8: after A grants 111111111111, B's create-function with the layer succeeds", async () => {
    const granted = okJson<{ Statement: string; RevisionId: string }>(
      await lambda(OWNER, [
        "add-layer-version-permission",
        "--layer-name",
        "requests",
        "--statement-id",
        "share-with-dev",
        "--version-number",
        "1",
        "--principal",
        DEV,
        "--action",
        "lambda:GetLayerVersion",
      ]),
    );
    expect(JSON.parse(granted.Statement)).toMatchObject({
      Sid: "share-with-dev",
      Resource: LAYER_VERSION_ARN,
    });

    // Step 9's denied attempt left nothing behind: the same name is free.
    const created = okJson<ConfigurationJson>(
      await lambda(DEV, createArgs(DEV, "test", [LAYER_VERSION_ARN])),
    );
    // aws-layer-semantics.md §3 #76: `Layers[0]` = `{"Arn": "arn:…:<A>:layer:n:1", "CodeSize": <size>}`.
    expect(created.Layers).toStrictEqual(attached());
    expect(stableMembers(created)).toMatchObject({
      FunctionArn: functionArnOf(DEV, "test"),
      Role: roleOf(DEV),
      CodeSha256: codeSha256(functionZip),
      ...CREATING,
    });
  });

  it("step 12: B in another region, granted, is still denied A's eu-central-1 layer with the same text", async () => {
    // Run after step 7's grant, so the region is the only cause (aws-layer-semantics.md §3 #73).
    expectCreateDenied(await lambda(DEV, createArgs(DEV, "test", [LAYER_VERSION_ARN]), OTHER_REGION));
  });

  it("step 13: remove-layer-version-permission answers nothing", async () => {
    expectEmpty(
      await lambda(OWNER, [
        "remove-layer-version-permission",
        "--layer-name",
        "requests",
        "--version-number",
        "1",
        "--statement-id",
        "share-with-dev",
      ]),
    );
  });

  it("step 14: B's function keeps the layer and its code after the revoke; a new function is denied", async () => {
    const [got, denied] = await Promise.all([
      lambda(DEV, ["get-function", "--function-name", "test"]),
      lambda(DEV, createArgs(DEV, "test-new", [LAYER_VERSION_ARN])),
    ]);
    expectCreateDenied(denied);

    const fn = okJson<GetFunctionJson>(got);
    // aws-layer-semantics.md §3 #76 (revoked) and #69 (GetFunction's Configuration.Layers).
    expect(fn.Configuration.Layers).toStrictEqual(attached());
    expect(fn.Configuration.FunctionArn).toBe(functionArnOf(DEV, "test"));
    expect(fn.Code.RepositoryType).toBe("S3");
    devTestBeforeDelete = fn.Configuration;

    // §3 #69: Code.Location is the function's own zip, not a layer's.
    const download = await fetch(fn.Code.Location);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(functionZip)).toBe(true);
  });

  it("step 14: after A deletes version 1, B's function still lists it, unchanged", async () => {
    expectEmpty(
      await lambda(OWNER, ["delete-layer-version", "--layer-name", "requests", "--version-number", "1"]),
    );
    const read = okJson<ConfigurationJson>(
      await lambda(DEV, ["get-function-configuration", "--function-name", "test"]),
    );
    // aws-layer-semantics.md §3 #64: same Arn, same CodeSize, same RevisionId; seed-walkthrough.md "Points":
    // "Revoking a grant, or deleting the version, does not break functions that already use it."
    expect(read.Layers).toStrictEqual(attached());
    expect(read.RevisionId).toBe(devTestBeforeDelete.RevisionId);
  });
});
