/**
 * The explorer's JSON API (`/_lamina/api/`) with plain fetch: seeded through the Lambda API as three accounts,
 * one of them in an organization, then read back with exact values; grants revoked and a version deleted turn the
 * holders' layers into snapshot-only ones while usage stays.
 */
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke, publishLayer } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const A = "111111111111";
const B = "222222222222";
const C = "333333333333";
const ORG = "o-abc1234567";
const lamina = await startTestServer({ sandbox: "none", organizations: { [ORG]: [C] } });
const [a, b, c] = [A, B, C].map((id) => lambdaClient(lamina.url, id));
if (!a || !b || !c) {
  throw new Error("clients");
}
const V1 = `arn:aws:lambda:${TEST_REGION}:${A}:layer:shared:1`;
const V2 = `arn:aws:lambda:${TEST_REGION}:${A}:layer:shared:2`;
const T1 = `arn:aws:lambda:${TEST_REGION}:${A}:layer:tools:1`;
const fnArn = (account: string, name: string) => `arn:aws:lambda:${TEST_REGION}:${account}:function:${name}`;
const since: Record<string, string> = {};

async function api(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${lamina.url}/_lamina/api/${path}`);
  return { status: res.status, body: await res.json() };
}
const enc = encodeURIComponent;

beforeAll(async () => {
  await publishLayer(a, "shared", { files: { "python/shared.py": "V = 1\n", "python/only1.py": "X = 1\n" } });
  await publishLayer(a, "shared", { files: { "python/shared.py": "V = 2\n" } });
  await publishLayer(a, "tools", { files: { "python/shared.py": "V = 22\n", "bin/tool": "#!/bin/sh\n" } });
  await a.send(
    new AddLayerVersionPermissionCommand({
      LayerName: "shared",
      VersionNumber: 1,
      StatementId: "to-b",
      Action: "lambda:GetLayerVersion",
      Principal: B,
    }),
  );
  await a.send(
    new AddLayerVersionPermissionCommand({
      LayerName: "shared",
      VersionNumber: 1,
      StatementId: "to-org",
      Action: "lambda:GetLayerVersion",
      Principal: "*",
      OrganizationId: ORG,
    }),
  );
  const handler = { runtime: "nodejs20.x" as const, handler: "index.handler" };
  const code = (body: string) => ({ "index.mjs": `export const handler = async (e) => { ${body} };\n` });
  await createFunction(b, B, "fb", { ...handler, files: code("return 1;"), layers: [V1] });
  await createFunction(c, C, "fc", { ...handler, files: code("return 1;"), layers: [V1] });
  await createFunction(a, A, "fa", {
    ...handler,
    files: code('if (e.fail) { throw new TypeError("boom"); } return e;'),
    layers: [V1, T1],
  });
  await createFunction(a, A, "fa2", { ...handler, files: code("return 2;"), layers: [V2] });
  for (const [client, name] of [
    [a, "fa"],
    [a, "fa2"],
    [b, "fb"],
    [c, "fc"],
  ] as const) {
    since[name] =
      (await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastModified ?? "";
  }
});

describe("explorer API", () => {
  it("overview: every account and region with its organization and counts", async () => {
    expect(await api("overview")).toEqual({
      status: 200,
      body: {
        accounts: [
          {
            accountId: A,
            organizationId: null,
            regions: [
              {
                region: TEST_REGION,
                layerCount: 2,
                layerVersionCount: 3,
                functionCount: 2,
                layers: [
                  { name: "shared", latestVersion: 2, latestVersionArn: V2 },
                  { name: "tools", latestVersion: 1, latestVersionArn: T1 },
                ],
                functions: [
                  { name: "fa", arn: fnArn(A, "fa"), layerCount: 2 },
                  { name: "fa2", arn: fnArn(A, "fa2"), layerCount: 1 },
                ],
              },
            ],
          },
          {
            accountId: B,
            organizationId: null,
            regions: [
              {
                region: TEST_REGION,
                layerCount: 0,
                layerVersionCount: 0,
                functionCount: 1,
                layers: [],
                functions: [{ name: "fb", arn: fnArn(B, "fb"), layerCount: 1 }],
              },
            ],
          },
          {
            accountId: C,
            organizationId: ORG,
            regions: [
              {
                region: TEST_REGION,
                layerCount: 0,
                layerVersionCount: 0,
                functionCount: 1,
                layers: [],
                functions: [{ name: "fc", arn: fnArn(C, "fc"), layerCount: 1 }],
              },
            ],
          },
        ],
        totals: { accounts: 3, layers: 2, layerVersions: 3, functions: 4 },
      },
    });
  });

  it("a layer version: its members, grants, every function using it, and its siblings' usage", async () => {
    const got = await a.send(new GetLayerVersionCommand({ LayerName: "shared", VersionNumber: 1 }));
    const got2 = await a.send(new GetLayerVersionCommand({ LayerName: "shared", VersionNumber: 2 }));
    expect(await api(`layers/${enc(V1)}`)).toEqual({
      status: 200,
      body: {
        arn: V1,
        layerArn: V1.slice(0, -2),
        accountId: A,
        region: TEST_REGION,
        name: "shared",
        version: 1,
        exists: true,
        description: "",
        licenseInfo: null,
        compatibleRuntimes: null,
        compatibleArchitectures: null,
        codeSize: got.Content?.CodeSize,
        codeSha256: got.Content?.CodeSha256,
        createdDate: got.CreatedDate,
        grants: [
          { statementId: "to-b", principal: B, organizationId: null },
          { statementId: "to-org", principal: "*", organizationId: ORG },
        ],
        users: {
          total: 3,
          items: [user(B, "fb"), user(C, "fc"), user(A, "fa")],
          next: null,
        },
        otherVersions: {
          items: [{ version: 2, arn: V2, createdDate: got2.CreatedDate, users: 1 }],
          more: false,
        },
      },
    });
  });

  it("pages the users of a version by `after` and `limit`", async () => {
    const first = (await api(`layers/${enc(V1)}/users?limit=2`)).body as { next: string };
    expect(first).toEqual({
      total: 3,
      items: [user(B, "fb"), user(C, "fc")],
      next: expect.any(String) as unknown,
    });
    expect((await api(`layers/${enc(V1)}/users?limit=2&after=${first.next}`)).body).toEqual({
      total: 3,
      items: [user(A, "fa")],
      next: null,
    });
  });

  it("what if a grant were revoked, or the version deleted: who keeps working, who loses attach", async () => {
    const keep = [user(B, "fb"), user(C, "fc"), user(A, "fa")];
    const base = { arn: V1, keepWorking: keep, keepWorkingTotal: 3, loseAttachPublic: false };
    expect((await api(`layers/${enc(V1)}/what-if?action=revoke&statementId=to-b`)).body).toEqual({
      ...base,
      action: "revoke",
      statementId: "to-b",
      loseAttach: [B],
      loseAttachOrganizations: [],
    });
    expect((await api(`layers/${enc(V1)}/what-if?action=revoke&statementId=to-org`)).body).toEqual({
      ...base,
      action: "revoke",
      statementId: "to-org",
      loseAttach: [C],
      loseAttachOrganizations: [ORG],
    });
    expect((await api(`layers/${enc(V1)}/what-if?action=delete`)).body).toEqual({
      ...base,
      action: "delete",
      statementId: null,
      loseAttach: [A, B, C],
      loseAttachOrganizations: [ORG],
    });
    expect(await api(`layers/${enc(V1)}/what-if?action=revoke&statementId=nope`)).toEqual({
      status: 404,
      body: { message: `No layer version ${V1} with that statement.` },
    });
    expect((await api(`layers/${enc(V1)}/what-if`)).status).toBe(400);
  });

  it("a function: configuration, its layers' owners and attachability, and the merged /opt", async () => {
    const { body, status } = await api(`functions/${enc(fnArn(A, "fa"))}`);
    expect(status).toBe(200);
    const view = body as { configuration: Record<string, unknown>; layers: unknown[] };
    expect(view.configuration).toMatchObject({
      runtime: "nodejs20.x",
      handler: "index.handler",
      timeout: 3,
      memorySize: 128,
      lastModified: since.fa,
      environment: {},
    });
    expect(view.layers).toEqual([layer(V1, "attachable", since.fa), layer(T1, "attachable", since.fa)]);
    expect((await api(`functions/${enc(fnArn(A, "fa"))}/opt`)).body).toEqual({
      files: [
        { path: "bin/tool", size: 10, kind: "file", layerArn: T1 },
        { path: "python/only1.py", size: 6, kind: "file", layerArn: V1 },
        { path: "python/shared.py", size: 7, kind: "file", layerArn: T1 },
      ],
      fileCount: 3,
      totalSize: 23,
    });
  });

  it("recent invocations with their outcome, durations and log lines, newest first", async () => {
    const ok = await invoke(a, "fa", { hello: 1 });
    const failed = await invoke(a, "fa", { fail: true });
    type Logged = {
      requestId: string;
      status: string;
      errorType: string | null;
      time: string | null;
      initDurationMs: number | null;
      lines: string[];
    };
    // The log reaches its file just after the answer: wait for both blocks (pages wait for the event).
    let invocations: Logged[] = [];
    for (let i = 0; i < 100 && invocations.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      invocations = (
        (await api(`functions/${enc(fnArn(A, "fa"))}/invocations`)).body as { invocations: Logged[] }
      ).invocations;
    }
    expect(invocations.map((i) => [i.requestId, i.status, i.errorType])).toEqual([
      [failed.requestId, "error", "TypeError"],
      [ok.requestId, "success", null],
    ]);
    expect(invocations[1]?.initDurationMs).toBeGreaterThan(0);
    expect(invocations[0]?.initDurationMs).toBeNull();
    expect(invocations[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(invocations[0]?.lines[0]).toBe(`START RequestId: ${failed.requestId ?? ""} Version: $LATEST`);
    expect(invocations[0]?.lines.at(-2)).toBe(`END RequestId: ${failed.requestId ?? ""}`);
  });

  it("a revoked grant, then a deleted version: functions keep them by snapshot, usage stays visible", async () => {
    await a.send(
      new RemoveLayerVersionPermissionCommand({ LayerName: "shared", VersionNumber: 1, StatementId: "to-b" }),
    );
    expect(((await api(`functions/${enc(fnArn(B, "fb"))}`)).body as { layers: unknown }).layers).toEqual([
      layer(V1, "grant-revoked", since.fb, A),
    ]);
    expect(((await api(`functions/${enc(fnArn(C, "fc"))}`)).body as { layers: unknown }).layers).toEqual([
      layer(V1, "attachable", since.fc, A),
    ]);
    await a.send(new DeleteLayerVersionCommand({ LayerName: "shared", VersionNumber: 1 }));
    expect(((await api(`functions/${enc(fnArn(C, "fc"))}`)).body as { layers: unknown }).layers).toEqual([
      layer(V1, "version-deleted", since.fc, A),
    ]);
    expect((await api(`layers/${enc(V1)}`)).body).toMatchObject({
      exists: false,
      description: null,
      codeSha256: null,
      grants: [],
      users: { total: 3 },
      otherVersions: { items: [{ version: 2, users: 1 }] },
    });
  });

  it("answers 404 for what does not exist, and for unknown API paths", async () => {
    const missing = `arn:aws:lambda:${TEST_REGION}:${A}:layer:nothing:1`;
    expect(await api(`layers/${enc(missing)}`)).toEqual({
      status: 404,
      body: { message: `No layer version ${missing}, and no function holds it.` },
    });
    expect(await api(`functions/${enc(fnArn(A, "nope"))}`)).toEqual({
      status: 404,
      body: { message: `No function ${fnArn(A, "nope")}.` },
    });
    expect((await api("nothing-here")).status).toBe(404);
    // The rest of /_lamina/ stays with its own adapter.
    expect(await (await fetch(`${lamina.url}/_lamina/health`)).json()).toMatchObject({ status: "ok" });
  });
});

function user(account: string, name: string) {
  return {
    functionArn: fnArn(account, name),
    accountId: account,
    region: TEST_REGION,
    name,
    qualifier: "$LATEST",
    since: since[name],
  };
}

function layer(arn: string, status: string, attached: string | undefined, owner = A) {
  return {
    arn,
    ownerAccountId: owner,
    codeSize: expect.any(Number) as unknown,
    codeSha256: expect.any(String) as unknown,
    since: attached,
    attachableToday: status === "attachable",
    status,
  };
}
