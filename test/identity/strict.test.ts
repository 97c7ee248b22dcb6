/**
 * Strict mode (`auth: "strict"` with a credentials file): correctly signed requests from the Lambda,
 * Organizations and STS clients are served, each as the configured IAM user; unknown keys, wrong secrets and
 * skewed clocks are refused with AWS's errors, all HTTP 403. STS names the same failures its own way
 * (InvalidClientTokenId, SignatureDoesNotMatch).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LambdaClient, LambdaServiceException, ListLayersCommand } from "@aws-sdk/client-lambda";
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from "@aws-sdk/client-organizations";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_REGION } from "../helpers/clients.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { NodeSha256 } from "../helpers/sha256.js";
import { INVALID_TOKEN, SIGNATURE_EXPIRED_RE, SIGNATURE_MISMATCH } from "./texts.js";

const ACCOUNT = "123456789012";
const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
const GOOD: Creds = { accessKeyId: KEY, secretAccessKey: SECRET };
const UNKNOWN: Creds = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: SECRET };
const WRONG_SECRET: Creds = { accessKeyId: KEY, secretAccessKey: "not-the-secret" };
/** The SDK signs with its clock plus this offset: 20 minutes behind is past AWS's 15-minute window. */
const SKEWED_MS = -20 * 60 * 1000;

function clients(url: string, credentials: Creds, systemClockOffset = 0) {
  const common = { endpoint: url, region: TEST_REGION, credentials, maxAttempts: 1, systemClockOffset };
  return {
    lambda: new LambdaClient(common),
    org: new OrganizationsClient({ ...common, region: "us-east-1" }),
    sts: new STSClient(common),
  };
}

async function failure(
  call: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string; error: unknown }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name, status: e?.$metadata?.httpStatusCode, message: e?.message, error };
}

describe("strict request signing", () => {
  let url: string;
  beforeAll(async () => {
    const file = join(tmpDir(), "credentials");
    writeFileSync(
      file,
      `# access-key-id,secret-access-key,account-id,user-name\n${KEY},${SECRET},${ACCOUNT},alice\n`,
    );
    url = (await startTestServer({ auth: "strict", credentials: file })).url;
  });

  it("serves correctly signed requests from all three clients, as the configured user", async () => {
    const { lambda, org, sts } = clients(url, GOOD);
    expect((await lambda.send(new ListLayersCommand({}))).Layers).toEqual([]);
    const created = await org.send(new CreateOrganizationCommand({}));
    expect(created.Organization?.MasterAccountId).toBe(ACCOUNT);
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization?.Id).toBe(
      created.Organization?.Id,
    );
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect([who.Account, who.Arn]).toEqual([ACCOUNT, USER_ARN]);
    expect(who.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it("verifies temporary credentials from AssumeRole with their session token", async () => {
    const out = await clients(url, GOOD).sts.send(
      new AssumeRoleCommand({ RoleArn: "arn:aws:iam::111111111111:role/reader", RoleSessionName: "s1" }),
    );
    const temp: Creds = {
      accessKeyId: out.Credentials?.AccessKeyId ?? "",
      secretAccessKey: out.Credentials?.SecretAccessKey ?? "",
      sessionToken: out.Credentials?.SessionToken ?? "",
    };
    const who = await clients(url, temp).sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::111111111111:assumed-role/reader/s1");
    expect((await clients(url, temp).lambda.send(new ListLayersCommand({}))).Layers).toEqual([]);
    const noToken = await failure(
      clients(url, { ...temp, sessionToken: undefined }).lambda.send(new ListLayersCommand({})),
    );
    expect([noToken.name, noToken.status, noToken.message]).toEqual([
      "UnrecognizedClientException",
      403,
      INVALID_TOKEN,
    ]);
  });

  it("accepts the presigned (query) form of a signature", async () => {
    const signer = new SignatureV4({
      service: "lambda",
      region: TEST_REGION,
      credentials: GOOD,
      sha256: NodeSha256,
    });
    const { hostname, port } = new URL(url);
    const presigned = await signer.presign({
      method: "GET",
      protocol: "http:",
      hostname,
      port: Number(port),
      path: "/2018-10-31/layers",
      query: { MaxItems: "5" },
      headers: { host: `${hostname}:${port}` },
    });
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const ok = await fetch(`${url}${presigned.path}?${query}`);
    expect([ok.status, ok.status === 200 ? "" : await ok.text()]).toEqual([200, ""]);
    const tampered = await fetch(`${url}${presigned.path}?${query.replace("MaxItems=5", "MaxItems=6")}`);
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
  });

  it("refuses an unknown access key: UnrecognizedClientException (STS: InvalidClientTokenId)", async () => {
    const { lambda, org, sts } = clients(url, UNKNOWN);
    const l = await failure(lambda.send(new ListLayersCommand({})));
    expect(l.error).toBeInstanceOf(LambdaServiceException);
    expect([l.name, l.status, l.message]).toEqual(["UnrecognizedClientException", 403, INVALID_TOKEN]);
    const o = await failure(org.send(new DescribeOrganizationCommand({})));
    expect(o.error).toBeInstanceOf(OrganizationsServiceException);
    expect([o.name, o.status, o.message]).toEqual(["UnrecognizedClientException", 403, INVALID_TOKEN]);
    const s = await failure(sts.send(new GetCallerIdentityCommand({})));
    expect(s.error).toBeInstanceOf(STSServiceException);
    expect([s.name, s.status, s.message]).toEqual(["InvalidClientTokenId", 403, INVALID_TOKEN]);
  });

  it("refuses a wrong secret: InvalidSignatureException (STS: SignatureDoesNotMatch)", async () => {
    const { lambda, org, sts } = clients(url, WRONG_SECRET);
    for (const [call, name] of [
      [lambda.send(new ListLayersCommand({})), "InvalidSignatureException"],
      [org.send(new DescribeOrganizationCommand({})), "InvalidSignatureException"],
      [sts.send(new GetCallerIdentityCommand({})), "SignatureDoesNotMatch"],
    ] as const) {
      const f = await failure(call);
      expect([f.name, f.status]).toEqual([name, 403]);
      expect(f.message.startsWith(SIGNATURE_MISMATCH)).toBe(true);
    }
  });

  it("refuses a signature dated outside the 15-minute window: Signature expired", async () => {
    const { lambda, org, sts } = clients(url, GOOD, SKEWED_MS);
    for (const [call, name] of [
      [lambda.send(new ListLayersCommand({})), "InvalidSignatureException"],
      [org.send(new DescribeOrganizationCommand({})), "InvalidSignatureException"],
      [sts.send(new GetCallerIdentityCommand({})), "SignatureDoesNotMatch"],
    ] as const) {
      const f = await failure(call);
      expect([f.name, f.status]).toEqual([name, 403]);
      expect(f.message).toMatch(SIGNATURE_EXPIRED_RE);
    }
  });
});
