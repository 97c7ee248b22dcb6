/**
 * The founding scenario (docs/reference/seed-walkthrough.md), steps 1 to 14 as one story, driven by the real
 * `aws` CLI with the walkthrough's own flags against one lamina, invokes included: the functions really run, with
 * A's layer merged at /opt.
 *
 * A (123456789012) publishes `requests` and runs `test` on it; B (111111111111) is denied (step 9), granted
 * (step 7), runs its own `test` (step 8), stays denied in another region (step 12), is revoked (step 13), and its
 * `test` keeps working after the revoke and after A deletes the version (step 14). Steps 10 and 11 grant
 * everyone and an organization; so that they leave B's grant on version 1 the only one B can use, step 10 shares
 * a version 2 (the same zip) with `*`, and step 11 shares version 1 with o-1234567890, whose only member is
 * 333333333333.
 *
 * Each account works in its own folder, which holds the zips and receives the walkthrough's `out.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws, type AwsCliResult } from "../helpers/aws-cli.js";
import { accessDenied, RESOURCE_NOT_FOUND } from "../helpers/aws-texts.js";
import { TEST_REGION } from "../helpers/clients.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

/** A, the layer owner. */
const OWNER = "123456789012";
/** B, the consumer of seed-walkthrough.md ("Accounts: … B = `111111111111`"). */
const DEV = "111111111111";
/** Step 10: an account nobody named. */
const ANYONE = "222222222222";
/** Step 11: a member of the organization, and an account outside it. */
const ORG_MEMBER = "333333333333";
const NON_MEMBER = "444444444444";
/** seed-walkthrough.md step 11: `--organization-id o-1234567890`. */
const ORG_ID = "o-1234567890";
/** seed-walkthrough.md step 12: "a function in another region". */
const OTHER_REGION = "us-west-2";

const LAYER_ARN = `arn:aws:lambda:${TEST_REGION}:${OWNER}:layer:requests`;
const versionArn = (version: number): string => `${LAYER_ARN}:${version}`;
const roleOf = (account: string): string => `arn:aws:iam::${account}:role/lambda-role`;
const functionArnOf = (account: string, name: string): string =>
  `arn:aws:lambda:${TEST_REGION}:${account}:function:${name}`;

/** seed-walkthrough.md step 3: a handler that does `import requests` and returns "ok". */
const TEST_PY = 'import requests\n\ndef lambda_handler(event, context):\n    return "ok"\n';

/** seed-walkthrough.md step 4 (AWS's answer): what the CLI prints for the invoke without the layer. */
const STEP4_INVOKE = '{"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"}';
/**
 * seed-walkthrough.md step 4, today's wording, and aws-lambda-execution.md §A3 "Error body" (keys in this order,
 * `", "` and `": "` separators, `"requestId": ""` and `"stackTrace": []` for an init error): out.json, byte for byte.
 */
const STEP4_OUT =
  "{\"errorMessage\": \"Unable to import module 'test': No module named 'requests'\", " +
  '"errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}';
/**
 * seed-walkthrough.md step 6 ("StatusCode 200, no FunctionError") and aws-lambda-execution.md §A7 (response
 * headers: X-Amz-Function-Error only on function errors; X-Amz-Executed-Version `$LATEST`).
 */
const OK_INVOKE = '{"StatusCode": 200, "ExecutedVersion": "$LATEST"}';
/** seed-walkthrough.md steps 6, 8 and 14: `out.json` = `"ok"`, the handler's return value as JSON. */
const OK_OUT = '"ok"';

/**
 * seed-walkthrough.md step 9 (with today's suffix), step 12 ("the same AccessDeniedException as step 9") and step
 * 14 ("Creating a new function with the layer is now denied"); the caller is its account's root.
 */
function createDenied(caller: string, version = 1): string {
  return (
    "An error occurred (AccessDeniedException) when calling the CreateFunction operation: " +
    accessDenied(caller, versionArn(version))
  );
}

/**
 * seed-walkthrough.md step 7, AWS's answer: the Statement of a grant to one account (compact JSON, keys Sid,
 * Effect, Principal, Action, Resource).
 */
const STEP7_STATEMENT =
  `{"Sid":"share-with-dev","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${DEV}:root"},` +
  `"Action":"lambda:GetLayerVersion","Resource":"${versionArn(1)}"}`;

/** aws-lambda-execution.md §A7 "Log tail format": the three lines every invocation writes. */
const START_RE = /^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/;
const END_RE = /^END RequestId: ([0-9a-f-]{36})$/;
const REPORT_RE = /^REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t/;
/** §A7: `INIT_START Runtime Version: …` opens the log of a cold start only. */
const INIT_START_RE = /^INIT_START Runtime Version: /;

/** aws-layer-semantics.md §1.2 RevisionId: a UUID. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** aws-cli v1's exit code when the service answered with an error (a botocore ClientError). */
const CLIENT_ERROR_EXIT = 255;

/** The CLI's JSON for a layer version (aws-layer-semantics.md §2.3 LayerVersion). */
interface LayerVersionJson {
  Content: { Location: string; CodeSha256: string; CodeSize: number };
  LayerArn: string;
  LayerVersionArn: string;
  Description: string;
  CreatedDate: string;
  Version: number;
  CompatibleRuntimes?: string[];
}

/** The CLI's JSON for a function's configuration, the members this file reads. */
interface ConfigurationJson {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Handler: string;
  CodeSha256: string;
  Description: string;
  Layers?: { Arn: string; CodeSize: number }[];
}

/** What `aws lambda invoke` printed and wrote. */
interface Invocation {
  readonly stdout: string;
  readonly out: string;
}

const lamina = await startTestServer({ organizations: { [ORG_ID]: [ORG_MEMBER] } });
const workDir = tmpDir("lamina-cli-e2e-");

/** Each account's folder: its zips and its out.json. */
const dirOf = (account: string): string => join(workDir, account);

/** Runs `aws lambda …` as `account` (in `region`) from its folder. */
function lambda(account: string, args: string[], region = TEST_REGION): Promise<AwsCliResult> {
  return runAws(["lambda", ...args], { url: lamina.url, accountId: account, region, cwd: dirOf(account) });
}

/** A successful run's JSON; fails the test with the CLI's stderr otherwise. */
function okJson<T>(result: AwsCliResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(result.stdout) as T;
}

/** A run that succeeded and printed nothing (seed-walkthrough.md step 13: "empty answer (HTTP 204)"). */
function expectEmpty(result: AwsCliResult): void {
  expect(result).toStrictEqual({ code: 0, stdout: "", stderr: "" });
}

/** A run the service refused with `message`. */
function expectRefused(result: AwsCliResult, message: string): void {
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr.trim() }).toEqual({
    code: CLIENT_ERROR_EXIT,
    stdout: "",
    stderr: message,
  });
}

/** The same JSON, keys in the same order, whatever the spacing (the CLI indents by 4). */
const canonical = (json: string): string => JSON.stringify(JSON.parse(json));

/** `aws lambda invoke --function-name <name> [extra…] out.json` as `account`, in its folder. */
async function invoke(account: string, name: string, extra: string[] = []): Promise<Invocation> {
  const result = await lambda(account, ["invoke", "--function-name", name, ...extra, "out.json"]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return { stdout: result.stdout, out: readFileSync(join(dirOf(account), "out.json"), "utf8") };
}

/** An invoke that printed exactly `stdout` and wrote exactly `out` to out.json. */
function expectInvocation(got: Invocation, stdout: string, out: string): void {
  expect({ stdout: canonical(got.stdout), out: got.out }).toStrictEqual({ stdout: canonical(stdout), out });
}

/** seed-walkthrough.md step 3, verbatim, as `account`; steps 8, 9, 11, 12 and 14 add `--layers <arn>`. */
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

/** seed-walkthrough.md step 2, verbatim. */
const PUBLISH_ARGS = [
  "publish-layer-version",
  "--layer-name",
  "requests",
  "--description",
  "requests 2.21.0",
  "--zip-file",
  "fileb://python.zip",
  "--compatible-runtimes",
  "python3.7",
];

/** seed-walkthrough.md steps 7, 10 and 11: `add-layer-version-permission … --action lambda:GetLayerVersion`. */
function grantArgs(statementId: string, version: number, principal: string, orgId?: string): string[] {
  return [
    "add-layer-version-permission",
    "--layer-name",
    "requests",
    "--statement-id",
    statementId,
    "--version-number",
    String(version),
    "--principal",
    principal,
    ...(orgId === undefined ? [] : ["--organization-id", orgId]),
    "--action",
    "lambda:GetLayerVersion",
  ];
}

/** Creates `test` as `account` with `layerArn`, checks the layer is attached, and invokes it: "ok". */
async function createAndRun(account: string, layerArn: string, layerSize: number): Promise<void> {
  const created = okJson<ConfigurationJson>(await lambda(account, createArgs(account, "test", [layerArn])));
  expect({ FunctionArn: created.FunctionArn, Layers: created.Layers }).toStrictEqual({
    FunctionArn: functionArnOf(account, "test"),
    Layers: [{ Arn: layerArn, CodeSize: layerSize }],
  });
  expectInvocation(await invoke(account, "test"), OK_INVOKE, OK_OUT);
}

describe("the founding scenario end to end with the aws CLI: steps 1 to 14, invokes included", () => {
  let layerZip: Buffer;
  let functionZip: Buffer;

  beforeAll(async () => {
    // Step 1: a `python/` folder holding the `requests` package, zipped as python.zip (PyPI is out of reach, so a
    // stand-in module); step 3: `test.py`, zipped as function.zip.
    [layerZip, functionZip] = await Promise.all([
      makeZip({ "python/requests/__init__.py": '__version__ = "2.21.0"\n' }),
      makeZip({ "test.py": TEST_PY }),
    ]);
    for (const account of [OWNER, DEV, ANYONE, ORG_MEMBER, NON_MEMBER]) {
      mkdirSync(dirOf(account));
      writeFileSync(join(dirOf(account), "function.zip"), functionZip);
    }
    writeFileSync(join(dirOf(OWNER), "python.zip"), layerZip);
  });

  it("step 2: A publishes python.zip as requests version 1", async () => {
    const published = okJson<LayerVersionJson>(await lambda(OWNER, PUBLISH_ARGS));
    expect({ ...published, Content: { ...published.Content, Location: "" }, CreatedDate: "" }).toStrictEqual({
      Content: { Location: "", CodeSha256: codeSha256(layerZip), CodeSize: layerZip.length },
      LayerArn: LAYER_ARN,
      LayerVersionArn: versionArn(1),
      Description: "requests 2.21.0",
      CreatedDate: "",
      Version: 1,
      CompatibleRuntimes: ["python3.7"],
    });
  });

  it("step 3: A creates test (python3.7, test.lambda_handler) without layers", async () => {
    const created = okJson<ConfigurationJson>(await lambda(OWNER, createArgs(OWNER, "test")));
    expect(created).toMatchObject({
      FunctionName: "test",
      FunctionArn: functionArnOf(OWNER, "test"),
      Runtime: "python3.7",
      Handler: "test.lambda_handler",
      CodeSha256: codeSha256(functionZip),
    });
    expect(created).not.toHaveProperty("Layers");
  });

  it("step 4: invoking test without the layer fails to import requests (Unhandled, ImportModuleError)", async () => {
    expectInvocation(await invoke(OWNER, "test"), STEP4_INVOKE, STEP4_OUT);
  });

  it("step 5: A attaches requests:1 with update-function-configuration --layers", async () => {
    const updated = okJson<ConfigurationJson>(
      await lambda(OWNER, [
        "update-function-configuration",
        "--function-name",
        "test",
        "--layers",
        versionArn(1),
      ]),
    );
    expect(updated.Layers).toStrictEqual([{ Arn: versionArn(1), CodeSize: layerZip.length }]);
  });

  it('step 6: invoking test again finds requests in the layer and returns "ok"', async () => {
    expectInvocation(await invoke(OWNER, "test"), OK_INVOKE, OK_OUT);
  });

  it("step 9: before any grant, B's create-function with A's layer is denied", async () => {
    expectRefused(await lambda(DEV, createArgs(DEV, "test", [versionArn(1)])), createDenied(DEV));
  });

  it("step 7: A grants version 1 to 111111111111", async () => {
    const granted = okJson<{ Statement: string; RevisionId: string }>(
      await lambda(OWNER, grantArgs("share-with-dev", 1, DEV)),
    );
    expect(granted).toStrictEqual({ Statement: STEP7_STATEMENT, RevisionId: granted.RevisionId });
    expect(granted.RevisionId).toMatch(UUID_RE);
  });

  it('step 8: B creates test with A\'s layer, and invoking it returns "ok"', async () => {
    await createAndRun(DEV, versionArn(1), layerZip.length);
  });

  it("step 10: --principal '*' on version 2: any account creates and runs a function on it (\"ok\")", async () => {
    const v2 = okJson<LayerVersionJson>(await lambda(OWNER, PUBLISH_ARGS));
    expect(v2.LayerVersionArn).toBe(versionArn(2));
    const granted = okJson<{ Statement: string }>(
      await lambda(OWNER, grantArgs("share-with-everyone", 2, "*")),
    );
    expect(JSON.parse(granted.Statement)).toMatchObject({ Principal: "*", Resource: versionArn(2) });

    // Permission is granted per layer version (seed-walkthrough.md, "Points the post makes"): not version 1.
    const [, denied] = await Promise.all([
      createAndRun(ANYONE, versionArn(2), layerZip.length),
      lambda(ANYONE, createArgs(ANYONE, "test-v1", [versionArn(1)])),
    ]);
    expectRefused(denied, createDenied(ANYONE));
  });

  it("step 11: --principal '*' --organization-id on version 1: 333333333333 (a member) runs it, 444444444444 is denied", async () => {
    const granted = okJson<{ Statement: string }>(
      await lambda(OWNER, grantArgs("share-with-org", 1, "*", ORG_ID)),
    );
    expect(JSON.parse(granted.Statement)).toMatchObject({
      Principal: "*",
      Resource: versionArn(1),
      Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
    });

    const [, denied] = await Promise.all([
      createAndRun(ORG_MEMBER, versionArn(1), layerZip.length),
      lambda(NON_MEMBER, createArgs(NON_MEMBER, "test", [versionArn(1)])),
    ]);
    expectRefused(denied, createDenied(NON_MEMBER));
  });

  it("step 12: B, granted, is denied A's eu-central-1 layer from us-west-2 with step 9's text", async () => {
    expectRefused(
      await lambda(DEV, createArgs(DEV, "test", [versionArn(1)]), OTHER_REGION),
      createDenied(DEV),
    );
  });

  it("step 13: A revokes B's grant; remove-layer-version-permission answers nothing", async () => {
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

  it('step 14: B\'s test still returns "ok" after the revoke and after A deletes version 1, cold starts included', async () => {
    const [afterRevoke, denied] = await Promise.all([
      invoke(DEV, "test"),
      lambda(DEV, createArgs(DEV, "test-new", [versionArn(1)])),
    ]);
    expectInvocation(afterRevoke, OK_INVOKE, OK_OUT);
    expectRefused(denied, createDenied(DEV));

    // aws-lambda-execution.md §A1: "Your functions can continue to use any layer version that you've already
    // added, even after that layer version has been deleted".
    expectEmpty(
      await lambda(OWNER, ["delete-layer-version", "--layer-name", "requests", "--version-number", "1"]),
    );
    const [gone, afterDelete] = await Promise.all([
      lambda(OWNER, ["get-layer-version", "--layer-name", "requests", "--version-number", "1"]),
      invoke(DEV, "test"),
    ]);
    expectRefused(
      gone,
      `An error occurred (ResourceNotFoundException) when calling the GetLayerVersion operation: ${RESOURCE_NOT_FOUND}`,
    );
    expectInvocation(afterDelete, OK_INVOKE, OK_OUT);

    // A configuration change retires B's warm environment; the next invoke builds a new one, /opt included.
    const updated = okJson<ConfigurationJson>(
      await lambda(DEV, [
        "update-function-configuration",
        "--function-name",
        "test",
        "--description",
        "after the delete",
      ]),
    );
    expect(updated.Layers).toStrictEqual([{ Arn: versionArn(1), CodeSize: layerZip.length }]);
    const cold = await invoke(DEV, "test", ["--log-type", "Tail"]);
    const printed = JSON.parse(cold.stdout) as { LogResult?: string };
    expectInvocation(
      cold,
      JSON.stringify({ StatusCode: 200, LogResult: printed.LogResult, ExecutedVersion: "$LATEST" }),
      OK_OUT,
    );
    const log = Buffer.from(printed.LogResult ?? "", "base64").toString("utf8");
    expect(log.split("\n")[0], log).toMatch(INIT_START_RE);
  });
});

describe("aws lambda invoke --log-type Tail", () => {
  it("prints a LogResult whose base64 holds START, the function's output, END and REPORT of one request", async () => {
    const zip = await makeZip({
      "logs.py":
        'def lambda_handler(event, context):\n    print("hello from the handler")\n    return "ok"\n',
    });
    writeFileSync(join(dirOf(OWNER), "logs.zip"), zip);
    okJson<ConfigurationJson>(
      await lambda(OWNER, [
        "create-function",
        "--function-name",
        "logs",
        "--runtime",
        "python3.7",
        "--handler",
        "logs.lambda_handler",
        "--role",
        roleOf(OWNER),
        "--zip-file",
        "fileb://logs.zip",
      ]),
    );

    const got = await invoke(OWNER, "logs", ["--log-type", "Tail"]);
    const printed = JSON.parse(got.stdout) as { LogResult?: string };
    // aws-lambda-execution.md §A7: X-Amz-Log-Result only with Tail, no FunctionError on success.
    expectInvocation(
      got,
      JSON.stringify({ StatusCode: 200, LogResult: printed.LogResult, ExecutedVersion: "$LATEST" }),
      OK_OUT,
    );
    expect(printed.LogResult).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);

    const text = Buffer.from(printed.LogResult ?? "", "base64").toString("utf8");
    const lines = text.split("\n");
    const at = (re: RegExp): number => lines.findIndex((line) => re.test(line));
    const start = at(START_RE);
    expect(start, text).toBeGreaterThanOrEqual(0);
    // §A7: START, the function's output, END, then REPORT, one after the other.
    expect(
      { hello: at(/^hello from the handler$/), end: at(END_RE), report: at(REPORT_RE) },
      text,
    ).toStrictEqual({
      hello: start + 1,
      end: start + 2,
      report: start + 3,
    });
    // One request: the three lines carry the same RequestId.
    const ids = [start, start + 2, start + 3].map(
      (i) => /RequestId: ([0-9a-f-]{36})/.exec(lines[i] ?? "")?.[1],
    );
    expect(ids[0]).toMatch(UUID_RE);
    expect(new Set(ids).size).toBe(1);
  });
});
