import { describe, expect, it } from "vitest";
import { OPERATIONS, type OperationName } from "../../src/protocols/lambda/operations.js";
import { Router } from "../../src/protocols/lambda/router.js";

describe("Router", () => {
  const router = new Router();

  it("matches every operation of the model from its own path (labels filled in)", () => {
    for (const [name, spec] of Object.entries(OPERATIONS) as [
      OperationName,
      (typeof OPERATIONS)[OperationName],
    ][]) {
      const path = spec.path.replace(/\{[A-Za-z]+\+?\}/g, "x1");
      const match = router.match(spec.method, path, new URLSearchParams(spec.query));
      expect(match?.operation, `${spec.method} ${path}`).toBe(name);
    }
  });

  it("tells GetLayerVersionByArn from ListLayers by find=LayerVersion", () => {
    const q = new URLSearchParams({ find: "LayerVersion", Arn: "a" });
    expect(router.match("GET", "/2018-10-31/layers", q)?.operation).toBe("GetLayerVersionByArn");
    expect(router.match("GET", "/2018-10-31/layers", new URLSearchParams())?.operation).toBe("ListLayers");
  });

  it("decodes percent-encoded labels (a layer ARN as LayerName, §1.1)", () => {
    const m = router.match(
      "GET",
      "/2018-10-31/layers/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Alayer%3Amy-layer/versions/1",
      new URLSearchParams(),
    );
    expect(m?.params).toEqual({
      LayerName: "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
      VersionNumber: "1",
    });
  });

  it("matches nothing for unknown paths and methods", () => {
    expect(router.match("GET", "/nope", new URLSearchParams())).toBeUndefined();
    expect(router.match("PATCH", "/2018-10-31/layers", new URLSearchParams())).toBeUndefined();
  });
});
