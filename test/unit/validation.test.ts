import { describe, expect, it } from "vitest";
import { ValidationException } from "../../src/errors.js";
import { validatePublish } from "../../src/domain/layers/validate.js";
import { Constraint, Violations } from "../../src/validation.js";

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationException);
    return (err as Error).message;
  }
  throw new Error("expected a ValidationException");
}

describe("Violations", () => {
  it("formats one failure as AWS does (aws-layer-semantics.md §4)", () => {
    const v = new Violations();
    v.string("a/b", "layerName", { pattern: "[a-zA-Z0-9-_]+" });
    expect(messageOf(() => v.throwIfAny())).toBe(
      "1 validation error detected: Value 'a/b' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
    );
  });

  it("counts several failures, joins them with '; ' and prints lists as [a, b]", () => {
    const v = new Violations();
    v.listLength(["a", "b", "c"], "compatibleArchitectures", 0, 2);
    v.range(0, "maxItems", 1, 50);
    v.required(undefined, "statementId");
    expect(messageOf(() => v.throwIfAny())).toBe(
      "3 validation errors detected: Value '[a, b, c]' at 'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2; " +
        "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value null at 'statementId' failed to satisfy constraint: Member must not be null",
    );
  });

  it("does nothing when every constraint holds", () => {
    const v = new Violations();
    v.string("ok", "layerName", { min: 1, max: 140, pattern: "[a-z]+" });
    expect(v.ok).toBe(true);
    expect(() => v.throwIfAny()).not.toThrow();
  });

  it("counts characters, not UTF-16 units, for lengths", () => {
    const v = new Violations();
    v.string("😀".repeat(256), "description", { max: 256 });
    expect(v.ok).toBe(true);
  });

  it("prints list-member constraints in AWS's wrapper", () => {
    expect(Constraint.members([Constraint.enumSet(["x86_64", "arm64"]), Constraint.notNull])).toBe(
      "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    );
  });
});

describe("validatePublish", () => {
  const base = {
    layerName: "ok",
    description: undefined,
    content: { s3Bucket: undefined, s3Key: undefined, s3ObjectVersion: undefined, zipFile: Buffer.from("x") },
    compatibleRuntimes: undefined,
    licenseInfo: undefined,
    compatibleArchitectures: undefined,
  };

  it("checks members in the model's order (runtimes before architectures, §3 #7)", () => {
    const msg = messageOf(() =>
      validatePublish({ ...base, compatibleRuntimes: ["bad"], compatibleArchitectures: ["bad"] }),
    );
    expect(msg.startsWith("2 validation errors detected: Value '[bad]' at 'compatibleRuntimes'")).toBe(true);
    expect(msg).toContain("; Value '[bad]' at 'compatibleArchitectures'");
  });

  it("requires Content", () => {
    expect(messageOf(() => validatePublish({ ...base, content: undefined }))).toBe(
      "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
    );
  });
});
