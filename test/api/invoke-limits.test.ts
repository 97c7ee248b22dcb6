/**
 * Invoke's limits and failures, through the AWS SDK v3 and raw HTTP, against
 * `docs/reference/aws-lambda-execution.md` (§ numbers below): timeouts and crashes (§A5, §A7), concurrency,
 * payload limits in both directions (§A6, §A7) and unknown functions.
 */
import { LambdaServiceException, type LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import {
  functionNotFound,
  NOT_JSON_PREFIX,
  RATE_EXCEEDED,
  RESPONSE_TOO_LARGE,
  runtimeExited,
  SYNC_PAYLOAD_TOO_LARGE,
  timedOut,
} from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";

const LIMITS_PY = `import os
import time


def handler(event, context):
    if isinstance(event, str):
        return {"length": len(event)}
    action = event.get("action")
    if action == "sleep":
        time.sleep(event["seconds"])
        return "slept"
    if action == "exit":
        os._exit(3)
    if action == "chars":
        return "x" * event["n"]
    if action == "echo":
        return {"i": event["i"]}
    return "ok"
`;

/** §A7: the largest synchronous request, and the largest asynchronous one. */
const SYNC_LIMIT = 6_291_456;
const ASYNC_LIMIT = 1_048_576;
/** §A6: the largest response. */
const RESPONSE_LIMIT = 6_291_556;

/** A JSON string payload of exactly `bytes` bytes. */
const jsonString = (bytes: number) => Buffer.from(`"${"a".repeat(bytes - 2)}"`);

const lamina = await startTestServer();
const client: LambdaClient = lambdaClient(lamina.url, A);
const MAIN = randomName("limits");
/** A second server that allows two environments per function. */
const limited = await startTestServer({ maxConcurrency: 2 });

beforeAll(async () => {
  await createFunction(client, A, MAIN, {
    runtime: "python3.12",
    handler: "test.handler",
    // Parsing a 6 MB event takes well under a second, but on a loaded 2-core CI machine it took over 3 s.
    timeout: 30,
    files: { "test.py": LIMITS_PY },
  });
});

describe("timeouts and crashes", () => {
  it("a handler past its Timeout gets Sandbox.Timedout, and the next invoke runs in a fresh environment", async () => {
    const name = randomName("slow");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": LIMITS_PY },
      timeout: 1,
    });
    const started = Date.now();
    const out = await invoke(client, name, { action: "sleep", seconds: 5 }, { LogType: "Tail" });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(JSON.parse(out.payload)).toEqual(timedOut(out.requestId ?? "", 1));
    // §A7: the log says so too.
    expect(out.log).toMatch(
      new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${out.requestId} Task timed out after 1\\.00 seconds\\n`),
    );
    expect(out.log).toMatch(/\tStatus: timeout\n$/);

    const next = await invoke(client, name, {});
    expect(next).toMatchObject({ status: 200, functionError: undefined, payload: '"ok"' });
  });

  it("a runtime that exits gets Runtime.ExitError with its status, and the next invoke works", async () => {
    const out = await invoke(client, MAIN, { action: "exit" });
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(JSON.parse(out.payload)).toEqual(runtimeExited(out.requestId ?? "", 3));

    const next = await invoke(client, MAIN, {});
    expect(next).toMatchObject({ status: 200, functionError: undefined, payload: '"ok"' });
  });
});

describe("concurrency", () => {
  it("10 parallel invokes all answer with their own payload", async () => {
    const outs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => invoke(client, MAIN, { action: "echo", i })),
    );
    expect(outs.map((o) => [o.status, o.functionError, o.payload])).toEqual(
      Array.from({ length: 10 }, (_, i) => [200, undefined, `{"i": ${i}}`]),
    );
  });

  it("beyond maxConcurrency environments, an invoke gets 429 TooManyRequestsException", async () => {
    const limitedClient = lambdaClient(limited.url, A);
    const name = randomName("busy");
    await createFunction(limitedClient, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": LIMITS_PY },
    });
    const settled = await Promise.allSettled(
      Array.from({ length: 4 }, () => invoke(limitedClient, name, { action: "sleep", seconds: 1 })),
    );
    const ok = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    expect(ok.map((o) => [o.status, o.functionError, o.payload])).toEqual([
      [200, undefined, '"slept"'],
      [200, undefined, '"slept"'],
    ]);
    expect(failed).toHaveLength(2);
    for (const err of failed) {
      expect(err).toBeInstanceOf(LambdaServiceException);
      const e = err as LambdaServiceException;
      expect({ name: e.name, status: e.$metadata.httpStatusCode, message: e.message }).toEqual({
        name: "TooManyRequestsException",
        status: 429,
        message: RATE_EXCEEDED,
      });
    }
  });
});

describe("payload limits (§A6, §A7)", () => {
  const path = () => `/2015-03-31/functions/${MAIN}/invocations`;

  it(`accepts a synchronous payload of exactly ${SYNC_LIMIT} bytes`, async () => {
    const out = await invoke(client, MAIN, jsonString(SYNC_LIMIT));
    expect(out).toMatchObject({
      status: 200,
      functionError: undefined,
      payload: `{"length": ${SYNC_LIMIT - 2}}`,
    });
  });

  it("refuses one byte more with 413 RequestEntityTooLargeException and AWS's body", async () => {
    const raw = await rawRequest(lamina.url, "POST", path(), {
      body: jsonString(SYNC_LIMIT + 1),
      accountId: A,
    });
    expect({ status: raw.status, errorType: raw.errorType, body: raw.body }).toEqual({
      status: 413,
      errorType: "RequestEntityTooLargeException",
      body: JSON.stringify({ Message: SYNC_PAYLOAD_TOO_LARGE }),
    });
    await expectLambdaError(invoke(client, MAIN, jsonString(SYNC_LIMIT + 1)), {
      name: "RequestEntityTooLargeException",
      status: 413,
      message: SYNC_PAYLOAD_TOO_LARGE,
    });
  });

  it(`Event payloads are limited to ${ASYNC_LIMIT} bytes`, async () => {
    const atLimit = await invoke(client, MAIN, jsonString(ASYNC_LIMIT), { InvocationType: "Event" });
    expect(atLimit.status).toBe(202);
    let caught: unknown;
    try {
      await invoke(client, MAIN, jsonString(ASYNC_LIMIT + 1), { InvocationType: "Event" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LambdaServiceException);
    const e = caught as LambdaServiceException;
    expect({ name: e.name, status: e.$metadata.httpStatusCode }).toEqual({
      name: "RequestEntityTooLargeException",
      status: 413,
    });
    // The reference gives no exact async text; it has the synchronous one's form.
    expect(e.message).toMatch(/^Request must be smaller than \d+ bytes for the InvokeFunction operation$/);
  });

  it("a payload that is not JSON is 400 InvalidRequestContentException", async () => {
    let caught: unknown;
    try {
      await invoke(client, MAIN, Buffer.from("this is not json"));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LambdaServiceException);
    const e = caught as LambdaServiceException;
    expect({ name: e.name, status: e.$metadata.httpStatusCode }).toEqual({
      name: "InvalidRequestContentException",
      status: 400,
    });
    expect(e.message.startsWith(NOT_JSON_PREFIX), e.message).toBe(true);
    expect(e.message.length).toBeGreaterThan(NOT_JSON_PREFIX.length);
  });

  it(`passes a response of exactly ${RESPONSE_LIMIT} bytes`, async () => {
    const out = await invoke(client, MAIN, { action: "chars", n: RESPONSE_LIMIT - 2 });
    expect(out.functionError).toBeUndefined();
    expect(out.payload.length).toBe(RESPONSE_LIMIT);
  });

  it("a larger response is Function.ResponseSizeTooLarge", async () => {
    const out = await invoke(client, MAIN, { action: "chars", n: RESPONSE_LIMIT - 1 });
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled", payload: RESPONSE_TOO_LARGE });
    const next = await invoke(client, MAIN, {});
    expect(next).toMatchObject({ functionError: undefined, payload: '"ok"' });
  });
});

describe("unknown functions", () => {
  it("404 ResourceNotFoundException naming the unqualified ARN", async () => {
    const name = randomName("missing");
    await expectLambdaError(invoke(client, name, {}), {
      name: "ResourceNotFoundException",
      status: 404,
      message: functionNotFound(`arn:aws:lambda:${TEST_REGION}:${A}:function:${name}`),
    });
  });
});
