/**
 * The read-only function configs through the AWS SDK v3: GetFunctionCodeSigningConfig and
 * GetRuntimeManagementConfig (`docs/reference/aws-deploy-api.md` §10) and GetFunctionRecursionConfig (the model's
 * documented default).
 */
import {
  GetFunctionCodeSigningConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetRuntimeManagementConfigCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";
const arnOf = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;
/** §10 #76 (and aws-function-api.md §1): a missing function. */
const notFound = (arn: string) => `Function not found: ${arn}`;

let client: LambdaClient;
let name: string;

beforeAll(async () => {
  client = lambdaClient((await startTestServer()).url, A);
  name = randomName("cfg");
  await createFunction(client, A, name, {
    runtime: "python3.12",
    handler: "index.handler",
    files: { "index.py": "def handler(e, c):\n    return 1\n" },
  });
});

/** The members of an answer, without the SDK's metadata. */
function members(out: { $metadata: unknown }): Record<string, unknown> {
  const { $metadata: _metadata, ...rest } = out;
  return rest;
}

describe("GetFunctionCodeSigningConfig (§10 #76)", () => {
  it("a function without a code-signing config gets neither member", async () => {
    const out = await client.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(members(out)).toEqual({});
  });

  it("a missing function is 404", async () => {
    const missing = randomName("none");
    await expectLambdaError(client.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: missing })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(arnOf(missing)),
    });
  });
});

describe("GetRuntimeManagementConfig (§10 #77)", () => {
  it("answers the default Auto mode, without a RuntimeVersionArn", async () => {
    const out = await client.send(new GetRuntimeManagementConfigCommand({ FunctionName: name }));
    expect(members(out)).toEqual({ UpdateRuntimeOn: "Auto", FunctionArn: arnOf(name) });
    const latest = await client.send(
      new GetRuntimeManagementConfigCommand({ FunctionName: name, Qualifier: "$LATEST" }),
    );
    expect(members(latest)).toEqual({ UpdateRuntimeOn: "Auto", FunctionArn: arnOf(name, "$LATEST") });
  });

  it("a missing function, or a version that does not exist, is 404", async () => {
    const missing = randomName("none");
    await expectLambdaError(client.send(new GetRuntimeManagementConfigCommand({ FunctionName: missing })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(arnOf(missing)),
    });
    await expectLambdaError(
      client.send(new GetRuntimeManagementConfigCommand({ FunctionName: name, Qualifier: "7" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: notFound(arnOf(name, "7")),
      },
    );
  });
});

describe("GetFunctionRecursionConfig", () => {
  it("answers Lambda's default, Terminate", async () => {
    const out = await client.send(new GetFunctionRecursionConfigCommand({ FunctionName: arnOf(name) }));
    expect(members(out)).toEqual({ RecursiveLoop: "Terminate" });
  });

  it("a missing function is 404", async () => {
    const missing = randomName("none");
    await expectLambdaError(client.send(new GetFunctionRecursionConfigCommand({ FunctionName: missing })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: notFound(arnOf(missing)),
    });
  });
});
