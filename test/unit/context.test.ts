import { describe, expect, it } from "vitest";
import { DEFAULT_ACCOUNT_ID, identify } from "../../src/identity/context.js";

const sigv4 = (key: string, region: string) =>
  `AWS4-HMAC-SHA256 Credential=${key}/20260101/${region}/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe("identify (docs/reference/identity.md §1, caller identity)", () => {
  it("takes a 12-digit access key as the account and the scope's region", () => {
    const ctx = identify(
      "r1",
      { authorization: sigv4("111111111111", "ap-northeast-1") },
      new URLSearchParams(),
      "us-east-1",
    );
    expect(ctx).toEqual({
      requestId: "r1",
      accountId: "111111111111",
      region: "ap-northeast-1",
      partition: "aws",
      callerArn: "arn:aws:iam::111111111111:root",
    });
  });

  it("maps any other key to the default account", () => {
    const ctx = identify(
      "r",
      { authorization: sigv4("AKIAIOSFODNN7EXAMPLE", "eu-west-1") },
      new URLSearchParams(),
      "us-east-1",
    );
    expect([ctx.accountId, ctx.region]).toEqual([DEFAULT_ACCOUNT_ID, "eu-west-1"]);
    expect(DEFAULT_ACCOUNT_ID).toBe("000000000000");
  });

  it("uses the default account and region for unsigned requests", () => {
    const ctx = identify("r", {}, new URLSearchParams(), "sa-east-1");
    expect([ctx.accountId, ctx.region, ctx.callerArn]).toEqual([
      "000000000000",
      "sa-east-1",
      "arn:aws:iam::000000000000:root",
    ]);
  });

  it("reads presigned query credentials", () => {
    const q = new URLSearchParams({
      "X-Amz-Credential": "222222222222/20260101/cn-north-1/lambda/aws4_request",
    });
    const ctx = identify("r", {}, q, "us-east-1");
    expect([ctx.accountId, ctx.region, ctx.callerArn]).toEqual([
      "222222222222",
      "cn-north-1",
      "arn:aws-cn:iam::222222222222:root",
    ]);
  });
});
