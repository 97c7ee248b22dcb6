/** Reads of another account's layers, and everything else it may not do, against aws-layer-semantics.md §3 G. */
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { accessDenied } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const OWNER = "123456789012";
const GRANTED = "111111111111";
const ORG_MEMBER = "333333333333";
const STRANGER = "444444444444";
const ORG = "o-1234567890";
const LAYER = "shared";
const LAYER_ARN = `arn:aws:lambda:${TEST_REGION}:${OWNER}:layer:${LAYER}`;

const lamina = await startTestServer({ organizations: { [ORG]: [ORG_MEMBER] } });
const owner = lambdaClient(lamina.url, OWNER);
const clients: Record<string, LambdaClient> = {
  [GRANTED]: lambdaClient(lamina.url, GRANTED),
  [ORG_MEMBER]: lambdaClient(lamina.url, ORG_MEMBER),
  [STRANGER]: lambdaClient(lamina.url, STRANGER),
};
const clientOf = (account: string) => clients[account] ?? owner;

// Version 1: granted to GRANTED; 2: to everyone; 3: to the organization; 4: to nobody.
beforeAll(async () => {
  const zip = await makeZip({ "python/shared.py": "X = 1\n" });
  for (let v = 1; v <= 4; v++) {
    await owner.send(new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: zip } }));
  }
  const add = (VersionNumber: number, Principal: string, OrganizationId?: string) =>
    owner.send(
      new AddLayerVersionPermissionCommand({
        LayerName: LAYER,
        VersionNumber,
        StatementId: "share",
        Action: "lambda:GetLayerVersion",
        Principal,
        OrganizationId,
      }),
    );
  await add(1, GRANTED);
  await add(2, "*");
  await add(3, "*", ORG);
});

const readable: Record<string, number[]> = {
  [GRANTED]: [1, 2],
  [ORG_MEMBER]: [2, 3],
  [STRANGER]: [2],
};

describe.each(Object.keys(readable))("account %s reading the owner's versions", (account) => {
  it.each([1, 2, 3, 4, 5])(
    "version %i: granted versions read, others denied — even missing ones (§3 #70, #72, #74)",
    async (version) => {
      const client = clientOf(account);
      const versionArn = `${LAYER_ARN}:${version}`;
      const calls = [
        () => client.send(new GetLayerVersionCommand({ LayerName: LAYER_ARN, VersionNumber: version })),
        () => client.send(new GetLayerVersionByArnCommand({ Arn: versionArn })),
      ];
      for (const call of calls) {
        if (readable[account]?.includes(version)) {
          const out = await call();
          expect([out.$metadata.httpStatusCode, out.LayerVersionArn, out.Version]).toEqual([
            200,
            versionArn,
            version,
          ]);
        } else {
          await expectLambdaError(call(), {
            name: "AccessDeniedException",
            status: 403,
            message: accessDenied(account, versionArn, "GetLayerVersion"),
          });
        }
      }
    },
  );
});

describe("operations only the owner may call (§3 #75, #78)", () => {
  const versionArn = `${LAYER_ARN}:2`;
  const cases: [string, (c: LambdaClient) => Promise<unknown>, string, string][] = [
    [
      "ListLayerVersions",
      (c) => c.send(new ListLayerVersionsCommand({ LayerName: LAYER_ARN })),
      "ListLayerVersions",
      LAYER_ARN,
    ],
    [
      "PublishLayerVersion",
      async (c) =>
        c.send(
          new PublishLayerVersionCommand({
            LayerName: LAYER_ARN,
            Content: { ZipFile: await makeZip({ a: "b" }) },
          }),
        ),
      "PublishLayerVersion",
      LAYER_ARN,
    ],
    [
      "DeleteLayerVersion",
      (c) => c.send(new DeleteLayerVersionCommand({ LayerName: LAYER_ARN, VersionNumber: 2 })),
      "DeleteLayerVersion",
      versionArn,
    ],
    [
      "AddLayerVersionPermission",
      (c) =>
        c.send(
          new AddLayerVersionPermissionCommand({
            LayerName: LAYER_ARN,
            VersionNumber: 2,
            StatementId: "mine",
            Action: "lambda:GetLayerVersion",
            Principal: "*",
          }),
        ),
      "AddLayerVersionPermission",
      versionArn,
    ],
    [
      "GetLayerVersionPolicy",
      (c) => c.send(new GetLayerVersionPolicyCommand({ LayerName: LAYER_ARN, VersionNumber: 2 })),
      "GetLayerVersionPolicy",
      versionArn,
    ],
    [
      "RemoveLayerVersionPermission",
      (c) =>
        c.send(
          new RemoveLayerVersionPermissionCommand({
            LayerName: LAYER_ARN,
            VersionNumber: 2,
            StatementId: "share",
          }),
        ),
      "RemoveLayerVersionPermission",
      versionArn,
    ],
  ];

  it.each(cases)(
    "%s is denied to other accounts, even when the version is public",
    async (_op, call, action, resource) => {
      await expectLambdaError(call(clientOf(STRANGER)), {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(STRANGER, resource, action),
      });
    },
  );

  it("the owner's data is untouched by the refused calls", async () => {
    const versions = await owner.send(new ListLayerVersionsCommand({ LayerName: LAYER }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([4, 3, 2, 1]);
    const policy = await owner.send(new GetLayerVersionPolicyCommand({ LayerName: LAYER, VersionNumber: 2 }));
    expect(policy.Policy).toBe(
      `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"share","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${versionArn}"}]}`,
    );
  });
});

describe("regions (§3 #73; seed-walkthrough.md step 12)", () => {
  it("a layer is never readable from another region, even when public, even by its owner's ARN", async () => {
    for (const account of [STRANGER, OWNER]) {
      const elsewhere = lambdaClient(lamina.url, account, "us-west-2");
      await expectLambdaError(elsewhere.send(new GetLayerVersionByArnCommand({ Arn: `${LAYER_ARN}:2` })), {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(account, `${LAYER_ARN}:2`, "GetLayerVersion"),
      });
    }
  });

  it("the same name in another region or account is another layer", async () => {
    const zip = await makeZip({ "other.txt": "x" });
    const west = lambdaClient(lamina.url, OWNER, "us-west-2");
    const out = await west.send(
      new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: zip } }),
    );
    expect([out.LayerArn, out.Version]).toEqual([`arn:aws:lambda:us-west-2:${OWNER}:layer:${LAYER}`, 1]);
    const stranger = await clientOf(STRANGER).send(
      new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: zip } }),
    );
    expect([stranger.LayerArn, stranger.Version]).toEqual([
      `arn:aws:lambda:${TEST_REGION}:${STRANGER}:layer:${LAYER}`,
      1,
    ]);
  });
});
