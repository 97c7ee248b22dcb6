/**
 * The founding scenario (docs/reference/seed-walkthrough.md), steps 2, 7, 10, 11 and 13, driven by the
 * real `aws` CLI with the walkthrough's own flags against a lamina started for this file.
 *
 * Versions of A's layer `requests`, chosen so that every grant check has one cause only:
 *   v1: step 2's publish; step 7 grants B (111111111111); step 11 also grants the organization; step 13
 *       revokes B, leaving only the organization grant.
 *   v2: step 10 grants `*`.
 *   v3: step 11 grants the organization only.
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
/** An account nobody granted anything to. */
const STRANGER = "222222222222";
/** A member of the organization, and an account outside it. */
const ORG_MEMBER = "333333333333";
const NON_MEMBER = "444444444444";
/** seed-walkthrough.md step 11: `--organization-id o-1234567890`. */
const ORG_ID = "o-1234567890";

const LAYER_ARN = `arn:aws:lambda:${TEST_REGION}:${OWNER}:layer:requests`;
const versionArn = (version: number): string => `${LAYER_ARN}:${version}`;

/** aws-layer-semantics.md §1.2 CreatedDate: `YYYY-MM-DDThh:mm:ss.SSS+0000`, e.g. `2018-12-12T15:37:49.027+0000`. */
const CREATED_DATE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
/** aws-layer-semantics.md §1.2 RevisionId: a UUID such as `35d87451-f796-4a3f-a618-95a3671b0a0c`. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * seed-walkthrough.md step 7 (AWS's answer) and aws-layer-semantics.md §2.3 "Statement formats": a 12-digit
 * principal becomes `{"AWS":"arn:aws:iam::<acct>:root"}`; compact JSON, keys Sid, Effect, Principal, Action,
 * Resource (§1.2 Statement / Policy).
 */
function accountStatement(sid: string, account: string, version: number): string {
  return (
    `{"Sid":"${sid}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${account}:root"},` +
    `"Action":"lambda:GetLayerVersion","Resource":"${versionArn(version)}"}`
  );
}

/** aws-layer-semantics.md §2.3 "Statement formats", `Principal="*"`; assertion #39. */
function everyoneStatement(sid: string, version: number): string {
  return `{"Sid":"${sid}","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${versionArn(version)}"}`;
}

/**
 * aws-layer-semantics.md §2.3 "Statement formats", `Principal="*"` with `OrganizationId`; assertion #51: the
 * Condition follows Resource.
 */
function organizationStatement(sid: string, version: number): string {
  return (
    `{"Sid":"${sid}","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion",` +
    `"Resource":"${versionArn(version)}","Condition":{"StringEquals":{"aws:PrincipalOrgID":"${ORG_ID}"}}}`
  );
}

/** aws-layer-semantics.md §2.3 GetLayerVersionPolicy: `{"Version":"2012-10-17","Id":"default","Statement":[…]}`. */
function policyDocument(statements: readonly string[]): string {
  return `{"Version":"2012-10-17","Id":"default","Statement":[${statements.join(",")}]}`;
}

/**
 * What the CLI prints for a denied read: seed-walkthrough.md step 9 (with today's suffix) and
 * aws-layer-semantics.md assertion #74 (GetLayerVersion across accounts, `User: arn:aws:iam::<B>:root`, #71).
 */
function deniedByCli(caller: string, version: number): string {
  return (
    "An error occurred (AccessDeniedException) when calling the GetLayerVersionByArn operation: " +
    accessDenied(caller, versionArn(version))
  );
}

/** aws-cli v1's exit code when the service answered with an error (a botocore ClientError; v2 uses 254). */
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

/** The CLI's JSON for AddLayerVersionPermission / GetLayerVersionPolicy (§2.3). */
interface StatementJson {
  Statement: string;
  RevisionId: string;
}
interface PolicyJson {
  Policy: string;
  RevisionId: string;
}

const lamina = await startTestServer({ organizations: { [ORG_ID]: [ORG_MEMBER] } });
const workDir = tmpDir("lamina-cli-");

/** Runs `aws lambda …` as `account` from the directory holding python.zip. */
function lambda(account: string, ...args: string[]): Promise<AwsCliResult> {
  return runAws(["lambda", ...args], { url: lamina.url, accountId: account, cwd: workDir });
}

/** A successful run's JSON; fails the test with the CLI's stderr otherwise. */
function okJson<T>(result: AwsCliResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(result.stdout) as T;
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

function getByArn(account: string, version: number): Promise<AwsCliResult> {
  return lambda(account, "get-layer-version-by-arn", "--arn", versionArn(version));
}

async function expectDenied(account: string, version: number): Promise<void> {
  const result = await getByArn(account, version);
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr.trim() }).toEqual({
    code: CLIENT_ERROR_EXIT,
    stdout: "",
    stderr: deniedByCli(account, version),
  });
}

/** Adds a grant as A, checks the exact Statement and a fresh RevisionId, and returns the RevisionId. */
async function addPermission(args: string[], expectedStatement: string): Promise<string> {
  const out = okJson<StatementJson>(await lambda(OWNER, "add-layer-version-permission", ...args));
  expect(out).toStrictEqual({ Statement: expectedStatement, RevisionId: out.RevisionId });
  expect(out.RevisionId).toMatch(UUID_RE);
  return out.RevisionId;
}

describe("the founding scenario with the aws CLI", () => {
  let zip: Buffer;
  let published: LayerVersionJson;

  beforeAll(async () => {
    // Step 1: a `python/` folder holding the `requests` package, zipped as python.zip.
    zip = await makeZip({
      "python/requests/__init__.py": '__version__ = "2.21.0"\n\ndef get(url):\n    return url\n',
      "python/requests/api.py": "def request(method, url):\n    return (method, url)\n",
    });
    writeFileSync(join(workDir, "python.zip"), zip);
  });

  it("step 2: publish-layer-version answers version 1 with the zip's hash, size and a download link", async () => {
    const before = Date.now();
    published = okJson<LayerVersionJson>(await lambda(OWNER, ...PUBLISH_ARGS));

    expect(published).toStrictEqual({
      Content: { Location: published.Content.Location, CodeSha256: codeSha256(zip), CodeSize: zip.length },
      LayerArn: LAYER_ARN,
      LayerVersionArn: versionArn(1),
      Description: "requests 2.21.0",
      CreatedDate: published.CreatedDate,
      Version: 1,
      CompatibleRuntimes: ["python3.7"],
    });
    expect(published.CreatedDate).toMatch(CREATED_DATE_RE);
    const created = Date.parse(published.CreatedDate.replace("+0000", "Z"));
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(created).toBeLessThanOrEqual(Date.now());

    const download = await fetch(published.Content.Location);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(zip)).toBe(true);
  });

  it("step 7: a grant to account 111111111111 lets it read version 1; account 222222222222 stays denied", async () => {
    await addPermission(
      [
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
      ],
      accountStatement("share-with-dev", DEV, 1),
    );

    const [asDev] = await Promise.all([getByArn(DEV, 1), expectDenied(STRANGER, 1)]);
    const got = okJson<LayerVersionJson>(asDev);
    // aws-layer-semantics.md #17/#70: the same body as the publish answer (Location is an opaque link).
    expect(got).toStrictEqual({
      ...published,
      Content: { ...published.Content, Location: got.Content.Location },
    });
  });

  it("step 10: --principal '*' on version 2 lets any account read version 2, and only version 2", async () => {
    const v2 = okJson<LayerVersionJson>(await lambda(OWNER, ...PUBLISH_ARGS));
    expect(v2.LayerVersionArn).toBe(versionArn(2));

    await addPermission(
      [
        "--layer-name",
        "requests",
        "--statement-id",
        "share-with-everyone",
        "--version-number",
        "2",
        "--principal",
        "*",
        "--action",
        "lambda:GetLayerVersion",
      ],
      everyoneStatement("share-with-everyone", 2),
    );

    // Permission is granted per layer version (seed-walkthrough.md, "Points the post makes").
    const [asStranger] = await Promise.all([getByArn(STRANGER, 2), expectDenied(STRANGER, 1)]);
    expect(okJson<LayerVersionJson>(asStranger).LayerVersionArn).toBe(versionArn(2));
  });

  it("step 11: --principal '*' --organization-id admits the organization's accounts only", async () => {
    const v3 = okJson<LayerVersionJson>(await lambda(OWNER, ...PUBLISH_ARGS));
    expect(v3.LayerVersionArn).toBe(versionArn(3));

    const orgArgs = (version: number): string[] => [
      "--layer-name",
      "requests",
      "--statement-id",
      "share-with-org",
      "--version-number",
      String(version),
      "--principal",
      "*",
      "--organization-id",
      ORG_ID,
      "--action",
      "lambda:GetLayerVersion",
    ];
    await addPermission(orgArgs(3), organizationStatement("share-with-org", 3));

    const [asMember] = await Promise.all([getByArn(ORG_MEMBER, 3), expectDenied(NON_MEMBER, 3)]);
    expect(okJson<LayerVersionJson>(asMember).LayerVersionArn).toBe(versionArn(3));

    // Version 1 is shared with the organization too, so that step 13 leaves a statement behind.
    await addPermission(orgArgs(1), organizationStatement("share-with-org", 1));
  });

  it("step 13: remove-layer-version-permission answers nothing; account 111111111111 is denied again", async () => {
    const before = okJson<PolicyJson>(
      await lambda(OWNER, "get-layer-version-policy", "--layer-name", "requests", "--version-number", "1"),
    );
    expect(before).toStrictEqual({
      Policy: policyDocument([
        accountStatement("share-with-dev", DEV, 1),
        organizationStatement("share-with-org", 1),
      ]),
      RevisionId: before.RevisionId,
    });

    const removed = await lambda(
      OWNER,
      "remove-layer-version-permission",
      "--layer-name",
      "requests",
      "--version-number",
      "1",
      "--statement-id",
      "share-with-dev",
    );
    // seed-walkthrough.md step 13: "empty answer (HTTP 204)".
    expect(removed).toStrictEqual({ code: 0, stdout: "", stderr: "" });

    const [after] = await Promise.all([
      lambda(OWNER, "get-layer-version-policy", "--layer-name", "requests", "--version-number", "1"),
      expectDenied(DEV, 1),
    ]);
    const policy = okJson<PolicyJson>(after);
    // aws-layer-semantics.md #45: the remaining statements, and a new RevisionId.
    expect(policy).toStrictEqual({
      Policy: policyDocument([organizationStatement("share-with-org", 1)]),
      RevisionId: policy.RevisionId,
    });
    expect(policy.RevisionId).toMatch(UUID_RE);
    expect(policy.RevisionId).not.toBe(before.RevisionId);

    // Version 1 now carries only the organization grant: its member still reads it.
    expect(okJson<LayerVersionJson>(await getByArn(ORG_MEMBER, 1)).LayerVersionArn).toBe(versionArn(1));
  });
});
