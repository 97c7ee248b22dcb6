/**
 * Published function versions through the AWS SDK v3 and the real `aws` CLI, against
 * `docs/reference/aws-deploy-api.md` §1 (identifiers, qualifiers, RevisionIds) and §3 (versions): PublishVersion,
 * `Publish: true`, ListVersionsByFunction, qualifiers on Get/Invoke/Delete, and what a version freezes — code,
 * configuration and its layer list, kept after the layer version is deleted (§3.5).
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Lamina } from "../../src/index.js";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke, publishLayer } from "../helpers/invoke.js";
import { startTestServer, TEAM_BACKEND } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
const fnArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

/** aws-deploy-api.md §3.3 #14, §1.5 (`$latest`): `Function not found: <arn as named>`. */
const notFound = (arn: string) => ({
  name: "ResourceNotFoundException",
  status: 404,
  message: `Function not found: ${arn}`,
  type: "User",
});
/** §3.1 #5. */
const codeShaMismatch = (given: string, current: string) =>
  `CodeSHA256 (${given}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`;
/** §3.1 #6 (no final period). */
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";
/** §3.4 #21. */
const DELETE_LATEST = "$LATEST version cannot be deleted without deleting the function.";
/** §3.4 #22. */
const ALIAS_DELETION = "Deletion of aliases is not currently supported.";
/** §3.4 #23. */
const REFERENCED = (alias: string) =>
  `Unable to delete version because the following aliases reference it: [${alias}]`;
/** §1.5. */
const QUALIFIER_MISMATCH =
  "The derived qualifier from the function name does not match the specified qualifier.";

/** A handler that reports its code's mark, the version it runs as, its invoked ARN and a file under /opt. */
const handlerPy = (mark: string) => `import os


def handler(event, context):
    try:
        with open("/opt/data.txt") as f:
            opt = f.read()
    except OSError:
        opt = None
    return {
        "mark": "${mark}",
        "version": context.function_version,
        "env_version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "arn": context.invoked_function_arn,
        "opt": opt,
    }
`;

let lamina: Lamina;
let client: LambdaClient;

beforeAll(async () => {
  lamina = await startTestServer();
  client = lambdaClient(lamina.url, A);
});

async function createPlain(name: string, extra: { Publish?: boolean; Description?: string } = {}) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Handler: "main.handler",
      Role: ROLE,
      Code: { ZipFile: await makeZip({ "main.py": handlerPy("one") }) },
      ...extra,
    }),
  );
}

describe("PublishVersion (§3.1)", () => {
  it("publishes version 1 as a frozen copy, and changes $LATEST's RevisionId (#1, #7)", async () => {
    const name = randomName("fn");
    await createPlain(name);
    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v1.$metadata.httpStatusCode).toBe(201);
    expect(v1).toMatchObject({
      FunctionName: name,
      FunctionArn: fnArn(name, "1"),
      Version: "1",
      State: "Active",
      LastUpdateStatus: "Successful",
      CodeSha256: before.CodeSha256,
      CodeSize: before.CodeSize,
      Description: "",
      Runtime: "python3.12",
      Handler: "main.handler",
    });
    expect(v1.RevisionId).not.toBe(before.RevisionId);
    const after = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(after.RevisionId).not.toBe(before.RevisionId);
    expect(after.Version).toBe("$LATEST");
  });

  it("an unchanged $LATEST is not published again: the latest version answers as it is (#3)", async () => {
    const name = randomName("fn");
    await createPlain(name);
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: name, Description: "first" }));
    const again = await client.send(new PublishVersionCommand({ FunctionName: name, Description: "other" }));
    expect(again.$metadata.httpStatusCode).toBe(201);
    expect({ ...again, $metadata: undefined }).toEqual({ ...v1, $metadata: undefined });
    expect(again.Description).toBe("first");
  });

  it("a configuration change counts; without Description the version takes $LATEST's (#2, #4)", async () => {
    const name = randomName("fn");
    await createPlain(name);
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: name, Description: "first" }));
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "second" }));
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v2).toMatchObject({ Version: "2", FunctionArn: fnArn(name, "2"), Description: "second" });
    expect(v2.CodeSha256).toBe(v1.CodeSha256);
    // The first version keeps its own description (§3.5).
    const got = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: "1" }),
    );
    expect(got.Description).toBe("first");
  });

  it("checks CodeSha256 and RevisionId against $LATEST (#5, #6)", async () => {
    const name = randomName("fn");
    const created = await createPlain(name);
    const current = created.CodeSha256 ?? "";
    const wrong = codeSha256(Buffer.from("something else"));
    await expectLambdaError(
      client.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: wrong })),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: codeShaMismatch(wrong, current),
        type: "User",
      },
    );
    await expectLambdaError(
      client.send(new PublishVersionCommand({ FunctionName: name, RevisionId: "wrong" })),
      {
        name: "PreconditionFailedException",
        status: 412,
        message: REVISION_MISMATCH,
        type: "User",
      },
    );
    const latest = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const v1 = await client.send(
      new PublishVersionCommand({ FunctionName: name, CodeSha256: current, RevisionId: latest.RevisionId }),
    );
    expect(v1.Version).toBe("1");
  });

  it("a missing function: 404 naming it unqualified (§3.1 #9, INFERRED)", async () => {
    const name = randomName("missing");
    await expectLambdaError(
      client.send(new PublishVersionCommand({ FunctionName: name })),
      notFound(fnArn(name)),
    );
  });
});

describe("beside versions", () => {
  it("every published version counts its code in AccountUsage (§3.1 #8)", async () => {
    const account = "210987654321";
    const other = lambdaClient(lamina.url, account);
    const zip = await makeZip({ "main.py": handlerPy("one") });
    await other.send(
      new CreateFunctionCommand({
        FunctionName: "counted",
        Runtime: "python3.12",
        Handler: "main.handler",
        Role: `arn:aws:iam::${account}:role/lambda-role`,
        Code: { ZipFile: zip },
        Publish: true,
      }),
    );
    const usage = (await other.send(new GetAccountSettingsCommand({}))).AccountUsage;
    expect(usage).toEqual({ TotalCodeSize: 2 * zip.length, FunctionCount: 1 });
  });

  it("event-invoke configs accept a published version's qualifier (§9, qualifiers of §1.1)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    const put = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        Qualifier: "1",
        MaximumRetryAttempts: 0,
      }),
    );
    expect(put.FunctionArn).toBe(fnArn(name, "1"));
  });
});

describe("Publish: true (§3.2)", () => {
  it("CreateFunction answers version 1 under the unqualified ARN, still Pending (#10)", async () => {
    const name = randomName("fn");
    const created = await createPlain(name, { Publish: true });
    expect(created).toMatchObject({
      FunctionArn: fnArn(name),
      Version: "1",
      State: "Pending",
      StateReason: "The function is being created.",
      StateReasonCode: "Creating",
    });
    const v1 = await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1" }));
    expect(v1.Configuration).toMatchObject({ FunctionArn: fnArn(name, "1"), Version: "1", State: "Active" });
    const latest = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(latest.Configuration?.RevisionId).not.toBe(v1.Configuration?.RevisionId);
    // Publishing again without a change returns version 1 (SNAP-A repeated_publish_response).
    const again = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(again.Version).toBe("1");
  });

  it("UpdateFunctionCode answers the new version's configuration, qualified and Pending (#11)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    const zip = await makeZip({ "main.py": handlerPy("two") });
    const updated = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip, Publish: true }),
    );
    expect(updated).toMatchObject({
      FunctionArn: fnArn(name, "2"),
      Version: "2",
      CodeSha256: codeSha256(zip),
      State: "Pending",
      StateReason: "The function is being created.",
      StateReasonCode: "Creating",
    });
    expect(updated.LastUpdateStatus).toBeUndefined();
    const latest = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(latest.CodeSha256).toBe(codeSha256(zip));
  });
});

describe("reading versions (§3.3)", () => {
  it("ListVersionsByFunction: $LATEST first, then ascending, without state members, paged (#15)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }));
    await client.send(new PublishVersionCommand({ FunctionName: name }));
    const all = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(all.Versions?.map((v) => [v.Version, v.FunctionArn, v.Timeout])).toEqual([
      ["$LATEST", fnArn(name, "$LATEST"), 9],
      ["1", fnArn(name, "1"), 3],
      ["2", fnArn(name, "2"), 9],
    ]);
    expect(all.Versions?.some((v) => v.State !== undefined || v.LastUpdateStatus !== undefined)).toBe(false);
    expect(all.NextMarker).toBeUndefined();
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(
        new ListVersionsByFunctionCommand({ FunctionName: name, MaxItems: 1, Marker: marker }),
      );
      expect(page.Versions).toHaveLength(1);
      seen.push(...(page.Versions ?? []).map((v) => v.Version ?? ""));
      marker = page.NextMarker;
    } while (marker);
    expect(seen).toEqual(["$LATEST", "1", "2"]);
    const missing = randomName("missing");
    await expectLambdaError(
      client.send(new ListVersionsByFunctionCommand({ FunctionName: missing })),
      notFound(fnArn(missing)),
    );
  });

  it("ListFunctions FunctionVersion=ALL lists $LATEST and each version, qualified (#16)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListFunctionsCommand({ FunctionVersion: "ALL", Marker: marker }));
      seen.push(
        ...(page.Functions ?? []).filter((f) => f.FunctionName === name).map((f) => f.FunctionArn ?? ""),
      );
      marker = page.NextMarker;
    } while (marker);
    expect(seen).toEqual([fnArn(name, "$LATEST"), fnArn(name, "1")]);
  });

  it("qualifiers on Get*: versions, missing ones, `$latest`, qualified ARNs and mismatches (#13, #14, §1.5)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    const byArn = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fnArn(name, "1") }));
    expect(byArn).toMatchObject({ FunctionArn: fnArn(name, "1"), Version: "1" });
    const partial = await client.send(new GetFunctionCommand({ FunctionName: `${A}:function:${name}:1` }));
    expect(partial.Configuration?.FunctionArn).toBe(fnArn(name, "1"));
    expect(partial.Code?.Location).toMatch(/^http/);
    const latest = await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "$LATEST" }));
    expect(latest.Configuration).toMatchObject({ FunctionArn: fnArn(name, "$LATEST"), Version: "$LATEST" });
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1221" })),
      notFound(fnArn(name, "1221")),
    );
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "$latest" })),
      notFound(fnArn(name, "$latest")),
    );
    await expectLambdaError(
      client.send(new GetFunctionConfigurationCommand({ FunctionName: `${name}:1`, Qualifier: "2" })),
      { name: "InvalidParameterValueException", status: 400, message: QUALIFIER_MISMATCH, type: "User" },
    );
  });
});

describe("deleting versions (§3.4)", () => {
  it("a version goes; a missing one is 204 too; $LATEST and alias names are refused (#18, #19, #21, #22)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 7 }));
    await client.send(new PublishVersionCommand({ FunctionName: name }));
    const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "1" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const left = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(left.Versions?.map((v) => v.Version)).toEqual(["$LATEST", "2"]);
    for (const qualifier of ["1", "1221"]) {
      const again = await client.send(
        new DeleteFunctionCommand({ FunctionName: name, Qualifier: qualifier }),
      );
      expect(again.$metadata.httpStatusCode).toBe(204);
    }
    await expectLambdaError(
      client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "$LATEST" })),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: DELETE_LATEST,
        type: "User",
      },
    );
    for (const fn of [name, randomName("missing")]) {
      await expectLambdaError(
        client.send(new DeleteFunctionCommand({ FunctionName: fn, Qualifier: "live" })),
        {
          name: "InvalidParameterValueException",
          status: 400,
          message: ALIAS_DELETION,
          type: "User",
        },
      );
    }
    // Numbers are never reused: the next version is 3 (§3.4 #24 is not recorded; layers' rule, INFERRED).
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 8 }));
    const v3 = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v3.Version).toBe("3");
  });

  it("a version an alias references is kept: 409 (#23)", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    await expectLambdaError(client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "1" })), {
      name: "ResourceConflictException",
      status: 409,
      message: REFERENCED("live"),
      type: "User",
    });
  });

  it("deleting the function deletes its versions and aliases", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await createPlain(name);
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(["$LATEST"]);
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "live" })),
      notFound(fnArn(name, "live")),
    );
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1" })),
      notFound(fnArn(name, "1")),
    );
  });
});

describe("invoking versions (§3.3 #17, §3.5)", () => {
  it("each version runs its own code, as itself, in its own environment", async () => {
    const name = randomName("fn");
    await createPlain(name, { Publish: true });
    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: await makeZip({ "main.py": handlerPy("two") }),
      }),
    );
    const latest = await invoke(client, name, {});
    expect(latest.executedVersion).toBe("$LATEST");
    expect(JSON.parse(latest.payload)).toMatchObject({
      mark: "two",
      version: "$LATEST",
      env_version: "$LATEST",
      arn: fnArn(name),
    });
    const v1 = await invoke(client, name, {}, { Qualifier: "1" });
    expect(v1.executedVersion).toBe("1");
    expect(JSON.parse(v1.payload)).toMatchObject({
      mark: "one",
      version: "1",
      env_version: "1",
      arn: fnArn(name, "1"),
    });
    const byArn = await invoke(client, fnArn(name, "1"), {});
    expect(JSON.parse(byArn.payload)).toMatchObject({ mark: "one", arn: fnArn(name, "1") });
    // Alternating does not mix them up.
    expect(JSON.parse((await invoke(client, name, {})).payload)).toMatchObject({ mark: "two" });
    expect(JSON.parse((await invoke(client, name, {}, { Qualifier: "1" })).payload)).toMatchObject({
      mark: "one",
    });
    await expectLambdaError(invoke(client, name, {}, { Qualifier: "9" }), notFound(fnArn(name, "9")));
  });

  it("a version keeps its layer at /opt after $LATEST moves on and the layer version is deleted (aws CLI)", async () => {
    const name = randomName("fn");
    const layer = randomName("data");
    const l1 = await publishLayer(client, layer, { files: { "data.txt": "layer one" } });
    const l2 = await publishLayer(client, layer, { files: { "data.txt": "layer two" } });
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "main.handler",
      files: { "main.py": handlerPy("one") },
      layers: [l1],
    });
    const cli = { url: lamina.url, accountId: A };
    const published = await runAws(["lambda", "publish-version", "--function-name", name], cli);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      Version: "1",
      FunctionArn: fnArn(name, "1"),
      Layers: [{ Arn: l1 }],
    });
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [l2] }));
    await client.send(new DeleteLayerVersionCommand({ LayerName: layer, VersionNumber: 1 }));

    const dir = lamina.config.dataDir;
    const out = join(dir, `out-${name}.json`);
    const run = await runAws(
      ["lambda", "invoke", "--function-name", name, "--qualifier", "1", "--payload", "{}", out],
      cli,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: "1" });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ opt: "layer one", version: "1" });
    expect(JSON.parse((await invoke(client, name, {})).payload)).toMatchObject({ opt: "layer two" });

    const v1 = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: "1" }));
    expect(v1.Layers?.map((l) => l.Arn)).toEqual([l1]);
    const versions = await runAws(["lambda", "list-versions-by-function", "--function-name", name], cli);
    expect(
      (JSON.parse(versions.stdout) as { Versions: { Version: string }[] }).Versions.map((v) => v.Version),
    ).toEqual(["$LATEST", "1"]);
    if (!TEAM_BACKEND) {
      // The deleted layer version's bytes are still stored: version 1 references them.
      const sha = createHash("sha256")
        .update(await makeZip({ "data.txt": "layer one" }))
        .digest("hex");
      expect(storedBlobs(dir)).toContain(sha);
    }
  });
});

/** The blob files of a SQLite data dir. */
function storedBlobs(dataDir: string): string[] {
  const root = join(dataDir, "blobs");
  if (!existsSync(root)) {
    return [];
  }
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((shard) => readdirSync(join(root, shard.name)));
}
