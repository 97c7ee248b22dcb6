import { describe, expect, it } from "vitest";
import { allowsGetLayerVersion, buildStatement, policyDocument } from "../../src/domain/layers/policy.js";
import { StaticOrganizations } from "../../src/identity/organizations.js";

const RESOURCE = "arn:aws:lambda:us-east-2:123456789012:layer:my-layer:1";
const orgs = new StaticOrganizations({ "o-t194hfs8cz": ["222222222222"] });

function grant(principal: string, organizationId?: string) {
  return buildStatement({ sid: "s", principal, organizationId, resourceArn: RESOURCE, partition: "aws" });
}

describe("layer version policy statements", () => {
  it("writes an account grant as AWS does (aws-layer-semantics.md §3 #51, examples-1.json)", () => {
    expect(grant("210987654321").statement).toBe(
      `{"Sid":"s","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:GetLayerVersion","Resource":"${RESOURCE}"}`,
    );
  });

  it("writes a root-ARN principal like the account form", () => {
    expect(grant("arn:aws:iam::210987654321:root")).toEqual(grant("210987654321"));
  });

  it("writes '*' and the organization condition after Resource (§3 #51)", () => {
    expect(grant("*", "o-t194hfs8cz").statement).toBe(
      `{"Sid":"s","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${RESOURCE}","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-t194hfs8cz"}}}`,
    );
  });

  it("wraps statements in the policy document in order (§3 #40)", () => {
    const a = grant("*");
    expect(policyDocument([a, a])).toBe(
      `{"Version":"2012-10-17","Id":"default","Statement":[${a.statement},${a.statement}]}`,
    );
  });
});

describe("allowsGetLayerVersion", () => {
  it.each([
    ["the granted account", [grant("111111111111")], "111111111111", true],
    ["another account", [grant("111111111111")], "333333333333", false],
    ["anyone under '*'", [grant("*")], "333333333333", true],
    ["an org member under '*' + org", [grant("*", "o-t194hfs8cz")], "222222222222", true],
    ["a non-member under '*' + org", [grant("*", "o-t194hfs8cz")], "333333333333", false],
    ["anyone under no statement", [], "111111111111", false],
  ])("%s", async (_label, statements, account, allowed) => {
    expect(await allowsGetLayerVersion(statements, account, orgs)).toBe(allowed);
  });
});
