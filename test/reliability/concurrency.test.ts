/**
 * Requests that race each other: numbering, statement ids, revision preconditions, function names, and the
 * reference counting that keeps a deleted layer version's bytes alive for the functions that use it.
 *
 * Texts: `docs/reference/aws-layer-semantics.md` §3 #42, #43, #61/#65, #64, #76 and docs/reference/identity.md §3
 * (numbers never reused, contents kept for functions); `docs/reference/aws-function-api.md` §2 and §7.
 */
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  InvokeCommand,
  LambdaServiceException,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type PublishLayerVersionCommandOutput,
} from "@aws-sdk/client-lambda";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  duplicateStatementId,
  FUNCTION_REVISION_MISMATCH,
  layerVersionNotFound,
} from "../helpers/aws-texts.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
/** aws-layer-semantics.md §3 #43 (sic: "GetLayerPolicy", no trailing period). */
const LAYER_REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id";
/** aws-function-api.md §2 (sic: "exist"). */
const alreadyExist = (name: string) => `Function already exist: ${name}`;

const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);

/** The outcome of one call: its status, and its error's name and message when it failed. */
interface Settled<T> {
  readonly status: number | undefined;
  readonly value?: T;
  readonly error?: { readonly name: string; readonly message: string };
}

async function settle<T extends { $metadata: { httpStatusCode?: number } }>(
  call: Promise<T>,
): Promise<Settled<T>> {
  try {
    const value = await call;
    return { status: value.$metadata.httpStatusCode, value };
  } catch (err) {
    if (!(err instanceof LambdaServiceException)) {
      throw err;
    }
    return { status: err.$metadata.httpStatusCode, error: { name: err.name, message: err.message } };
  }
}

const PY_HANDLER = `import os


def handler(event, context):
    with open(event["path"]) as f:
        return f.read()
`;

async function createFunction(name: string, layers: string[] = [], files: Record<string, string> = {}) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: await makeZip({ "index.py": PY_HANDLER, ...files }) },
      Layers: layers,
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Downloads a Content.Location and returns its base64 SHA-256, or the HTTP status when it is not 200. */
async function download(location: string | undefined): Promise<string | number> {
  const res = await fetch(location ?? "");
  if (res.status !== 200) {
    return res.status;
  }
  return codeSha256(Buffer.from(await res.arrayBuffer()));
}

describe("layer version numbers", () => {
  it("gives 50 parallel publishes to one layer the versions 1..50, each with its own content", async () => {
    const name = randomName();
    const zips = await Promise.all(
      Array.from({ length: 50 }, (_, i) => makeZip({ "n.txt": `${i} ${randomBytes(8).toString("hex")}` })),
    );
    const outs = await Promise.all(
      zips.map((zip) =>
        client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } })),
      ),
    );
    expect(outs.map((o) => o.Version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    for (const [i, out] of outs.entries()) {
      expect(out.$metadata.httpStatusCode).toBe(201);
      expect(out.Content?.CodeSha256).toBe(codeSha256(zips[i] ?? Buffer.alloc(0)));
      expect(out.LayerVersionArn).toBe(`${out.LayerArn}:${out.Version}`);
      // What the version holds is what its own publish sent.
      const got = await client.send(
        new GetLayerVersionCommand({ LayerName: name, VersionNumber: out.Version }),
      );
      expect(got.Content?.CodeSha256).toBe(out.Content?.CodeSha256);
    }
    const listed = await client.send(new ListLayerVersionsCommand({ LayerName: name }));
    expect(listed.LayerVersions?.map((v) => v.Version)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
  });
});

describe("layer version policies", () => {
  async function publishOne(): Promise<PublishLayerVersionCommandOutput & { name: string }> {
    const name = randomName();
    const out = await client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: await makeZip({ "a.txt": name }) },
      }),
    );
    return { ...out, name };
  }

  it("lets exactly one of 20 parallel grants with one StatementId in; the rest get 409 (§3 #42)", async () => {
    const layer = await publishOne();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        settle(
          client.send(
            new AddLayerVersionPermissionCommand({
              LayerName: layer.name,
              VersionNumber: 1,
              StatementId: "same-sid",
              Action: "lambda:GetLayerVersion",
              Principal: `1000000000${String(i).padStart(2, "0")}`,
            }),
          ),
        ),
      ),
    );
    const winners = results.filter((r) => r.status === 201);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201)).toEqual(
      Array.from({ length: 19 }, () => ({
        status: 409,
        error: { name: "ResourceConflictException", message: duplicateStatementId("same-sid") },
      })),
    );
    const policy = await client.send(
      new GetLayerVersionPolicyCommand({ LayerName: layer.name, VersionNumber: 1 }),
    );
    const doc = JSON.parse(policy.Policy ?? "{}") as { Statement: { Sid: string }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["same-sid"]);
    expect(policy.RevisionId).toBe(winners[0]?.value?.RevisionId);
    expect(JSON.parse(winners[0]?.value?.Statement ?? "{}")).toEqual(doc.Statement[0]);
  });

  it("lets exactly one of 20 parallel grants with the same RevisionId in; the rest get 412 (§3 #43)", async () => {
    const layer = await publishOne();
    const first = await client.send(
      new AddLayerVersionPermissionCommand({
        LayerName: layer.name,
        VersionNumber: 1,
        StatementId: "first",
        Action: "lambda:GetLayerVersion",
        Principal: "*",
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        settle(
          client.send(
            new AddLayerVersionPermissionCommand({
              LayerName: layer.name,
              VersionNumber: 1,
              StatementId: `sid-${i}`,
              Action: "lambda:GetLayerVersion",
              Principal: "*",
              RevisionId: first.RevisionId,
            }),
          ),
        ),
      ),
    );
    const winners = results.filter((r) => r.status === 201);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201)).toEqual(
      Array.from({ length: 19 }, () => ({
        status: 412,
        error: { name: "PreconditionFailedException", message: LAYER_REVISION_MISMATCH },
      })),
    );
    const policy = await client.send(
      new GetLayerVersionPolicyCommand({ LayerName: layer.name, VersionNumber: 1 }),
    );
    const sids = (JSON.parse(policy.Policy ?? "{}") as { Statement: { Sid: string }[] }).Statement.map(
      (s) => s.Sid,
    );
    expect(sids).toEqual([
      "first",
      (JSON.parse(winners[0]?.value?.Statement ?? "{}") as { Sid: string }).Sid,
    ]);
  });
});

describe("function preconditions", () => {
  it("lets one of 10 parallel UpdateFunctionConfiguration calls with one RevisionId win; the rest get 412 (§7)", async () => {
    const name = randomName("fn");
    const created = await createFunction(name);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        settle(
          client.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: name,
              Description: `update ${i}`,
              RevisionId: created.RevisionId,
            }),
          ),
        ),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200)).toEqual(
      Array.from({ length: 9 }, () => ({
        status: 412,
        error: { name: "PreconditionFailedException", message: FUNCTION_REVISION_MISMATCH },
      })),
    );
    const now = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(now.Description).toBe(winners[0]?.value?.Description);
    expect(now.RevisionId).toBe(winners[0]?.value?.RevisionId);
    expect(now.RevisionId).not.toBe(created.RevisionId);
  });

  it("lets one of 10 parallel UpdateFunctionCode calls with one RevisionId win; the rest get 412 (§7)", async () => {
    const name = randomName("fn");
    const created = await createFunction(name);
    const zips = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        makeZip({ "index.py": PY_HANDLER, "v.txt": `${i}${randomName()}` }),
      ),
    );
    const results = await Promise.all(
      zips.map((zip) =>
        settle(
          client.send(
            new UpdateFunctionCodeCommand({
              FunctionName: name,
              ZipFile: zip,
              RevisionId: created.RevisionId,
            }),
          ),
        ),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200)).toEqual(
      Array.from({ length: 9 }, () => ({
        status: 412,
        error: { name: "PreconditionFailedException", message: FUNCTION_REVISION_MISMATCH },
      })),
    );
    const fn = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(fn.Configuration?.CodeSha256).toBe(winners[0]?.value?.CodeSha256);
    expect(await download(fn.Code?.Location)).toBe(fn.Configuration?.CodeSha256);
  });

  it("creates one of 10 parallel CreateFunction calls with one name; the rest get 409 (§2)", async () => {
    const name = randomName("fn");
    const results = await Promise.all(Array.from({ length: 10 }, () => settle(createFunction(name))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201)).toEqual(
      Array.from({ length: 9 }, () => ({
        status: 409,
        error: { name: "ResourceConflictException", message: alreadyExist(name) },
      })),
    );
  });
});

describe("deleting layer versions while functions attach them", () => {
  it("never leaves a function whose layer content is gone (§3 #61/#65, #64, #76)", async () => {
    const rounds = 20;
    const created: { fn: string; arn: string; sha: string; size: number; location: string }[] = [];
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const layer = randomName();
        const zip = await makeZip({ "layer.txt": `round ${i} ${randomBytes(16).toString("hex")}` });
        const published = await client.send(
          new PublishLayerVersionCommand({ LayerName: layer, Content: { ZipFile: zip } }),
        );
        const arn = published.LayerVersionArn ?? "";
        const fn = randomName("fn");
        // A function zip of some size, so its upload overlaps the delete. The delete starts 0–400 ms later (20
        // creates in parallel take about that long), so some rounds go to the create and some to the delete.
        const fnZip = await makeZip({ "index.py": PY_HANDLER, "pad.bin": randomBytes(256 * 1024) });
        const [, create] = await Promise.all([
          sleep((i * 400) / rounds).then(() =>
            client.send(new DeleteLayerVersionCommand({ LayerName: layer, VersionNumber: 1 })),
          ),
          settle(
            client.send(
              new CreateFunctionCommand({
                FunctionName: fn,
                Runtime: "python3.12",
                Role: ROLE,
                Handler: "index.handler",
                Code: { ZipFile: fnZip },
                Layers: [arn],
              }),
            ),
          ),
        ]);
        if (create.status === 201) {
          created.push({
            fn,
            arn,
            sha: published.Content?.CodeSha256 ?? "",
            size: published.Content?.CodeSize ?? 0,
            location: published.Content?.Location ?? "",
          });
        } else {
          expect(create).toEqual({
            status: 400,
            error: { name: "InvalidParameterValueException", message: layerVersionNotFound(arn) },
          });
        }
      }),
    );
    // And one round where the function certainly wins: it is created first, then the version is deleted.
    const layer = randomName();
    const zip = await makeZip({ "layer.txt": `sequential ${randomBytes(16).toString("hex")}` });
    const published = await client.send(
      new PublishLayerVersionCommand({ LayerName: layer, Content: { ZipFile: zip } }),
    );
    const fn = randomName("fn");
    await createFunction(fn, [published.LayerVersionArn ?? ""]);
    await client.send(new DeleteLayerVersionCommand({ LayerName: layer, VersionNumber: 1 }));
    created.push({
      fn,
      arn: published.LayerVersionArn ?? "",
      sha: published.Content?.CodeSha256 ?? "",
      size: published.Content?.CodeSize ?? 0,
      location: published.Content?.Location ?? "",
    });

    for (const c of created) {
      const got = await client.send(new GetFunctionCommand({ FunctionName: c.fn }));
      expect(got.Configuration?.Layers).toEqual([{ Arn: c.arn, CodeSize: c.size }]);
      // The deleted version's bytes stay downloadable while a function uses them.
      expect(await download(c.location)).toBe(c.sha);
    }
    // And the function really runs with them at /opt.
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: Buffer.from(JSON.stringify({ path: "/opt/layer.txt" })),
      }),
    );
    const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8");
    expect([out.FunctionError, JSON.parse(payload)]).toEqual([
      undefined,
      expect.stringMatching(/^sequential /),
    ]);
  });

  it("keeps bytes that one layer version's delete and another's publish share", async () => {
    const rounds = 20;
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const zip = await makeZip({ "shared.txt": `shared ${i} ${randomBytes(16).toString("hex")}` });
        const first = randomName();
        await client.send(new PublishLayerVersionCommand({ LayerName: first, Content: { ZipFile: zip } }));
        const second = randomName();
        const [, republished] = await Promise.all([
          client.send(new DeleteLayerVersionCommand({ LayerName: first, VersionNumber: 1 })),
          client.send(new PublishLayerVersionCommand({ LayerName: second, Content: { ZipFile: zip } })),
        ]);
        expect(republished.Content?.CodeSha256).toBe(codeSha256(zip));
        expect(await download(republished.Content?.Location)).toBe(codeSha256(zip));
        const again = await client.send(new GetLayerVersionCommand({ LayerName: second, VersionNumber: 1 }));
        expect(await download(again.Content?.Location)).toBe(codeSha256(zip));
      }),
    );
  });
});
