/**
 * STS through @aws-sdk/client-sts (lenient mode): GetCallerIdentity for account keys, and AssumeRole into another
 * account whose credentials then act as `arn:aws:sts::<account>:assumed-role/<role>/<session>` — the caller the
 * founding scenario's AccessDeniedException names (seed-walkthrough.md step 9).
 */
import { CreateFunctionCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";
import { accessDeniedFor } from "./texts.js";

const OWNER = "123456789012";
const CONSUMER = "111111111111";

function stsClient(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
) {
  return new STSClient({ endpoint: url, region: TEST_REGION, credentials, maxAttempts: 1 });
}

describe("STS", () => {
  let url: string;
  beforeAll(async () => {
    url = (await startTestServer()).url;
  });

  it("names an account key's root in GetCallerIdentity", async () => {
    const out = await stsClient(url, { accessKeyId: CONSUMER, secretAccessKey: "x" }).send(
      new GetCallerIdentityCommand({}),
    );
    expect([out.Account, out.Arn, out.UserId]).toEqual([CONSUMER, `arn:aws:iam::${CONSUMER}:root`, CONSUMER]);
  });

  it("assumes a role in another account, and Lambda's AccessDeniedException names the assumed-role ARN", async () => {
    const out = await stsClient(url, { accessKeyId: OWNER, secretAccessKey: "x" }).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${CONSUMER}:role/deployer`, RoleSessionName: "ci-run" }),
    );
    const c = out.Credentials;
    expect(c?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c?.Expiration).toBeInstanceOf(Date);
    const assumedArn = `arn:aws:sts::${CONSUMER}:assumed-role/deployer/ci-run`;
    expect(out.AssumedRoleUser?.Arn).toBe(assumedArn);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:ci-run$/);
    const credentials = {
      accessKeyId: c?.AccessKeyId ?? "",
      secretAccessKey: c?.SecretAccessKey ?? "",
      sessionToken: c?.SessionToken ?? "",
    };

    const who = await stsClient(url, credentials).send(new GetCallerIdentityCommand({}));
    expect([who.Account, who.Arn, who.UserId]).toEqual([
      CONSUMER,
      assumedArn,
      out.AssumedRoleUser?.AssumedRoleId,
    ]);

    const layerArn = `arn:aws:lambda:${TEST_REGION}:${OWNER}:layer:private:1`;
    await lambdaClient(url, OWNER).send(
      new PublishLayerVersionCommand({
        LayerName: "private",
        Content: { ZipFile: await makeZip({ "a.txt": "a" }) },
      }),
    );
    const asRole = new LambdaClient({ endpoint: url, region: TEST_REGION, credentials, maxAttempts: 1 });
    await expectLambdaError(
      asRole.send(
        new CreateFunctionCommand({
          FunctionName: "test",
          Runtime: "python3.12",
          Role: `arn:aws:iam::${CONSUMER}:role/lambda-role`,
          Handler: "test.lambda_handler",
          Code: { ZipFile: await makeZip({ "test.py": "def lambda_handler(e, c):\n    return 'ok'\n" }) },
          Layers: [layerArn],
        }),
      ),
      { name: "AccessDeniedException", status: 403, message: accessDeniedFor(assumedArn, layerArn) },
    );
  });

  it("refuses a session name outside the model's pattern with a ValidationError", async () => {
    const err = await stsClient(url, { accessKeyId: OWNER, secretAccessKey: "x" })
      .send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${CONSUMER}:role/deployer`,
          RoleSessionName: "bad name!",
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(STSServiceException);
    expect((err as STSServiceException).name).toBe("ValidationError");
    expect((err as STSServiceException).message).toBe(
      "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  });
});
