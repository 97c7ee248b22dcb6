/**
 * Function resource policies (AddPermission / GetPolicy / RemovePermission) and their evaluation for callers of
 * other accounts, against `docs/reference/aws-deploy-api.md` §1.2, §1.3, §5.
 */
import {
  AddPermissionCommand,
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  type AddPermissionCommandInput,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { accessDenied, duplicateStatementId, NO_POLICY, RESOURCE_NOT_FOUND } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { startTestServer, tmpDir } from "../helpers/server.js";

const OWNER = "123456789012";
const GRANTED = "111111111111";
const ORG_MEMBER = "333333333333";
const STRANGER = "444444444444";
const ORG = "o-1234567890";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** §5.2 #46. */
const LATEST_UNSUPPORTED = "We currently do not support adding policies for $LATEST.";
/** §5.2 #47. */
const INVALID_PRINCIPAL = "The provided principal was invalid. Please check the principal and try again.";
/** §5.2 #49 (2025). */
const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id";

const lamina = await startTestServer({ organizations: { [ORG]: [ORG_MEMBER] } });
const owner = lambdaClient(lamina.url, OWNER);
const granted = lambdaClient(lamina.url, GRANTED);
const member = lambdaClient(lamina.url, ORG_MEMBER);
const stranger = lambdaClient(lamina.url, STRANGER);

afterAll(() => lamina.close());

const ECHO = {
  runtime: "python3.12" as const,
  handler: "index.handler",
  files: { "index.py": "def handler(event, context):\n    return {'echo': event}\n" },
};

const arnOf = (name: string, account = OWNER) => `arn:aws:lambda:${TEST_REGION}:${account}:function:${name}`;

async function newFunction(): Promise<string> {
  const name = randomName("fn");
  await createFunction(owner, OWNER, name, ECHO);
  return name;
}

function add(input: Partial<AddPermissionCommandInput> & { FunctionName: string }, client = owner) {
  return client.send(
    new AddPermissionCommand({
      StatementId: "s1",
      Action: "lambda:InvokeFunction",
      Principal: "*",
      ...input,
    }),
  );
}

describe("AddPermission and GetPolicy (§5.1, #43)", () => {
  it("builds each principal form and answers the policy in AWS's key order", async () => {
    const name = await newFunction();
    const arn = arnOf(name);
    const before = await owner.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const statements = [
      [{ StatementId: "acct", Principal: GRANTED }, `"Principal":{"AWS":"arn:aws:iam::${GRANTED}:root"}`],
      [
        { StatementId: "root", Principal: `arn:aws:iam::${GRANTED}:root` },
        `"Principal":{"AWS":"arn:aws:iam::${GRANTED}:root"}`,
      ],
      [
        { StatementId: "user", Principal: `arn:aws:iam::${GRANTED}:user/alice` },
        `"Principal":{"AWS":"arn:aws:iam::${GRANTED}:user/alice"}`,
      ],
      [{ StatementId: "svc", Principal: "s3.amazonaws.com" }, `"Principal":{"Service":"s3.amazonaws.com"}`],
      [{ StatementId: "all", Principal: "*" }, `"Principal":"*"`],
    ] as const;
    const expected: string[] = [];
    for (const [input, principal] of statements) {
      const out = await add({ FunctionName: name, ...input });
      const statement = `{"Sid":"${input.StatementId}","Effect":"Allow",${principal},"Action":"lambda:InvokeFunction","Resource":"${arn}"}`;
      expect([out.$metadata.httpStatusCode, out.Statement]).toEqual([201, statement]);
      expected.push(statement);
    }
    const policy = await owner.send(new GetPolicyCommand({ FunctionName: name }));
    expect(policy.Policy).toBe(`{"Version":"2012-10-17","Id":"default","Statement":[${expected.join(",")}]}`);
    expect(policy.RevisionId).toMatch(UUID_RE);
    // The policy has a RevisionId of its own; the function's stays as it was (§1.3).
    const after = await owner.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(after.RevisionId).toBe(before.RevisionId);
    expect(policy.RevisionId).not.toBe(before.RevisionId);
  });

  it("writes the conditions StringEquals before ArnLike, keys as AWS spells them (§5.1)", async () => {
    const name = await newFunction();
    const arn = arnOf(name);
    const all = await add({
      FunctionName: arn,
      StatementId: "all",
      Principal: "s3.amazonaws.com",
      SourceArn: "arn:aws:s3:::my-bucket",
      SourceAccount: OWNER,
      PrincipalOrgID: ORG,
      FunctionUrlAuthType: "NONE",
    });
    expect(all.Statement).toBe(
      `{"Sid":"all","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"${arn}","Condition":{"StringEquals":{"AWS:SourceAccount":"${OWNER}","lambda:FunctionUrlAuthType":"NONE","aws:PrincipalOrgID":"${ORG}"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}`,
    );
    const token = await add({
      FunctionName: name,
      StatementId: "token",
      Principal: "*",
      EventSourceToken: "abc.1-2_3",
    });
    expect(token.Statement).toBe(
      `{"Sid":"token","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"${arn}","Condition":{"StringEquals":{"lambda:EventSourceToken":"abc.1-2_3"}}}`,
    );
    const arnOnly = await add({
      FunctionName: name,
      StatementId: "arn",
      Action: "lambda:*",
      SourceArn: "arn:aws:events:eu-central-1:123456789012:rule/r",
    });
    expect(arnOnly.Statement).toBe(
      `{"Sid":"arn","Effect":"Allow","Principal":"*","Action":"lambda:*","Resource":"${arn}","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:events:eu-central-1:123456789012:rule/r"}}}`,
    );
  });

  it("refuses a duplicate Sid, a bad Sid, $LATEST, an invalid principal (#44–#47)", async () => {
    const name = await newFunction();
    await add({ FunctionName: name, StatementId: "s3" });
    await expectLambdaError(add({ FunctionName: name, StatementId: "s3" }), {
      name: "ResourceConflictException",
      status: 409,
      message: duplicateStatementId("s3"),
      type: "User",
    });
    await expectLambdaError(add({ FunctionName: name, StatementId: "example.com" }), {
      name: "ValidationException",
      status: 400,
      message:
        "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    });
    for (const input of [{ FunctionName: `${name}:$LATEST` }, { FunctionName: name, Qualifier: "$LATEST" }]) {
      await expectLambdaError(add({ ...input, StatementId: "latest" }), {
        name: "InvalidParameterValueException",
        status: 400,
        message: LATEST_UNSUPPORTED,
        type: "User",
      });
    }
    await expectLambdaError(
      add({ FunctionName: name, StatementId: "bad", Principal: "invalid.nonaws.com" }),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: INVALID_PRINCIPAL,
        type: "User",
      },
    );
  });

  it("answers AWS's 404s for a missing function, version or alias (#48)", async () => {
    const name = await newFunction();
    const missing = randomName("fn");
    const cases = [
      [{ FunctionName: missing }, `Function not found: ${arnOf(missing)}`],
      [{ FunctionName: name, Qualifier: "42" }, `Function not found: ${arnOf(name)}:42`],
      [
        { FunctionName: `${name}:alias-doesnotexist` },
        `Cannot find alias arn: ${arnOf(name)}:alias-doesnotexist`,
      ],
      [
        { FunctionName: name, Qualifier: "valid-with-$-but-doesnotexist" },
        `Function not found: ${arnOf(name)}:valid-with-$-but-doesnotexist`,
      ],
    ] as const;
    for (const [input, message] of cases) {
      await expectLambdaError(add(input), {
        name: "ResourceNotFoundException",
        status: 404,
        message,
        type: "User",
      });
    }
  });

  it("checks RevisionId: the function's before a policy exists, then the policy's (#49)", async () => {
    const name = await newFunction();
    const fn = await owner.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    await expectLambdaError(add({ FunctionName: name, RevisionId: "wrong" }), {
      name: "PreconditionFailedException",
      status: 412,
      message: REVISION_MISMATCH,
      type: "User",
    });
    await add({ FunctionName: name, StatementId: "first", RevisionId: fn.RevisionId });
    const first = await owner.send(new GetPolicyCommand({ FunctionName: name }));
    await expectLambdaError(add({ FunctionName: name, StatementId: "second", RevisionId: fn.RevisionId }), {
      name: "PreconditionFailedException",
      status: 412,
      message: REVISION_MISMATCH,
    });
    await add({ FunctionName: name, StatementId: "second", RevisionId: first.RevisionId });
    const second = await owner.send(new GetPolicyCommand({ FunctionName: name }));
    expect(second.RevisionId).not.toBe(first.RevisionId);
  });

  it("refuses a policy over 20 KB with its final size (#50)", async () => {
    const name = await newFunction();
    const arn = arnOf(name);
    const sourceArn = `arn:aws:s3:::${"b".repeat(1000)}`;
    let sid = 0;
    for (;;) {
      const before = await owner.send(new GetPolicyCommand({ FunctionName: name })).then(
        (p) => p.Policy ?? "",
        () => "",
      );
      const next = `s${++sid}`;
      const statement = `{"Sid":"${next}","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"${arn}","Condition":{"ArnLike":{"AWS:SourceArn":"${sourceArn}"}}}`;
      const size =
        before === ""
          ? `{"Version":"2012-10-17","Id":"default","Statement":[${statement}]}`.length
          : before.length + 1 + statement.length;
      if (size <= 20_480) {
        await add({ FunctionName: name, StatementId: next, SourceArn: sourceArn });
        continue;
      }
      await expectLambdaError(add({ FunctionName: name, StatementId: next, SourceArn: sourceArn }), {
        name: "PolicyLengthExceededException",
        status: 400,
        message: `The final policy size (${size}) is bigger than the limit (20480).`,
        type: "User",
      });
      break;
    }
    expect(sid).toBeGreaterThan(10);
  });
});

describe("RemovePermission and GetPolicy's 404s (#51, #52)", () => {
  it("removes statements in any order; the last one takes the policy with it", async () => {
    const name = await newFunction();
    for (const sid of ["a", "b", "c"]) {
      await add({ FunctionName: name, StatementId: sid });
    }
    const full = await owner.send(new GetPolicyCommand({ FunctionName: name }));
    const removed = await owner.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "b" }));
    expect(removed.$metadata.httpStatusCode).toBe(204);
    const left = await owner.send(new GetPolicyCommand({ FunctionName: name }));
    const document = JSON.parse(left.Policy ?? "") as { Statement: { Sid: string }[] };
    expect(document.Statement.map((s) => s.Sid)).toEqual(["a", "c"]);
    expect(left.RevisionId).not.toBe(full.RevisionId);
    await expectLambdaError(
      owner.send(
        new RemovePermissionCommand({ FunctionName: name, StatementId: "a", RevisionId: full.RevisionId }),
      ),
      { name: "PreconditionFailedException", status: 412, message: REVISION_MISMATCH },
    );
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "non-existent" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: "Statement non-existent is not found in resource policy.",
      },
    );
    await owner.send(
      new RemovePermissionCommand({ FunctionName: name, StatementId: "a", RevisionId: left.RevisionId }),
    );
    await owner.send(new RemovePermissionCommand({ FunctionName: arnOf(name), StatementId: "c" }));
    await expectLambdaError(owner.send(new GetPolicyCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: RESOURCE_NOT_FOUND,
      type: "User",
    });
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "a" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: NO_POLICY,
        type: "User",
      },
    );
  });

  it("answers 404 for a missing function, version, or one without a policy", async () => {
    const name = await newFunction();
    const missing = randomName("fn");
    for (const input of [
      { FunctionName: missing },
      { FunctionName: name },
      { FunctionName: name, Qualifier: "1" },
    ]) {
      await expectLambdaError(owner.send(new GetPolicyCommand(input)), {
        name: "ResourceNotFoundException",
        status: 404,
        message: RESOURCE_NOT_FOUND,
      });
    }
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: missing, StatementId: "s" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: `No policy found for: ${arnOf(missing)}`,
      },
    );
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: name, Qualifier: "live", StatementId: "s" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: `Cannot find alias arn: ${arnOf(name)}:live`,
      },
    );
  });

  it("lets the policy go with its function", async () => {
    const name = await newFunction();
    await add({ FunctionName: name, StatementId: "gone" });
    await owner.send(new DeleteFunctionCommand({ FunctionName: name }));
    await createFunction(owner, OWNER, name, ECHO);
    await expectLambdaError(owner.send(new GetPolicyCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: RESOURCE_NOT_FOUND,
    });
    await add({ FunctionName: name, StatementId: "gone" });
  });
});

/** A function with version 1 published and alias `live` pointing at it. */
async function versionedFunction(): Promise<{ name: string; version: string; alias: string }> {
  const name = await newFunction();
  const published = await owner.send(new PublishVersionCommand({ FunctionName: name }));
  const alias = await owner.send(
    new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }),
  );
  return { name, version: published.RevisionId ?? "", alias: alias.RevisionId ?? "" };
}

/** The Sids of a resource's policy, or the 404's message when it has none. */
async function sidsOf(FunctionName: string, Qualifier?: string): Promise<string[] | string> {
  return owner.send(new GetPolicyCommand({ FunctionName, Qualifier })).then(
    (out) => (JSON.parse(out.Policy ?? "{}") as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid),
    (err: Error) => err.message,
  );
}

describe("policies of versions and aliases (#44, #48, #49, #51)", () => {
  it("keeps one policy per resource: the function, each version, each alias, with the same Sid on each", async () => {
    const { name } = await versionedFunction();
    const arn = arnOf(name);
    const added = [
      await add({ FunctionName: name, StatementId: "s3", Principal: "s3.amazonaws.com" }),
      await add({ FunctionName: name, Qualifier: "1", StatementId: "s3", Principal: "s3.amazonaws.com" }),
      await add({ FunctionName: `${name}:live`, StatementId: "s3", Principal: "s3.amazonaws.com" }),
      await add({ FunctionName: `${arn}:live`, StatementId: "only-live", Principal: GRANTED }),
    ];
    const statement = (sid: string, principal: string, resource: string) =>
      `{"Sid":"${sid}","Effect":"Allow","Principal":${principal},"Action":"lambda:InvokeFunction","Resource":"${resource}"}`;
    const s3 = '{"Service":"s3.amazonaws.com"}';
    const root = `{"AWS":"arn:aws:iam::${GRANTED}:root"}`;
    expect(added.map((out) => [out.$metadata.httpStatusCode, out.Statement])).toEqual([
      [201, statement("s3", s3, arn)],
      [201, statement("s3", s3, `${arn}:1`)],
      [201, statement("s3", s3, `${arn}:live`)],
      [201, statement("only-live", root, `${arn}:live`)],
    ]);
    const policy = (statements: string[]) =>
      `{"Version":"2012-10-17","Id":"default","Statement":[${statements.join(",")}]}`;
    const read = async (input: { FunctionName: string; Qualifier?: string }) =>
      (await owner.send(new GetPolicyCommand(input))).Policy;
    expect(await read({ FunctionName: name })).toBe(policy([statement("s3", s3, arn)]));
    expect(await read({ FunctionName: name, Qualifier: "$LATEST" })).toBe(policy([statement("s3", s3, arn)]));
    expect(await read({ FunctionName: `${arn}:1` })).toBe(policy([statement("s3", s3, `${arn}:1`)]));
    expect(await read({ FunctionName: name, Qualifier: "live" })).toBe(
      policy([statement("s3", s3, `${arn}:live`), statement("only-live", root, `${arn}:live`)]),
    );
    await expectLambdaError(add({ FunctionName: name, Qualifier: "1", StatementId: "s3" }), {
      name: "ResourceConflictException",
      status: 409,
      message: duplicateStatementId("s3"),
    });

    // Removing from the version leaves the function's and the alias's policies as they were.
    await owner.send(new RemovePermissionCommand({ FunctionName: name, Qualifier: "1", StatementId: "s3" }));
    expect(await sidsOf(name, "1")).toBe(RESOURCE_NOT_FOUND);
    expect(await sidsOf(name)).toEqual(["s3"]);
    expect(await sidsOf(name, "live")).toEqual(["s3", "only-live"]);
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: name, Qualifier: "1", StatementId: "s3" })),
      { name: "ResourceNotFoundException", status: 404, message: NO_POLICY },
    );
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: `${name}:live`, StatementId: "nope" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: "Statement nope is not found in resource policy.",
      },
    );
  });

  it("answers a version or alias that does not exist as AWS does", async () => {
    const { name } = await versionedFunction();
    const arn = arnOf(name);
    for (const [input, message] of [
      [{ FunctionName: name, Qualifier: "2" }, `Function not found: ${arn}:2`],
      [{ FunctionName: `${arn}:2` }, `Function not found: ${arn}:2`],
      [{ FunctionName: name, Qualifier: "dev" }, `Cannot find alias arn: ${arn}:dev`],
    ] as const) {
      await expectLambdaError(add(input), { name: "ResourceNotFoundException", status: 404, message });
      await expectLambdaError(owner.send(new GetPolicyCommand(input)), {
        name: "ResourceNotFoundException",
        status: 404,
        message: RESOURCE_NOT_FOUND,
      });
    }
    await expectLambdaError(
      owner.send(new RemovePermissionCommand({ FunctionName: name, Qualifier: "dev", StatementId: "s" })),
      { name: "ResourceNotFoundException", status: 404, message: `Cannot find alias arn: ${arn}:dev` },
    );
  });

  it("checks RevisionId against the version's or alias's own before a policy exists, then the policy's", async () => {
    const { name, version, alias } = await versionedFunction();
    const fn = await owner.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    for (const [qualifier, own] of [
      ["1", version],
      ["live", alias],
    ] as const) {
      // Another resource's RevisionId is refused: the function's, and the alias's for the version and back.
      for (const wrong of [fn.RevisionId, qualifier === "1" ? alias : version]) {
        await expectLambdaError(add({ FunctionName: name, Qualifier: qualifier, RevisionId: wrong }), {
          name: "PreconditionFailedException",
          status: 412,
          message: REVISION_MISMATCH,
        });
      }
      await add({ FunctionName: name, Qualifier: qualifier, StatementId: "first", RevisionId: own });
      const first = await owner.send(new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier }));
      expect(first.RevisionId).toMatch(UUID_RE);
      expect(first.RevisionId).not.toBe(own);
      await expectLambdaError(
        add({ FunctionName: name, Qualifier: qualifier, StatementId: "second", RevisionId: own }),
        { name: "PreconditionFailedException", status: 412, message: REVISION_MISMATCH },
      );
      await expectLambdaError(
        owner.send(
          new RemovePermissionCommand({
            FunctionName: name,
            Qualifier: qualifier,
            StatementId: "first",
            RevisionId: own,
          }),
        ),
        { name: "PreconditionFailedException", status: 412, message: REVISION_MISMATCH },
      );
      await owner.send(
        new RemovePermissionCommand({
          FunctionName: name,
          Qualifier: qualifier,
          StatementId: "first",
          RevisionId: first.RevisionId,
        }),
      );
    }
    // The unqualified function's policy was never touched.
    expect(await sidsOf(name)).toBe(RESOURCE_NOT_FOUND);
  });

  it("lets a version's policy go with DeleteFunction Qualifier, an alias's with DeleteAlias", async () => {
    const { name } = await versionedFunction();
    const arn = arnOf(name);
    for (const input of [
      { FunctionName: name },
      { FunctionName: name, Qualifier: "1" },
      { FunctionName: `${name}:live` },
    ]) {
      await add({ ...input, StatementId: "kept-or-gone" });
    }
    await owner.send(new DeleteAliasCommand({ FunctionName: name, Name: "live" }));
    await owner.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: "1" }));
    expect(await sidsOf(name)).toEqual(["kept-or-gone"]);
    await expectLambdaError(add({ FunctionName: name, Qualifier: "1", StatementId: "again" }), {
      name: "ResourceNotFoundException",
      status: 404,
      message: `Function not found: ${arn}:1`,
    });
    // A new alias of the same name, on a new version, starts without a policy.
    await owner.send(new PublishVersionCommand({ FunctionName: name, Description: "second" }));
    await owner.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "2" }));
    expect(await sidsOf(name, "live")).toBe(RESOURCE_NOT_FOUND);
    expect(await sidsOf(name, "2")).toBe(RESOURCE_NOT_FOUND);
    await add({ FunctionName: name, Qualifier: "live", StatementId: "kept-or-gone" });
    expect(await sidsOf(name, "live")).toEqual(["kept-or-gone"]);
  });
});

describe("another account's version or alias, as that qualifier's own policy allows (§5.3)", () => {
  let arn = "";

  beforeAll(async () => {
    const { name } = await versionedFunction();
    arn = arnOf(name);
    // The function lets GRANTED invoke; version 1 lets STRANGER invoke; alias live lets ORG_MEMBER read and invoke.
    await add({ FunctionName: name, StatementId: "fn", Principal: GRANTED });
    await add({ FunctionName: name, Qualifier: "1", StatementId: "v1", Principal: STRANGER });
    await add({
      FunctionName: `${name}:live`,
      StatementId: "live",
      Principal: ORG_MEMBER,
      Action: "lambda:*",
    });
  });

  const ran = async (client: LambdaClient, functionName: string, qualifier?: string) => {
    const out = await invoke(client, functionName, { q: qualifier ?? "none" }, { Qualifier: qualifier });
    return [out.status, out.executedVersion];
  };

  it("invokes version 1 only as version 1's policy allows; the function's grant does not reach it", async () => {
    expect(await ran(stranger, `${arn}:1`)).toEqual([200, "1"]);
    expect(await ran(stranger, arn, "1")).toEqual([200, "1"]);
    expect(await ran(granted, arn)).toEqual([200, "$LATEST"]);
    for (const [client, account, functionName, qualifier, resource] of [
      [granted, GRANTED, `${arn}:1`, undefined, `${arn}:1`],
      [granted, GRANTED, arn, "1", `${arn}:1`],
      [member, ORG_MEMBER, `${arn}:1`, undefined, `${arn}:1`],
      [stranger, STRANGER, arn, undefined, arn],
      [stranger, STRANGER, `${arn}:$LATEST`, undefined, `${arn}:$LATEST`],
    ] as const) {
      await expectLambdaError(ran(client, functionName, qualifier), {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(account, resource, "InvokeFunction"),
      });
    }
  });

  it("reads and invokes alias live only as live's policy allows, whatever its version's policy says", async () => {
    expect(await ran(member, `${arn}:live`)).toEqual([200, "1"]);
    const got = await member.send(new GetFunctionCommand({ FunctionName: `${arn}:live` }));
    expect([got.Configuration?.FunctionArn, got.Configuration?.Version]).toEqual([`${arn}:live`, "1"]);
    const config = await member.send(
      new GetFunctionConfigurationCommand({ FunctionName: arn, Qualifier: "live" }),
    );
    expect(config.FunctionArn).toBe(`${arn}:live`);
    for (const [client, account] of [
      [stranger, STRANGER],
      [granted, GRANTED],
    ] as const) {
      await expectLambdaError(ran(client, `${arn}:live`), {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(account, `${arn}:live`, "InvokeFunction"),
      });
    }
    await expectLambdaError(member.send(new GetFunctionCommand({ FunctionName: arn })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(ORG_MEMBER, arn, "GetFunction"),
    });
    await expectLambdaError(ran(member, `${arn}:missing`), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(ORG_MEMBER, `${arn}:missing`, "InvokeFunction"),
    });
  });
});

describe("another account's function, as its policy allows (§5.3)", () => {
  let name = "";
  let arn = "";

  beforeAll(async () => {
    name = await newFunction();
    arn = arnOf(name);
    await add({ FunctionName: name, StatementId: "granted-invoke", Principal: GRANTED });
    await add({
      FunctionName: name,
      StatementId: "org-all",
      Principal: "*",
      Action: "lambda:*",
      PrincipalOrgID: ORG,
    });
    // Statements a direct call never meets: a service principal, and conditions on the request's source.
    await add({
      FunctionName: name,
      StatementId: "s3",
      Principal: "s3.amazonaws.com",
      SourceAccount: STRANGER,
    });
    await add({
      FunctionName: name,
      StatementId: "from-bucket",
      Principal: "*",
      SourceArn: "arn:aws:s3:::bucket",
    });
    await add({
      FunctionName: name,
      StatementId: "via-url",
      Principal: "*",
      Action: "lambda:*",
      FunctionUrlAuthType: "NONE",
    });
  });

  /** Each action's call, answering what the test compares: the invoke's result, or the FunctionArn read. */
  const reads = (client: LambdaClient, functionName: string): Record<string, () => Promise<unknown>> => ({
    "lambda:InvokeFunction": async () => {
      const out = await invoke(client, functionName, { from: "afar" });
      return [out.status, out.payload, out.executedVersion];
    },
    "lambda:GetFunction": async () =>
      (await client.send(new GetFunctionCommand({ FunctionName: functionName }))).Configuration?.FunctionArn,
    "lambda:GetFunctionConfiguration": async () =>
      (await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).FunctionArn,
  });

  const allowed: Record<string, readonly string[]> = {
    [GRANTED]: ["lambda:InvokeFunction"],
    [ORG_MEMBER]: ["lambda:InvokeFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration"],
    [STRANGER]: [],
  };
  const clients: Record<string, LambdaClient> = {
    [GRANTED]: granted,
    [ORG_MEMBER]: member,
    [STRANGER]: stranger,
  };

  it.each(Object.keys(allowed))(
    "account %s: allowed actions answer, the others are denied",
    async (account) => {
      const client = clients[account] ?? owner;
      for (const [action, call] of Object.entries(reads(client, arn))) {
        if (allowed[account]?.includes(action)) {
          const expected =
            action === "lambda:InvokeFunction" ? [200, '{"echo": {"from": "afar"}}', "$LATEST"] : arn;
          expect(await call()).toEqual(expected);
        } else {
          await expectLambdaError(call(), {
            name: "AccessDeniedException",
            status: 403,
            message: accessDenied(account, arn, action.slice("lambda:".length)),
          });
        }
      }
    },
  );

  it("evaluates the qualifier addressed: $LATEST runs under the unqualified policy, a missing version is denied", async () => {
    const latest = await invoke(granted, `${arn}:$LATEST`, {});
    expect([latest.status, latest.executedVersion]).toEqual([200, "$LATEST"]);
    await expectLambdaError(invoke(granted, arn, {}, { Qualifier: "1" }), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(GRANTED, `${arn}:1`, "InvokeFunction"),
    });
  });

  it("denies a function that does not exist as it denies one that is not shared", async () => {
    const missing = arnOf(randomName("fn"));
    await expectLambdaError(invoke(granted, missing, {}), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(GRANTED, missing, "InvokeFunction"),
    });
  });

  it("reads the policy at each call: a removed statement denies at once", async () => {
    const name2 = await newFunction();
    const arn2 = arnOf(name2);
    await add({
      FunctionName: name2,
      StatementId: "temp",
      Principal: GRANTED,
      Action: "lambda:GetFunctionConfiguration",
    });
    const out = await granted.send(new GetFunctionConfigurationCommand({ FunctionName: arn2 }));
    expect(out.FunctionArn).toBe(arn2);
    await owner.send(new RemovePermissionCommand({ FunctionName: name2, StatementId: "temp" }));
    await expectLambdaError(granted.send(new GetFunctionConfigurationCommand({ FunctionName: arn2 })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(GRANTED, arn2, "GetFunctionConfiguration"),
    });
  });

  it("never lets another account edit or read the policy itself", async () => {
    const err = await granted.send(new GetPolicyCommand({ FunctionName: arn })).then(
      () => undefined,
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => [
        e.name,
        e.$metadata?.httpStatusCode,
      ],
    );
    expect(err).toEqual(["AccessDeniedException", 403]);
  });
});

describe("the aws CLI", () => {
  it("add-permission, get-policy, a cross-account invoke allowed then denied, remove-permission", async () => {
    const name = await newFunction();
    const arn = arnOf(name);
    const cli = { url: lamina.url, accountId: OWNER };
    const added = await runAws(
      [
        "lambda",
        "add-permission",
        "--function-name",
        name,
        "--statement-id",
        "xaccount",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        GRANTED,
      ],
      cli,
    );
    expect(added.code).toBe(0);
    const statement = `{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${GRANTED}:root"},"Action":"lambda:InvokeFunction","Resource":"${arn}"}`;
    expect(JSON.parse(added.stdout)).toEqual({ Statement: statement });

    const policy = await runAws(["lambda", "get-policy", "--function-name", name], cli);
    expect(policy.code).toBe(0);
    const parsed = JSON.parse(policy.stdout) as { Policy: string; RevisionId: string };
    expect(parsed.Policy).toBe(`{"Version":"2012-10-17","Id":"default","Statement":[${statement}]}`);
    expect(parsed.RevisionId).toMatch(UUID_RE);

    const dir = tmpDir();
    const invoked = await runAws(
      ["lambda", "invoke", "--function-name", arn, "--payload", "{}", "out.json"],
      {
        url: lamina.url,
        accountId: GRANTED,
        cwd: dir,
      },
    );
    expect(invoked.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "out.json"), "utf8"))).toEqual({ echo: {} });

    const denied = await runAws(["lambda", "invoke", "--function-name", arn, "out.json"], {
      url: lamina.url,
      accountId: STRANGER,
      cwd: dir,
    });
    expect(denied.code).toBe(255);
    expect(denied.stderr.trim()).toBe(
      `An error occurred (AccessDeniedException) when calling the Invoke operation: ${accessDenied(STRANGER, arn, "InvokeFunction")}`,
    );

    const removed = await runAws(
      ["lambda", "remove-permission", "--function-name", name, "--statement-id", "xaccount"],
      cli,
    );
    expect([removed.code, removed.stdout]).toEqual([0, ""]);
    const after = await runAws(["lambda", "invoke", "--function-name", arn, "out.json"], {
      url: lamina.url,
      accountId: GRANTED,
      cwd: dir,
    });
    expect(after.code).toBe(255);
    expect(after.stderr.trim()).toBe(
      `An error occurred (AccessDeniedException) when calling the Invoke operation: ${accessDenied(GRANTED, arn, "InvokeFunction")}`,
    );
  });
});
