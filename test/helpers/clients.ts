/** AWS SDK v3 Lambda clients acting as given accounts, and the one helper that asserts Lambda errors. */
import { LambdaClient, LambdaServiceException } from "@aws-sdk/client-lambda";
import { expect } from "vitest";

/** The region tests sign requests for unless they say otherwise. */
export const TEST_REGION = "eu-central-1";

/** A client whose access key is the account id, as lamina's identity rule reads it. */
export function lambdaClient(url: string, accountId: string, region = TEST_REGION): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: accountId, secretAccessKey: "lamina-test-secret" },
    maxAttempts: 1,
  });
}

/** What an AWS error must look like. */
export interface ExpectedError {
  readonly name: string;
  readonly status: number;
  readonly message: string;
  /** The `Type` member, when the exception carries one. */
  readonly type?: string;
}

/** Awaits a call that must fail, and checks its exception name, HTTP status, message and `Type`. */
export async function expectLambdaError(call: Promise<unknown>, expected: ExpectedError): Promise<void> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${expected.name}`).toBeInstanceOf(LambdaServiceException);
  const err = caught as LambdaServiceException & { Type?: string };
  expect({ name: err.name, status: err.$metadata.httpStatusCode, message: err.message }).toEqual({
    name: expected.name,
    status: expected.status,
    message: expected.message,
  });
  if (expected.type !== undefined) {
    expect(err.Type).toBe(expected.type);
  }
}

/** A random name so tests in one server never collide. */
export function randomName(prefix = "layer"): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
