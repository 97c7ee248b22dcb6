/**
 * Event-invoke configs through the AWS SDK v3 and the `aws` CLI, against `docs/reference/aws-deploy-api.md` §9
 * (#67–#75), and their effect on `Event` invokes of real Python functions: MaximumRetryAttempts and
 * MaximumEventAgeInSeconds govern the retries. The server waits 300 ms before each retry (AWS: about one and two
 * minutes) through its private `eventRetryDelaysMs` option, and its clock can be moved forward to age events.
 */
import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke, pollFor, readFunctionLog } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import type { Lamina } from "../../src/index.js";

const A = "123456789012";
const arnOf = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

// ---- AWS texts (docs/reference/aws-deploy-api.md) ----

/** §9 #70. */
const NOTHING_TO_SET = "You must specify at least one of error handling or destination setting.";
/** §9 #71. */
const NO_FUNCTION = "The function doesn't exist.";
/** §9 #72. */
const noConfig = (qualifiedArn: string) => `The function ${qualifiedArn} doesn't have an EventInvokeConfig`;
/** §9 #73. */
const invalidDestination = (arn: string) => `The destination ARN ${arn} is invalid.`;
/** §9 #73. */
const SELF_DESTINATION = "You can't specify the function as a destination for itself.";
/** §9 #73: a service that cannot be a destination, given as OnSuccess. */
const invalidConfig = (arn: string) =>
  `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${arn}), onFailure=null) is invalid.`;
/** §1.5. */
const QUALIFIER_MISMATCH =
  "The derived qualifier from the function name does not match the specified qualifier.";
/** §9 #75: INFERRED, the model's range texts. */
const outOfRange = (value: number, member: string, constraint: string) =>
  `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value ${constraint}`;

const FAILING_PY = `def handler(event, context):
    print("attempt " + event["tag"])
    raise ValueError("always fails")
`;

let lamina: Lamina;
let client: LambdaClient;
/** How far the server's clock runs ahead of the real one. */
let clockOffsetMs = 0;

beforeAll(async () => {
  lamina = await startTestServer({
    eventRetryDelaysMs: [300, 300],
    clock: () => new Date(Date.now() + clockOffsetMs),
  });
  client = lambdaClient(lamina.url, A);
});

async function newFunction(): Promise<string> {
  const name = randomName("eic");
  await createFunction(client, A, name, {
    runtime: "python3.12",
    handler: "fail.handler",
    files: { "fail.py": FAILING_PY },
  });
  return name;
}

describe("lifecycle (§9 #67, #68, #74)", () => {
  it("Put without Qualifier is $LATEST's; Put replaces, Update merges; Get, List and Delete", async () => {
    const name = await newFunction();
    const before = Date.now() / 1000;
    const put = await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    const { $metadata: _m, LastModified, ...rest } = put;
    expect(rest).toEqual({
      FunctionArn: arnOf(name, "$LATEST"),
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
    // §1.2: epoch seconds on the wire, which the SDK reads as a Date.
    expect(LastModified).toBeInstanceOf(Date);
    expect((LastModified?.getTime() ?? 0) / 1000).toBeGreaterThanOrEqual(Math.floor(before));

    const replaced = await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 60 }),
    );
    expect(replaced.MaximumRetryAttempts).toBeUndefined();
    expect(replaced.MaximumEventAgeInSeconds).toBe(60);

    const updated = await client.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: name,
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 1,
      }),
    );
    expect([updated.MaximumRetryAttempts, updated.MaximumEventAgeInSeconds]).toEqual([1, 60]);

    const got = await client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: arnOf(name) }));
    expect([got.FunctionArn, got.MaximumRetryAttempts, got.MaximumEventAgeInSeconds]).toEqual([
      arnOf(name, "$LATEST"),
      1,
      60,
    ]);
    const listed = await client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    expect(listed.FunctionEventInvokeConfigs?.map((c) => [c.FunctionArn, c.MaximumRetryAttempts])).toEqual([
      [arnOf(name, "$LATEST"), 1],
    ]);
    expect(listed.NextMarker).toBeUndefined();

    const deleted = await client.send(
      new DeleteFunctionEventInvokeConfigCommand({ FunctionName: `${name}:$LATEST` }),
    );
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const empty = await client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    expect(empty.FunctionEventInvokeConfigs).toEqual([]);
    await expectLambdaError(client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: noConfig(arnOf(name, "$LATEST")),
      type: "User",
    });
  });

  it("destinations are stored and returned; an empty side stays {}", async () => {
    const name = await newFunction();
    const other = await newFunction();
    const queue = `arn:aws:sqs:${TEST_REGION}:${A}:failures`;
    const out = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        DestinationConfig: { OnSuccess: { Destination: arnOf(other) }, OnFailure: { Destination: queue } },
      }),
    );
    expect(out.DestinationConfig).toEqual({
      OnSuccess: { Destination: arnOf(other) },
      OnFailure: { Destination: queue },
    });
    const onlySuccess = await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, DestinationConfig: { OnSuccess: {} } }),
    );
    expect(onlySuccess.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });
  });
});

describe("errors (§9 #69–#75)", () => {
  let name: string;
  beforeAll(async () => {
    name = await newFunction();
  });

  it("Put with nothing to set is refused before the function is looked up", async () => {
    for (const FunctionName of [name, randomName("none")]) {
      await expectLambdaError(client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName })), {
        name: "InvalidParameterValueException",
        status: 400,
        message: NOTHING_TO_SET,
      });
    }
  });

  it("a missing function: Put, Update and List say it does not exist; Get and Delete that it has no config", async () => {
    const missing = randomName("none");
    const notExist = { name: "ResourceNotFoundException", status: 404, message: NO_FUNCTION };
    await expectLambdaError(
      client.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: missing, MaximumRetryAttempts: 1 }),
      ),
      notExist,
    );
    await expectLambdaError(
      client.send(
        new UpdateFunctionEventInvokeConfigCommand({ FunctionName: missing, MaximumRetryAttempts: 1 }),
      ),
      notExist,
    );
    await expectLambdaError(
      client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: missing })),
      notExist,
    );
    const none = {
      name: "ResourceNotFoundException",
      status: 404,
      message: noConfig(arnOf(missing, "$LATEST")),
    };
    await expectLambdaError(
      client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: missing })),
      none,
    );
    await expectLambdaError(
      client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: missing })),
      none,
    );
  });

  it("a qualifier that does not exist: Put says the function does not exist; Get, Update, Delete name it", async () => {
    // Until lamina publishes versions and aliases, every qualifier but $LATEST is one that does not exist.
    for (const qualifier of ["doesnotexist", "1221"]) {
      await expectLambdaError(
        client.send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: name,
            Qualifier: qualifier,
            MaximumRetryAttempts: 1,
          }),
        ),
        { name: "ResourceNotFoundException", status: 404, message: NO_FUNCTION },
      );
      const none = {
        name: "ResourceNotFoundException",
        status: 404,
        message: noConfig(arnOf(name, qualifier)),
      };
      await expectLambdaError(
        client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: `${name}:${qualifier}` })),
        none,
      );
      await expectLambdaError(
        client.send(
          new UpdateFunctionEventInvokeConfigCommand({
            FunctionName: name,
            Qualifier: qualifier,
            MaximumRetryAttempts: 1,
          }),
        ),
        none,
      );
      await expectLambdaError(
        client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier })),
        none,
      );
    }
  });

  it("a qualifier in the name must match the Qualifier member (equal ones are accepted)", async () => {
    await expectLambdaError(
      client.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: `${name}:$LATEST`,
          Qualifier: "other",
          MaximumRetryAttempts: 1,
        }),
      ),
      { name: "InvalidParameterValueException", status: 400, message: QUALIFIER_MISMATCH },
    );
    const ok = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: `${name}:$LATEST`,
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 1,
      }),
    );
    expect(ok.FunctionArn).toBe(arnOf(name, "$LATEST"));
  });

  it("destinations: a missing function, the function itself, and a service that cannot receive results", async () => {
    const missingFn = `arn:aws:lambda:${TEST_REGION}:${A}:function:doesnotexist`;
    const role = `arn:aws:iam:${TEST_REGION}:${A}:function:${name}`;
    const cases: [string, string][] = [
      [missingFn, invalidDestination(missingFn)],
      [arnOf(name), SELF_DESTINATION],
      [role, invalidConfig(role)],
    ];
    for (const [Destination, message] of cases) {
      await expectLambdaError(
        client.send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: name,
            DestinationConfig: { OnSuccess: { Destination } },
          }),
        ),
        { name: "InvalidParameterValueException", status: 400, message, type: "User" },
      );
    }
  });

  it("out-of-range retry attempts and event age are validation errors (INFERRED texts, #75)", async () => {
    const cases: [Partial<Record<"MaximumRetryAttempts" | "MaximumEventAgeInSeconds", number>>, string][] = [
      [{ MaximumRetryAttempts: 3 }, outOfRange(3, "maximumRetryAttempts", "less than or equal to 2")],
      [
        { MaximumEventAgeInSeconds: 59 },
        outOfRange(59, "maximumEventAgeInSeconds", "greater than or equal to 60"),
      ],
      [
        { MaximumEventAgeInSeconds: 21601 },
        outOfRange(21601, "maximumEventAgeInSeconds", "less than or equal to 21600"),
      ],
    ];
    for (const [members, message] of cases) {
      await expectLambdaError(
        client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, ...members })),
        { name: "ValidationException", status: 400, message },
      );
    }
  });
});

describe("Event invokes follow the config", () => {
  /** How many attempts of the event tagged `tag` the function's log shows. */
  const attempts = (name: string, tag: string) =>
    readFunctionLog(lamina, A, name)
      .split("\n")
      .filter((l) => l === `attempt ${tag}`).length;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));

  it("without a config a failing event runs three times (the first attempt and two retries)", async () => {
    const name = await newFunction();
    expect((await invoke(client, name, { tag: "default" }, { InvocationType: "Event" })).status).toBe(202);
    await pollFor(
      () => attempts(name, "default"),
      (n) => n >= 3,
      20_000,
    );
    await settle();
    expect(attempts(name, "default")).toBe(3);
  });

  it("MaximumRetryAttempts 1 gives two attempts, 0 only one", async () => {
    for (const [retries, expected] of [
      [1, 2],
      [0, 1],
    ] as const) {
      const name = await newFunction();
      await client.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: retries }),
      );
      await invoke(client, name, { tag: `r${retries}` }, { InvocationType: "Event" });
      await pollFor(
        () => attempts(name, `r${retries}`),
        (n) => n >= expected,
        20_000,
      );
      await settle();
      expect(attempts(name, `r${retries}`)).toBe(expected);
    }
  });

  it("an event older than MaximumEventAgeInSeconds is dropped instead of retried", async () => {
    const name = await newFunction();
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 60,
      }),
    );
    // The first attempt starts before the 202; then the event ages two minutes before its first retry is due.
    await invoke(client, name, { tag: "aged" }, { InvocationType: "Event" });
    clockOffsetMs = 120_000;
    try {
      await pollFor(
        () => attempts(name, "aged"),
        (n) => n >= 1,
        20_000,
      );
      await settle();
      expect(attempts(name, "aged")).toBe(1);
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe("the aws CLI", () => {
  it("put-, get-, update-, list- and delete-function-event-invoke-config", async () => {
    const name = await newFunction();
    const cli = (...args: string[]) =>
      runAws(["lambda", ...args, "--function-name", name], { url: lamina.url, accountId: A });
    const put = await cli("put-function-event-invoke-config", "--maximum-retry-attempts", "0");
    expect(put.code).toBe(0);
    const putOut = JSON.parse(put.stdout) as Record<string, unknown>;
    expect(typeof putOut.LastModified).toBe("number");
    expect({ ...putOut, LastModified: undefined }).toEqual({
      LastModified: undefined,
      FunctionArn: arnOf(name, "$LATEST"),
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
    const update = await cli("update-function-event-invoke-config", "--maximum-event-age-in-seconds", "3600");
    expect(JSON.parse(update.stdout)).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
    });
    const got = await cli("get-function-event-invoke-config", "--qualifier", "$LATEST");
    expect(JSON.parse(got.stdout)).toMatchObject({
      FunctionArn: arnOf(name, "$LATEST"),
      MaximumEventAgeInSeconds: 3600,
    });
    const listed = JSON.parse((await cli("list-function-event-invoke-configs")).stdout) as {
      FunctionEventInvokeConfigs: unknown[];
    };
    expect(listed.FunctionEventInvokeConfigs).toHaveLength(1);
    expect(await cli("delete-function-event-invoke-config")).toMatchObject({ code: 0, stdout: "" });
    const after = await cli("get-function-event-invoke-config");
    expect(after.code).toBe(255);
    expect(after.stderr).toContain(noConfig(arnOf(name, "$LATEST")));
  });
});
