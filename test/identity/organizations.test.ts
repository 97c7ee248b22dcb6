/**
 * AWS Organizations through @aws-sdk/client-organizations, and organization grants on layer versions: an
 * organization with three member accounts and an outsider; the grant honoured for members, denied for the
 * outsider and for a member after it leaves, while functions it already made keep their layer (the snapshot rule).
 */
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  AddLayerVersionPermissionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import {
  AcceptHandshakeCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  DeleteOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  InviteAccountToOrganizationCommand,
  LeaveOrganizationCommand,
  ListAccountsCommand,
  ListRootsCommand,
  OrganizationsClient,
  OrganizationsServiceException,
  RemoveAccountFromOrganizationCommand,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { beforeAll, describe, expect, it } from "vitest";
import { accessDenied } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";
import {
  ACCOUNT_NOT_FOUND,
  ALREADY_IN_ORGANIZATION,
  MASTER_CANNOT_LEAVE,
  NOT_IN_USE,
  ORGANIZATION_NOT_EMPTY,
} from "./texts.js";

const MANAGEMENT = "123456789012";
const INVITED = "111111111111";
const OUTSIDER = "222222222222";

function orgClient(url: string, accountId: string): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: accountId, secretAccessKey: "lamina-test-secret" },
    maxAttempts: 1,
  });
}

async function expectOrgError(call: Promise<unknown>, name: string, message: string): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OrganizationsServiceException);
  const e = err as OrganizationsServiceException;
  expect({ name: e.name, status: e.$metadata.httpStatusCode, message: e.message }).toEqual({
    name,
    status: 400,
    message,
  });
}

describe("Organizations and organization grants", () => {
  let url: string;
  let orgId: string;
  let created: string[] = [];
  const layerArn = `arn:aws:lambda:${TEST_REGION}:${MANAGEMENT}:layer:shared`;

  beforeAll(async () => {
    url = (await startTestServer()).url;
  });

  it("answers AWSOrganizationsNotInUseException before an organization exists", async () => {
    await expectOrgError(
      orgClient(url, MANAGEMENT).send(new DescribeOrganizationCommand({})),
      "AWSOrganizationsNotInUseException",
      NOT_IN_USE,
    );
  });

  it("creates an organization whose management account is the caller", async () => {
    const org = orgClient(url, MANAGEMENT);
    const out = await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    orgId = out.Organization?.Id ?? "";
    expect(orgId).toMatch(/^o-[a-z0-9]{10}$/);
    expect(out.Organization).toMatchObject({
      Arn: `arn:aws:organizations::${MANAGEMENT}:organization/${orgId}`,
      FeatureSet: "ALL",
      MasterAccountId: MANAGEMENT,
      MasterAccountArn: `arn:aws:organizations::${MANAGEMENT}:account/${orgId}/${MANAGEMENT}`,
    });
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization?.Id).toBe(orgId);
    const roots = await org.send(new ListRootsCommand({}));
    expect(roots.Roots?.[0]?.Id).toMatch(/^r-[0-9a-z]{4,32}$/);
    await expectOrgError(
      org.send(new CreateOrganizationCommand({})),
      "AlreadyInOrganizationException",
      ALREADY_IN_ORGANIZATION,
    );
  });

  it("adds two created accounts (SUCCEEDED at once) and one invited existing account", async () => {
    const org = orgClient(url, MANAGEMENT);
    for (const name of ["dev", "prod"]) {
      const out = await org.send(
        new CreateAccountCommand({ Email: `${name}@example.com`, AccountName: name }),
      );
      const status = out.CreateAccountStatus;
      expect(status?.State).toBe("SUCCEEDED");
      expect(status?.Id).toMatch(/^car-[a-z0-9]{8,32}$/);
      expect(status?.AccountId).toMatch(/^\d{12}$/);
      const again = await org.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status?.Id }),
      );
      expect(again.CreateAccountStatus).toEqual(status);
      created.push(status?.AccountId ?? "");
    }
    const invite = await org.send(
      new InviteAccountToOrganizationCommand({ Target: { Id: INVITED, Type: "ACCOUNT" } }),
    );
    expect(invite.Handshake?.State).toBe("OPEN");
    const accepted = await orgClient(url, INVITED).send(
      new AcceptHandshakeCommand({ HandshakeId: invite.Handshake?.Id }),
    );
    expect(accepted.Handshake?.State).toBe("ACCEPTED");

    const described = await org.send(new DescribeAccountCommand({ AccountId: created[0] }));
    expect(described.Account).toMatchObject({
      Id: created[0],
      Name: "dev",
      Email: "dev@example.com",
      Status: "ACTIVE",
      JoinedMethod: "CREATED",
    });
    expect(described.Account?.JoinedTimestamp).toBeInstanceOf(Date);
    await expectOrgError(
      org.send(new DescribeAccountCommand({ AccountId: OUTSIDER })),
      "AccountNotFoundException",
      ACCOUNT_NOT_FOUND,
    );

    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client: org, pageSize: 2 }, {})) {
      expect((page.Accounts ?? []).length).toBeLessThanOrEqual(2);
      ids.push(...(page.Accounts ?? []).map((a) => a.Id ?? ""));
    }
    expect(ids).toEqual([MANAGEMENT, ...created, INVITED]);
    const first = await org.send(new ListAccountsCommand({ MaxResults: 3 }));
    expect(first.NextToken).toBeDefined();
  });

  it("lets exactly the organization's members use an org-granted layer version", async () => {
    const owner = lambdaClient(url, MANAGEMENT);
    await owner.send(
      new PublishLayerVersionCommand({
        LayerName: "shared",
        Content: { ZipFile: await makeZip({ "python/shared.py": "X = 1\n" }) },
      }),
    );
    await owner.send(
      new AddLayerVersionPermissionCommand({
        LayerName: "shared",
        VersionNumber: 1,
        StatementId: "org",
        Action: "lambda:GetLayerVersion",
        Principal: "*",
        OrganizationId: orgId,
      }),
    );
    const code = await makeZip({ "index.py": "def handler(e, c):\n    return 'ok'\n" });
    for (const member of [...created, INVITED]) {
      const lambda = lambdaClient(url, member);
      expect((await lambda.send(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:1` }))).Version).toBe(1);
      expect(
        (await lambda.send(new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: 1 }))).Version,
      ).toBe(1);
      const fn = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: "uses-shared",
          Runtime: "python3.12",
          Role: `arn:aws:iam::${member}:role/lambda-role`,
          Handler: "index.handler",
          Code: { ZipFile: code },
          Layers: [`${layerArn}:1`],
        }),
      );
      expect(fn.Layers?.[0]?.Arn).toBe(`${layerArn}:1`);
    }
    const outsider = lambdaClient(url, OUTSIDER);
    await expectLambdaError(outsider.send(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:1` })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(OUTSIDER, `${layerArn}:1`),
    });
    await expectLambdaError(
      outsider.send(
        new CreateFunctionCommand({
          FunctionName: "uses-shared",
          Runtime: "python3.12",
          Role: `arn:aws:iam::${OUTSIDER}:role/lambda-role`,
          Handler: "index.handler",
          Code: { ZipFile: code },
          Layers: [`${layerArn}:1`],
        }),
      ),
      { name: "AccessDeniedException", status: 403, message: accessDenied(OUTSIDER, `${layerArn}:1`) },
    );
  });

  it("denies an account once it has left, for new attachments only (the snapshot rule)", async () => {
    const [leaver = "", removed = ""] = created;
    await orgClient(url, leaver).send(new LeaveOrganizationCommand({}));
    await orgClient(url, MANAGEMENT).send(new RemoveAccountFromOrganizationCommand({ AccountId: removed }));
    for (const gone of [leaver, removed]) {
      const lambda = lambdaClient(url, gone);
      await expectLambdaError(lambda.send(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:1` })), {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(gone, `${layerArn}:1`),
      });
      await expectLambdaError(
        lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: "uses-shared",
            Layers: [`${layerArn}:1`],
            Description: "again",
          }),
        ),
        { name: "AccessDeniedException", status: 403, message: accessDenied(gone, `${layerArn}:1`) },
      );
      // The function made while a member keeps the layer version it was given.
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "uses-shared" }));
      expect(config.Layers?.map((l) => l.Arn)).toEqual([`${layerArn}:1`]);
    }
    // The invited member still reads it.
    const still = await lambdaClient(url, INVITED).send(
      new GetLayerVersionByArnCommand({ Arn: `${layerArn}:1` }),
    );
    expect(still.Version).toBe(1);
  });

  it("keeps the management account in, and deletes the organization only when empty", async () => {
    const org = orgClient(url, MANAGEMENT);
    await expectOrgError(
      org.send(new LeaveOrganizationCommand({})),
      "MasterCannotLeaveOrganizationException",
      MASTER_CANNOT_LEAVE,
    );
    await expectOrgError(
      org.send(new DeleteOrganizationCommand({})),
      "OrganizationNotEmptyException",
      ORGANIZATION_NOT_EMPTY,
    );
    await orgClient(url, INVITED).send(new LeaveOrganizationCommand({}));
    await expectOrgError(
      orgClient(url, INVITED).send(new LeaveOrganizationCommand({})),
      "AWSOrganizationsNotInUseException",
      NOT_IN_USE,
    );
    await org.send(new DeleteOrganizationCommand({}));
    await expectOrgError(
      org.send(new DescribeOrganizationCommand({})),
      "AWSOrganizationsNotInUseException",
      NOT_IN_USE,
    );
    created = [];
  });
});
