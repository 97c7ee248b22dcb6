/** Add/Get/RemoveLayerVersionPermission through the AWS SDK v3, against aws-layer-semantics.md §3 E. */
import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionPolicyCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { NO_POLICY } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** §3 #43, #46 (sic: "GetLayerPolicy", no trailing period). */
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id";
/** §3 #42. */
const duplicateSid = (sid: string) =>
  `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`;
/** §3 #48, #49. */
const versionMissing = (arn: string) => `Layer version ${arn} does not exist.`;

const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);
let zip: Buffer;
beforeAll(async () => {
  zip = await makeZip({ "nodejs/node_modules/x/index.js": "module.exports = 1;\n" });
});
const arnOf = (name: string, v: number) => `arn:aws:lambda:${TEST_REGION}:${A}:layer:${name}:${v}`;

async function publish(name = randomName()): Promise<string> {
  await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }));
  return name;
}

function grant(
  name: string,
  StatementId: string,
  Principal: string,
  extra: { RevisionId?: string; OrganizationId?: string } = {},
) {
  return client.send(
    new AddLayerVersionPermissionCommand({
      LayerName: name,
      VersionNumber: 1,
      StatementId,
      Action: "lambda:GetLayerVersion",
      Principal,
      ...extra,
    }),
  );
}

describe("layer version policy lifecycle", () => {
  it("walks through add, get, add with RevisionId, remove (§3 #38–#40, #44, #45)", async () => {
    const name = await publish();
    await expectLambdaError(
      client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: NO_POLICY,
        type: "User",
      },
    );
    const s1 = `{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${arnOf(name, 1)}"}`;
    const added = await grant(name, "s1", "*");
    expect(added.$metadata.httpStatusCode).toBe(201);
    expect(added.Statement).toBe(s1);
    expect(added.RevisionId).toMatch(UUID_RE);

    const policy = await client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 }));
    expect([policy.Policy, policy.RevisionId]).toEqual([
      `{"Version":"2012-10-17","Id":"default","Statement":[${s1}]}`,
      added.RevisionId,
    ]);

    const s2 = `{"Sid":"s2","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:GetLayerVersion","Resource":"${arnOf(name, 1)}"}`;
    const second = await grant(name, "s2", "210987654321", { RevisionId: added.RevisionId });
    expect(second.Statement).toBe(s2);
    expect(second.RevisionId).not.toBe(added.RevisionId);
    const both = await client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 }));
    expect([both.Policy, both.RevisionId]).toEqual([
      `{"Version":"2012-10-17","Id":"default","Statement":[${s1},${s2}]}`,
      second.RevisionId,
    ]);

    const removed = await client.send(
      new RemoveLayerVersionPermissionCommand({
        LayerName: name,
        VersionNumber: 1,
        StatementId: "s2",
        RevisionId: second.RevisionId,
      }),
    );
    expect(removed.$metadata.httpStatusCode).toBe(204);
    const after = await client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 }));
    expect(after.Policy).toBe(`{"Version":"2012-10-17","Id":"default","Statement":[${s1}]}`);
    expect(after.RevisionId).toMatch(UUID_RE);
    expect([added.RevisionId, second.RevisionId]).not.toContain(after.RevisionId);

    await client.send(
      new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: "s1" }),
    );
    await expectLambdaError(
      client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: NO_POLICY,
      },
    );
  });

  it("writes an organization grant with its condition (§3 #51)", async () => {
    const name = await publish();
    const out = await grant(name, "engineering-org", "*", { OrganizationId: "o-t194hfs8cz" });
    expect(out.Statement).toBe(
      `{"Sid":"engineering-org","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${arnOf(name, 1)}","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-t194hfs8cz"}}}`,
    );
  });

  it("keeps permissions per version (§3 #54)", async () => {
    const name = await publish();
    await grant(name, "s1", "*");
    await publish(name);
    await expectLambdaError(
      client.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 2 })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: NO_POLICY,
      },
    );
  });
});

describe("layer version policy errors", () => {
  it("refuses a duplicate Sid with 409 (§3 #42)", async () => {
    const name = await publish();
    await grant(name, "s1", "*");
    await expectLambdaError(grant(name, "s1", "111111111111"), {
      name: "ResourceConflictException",
      status: 409,
      message: duplicateSid("s1"),
      type: "User",
    });
  });

  it("refuses a stale RevisionId with 412 on add and remove (§3 #43, #46)", async () => {
    const name = await publish();
    await grant(name, "s1", "*");
    const precondition = {
      name: "PreconditionFailedException",
      status: 412,
      message: REVISION_MISMATCH,
      type: "User",
    };
    await expectLambdaError(grant(name, "s2", "*", { RevisionId: "wrong" }), precondition);
    await expectLambdaError(
      client.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: name,
          VersionNumber: 1,
          StatementId: "s1",
          RevisionId: "wrong",
        }),
      ),
      precondition,
    );
  });

  it("names a missing statement, and a version with no policy (§3 #47, #55)", async () => {
    const name = await publish();
    await expectLambdaError(
      client.send(
        new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: "s1" }),
      ),
      { name: "ResourceNotFoundException", status: 404, message: NO_POLICY },
    );
    await grant(name, "s1", "*");
    await expectLambdaError(
      client.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: name,
          VersionNumber: 1,
          StatementId: "doesnotexist",
        }),
      ),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: "Statement doesnotexist is not found in resource policy.",
        type: "User",
      },
    );
  });

  it("names the missing layer version on add, get and remove (§3 #48, #49)", async () => {
    const name = await publish();
    for (const [layer, version] of [
      [`${name}-doesnotexist`, 1],
      [name, 2],
    ] as const) {
      const notFound = {
        name: "ResourceNotFoundException",
        status: 404,
        message: versionMissing(arnOf(layer, version)),
        type: "User",
      };
      await expectLambdaError(
        client.send(
          new AddLayerVersionPermissionCommand({
            LayerName: layer,
            VersionNumber: version,
            StatementId: "s",
            Action: "lambda:GetLayerVersion",
            Principal: "*",
          }),
        ),
        notFound,
      );
      await expectLambdaError(
        client.send(new GetLayerVersionPolicyCommand({ LayerName: layer, VersionNumber: version })),
        notFound,
      );
      await expectLambdaError(
        client.send(
          new RemoveLayerVersionPermissionCommand({
            LayerName: layer,
            VersionNumber: version,
            StatementId: "s",
          }),
        ),
        notFound,
      );
    }
  });

  it("validates action, principal, organization and statement id before any lookup (§3 #41, #50, #52, #53)", async () => {
    const cases: [Record<string, string>, string][] = [
      [
        { StatementId: "s", Action: "*", Principal: "*" },
        "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
      ],
      [
        { StatementId: "s", Action: "lambda:GetLayerVersion", Principal: "123" },
        "1 validation error detected: Value '123' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
      ],
      [
        { StatementId: "s", Action: "lambda:GetLayerVersion", Principal: "*", OrganizationId: "org-bad" },
        "1 validation error detected: Value 'org-bad' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}",
      ],
      [
        { StatementId: "bad.id", Action: "lambda:GetLayerVersion", Principal: "*" },
        "1 validation error detected: Value 'bad.id' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
      ],
    ];
    for (const [input, message] of cases) {
      await expectLambdaError(
        client.send(
          new AddLayerVersionPermissionCommand({ LayerName: "nolayer", VersionNumber: 1, ...input } as never),
        ),
        { name: "ValidationException", status: 400, message },
      );
    }
  });

  it("reports missing required members as AWS does", async () => {
    const res = await rawRequest(lamina.url, "POST", "/2018-10-31/layers/nolayer/versions/1/policy", {
      accountId: A,
      body: "{}",
    });
    expect([res.status, res.errorType, JSON.parse(res.body)]).toEqual([
      400,
      "ValidationException",
      {
        message:
          "3 validation errors detected: Value null at 'statementId' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'action' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'principal' failed to satisfy constraint: Member must not be null",
      },
    ]);
  });
});
