/** The function operations through the AWS SDK v3, against docs/reference/aws-function-api.md (§ numbers below). */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaServiceException,
  ListFunctionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateFunctionCommandInput,
  type LambdaClient,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { accessDenied, EMPTY_ZIP, NOT_A_ZIP } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
/** Another account, for cross-account addressing. */
const B = "210987654321";
/** An account only the ListFunctions tests create functions in. */
const L = "555555555555";
const OTHER_REGION = "us-west-2";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;

/** §10: `YYYY-MM-DDThh:mm:ss.sss+0000`. */
const DATE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
/** §10: RevisionId is a UUID. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** §10: `arn:aws:lambda:<region>::runtime:<64-hex>`. */
const RUNTIME_VERSION_ARN_RE = new RegExp(`^arn:aws:lambda:${TEST_REGION}::runtime:[0-9a-f]{64}$`);

// ---- AWS texts (docs/reference/aws-function-api.md) ----

/** §1: the ARN carries `:<qualifier>` only for Get* with a qualifier. */
const notFound = (name: string, qualifier?: string) =>
  `Function not found: arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;
/** §1. */
const DELETE_LATEST = "$LATEST version cannot be deleted without deleting the function.";
/** §2 (sic: "exist"). */
const alreadyExist = (name: string) => `Function already exist: ${name}`;
/** §6: an ARN of another region. */
const unreachable = (arnRegion: string) =>
  `Functions from '${arnRegion}' are not reachable in this region ('${TEST_REGION}')`;
/** §3: the Role pattern as the server quotes it. */
const invalidRole = (role: string) =>
  `1 validation error detected: Value '${role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`;
/**
 * §4b: the runtimes AWS lists for an invalid Runtime. This is LocalStack's newest copy of the recorded list (the
 * one lamina quotes); the 10-04-2024 recording (SNAP-B) lacks python3.13/3.14, nodejs22.x/24.x, java25, ruby3.4.
 */
const CREATABLE_RUNTIMES_TEXT =
  "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java17, nodejs16.x, java25, dotnet8, python3.10, java11, python3.11, dotnet6, java21, nodejs18.x, provided.al2, ruby3.3, ruby3.4, java8.al2, ruby3.2, python3.8, python3.9]";
/** §4b: InvalidParameterValueException, the value unquoted, no "validation error" prefix. */
const invalidRuntime = (runtime: string) =>
  `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ${CREATABLE_RUNTIMES_TEXT} or be a valid ARN`;
/** §4a, variant 2 (the generic wording). */
const deprecatedRuntime = (runtime: string) =>
  `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`;
/** §5: the standard Coral range texts. */
const tooHigh = (member: string, value: number, max: number) =>
  `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`;
/** §5. */
const tooLow = (member: string, value: number, min: number) =>
  `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`;
/** §6: a bare CreateFunction name over 64 characters (an InvalidParameterValueException). */
const nameTooLong = (name: string) =>
  `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`;
/** §6: CreateFunction's FunctionName pattern as the server quotes it (`invalid_function_name_exc`). */
const badNamePattern = (name: string) =>
  `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`;
/** §7 (no trailing period). */
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";
/** §8. */
const reservedKeys = (keys: string) =>
  `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${keys}`;
/** §8: the measured string is the compact JSON of the variables, in request order. */
const environmentTooLarge = (measured: string) =>
  `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`;
/** §9. */
const RUNTIME_AND_HANDLER =
  "Runtime and Handler are mandatory parameters for functions created with deployment packages.";
/** §9 (emulators' consensus). */
const NO_CODE_SOURCE = "Please provide a source for function code.";
/** §9. */
const TWO_ARCHITECTURES =
  "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1";
/** lamina's own text: it runs zip packages only (not an AWS text). */
const IMAGE_UNSUPPORTED =
  "lamina does not support container image functions (PackageType Image); use a .zip package.";

/** §10, the FunctionConfiguration members in the model's order (botocore 1.43.11). */
function configurationKeys(opts: {
  environment?: boolean;
  layers?: boolean;
  state: readonly string[];
  runtimeVersion?: boolean;
}): string[] {
  return [
    "FunctionName",
    "FunctionArn",
    "Runtime",
    "Role",
    "Handler",
    "CodeSize",
    "Description",
    "Timeout",
    "MemorySize",
    "LastModified",
    "CodeSha256",
    "Version",
    ...(opts.environment ? ["Environment"] : []),
    "TracingConfig",
    "RevisionId",
    ...(opts.layers ? ["Layers"] : []),
    ...opts.state,
    "PackageType",
    "Architectures",
    "EphemeralStorage",
    "SnapStart",
    ...(opts.runtimeVersion === false ? [] : ["RuntimeVersionConfig"]),
    "LoggingConfig",
  ];
}
/** §10: CreateFunction's state members. */
const CREATED_STATE = {
  State: "Pending",
  StateReason: "The function is being created.",
  StateReasonCode: "Creating",
};
/** §10: GetFunction(Configuration)'s state members once Active. */
const READ_STATE = { State: "Active", LastUpdateStatus: "Successful" };
/** §10: the Update* responses' state members (sic: "being created"). */
const UPDATED_STATE = {
  State: "Active",
  LastUpdateStatus: "InProgress",
  LastUpdateStatusReason: "The function is being created.",
  LastUpdateStatusReasonCode: "Creating",
};

const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);
const clientB = lambdaClient(lamina.url, B);
let zip: Buffer;
beforeAll(async () => {
  zip = await makeZip({ "index.py": "def handler(event, context):\n    return 1\n" });
});

const arnOf = (name: string, account = A, region = TEST_REGION) =>
  `arn:aws:lambda:${region}:${account}:function:${name}`;
/** A zip nobody else uploads, so its blob's life is this test's alone. */
const uniqueZip = () =>
  makeZip({ "index.py": `# ${randomName("unique")}\ndef handler(e, c):\n    return 2\n` });
const sha256Hex = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function create(
  input: Partial<CreateFunctionCommandInput> & { FunctionName: string },
  as: LambdaClient = client,
) {
  return as.send(
    new CreateFunctionCommand({
      Runtime: "python3.12",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zip },
      ...input,
    }),
  );
}

/** The response without `$metadata`, keys in the order they arrived. */
function bodyOf<T extends { $metadata: unknown }>(out: T): Omit<T, "$metadata"> {
  const { $metadata: _m, ...body } = out;
  return body;
}

/** Downloads a code Location: its status and bytes. */
async function download(location: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(location);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Awaits a call that must fail with a PreconditionFailedException. */
const expectRevisionMismatch = (call: Promise<unknown>) =>
  expectLambdaError(call, {
    name: "PreconditionFailedException",
    status: 412,
    message: REVISION_MISMATCH,
    type: "User",
  });

describe("CreateFunction", () => {
  it("answers 201 with the full configuration in the model's order, defaults filled in (§10)", async () => {
    const name = randomName("fn");
    const out = await create({ FunctionName: name });
    expect(out.$metadata.httpStatusCode).toBe(201);
    const body = bodyOf(out);
    expect(body).toEqual({
      FunctionName: name,
      FunctionArn: arnOf(name),
      Runtime: "python3.12",
      Role: ROLE,
      Handler: "index.handler",
      CodeSize: zip.length,
      Description: "",
      Timeout: 3,
      MemorySize: 128,
      LastModified: expect.stringMatching(DATE_RE) as unknown,
      CodeSha256: codeSha256(zip),
      Version: "$LATEST",
      TracingConfig: { Mode: "PassThrough" },
      RevisionId: expect.stringMatching(UUID_RE) as unknown,
      ...CREATED_STATE,
      PackageType: "Zip",
      Architectures: ["x86_64"],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      RuntimeVersionConfig: { RuntimeVersionArn: expect.stringMatching(RUNTIME_VERSION_ARN_RE) as unknown },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` },
    });
    expect(Object.keys(body)).toEqual(configurationKeys({ state: Object.keys(CREATED_STATE) }));
  });

  it("echoes Environment and Layers where the model puts them, on the SDK and on the wire (§10)", async () => {
    const layerZip = await makeZip({ "python/lib.py": "X = 1\n" });
    const layer = await client.send(
      new PublishLayerVersionCommand({ LayerName: randomName("layer"), Content: { ZipFile: layerZip } }),
    );
    const name = randomName("fn");
    const out = await create({
      FunctionName: name,
      Description: "with extras",
      Timeout: 30,
      MemorySize: 512,
      Architectures: ["arm64"],
      Environment: { Variables: { GREETING: "hi", COUNT: "2" } },
      Layers: [layer.LayerVersionArn ?? ""],
    });
    const body = bodyOf(out);
    expect(body).toMatchObject({
      Description: "with extras",
      Timeout: 30,
      MemorySize: 512,
      Architectures: ["arm64"],
      Environment: { Variables: { GREETING: "hi", COUNT: "2" } },
      Layers: [{ Arn: layer.LayerVersionArn, CodeSize: layerZip.length }],
    });
    const keys = configurationKeys({ environment: true, layers: true, state: Object.keys(CREATED_STATE) });
    expect(Object.keys(body)).toEqual(keys);

    // The SDK rebuilds objects in its own order, so check lamina's own bytes too.
    const raw = await rawRequest(lamina.url, "POST", "/2015-03-31/functions", {
      accountId: A,
      body: JSON.stringify({
        FunctionName: randomName("fn"),
        Runtime: "python3.12",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zip.toString("base64") },
        Environment: { Variables: { KEY: "v" } },
        Layers: [layer.LayerVersionArn],
      }),
    });
    expect(raw.status, raw.body).toBe(201);
    expect(Object.keys(JSON.parse(raw.body) as object)).toEqual(keys);
    const got = await rawRequest(lamina.url, "GET", `/2015-03-31/functions/${name}/configuration`, {
      accountId: A,
    });
    expect(Object.keys(JSON.parse(got.body) as object)).toEqual(
      configurationKeys({ environment: true, layers: true, state: Object.keys(READ_STATE) }),
    );
  });

  it("answers Environment {Variables:{}} for an empty Environment and omits it when not sent (§10)", async () => {
    const withEmpty = await create({ FunctionName: randomName("fn"), Environment: {} });
    expect(withEmpty.Environment).toEqual({ Variables: {} });
    const without = await create({ FunctionName: randomName("fn") });
    expect("Environment" in without).toBe(false);
    expect("Layers" in without).toBe(false);
  });
});

describe("GetFunction and GetFunctionConfiguration", () => {
  it("show the function Active, its code downloadable, and no Tags unless given (§10)", async () => {
    const name = randomName("fn");
    const created = bodyOf(await create({ FunctionName: name }));
    const out = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const body = bodyOf(out);
    expect(Object.keys(body)).toEqual(["Configuration", "Code"]);
    const { State: _s, StateReason: _r, StateReasonCode: _c, ...stable } = created;
    expect(body.Configuration).toEqual({ ...stable, ...READ_STATE });
    expect(Object.keys(body.Configuration ?? {})).toEqual(
      configurationKeys({ state: Object.keys(READ_STATE) }),
    );
    expect(body.Code).toEqual({ RepositoryType: "S3", Location: expect.any(String) as unknown });
    const code = await download(body.Code?.Location ?? "");
    expect(code.status).toBe(200);
    expect(code.bytes.equals(zip)).toBe(true);

    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config.$metadata.httpStatusCode).toBe(200);
    expect(bodyOf(config)).toEqual(body.Configuration);
  });

  it("include Tags when the function has them (§10)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name, Tags: { team: "core", env: "test" } });
    const body = bodyOf(await client.send(new GetFunctionCommand({ FunctionName: name })));
    expect(Object.keys(body)).toEqual(["Configuration", "Code", "Tags"]);
    expect(body.Tags).toEqual({ team: "core", env: "test" });
  });

  it("qualify FunctionArn with Qualifier $LATEST (§10)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    const fn = await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "$LATEST" }));
    expect(fn.Configuration?.FunctionArn).toBe(`${arnOf(name)}:$LATEST`);
    const config = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: "$LATEST" }),
    );
    expect(config.FunctionArn).toBe(`${arnOf(name)}:$LATEST`);
    expect(config.Version).toBe("$LATEST");
  });

  it("address one function by name, full ARN and partial ARN (§6)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    const byName = bodyOf(await client.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
    for (const FunctionName of [arnOf(name), `${A}:function:${name}`]) {
      expect(bodyOf(await client.send(new GetFunctionConfigurationCommand({ FunctionName })))).toEqual(
        byName,
      );
      expect(bodyOf(await client.send(new GetFunctionCommand({ FunctionName }))).Configuration).toEqual(
        byName,
      );
    }
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: arnOf(name), Description: "by arn" }),
    );
    expect([updated.FunctionName, updated.FunctionArn, updated.Description]).toEqual([
      name,
      arnOf(name),
      "by arn",
    ]);
    const code = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: `${A}:function:${name}`, ZipFile: zip }),
    );
    expect(code.FunctionArn).toBe(arnOf(name));
    const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: `${A}:function:${name}` }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(name),
      type: "User",
    });
  });
});

describe("ListFunctions", () => {
  const names = ["fn-c", "fn-a", "fn-e", "fn-b", "fn-d"];
  const sorted = [...names].sort();
  const clientL = lambdaClient(lamina.url, L);
  beforeAll(async () => {
    for (const FunctionName of names) {
      await create({ FunctionName, Role: `arn:aws:iam::${L}:role/r` }, clientL);
    }
  });

  it("lists the caller's functions by name without the state members (§11)", async () => {
    const out = await clientL.send(new ListFunctionsCommand({}));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.Functions?.map((f) => f.FunctionName)).toEqual(sorted);
    expect(out.NextMarker).toBeUndefined();
    const first = bodyOf(await clientL.send(new GetFunctionConfigurationCommand({ FunctionName: "fn-a" })));
    const { State: _s, LastUpdateStatus: _u, RuntimeVersionConfig: _v, ...listed } = first;
    expect(out.Functions?.[0]).toEqual(listed);
    for (const item of out.Functions ?? []) {
      expect(Object.keys(item)).toEqual(configurationKeys({ state: [], runtimeVersion: false }));
      for (const key of [
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
        "RuntimeVersionConfig",
      ]) {
        expect(key in item, key).toBe(false);
      }
    }
  });

  it("pages with MaxItems and Marker: 2, 2, 1, then no NextMarker (§11)", async () => {
    const pages: string[][] = [];
    let marker: string | undefined;
    do {
      const out = await clientL.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      pages.push((out.Functions ?? []).map((f) => f.FunctionName ?? ""));
      marker = out.NextMarker;
    } while (marker !== undefined && pages.length < 10);
    expect(pages).toEqual([sorted.slice(0, 2), sorted.slice(2, 4), sorted.slice(4)]);

    const last = await rawRequest(lamina.url, "GET", "/2015-03-31/functions?MaxItems=5", { accountId: L });
    expect(last.status).toBe(200);
    expect(Object.keys(JSON.parse(last.body) as object)).toEqual(["Functions"]);
  });

  it("refuses MaxItems 10001 (§5 template, §11 range 1–10000)", async () => {
    const res = await rawRequest(lamina.url, "GET", "/2015-03-31/functions?MaxItems=10001", { accountId: L });
    expect([res.status, res.errorType]).toEqual([400, "ValidationException"]);
    expect((JSON.parse(res.body) as { message?: string }).message).toBe(tooHigh("maxItems", 10001, 10000));
  });

  it("lists nothing of them to other accounts or in other regions", async () => {
    const other = await clientB.send(new ListFunctionsCommand({}));
    expect((other.Functions ?? []).filter((f) => names.includes(f.FunctionName ?? ""))).toEqual([]);
    const elsewhere = await lambdaClient(lamina.url, L, OTHER_REGION).send(new ListFunctionsCommand({}));
    expect(elsewhere.Functions).toEqual([]);
  });
});

describe("UpdateFunctionConfiguration", () => {
  it("answers Active/InProgress with the changed members and a new RevisionId (§10)", async () => {
    const name = randomName("fn");
    const created = bodyOf(await create({ FunctionName: name }));
    const out = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Description: "updated",
        Timeout: 60,
        MemorySize: 1024,
        Handler: "index.other",
        Environment: { Variables: { MODE: "prod" } },
        RevisionId: created.RevisionId,
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    const body = bodyOf(out);
    const { State: _s, StateReason: _r, StateReasonCode: _c, ...stable } = created;
    expect(body).toEqual({
      ...stable,
      Description: "updated",
      Timeout: 60,
      MemorySize: 1024,
      Handler: "index.other",
      Environment: { Variables: { MODE: "prod" } },
      LastModified: expect.stringMatching(DATE_RE) as unknown,
      RevisionId: expect.stringMatching(UUID_RE) as unknown,
      ...UPDATED_STATE,
    });
    expect(body.RevisionId).not.toBe(created.RevisionId);
    expect(Object.keys(body)).toEqual(
      configurationKeys({ environment: true, state: Object.keys(UPDATED_STATE) }),
    );

    const after = bodyOf(await client.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
    const { LastUpdateStatusReason: _lr, LastUpdateStatusReasonCode: _lc, ...updated } = body;
    expect(after).toEqual({ ...updated, ...READ_STATE });
  });

  it("checks RevisionId: a stale one fails with 412, the current one passes (§7)", async () => {
    const name = randomName("fn");
    const created = await create({ FunctionName: name });
    const first = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Timeout: 10,
        RevisionId: created.RevisionId,
      }),
    );
    await expectRevisionMismatch(
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Timeout: 20,
          RevisionId: created.RevisionId,
        }),
      ),
    );
    await expectRevisionMismatch(
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Timeout: 20,
          RevisionId: "00000000-0000-0000-0000-000000000000",
        }),
      ),
    );
    const still = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect([still.Timeout, still.RevisionId]).toEqual([10, first.RevisionId]);
    const second = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Timeout: 20,
        RevisionId: first.RevisionId,
      }),
    );
    expect(second.$metadata.httpStatusCode).toBe(200);
    expect(second.Timeout).toBe(20);
  });

  it("refuses a bad role and an invalid runtime with the create texts (§3, §4b)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    await expectLambdaError(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Role: "r1" })),
      { name: "ValidationException", status: 400, message: invalidRole("r1") },
    );
    for (const runtime of ["non-existent-runtime", "PYTHON3.9"]) {
      await expectLambdaError(
        client.send(
          new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: runtime as Runtime }),
        ),
        {
          name: "InvalidParameterValueException",
          status: 400,
          message: invalidRuntime(runtime),
          type: "User",
        },
      );
    }
  });
});

describe("UpdateFunctionCode", () => {
  it("replaces the code: new CodeSha256, CodeSize and RevisionId; the old code stops downloading (§10)", async () => {
    const name = randomName("fn");
    const oldZip = await uniqueZip();
    const created = await create({ FunctionName: name, Code: { ZipFile: oldZip } });
    const oldLocation =
      (await client.send(new GetFunctionCommand({ FunctionName: name }))).Code?.Location ?? "";
    expect((await download(oldLocation)).bytes.equals(oldZip)).toBe(true);

    const newZip = await uniqueZip();
    const out = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: newZip, RevisionId: created.RevisionId }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    const body = bodyOf(out);
    const { State: _s, StateReason: _r, StateReasonCode: _c, ...stable } = bodyOf(created);
    expect(body).toEqual({
      ...stable,
      CodeSha256: codeSha256(newZip),
      CodeSize: newZip.length,
      LastModified: expect.stringMatching(DATE_RE) as unknown,
      RevisionId: expect.stringMatching(UUID_RE) as unknown,
      ...UPDATED_STATE,
    });
    expect(body.RevisionId).not.toBe(created.RevisionId);
    expect(Object.keys(body)).toEqual(configurationKeys({ state: Object.keys(UPDATED_STATE) }));

    const fn = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect([fn.Configuration?.CodeSha256, fn.Configuration?.RevisionId]).toEqual([
      codeSha256(newZip),
      body.RevisionId,
    ]);
    expect((await download(fn.Code?.Location ?? "")).bytes.equals(newZip)).toBe(true);
    expect((await download(oldLocation)).status).toBe(404);
  });

  it("with DryRun checks the code without changing anything", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    const before = bodyOf(await client.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
    const candidate = await uniqueZip();
    const dry = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: candidate, DryRun: true }),
    );
    expect(dry.$metadata.httpStatusCode).toBe(200);
    await expectLambdaError(
      client.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: Buffer.from("not a zip"),
          DryRun: true,
        }),
      ),
      { name: "InvalidParameterValueException", status: 400, message: NOT_A_ZIP, type: "User" },
    );
    expect(bodyOf(await client.send(new GetFunctionConfigurationCommand({ FunctionName: name })))).toEqual(
      before,
    );
    expect((await download(`${lamina.url}/_lamina/code/${sha256Hex(candidate)}`)).status).toBe(404);
  });

  it("refuses a file that is not a zip, and an empty zip (§9)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    await expectLambdaError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: Buffer.from("not a zip") })),
      { name: "InvalidParameterValueException", status: 400, message: NOT_A_ZIP, type: "User" },
    );
    await expectLambdaError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await makeZip({}) })),
      { name: "InvalidParameterValueException", status: 400, message: EMPTY_ZIP, type: "User" },
    );
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config.CodeSha256).toBe(codeSha256(zip));
  });

  it("checks RevisionId (§7)", async () => {
    const name = randomName("fn");
    const created = await create({ FunctionName: name });
    await expectRevisionMismatch(
      client.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ZipFile: await uniqueZip(),
          RevisionId: "00000000-0000-0000-0000-000000000000",
        }),
      ),
    );
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(config.RevisionId).toBe(created.RevisionId);
    const ok = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip, RevisionId: created.RevisionId }),
    );
    expect(ok.$metadata.httpStatusCode).toBe(200);
  });
});

describe("DeleteFunction", () => {
  it("answers 204, then the function is gone; a second delete is the same 404 (§1, §11)", async () => {
    const name = randomName("fn");
    const ownZip = await uniqueZip();
    await create({ FunctionName: name, Code: { ZipFile: ownZip } });
    const location = (await client.send(new GetFunctionCommand({ FunctionName: name }))).Code?.Location ?? "";
    const out = await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    const gone = { name: "ResourceNotFoundException", status: 404, message: notFound(name), type: "User" };
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name })), gone);
    await expectLambdaError(client.send(new DeleteFunctionCommand({ FunctionName: name })), gone);
    expect((await download(location)).status).toBe(404);
  });

  it("refuses Qualifier $LATEST and keeps the function (§1)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    await expectLambdaError(
      client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "$LATEST" })),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: DELETE_LATEST,
        type: "User",
      },
    );
    const still = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(still.FunctionName).toBe(name);
  });
});

describe("errors", () => {
  it("refuses a duplicate create with 409 (§2)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    await expectLambdaError(create({ FunctionName: name }), {
      name: "ResourceConflictException",
      status: 409,
      message: alreadyExist(name),
      type: "User",
    });
  });

  it("answers 404 for a missing function, qualified only for Get* with a qualifier (§1)", async () => {
    const name = randomName("missing");
    const missing = (qualifier?: string) => ({
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(name, qualifier),
      type: "User",
    });
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name })), missing());
    await expectLambdaError(
      client.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
      missing(),
    );
    await expectLambdaError(
      client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "$LATEST" })),
      missing("$LATEST"),
    );
    await expectLambdaError(
      client.send(
        new GetFunctionConfigurationCommand({ FunctionName: `${name}:$LATEST`, Qualifier: "$LATEST" }),
      ),
      missing("$LATEST"),
    );
    await expectLambdaError(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 5 })),
      missing(),
    );
    await expectLambdaError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip })),
      missing(),
    );
    await expectLambdaError(client.send(new DeleteFunctionCommand({ FunctionName: name })), missing());
    await expectLambdaError(
      client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "1" })),
      missing(),
    );
  });

  it("answers 404 for a missing version of an existing function, qualified (§1)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1221" })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(name, "1221"),
      type: "User",
    });
  });

  it("answers 404 for an ARN of another region (§6)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name });
    const arn = arnOf(name, A, OTHER_REGION);
    const unreachableError = {
      name: "ResourceNotFoundException",
      status: 404,
      message: unreachable(OTHER_REGION),
      type: "User",
    };
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: arn })), unreachableError);
    await expectLambdaError(
      client.send(new GetFunctionConfigurationCommand({ FunctionName: arn })),
      unreachableError,
    );
    await expectLambdaError(client.send(new DeleteFunctionCommand({ FunctionName: arn })), unreachableError);
    await expectLambdaError(create({ FunctionName: arn }), unreachableError);
  });

  it("denies creating under another account's ARN with 403 and a null Message (§6)", async () => {
    const err = await create({ FunctionName: arnOf(randomName("fn"), B) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The SDK has no text for a null Message; the raw request below checks the body itself.
    expect(err).toBeInstanceOf(LambdaServiceException);
    const e = err as LambdaServiceException;
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["AccessDeniedException", 403]);
    const raw = await rawRequest(lamina.url, "POST", "/2015-03-31/functions", {
      accountId: A,
      body: JSON.stringify({
        FunctionName: arnOf(randomName("fn"), B),
        Runtime: "python3.12",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zip.toString("base64") },
      }),
    });
    expect([raw.status, raw.errorType, raw.body]).toEqual([403, "AccessDeniedException", '{"Message":null}']);
  });

  it("denies reading another account's function that no policy shares (aws-deploy-api.md §5.3)", async () => {
    const name = randomName("fn");
    await create({ FunctionName: name }, clientB);
    const arn = arnOf(name, B);
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: arn })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(A, arn, "GetFunction"),
    });
    const rawGet = await rawRequest(lamina.url, "GET", `/2015-03-31/functions/${encodeURIComponent(arn)}`, {
      accountId: A,
    });
    expect([rawGet.status, rawGet.errorType, rawGet.body]).toEqual([
      403,
      "AccessDeniedException",
      JSON.stringify({ Message: accessDenied(A, arn, "GetFunction") }),
    ]);
  });

  it("refuses a role that is not an IAM role ARN (§3)", async () => {
    await expectLambdaError(create({ FunctionName: randomName("fn"), Role: "r1" }), {
      name: "ValidationException",
      status: 400,
      message: invalidRole("r1"),
    });
  });

  it("refuses an invalid runtime with an InvalidParameterValueException (§4b)", async () => {
    for (const runtime of ["non-existent-runtime", "PYTHON3.9"]) {
      await expectLambdaError(create({ FunctionName: randomName("fn"), Runtime: runtime as Runtime }), {
        name: "InvalidParameterValueException",
        status: 400,
        message: invalidRuntime(runtime),
        type: "User",
      });
    }
  });

  it.each([
    ["Timeout", 901, tooHigh("timeout", 901, 900)],
    ["Timeout", 0, tooLow("timeout", 0, 1)],
    ["MemorySize", 127, tooLow("memorySize", 127, 128)],
    ["MemorySize", 10241, tooHigh("memorySize", 10241, 10240)],
  ] as const)("refuses %s %i out of range (§5)", async (member, value, message) => {
    await expectLambdaError(create({ FunctionName: randomName("fn"), [member]: value }), {
      name: "ValidationException",
      status: 400,
      message,
    });
  });

  it("refuses a bare name over 64 characters and a name off the pattern (§6)", async () => {
    const long = "a".repeat(65);
    await expectLambdaError(create({ FunctionName: long }), {
      name: "InvalidParameterValueException",
      status: 400,
      message: nameTooLong(long),
      type: "User",
    });
    await expectLambdaError(create({ FunctionName: "invalid:function:name" }), {
      name: "ValidationException",
      status: 400,
      message: badNamePattern("invalid:function:name"),
    });
  });

  it("refuses a zip package without Runtime or Handler (§9)", async () => {
    const error = { name: "InvalidParameterValueException", status: 400, message: RUNTIME_AND_HANDLER };
    await expectLambdaError(create({ FunctionName: randomName("fn"), Runtime: undefined }), error);
    await expectLambdaError(create({ FunctionName: randomName("fn"), Handler: undefined }), error);
  });

  it("refuses missing, S3, invalid and empty code (§9)", async () => {
    const invalid = (message: string) => ({
      name: "InvalidParameterValueException",
      status: 400,
      message,
      type: "User",
    });
    await expectLambdaError(create({ FunctionName: randomName("fn"), Code: {} }), invalid(NO_CODE_SOURCE));
    await expectLambdaError(
      create({ FunctionName: randomName("fn"), Code: { ZipFile: Buffer.from("not a zip") } }),
      invalid(NOT_A_ZIP),
    );
    await expectLambdaError(
      create({ FunctionName: randomName("fn"), Code: { ZipFile: await makeZip({}) } }),
      invalid(EMPTY_ZIP),
    );
  });

  it("refuses reserved environment keys and variables over 4 KB (§8)", async () => {
    await expectLambdaError(
      create({ FunctionName: randomName("fn"), Environment: { Variables: { OK: "1", AWS_REGION: "x" } } }),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: reservedKeys("AWS_REGION"),
        type: "User",
      },
    );
    const large = "x".repeat(4096);
    await expectLambdaError(
      create({
        FunctionName: randomName("fn"),
        Environment: { Variables: { SMALL_VAR: "ok", LARGE_VAR: large } },
      }),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: environmentTooLarge(`{"SMALL_VAR":"ok","LARGE_VAR":"${large}"}`),
        type: "User",
      },
    );
  });

  it("accepts variables of exactly 4096 bytes and refuses 4097 (§8, LS-CODE's threshold)", async () => {
    // `{"AB":"` + value + `"}` is 9 bytes of JSON around the value.
    const fits = await create({
      FunctionName: randomName("fn"),
      Environment: { Variables: { AB: "y".repeat(4087) } },
    });
    expect(fits.Environment?.Variables?.AB).toHaveLength(4087);
    const value = "y".repeat(4088);
    await expectLambdaError(
      create({ FunctionName: randomName("fn"), Environment: { Variables: { AB: value } } }),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: environmentTooLarge(`{"AB":"${value}"}`),
        type: "User",
      },
    );
  });

  it("refuses two architectures (§9)", async () => {
    await expectLambdaError(create({ FunctionName: randomName("fn"), Architectures: ["x86_64", "arm64"] }), {
      name: "ValidationException",
      status: 400,
      message: TWO_ARCHITECTURES,
    });
  });

  it("refuses container image functions (lamina's own text)", async () => {
    await expectLambdaError(
      create({
        FunctionName: randomName("fn"),
        PackageType: "Image",
        Runtime: undefined,
        Handler: undefined,
        Code: { ImageUri: `${A}.dkr.ecr.${TEST_REGION}.amazonaws.com/repo:latest` },
      }),
      { name: "InvalidParameterValueException", status: 400, message: IMAGE_UNSUPPORTED, type: "User" },
    );
  });
});

describe("runtime policy", () => {
  it("accepts deprecated runtimes by default", async () => {
    const out = await create({ FunctionName: randomName("fn"), Runtime: "python3.7" });
    expect(out.Runtime).toBe("python3.7");
  });

  it("refuses them under runtimePolicy aws, at create and at update (§4a)", async () => {
    const strict = await startTestServer({ runtimePolicy: "aws" });
    const strictClient = lambdaClient(strict.url, A);
    const refused = {
      name: "InvalidParameterValueException",
      status: 400,
      message: deprecatedRuntime("python3.7"),
      type: "User",
    };
    await expectLambdaError(
      create({ FunctionName: randomName("fn"), Runtime: "python3.7" }, strictClient),
      refused,
    );
    const name = randomName("fn");
    const ok = await create({ FunctionName: name, Runtime: "python3.12" }, strictClient);
    expect(ok.Runtime).toBe("python3.12");
    await expectLambdaError(
      strictClient.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: "python3.7" })),
      refused,
    );
  });
});

describe("concurrency", () => {
  it("lets exactly one of 10 updates with the same RevisionId through (§7)", async () => {
    const name = randomName("fn");
    const created = await create({ FunctionName: name });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        client.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: name,
            Description: `update ${i}`,
            RevisionId: created.RevisionId,
          }),
        ),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        await expectRevisionMismatch(Promise.reject(r.reason as Error));
      }
    }
    const final = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(final.RevisionId).toBe(won[0]?.status === "fulfilled" ? won[0].value.RevisionId : "");
  });

  it("creates a name once out of 10 parallel creates; the rest get 409 (§2)", async () => {
    const name = randomName("fn");
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => create({ FunctionName: name })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect(won[0]?.status === "fulfilled" && won[0].value.$metadata.httpStatusCode).toBe(201);
    for (const r of results) {
      if (r.status === "rejected") {
        await expectLambdaError(Promise.reject(r.reason as Error), {
          name: "ResourceConflictException",
          status: 409,
          message: alreadyExist(name),
          type: "User",
        });
      }
    }
  });
});
