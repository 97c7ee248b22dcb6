/**
 * Reserved concurrency: Put/Get/DeleteFunctionConcurrency through the AWS SDK v3 and the `aws` CLI, and its effect
 * on Invoke with real Python functions, against `docs/reference/aws-deploy-api.md` §8 (#61–#66).
 */
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaServiceException,
  PutFunctionConcurrencyCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke, pollFor, readFunctionLog, type Invoked } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import type { Lamina } from "../../src/index.js";

const A = "123456789012";
const arnOf = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

// ---- AWS texts (docs/reference/aws-deploy-api.md §8) ----

/** #63: Put names `:$LATEST`, Get the unqualified ARN. */
const notFound = (arn: string) => `Function not found: ${arn}`;
/** #64. */
const QUALIFIED =
  "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.";
/** #65 (the number is masked in the recording; 100 is the documented minimum), a body without `Type`. */
const BELOW_MINIMUM =
  "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";
/** #66: Invoke over the reservation. */
const RATE_EXCEEDED = "Rate Exceeded.";
const THROTTLE_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded";

const SLOW_PY = `import time


def handler(event, context):
    time.sleep(event.get("seconds", 0))
    print("ran " + event.get("tag", ""))
    return "done"
`;

let lamina: Lamina;
let client: LambdaClient;

beforeAll(async () => {
  lamina = await startTestServer();
  client = lambdaClient(lamina.url, A);
});

async function newFunction(): Promise<string> {
  const name = randomName("conc");
  await createFunction(client, A, name, {
    runtime: "python3.12",
    handler: "slow.handler",
    files: { "slow.py": SLOW_PY },
    timeout: 30,
  });
  return name;
}

const put = (name: string, n: number) =>
  client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: n }));

/** Checks a throttled invoke: 429 TooManyRequestsException with AWS's text, `Type` and `Reason`. */
function expectThrottled(err: unknown): void {
  expect(err).toBeInstanceOf(LambdaServiceException);
  const e = err as LambdaServiceException & { Type?: string; Reason?: string };
  expect({
    name: e.name,
    status: e.$metadata.httpStatusCode,
    message: e.message,
    type: e.Type,
    reason: e.Reason,
  }).toEqual({
    name: "TooManyRequestsException",
    status: 429,
    message: RATE_EXCEEDED,
    type: "User",
    reason: THROTTLE_REASON,
  });
}

/** Invokes `name` synchronously and checks it is throttled. */
async function expectInvokeThrottled(name: string): Promise<void> {
  let caught: unknown;
  try {
    await invoke(client, name, { tag: "never" });
  } catch (err) {
    caught = err;
  }
  expectThrottled(caught);
}

describe("Put / Get / Delete (§8 #61–#65)", () => {
  it("Put 0 and 1 answer the value; Get shows it, GetFunction too; Delete → 204, then Get → {}", async () => {
    const name = await newFunction();
    expect(await client.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).not.toHaveProperty(
      "ReservedConcurrentExecutions",
    );
    for (const n of [0, 1]) {
      const out = await put(name, n);
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.ReservedConcurrentExecutions).toBe(n);
      const got = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: arnOf(name) }));
      expect(got.ReservedConcurrentExecutions).toBe(n);
      const fn = await client.send(new GetFunctionCommand({ FunctionName: name }));
      expect(fn.Concurrency).toEqual({ ReservedConcurrentExecutions: n });
    }
    const deleted = await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const after = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
    expect(after.ReservedConcurrentExecutions).toBeUndefined();
    expect((await client.send(new GetFunctionCommand({ FunctionName: name }))).Concurrency).toBeUndefined();
  });

  it("a missing function: Put names :$LATEST, Get the unqualified ARN", async () => {
    const missing = randomName("none");
    for (const n of [0, 5]) {
      await expectLambdaError(put(missing, n), {
        name: "ResourceNotFoundException",
        status: 404,
        message: notFound(arnOf(missing, "$LATEST")),
        type: "User",
      });
    }
    await expectLambdaError(client.send(new GetFunctionConcurrencyCommand({ FunctionName: missing })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(arnOf(missing)),
    });
  });

  it("a qualified ARN is refused", async () => {
    const name = await newFunction();
    for (const q of ["$LATEST", "1"]) {
      await expectLambdaError(put(arnOf(name, q), 1), {
        name: "InvalidParameterValueException",
        status: 400,
        message: QUALIFIED,
      });
    }
  });

  it("a reservation leaving fewer than 100 unreserved is refused (no Type in the body); 0 always works", async () => {
    const account = "100000000009";
    const other = lambdaClient(lamina.url, account);
    const names = [randomName("conc"), randomName("conc")];
    for (const name of names) {
      await createFunction(other, account, name, {
        runtime: "python3.12",
        handler: "slow.handler",
        files: { "slow.py": SLOW_PY },
      });
    }
    const putIn = (name: string | undefined, n: number) =>
      other.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: n }));
    for (const n of [901, 1000, 1001]) {
      await expectLambdaError(putIn(names[0], n), {
        name: "InvalidParameterValueException",
        status: 400,
        message: BELOW_MINIMUM,
      });
    }
    let typed: unknown = "unset";
    try {
      await putIn(names[0], 1000);
    } catch (err) {
      typed = (err as { Type?: unknown }).Type;
    }
    expect(typed).toBeUndefined();
    expect((await putIn(names[0], 900)).ReservedConcurrentExecutions).toBe(900);
    await expectLambdaError(putIn(names[1], 1), {
      name: "InvalidParameterValueException",
      status: 400,
      message: BELOW_MINIMUM,
    });
    expect((await putIn(names[1], 0)).ReservedConcurrentExecutions).toBe(0);
    // Changing a function's own reservation does not count its old value.
    expect((await putIn(names[0], 850)).ReservedConcurrentExecutions).toBe(850);
    expect((await putIn(names[1], 50)).ReservedConcurrentExecutions).toBe(50);
  });

  it("the aws CLI: put-, get- and delete-function-concurrency", async () => {
    const name = await newFunction();
    const cli = (...args: string[]) =>
      runAws(["lambda", ...args, "--function-name", name], { url: lamina.url, accountId: A });
    const putOut = await cli("put-function-concurrency", "--reserved-concurrent-executions", "7");
    expect(putOut.code).toBe(0);
    expect(JSON.parse(putOut.stdout)).toEqual({ ReservedConcurrentExecutions: 7 });
    expect(JSON.parse((await cli("get-function-concurrency")).stdout)).toEqual({
      ReservedConcurrentExecutions: 7,
    });
    expect(await cli("delete-function-concurrency")).toMatchObject({ code: 0, stdout: "" });
    // The CLI prints nothing for the empty answer `{}`.
    expect(await cli("get-function-concurrency")).toMatchObject({ code: 0, stdout: "" });
  });
});

describe("enforcement at Invoke (§8 #66)", () => {
  it("reserved 1: of three concurrent invokes one runs and two get 429; one environment starts", async () => {
    const name = await newFunction();
    await put(name, 1);
    const settled = await Promise.allSettled(
      [1, 2, 3].map((i) => invoke(client, name, { seconds: 2, tag: `call${i}` })),
    );
    const ok = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    expect(ok.map((o: Invoked) => [o.status, o.functionError, o.payload])).toEqual([
      [200, undefined, '"done"'],
    ]);
    expect(failed).toHaveLength(2);
    failed.forEach(expectThrottled);
    // The slot is free again once the invocation has answered.
    expect((await invoke(client, name, { tag: "after" })).payload).toBe('"done"');
    const log = await pollFor(
      () => readFunctionLog(lamina, A, name),
      (text) => text.includes("ran after"),
    );
    expect(log.match(/^INIT_START /gm)).toHaveLength(1);
    expect(log.match(/^ran /gm)).toHaveLength(2);
  });

  it("reserved 0 throttles every synchronous invoke at once, and nothing runs", async () => {
    const name = await newFunction();
    await put(name, 0);
    for (let i = 0; i < 2; i++) {
      await expectInvokeThrottled(name);
    }
    expect(readFunctionLog(lamina, A, name)).toBe("");
    // Deleting the reservation lets it run.
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    expect((await invoke(client, name, { tag: "now" })).payload).toBe('"done"');
  });

  it("a reservation set or removed between warm invokes applies to the very next invoke", async () => {
    // Invokes read the function and its reservation from a memo kept between changes (read-memo.ts).
    const name = await newFunction();
    expect((await invoke(client, name, { tag: "first" })).payload).toBe('"done"');
    await put(name, 0);
    await expectInvokeThrottled(name);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    expect((await invoke(client, name, { tag: "again" })).payload).toBe('"done"');
    const log = await pollFor(
      () => readFunctionLog(lamina, A, name),
      (text) => text.includes("ran again"),
    );
    expect(log.match(/^ran \w+/gm)).toEqual(["ran first", "ran again"]);
  });

  it("reserved 0: an Event invoke is accepted (202) and then dropped, never run", async () => {
    const name = await newFunction();
    await put(name, 0);
    const out = await invoke(client, name, { tag: "event" }, { InvocationType: "Event" });
    expect(out.status).toBe(202);
    // A control event on a function without a reservation runs meanwhile; the refused one never does.
    const control = await newFunction();
    await invoke(client, control, { tag: "control" }, { InvocationType: "Event" });
    await pollFor(
      () => readFunctionLog(lamina, A, control),
      (log) => log.includes("ran control"),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(readFunctionLog(lamina, A, name)).toBe("");
  });

  it("reserved 1: an Event invoke that finds the slot taken is throttled, and runs once it is free", async () => {
    const name = await newFunction();
    await put(name, 1);
    const busy = invoke(client, name, { seconds: 3, tag: "sync" });
    // The synchronous call takes the slot when its request is handled; the event is sent after it answered 202.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const event = await invoke(client, name, { tag: "event" }, { InvocationType: "Event" });
    expect(event.status).toBe(202);
    expect((await busy).payload).toBe('"done"');
    const log = await pollFor(
      () => readFunctionLog(lamina, A, name),
      (text) => text.includes("ran event"),
      20_000,
    );
    expect(log.match(/^ran /gm)).toEqual(["ran ", "ran "]);
    expect(log.indexOf("ran sync")).toBeLessThan(log.indexOf("ran event"));
  });
});
