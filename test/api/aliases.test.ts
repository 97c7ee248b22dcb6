/**
 * Function aliases through the AWS SDK v3 and the real `aws` CLI, against `docs/reference/aws-deploy-api.md` §4:
 * Create/Get/List/Update/Delete with AliasArn and RevisionId, routing validation, and invoking through an alias
 * (the `X-Amz-Executed-Version` header carries the version the routing chose).
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  ListAliasesCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Lamina } from "../../src/index.js";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { invoke } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
const fnArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

/** §4.2 #29, #30, #34, #42: `Function not found: <arn>`. */
const notFound = (arn: string) => ({
  name: "ResourceNotFoundException",
  status: 404,
  message: `Function not found: ${arn}`,
  type: "User",
});
/** §4.2 #28. */
const ALREADY_EXISTS = (arn: string) => `Alias already exists: ${arn}`;
/** §4.2 #31 (GetAlias). */
const CANNOT_FIND = (arn: string) => `Cannot find alias arn: ${arn}`;
/** §4.2 #31 (UpdateAlias). */
const ALIAS_NOT_FOUND = (arn: string) => `Alias not found: ${arn}`;
/** §4.2 #27. */
const DIGITS_NAME =
  "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)";
/** §4.3 #35. */
const TOO_MANY = "Number of items in AdditionalVersionWeights cannot be greater than 1";
/** §4.3 #36. */
const WEIGHT_RANGE = (shown: string) =>
  `1 validation error detected: Value '${shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]`;
/** §4.3 #37. */
const WEIGHT_KEY =
  "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]";
/** §4.3 #38. */
const IN_ROUTING =
  "Invalid function version 1. Function version 1 is already included in routing configuration.";
/** §4.3 #39 (no `Type`). */
const LATEST_ROUTING = "$LATEST is not supported for an alias pointing to more than 1 version";
/** §4.2 #32 / §3.1 #6. */
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

const handlerPy = (mark: string) => `def handler(event, context):
    return {"mark": "${mark}", "version": context.function_version, "arn": context.invoked_function_arn}
`;

let lamina: Lamina;
let client: LambdaClient;

beforeAll(async () => {
  lamina = await startTestServer();
  client = lambdaClient(lamina.url, A);
});

/** A function with versions 1 ("one") and 2 ("two"); $LATEST runs "two". */
async function twoVersions(name: string): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Handler: "main.handler",
      Role: ROLE,
      Code: { ZipFile: await makeZip({ "main.py": handlerPy("one") }) },
      Publish: true,
    }),
  );
  await client.send(
    new UpdateFunctionCodeCommand({
      FunctionName: name,
      ZipFile: await makeZip({ "main.py": handlerPy("two") }),
      Publish: true,
    }),
  );
}

describe("alias lifecycle (§4.1, §4.2)", () => {
  it("create, get, list, update and delete, with AliasArn and RevisionIds (#25, #31, #32, #33)", async () => {
    const name = randomName("fn");
    await twoVersions(name);
    const created = await client.send(
      new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    const body = { ...created, $metadata: undefined };
    expect(body).toEqual({
      $metadata: undefined,
      AliasArn: fnArn(name, "live"),
      Name: "live",
      FunctionVersion: "1",
      Description: "",
      RevisionId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
    const got = await client.send(new GetAliasCommand({ FunctionName: name, Name: "live" }));
    expect({ ...got, $metadata: undefined }).toEqual(body);

    await client.send(
      new CreateAliasCommand({
        FunctionName: name,
        Name: "beta",
        FunctionVersion: "2",
        Description: "beta channel",
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    await client.send(
      new CreateAliasCommand({ FunctionName: fnArn(name), Name: "edge", FunctionVersion: "$LATEST" }),
    );
    const all = await client.send(new ListAliasesCommand({ FunctionName: name }));
    expect(all.Aliases?.map((a) => [a.Name, a.FunctionVersion, a.AliasArn])).toEqual([
      ["beta", "2", fnArn(name, "beta")],
      ["edge", "$LATEST", fnArn(name, "edge")],
      ["live", "1", fnArn(name, "live")],
    ]);
    expect(all.Aliases?.[0]?.RoutingConfig).toBeUndefined();
    const forOne = await client.send(new ListAliasesCommand({ FunctionName: name, FunctionVersion: "1" }));
    expect(forOne.Aliases?.map((a) => a.Name)).toEqual(["live"]);
    const paged = await client.send(new ListAliasesCommand({ FunctionName: name, MaxItems: 2 }));
    expect(paged.Aliases?.map((a) => a.Name)).toEqual(["beta", "edge"]);
    const rest = await client.send(new ListAliasesCommand({ FunctionName: name, Marker: paged.NextMarker }));
    expect(rest.Aliases?.map((a) => a.Name)).toEqual(["live"]);
    expect(rest.NextMarker).toBeUndefined();

    // An update without members still gets a new RevisionId (#32).
    const touched = await client.send(new UpdateAliasCommand({ FunctionName: name, Name: "live" }));
    expect(touched).toMatchObject({ FunctionVersion: "1", Description: "" });
    expect(touched.RevisionId).not.toBe(created.RevisionId);
    await expectLambdaError(
      client.send(
        new UpdateAliasCommand({ FunctionName: name, Name: "live", RevisionId: created.RevisionId }),
      ),
      { name: "PreconditionFailedException", status: 412, message: REVISION_MISMATCH, type: "User" },
    );
    const moved = await client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: "live",
        FunctionVersion: "2",
        Description: "now two",
        RevisionId: touched.RevisionId,
      }),
    );
    expect(moved).toMatchObject({
      FunctionVersion: "2",
      Description: "now two",
      AliasArn: fnArn(name, "live"),
    });

    const deleted = await client.send(new DeleteAliasCommand({ FunctionName: name, Name: "live" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const again = await client.send(new DeleteAliasCommand({ FunctionName: name, Name: "live" }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    await expectLambdaError(client.send(new GetAliasCommand({ FunctionName: name, Name: "live" })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: CANNOT_FIND(fnArn(name, "live")),
      type: "User",
    });
    await expectLambdaError(client.send(new UpdateAliasCommand({ FunctionName: name, Name: "live" })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: ALIAS_NOT_FOUND(fnArn(name, "live")),
      type: "User",
    });
  });

  it("refuses a taken name, digits-only names, missing versions and missing functions (#27–#30)", async () => {
    const name = randomName("fn");
    await twoVersions(name);
    await client.send(
      new CreateAliasCommand({ FunctionName: name, Name: "2024-01-02", FunctionVersion: "1" }),
    );
    await expectLambdaError(
      client.send(new CreateAliasCommand({ FunctionName: name, Name: "2024-01-02", FunctionVersion: "2" })),
      {
        name: "ResourceConflictException",
        status: 409,
        message: ALREADY_EXISTS(fnArn(name, "2024-01-02")),
        type: "User",
      },
    );
    await expectLambdaError(
      client.send(new CreateAliasCommand({ FunctionName: name, Name: "2024", FunctionVersion: "1" })),
      { name: "ValidationException", status: 400, message: DIGITS_NAME },
    );
    await expectLambdaError(
      client.send(new CreateAliasCommand({ FunctionName: name, Name: "x", FunctionVersion: "10" })),
      notFound(fnArn(name, "10")),
    );
    await expectLambdaError(
      client.send(
        new CreateAliasCommand({
          FunctionName: name,
          Name: "x",
          FunctionVersion: "1",
          RoutingConfig: { AdditionalVersionWeights: { "10": 0.5 } },
        }),
      ),
      notFound(fnArn(name, "10")),
    );
    const missing = `${name}-unknown`;
    await expectLambdaError(
      client.send(new CreateAliasCommand({ FunctionName: missing, Name: "x", FunctionVersion: "1" })),
      notFound(fnArn(missing, "1")),
    );
  });

  it("GetFunction through an alias shows the target version under the alias ARN (#34)", async () => {
    const name = randomName("fn");
    await twoVersions(name);
    await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    const v1 = await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1" }));
    for (const input of [{ FunctionName: name, Qualifier: "live" }, { FunctionName: fnArn(name, "live") }]) {
      const got = await client.send(new GetFunctionCommand(input));
      expect(got.Configuration).toMatchObject({
        FunctionArn: fnArn(name, "live"),
        Version: "1",
        RevisionId: v1.Configuration?.RevisionId,
        CodeSha256: v1.Configuration?.CodeSha256,
      });
    }
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "aliasdoesnotexist" })),
      notFound(fnArn(name, "aliasdoesnotexist")),
    );
  });
});

describe("routing configuration (§4.3)", () => {
  const withWeights = (name: string, version: string, weights: Record<string, number>) =>
    client.send(
      new CreateAliasCommand({
        FunctionName: name,
        Name: "routed",
        FunctionVersion: version,
        RoutingConfig: { AdditionalVersionWeights: weights },
      }),
    );

  it("validates weights, keys, their number and $LATEST (#35–#39)", async () => {
    const name = randomName("fn");
    await twoVersions(name);
    await expectLambdaError(withWeights(name, "1", { "2": 0.1, "3": 0.2 }), {
      name: "InvalidParameterValueException",
      status: 400,
      message: TOO_MANY,
      type: "User",
    });
    await expectLambdaError(withWeights(name, "1", { "2": 2 }), {
      name: "ValidationException",
      status: 400,
      message: WEIGHT_RANGE("{2=2.0}"),
    });
    await expectLambdaError(withWeights(name, "1", { "2": -1 }), {
      name: "ValidationException",
      status: 400,
      message: WEIGHT_RANGE("{2=-1.0}"),
    });
    await expectLambdaError(withWeights(name, "1", { $LATEST: 0.5 }), {
      name: "ValidationException",
      status: 400,
      message: WEIGHT_KEY,
    });
    await expectLambdaError(withWeights(name, "1", { "1": 0.5 }), {
      name: "InvalidParameterValueException",
      status: 400,
      message: IN_ROUTING,
      type: "User",
    });
    let caught: unknown;
    await withWeights(name, "$LATEST", { "1": 0.5 }).catch((err: unknown) => (caught = err));
    expect(caught).toMatchObject({
      name: "InvalidParameterValueException",
      message: LATEST_ROUTING,
      $metadata: { httpStatusCode: 400 },
    });
    expect((caught as { Type?: string }).Type).toBeUndefined();

    const routed = await withWeights(name, "1", { "2": 0.25 });
    expect(routed.RoutingConfig).toEqual({ AdditionalVersionWeights: { "2": 0.25 } });
    const cleared = await client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: "routed",
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    expect(cleared.RoutingConfig).toBeUndefined();
  });

  it("invokes through an alias: the routed versions both run, each reported in X-Amz-Executed-Version (#41, #42)", async () => {
    const name = randomName("fn");
    await twoVersions(name);
    await withWeights(name, "1", { "2": 0.5 });
    const seen = new Map<string, string>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      const out = await invoke(client, name, {}, { Qualifier: "routed" });
      const body = JSON.parse(out.payload) as { mark: string; version: string; arn: string };
      expect(body.version).toBe(out.executedVersion);
      expect(body.arn).toBe(fnArn(name, "routed"));
      seen.set(out.executedVersion ?? "", body.mark);
    }
    // With weight 0.5, sixty draws all landing on one side happen once in 2^59 runs.
    expect(Object.fromEntries(seen)).toEqual({ "1": "one", "2": "two" });

    await client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: "routed",
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    for (let i = 0; i < 5; i++) {
      const out = await invoke(client, fnArn(name, "routed"), {});
      expect(out.executedVersion).toBe("1");
    }
    await expectLambdaError(
      invoke(client, name, {}, { Qualifier: "nothere" }),
      notFound(fnArn(name, "nothere")),
    );
  });

  it("the aws CLI: publish-version, create-alias, update-alias and invoke --qualifier", async () => {
    const name = randomName("fn");
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "python3.12",
        Handler: "main.handler",
        Role: ROLE,
        Code: { ZipFile: await makeZip({ "main.py": handlerPy("one") }) },
      }),
    );
    const cli = { url: lamina.url, accountId: A };
    const published = await runAws(["lambda", "publish-version", "--function-name", name], cli);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ Version: "1" });
    const alias = await runAws(
      ["lambda", "create-alias", "--function-name", name, "--name", "prod", "--function-version", "1"],
      cli,
    );
    expect(alias.code).toBe(0);
    expect(JSON.parse(alias.stdout)).toMatchObject({
      AliasArn: fnArn(name, "prod"),
      Name: "prod",
      FunctionVersion: "1",
      Description: "",
    });
    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        ZipFile: await makeZip({ "main.py": handlerPy("two") }),
      }),
    );
    await client.send(new PublishVersionCommand({ FunctionName: name }));
    const out = join(lamina.config.dataDir, `out-${name}.json`);
    const before = await runAws(
      ["lambda", "invoke", "--function-name", name, "--qualifier", "prod", "--payload", "{}", out],
      cli,
    );
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: "1" });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ mark: "one", arn: fnArn(name, "prod") });
    const moved = await runAws(
      ["lambda", "update-alias", "--function-name", name, "--name", "prod", "--function-version", "2"],
      cli,
    );
    expect(JSON.parse(moved.stdout)).toMatchObject({ FunctionVersion: "2" });
    const after = await runAws(
      ["lambda", "invoke", "--function-name", name, "--qualifier", "prod", "--payload", "{}", out],
      cli,
    );
    expect(JSON.parse(after.stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: "2" });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ mark: "two", version: "2" });
    const listed = await runAws(["lambda", "list-aliases", "--function-name", name], cli);
    expect((JSON.parse(listed.stdout) as { Aliases: { Name: string }[] }).Aliases.map((a) => a.Name)).toEqual(
      ["prod"],
    );
  });
});
