import { describe, expect, it } from "vitest";
import {
  LAYER_VERSION_ARN_PATTERN,
  layerArn,
  layerVersionArn,
  parseLayerArn,
  parseLayerVersionArn,
  partitionOf,
} from "../../src/arn.js";
import { matchesPattern } from "../../src/validation.js";

describe("arn", () => {
  it("builds layer and layer version ARNs as AWS writes them (aws-layer-semantics.md §1.1)", () => {
    const ref = { partition: "aws", region: "us-east-2", accountId: "123456789012", name: "my-layer" };
    expect(layerArn(ref)).toBe("arn:aws:lambda:us-east-2:123456789012:layer:my-layer");
    expect(layerVersionArn({ ...ref, version: 1 })).toBe(
      "arn:aws:lambda:us-east-2:123456789012:layer:my-layer:1",
    );
  });

  it("derives the partition from the region", () => {
    expect(partitionOf("eu-central-1")).toBe("aws");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("eusc-de-east-1")).toBe("aws-eusc");
  });

  it("parses version ARNs and refuses version-less or malformed ones", () => {
    expect(parseLayerVersionArn("arn:aws:lambda:eu-central-1:111111111111:layer:requests:12")).toEqual({
      partition: "aws",
      region: "eu-central-1",
      accountId: "111111111111",
      name: "requests",
      version: 12,
    });
    expect(parseLayerVersionArn("arn:aws:lambda:eu-central-1:111111111111:layer:requests")).toBeUndefined();
    expect(parseLayerVersionArn("arn:aws:lambda:eu-central-1:1111:layer:requests:1")).toBeUndefined();
    expect(parseLayerArn("arn:aws:lambda:eu-central-1:111111111111:layer:requests")).toEqual({
      partition: "aws",
      region: "eu-central-1",
      accountId: "111111111111",
      name: "requests",
    });
    expect(parseLayerArn("requests")).toBeUndefined();
  });

  it("the server pattern accepts real version ARNs and AWS-managed layer ARNs only", () => {
    expect(
      matchesPattern("arn:aws:lambda:eu-central-1:111111111111:layer:a-b_c:3", LAYER_VERSION_ARN_PATTERN),
    ).toBe(true);
    expect(matchesPattern("arn:aws:lambda:::awslayer:AWSLambda-Python", LAYER_VERSION_ARN_PATTERN)).toBe(
      true,
    );
    expect(
      matchesPattern("arn:aws:lambda:eu-central-1:111111111111:layer:a", LAYER_VERSION_ARN_PATTERN),
    ).toBe(false);
    expect(matchesPattern("arn:aws:lambda:local:111111111111:layer:a:1", LAYER_VERSION_ARN_PATTERN)).toBe(
      false,
    );
  });
});
