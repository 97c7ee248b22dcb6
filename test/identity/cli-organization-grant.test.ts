/**
 * The founding scenario's step 11 (seed-walkthrough.md) end to end with the real `aws` CLI, organization set-up
 * included: A creates an organization, creates one member account and invites B (111111111111), who accepts;
 * A grants layer version 1 to the organization; members create functions with it, an outsider is refused.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { accessDenied } from "../helpers/aws-texts.js";
import { TEST_REGION } from "../helpers/clients.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const B = "111111111111";
const OUTSIDER = "222222222222";
const LAYER_V1 = `arn:aws:lambda:${TEST_REGION}:${A}:layer:requests:1`;

describe("step 11 with the aws CLI: an organization grant", () => {
  let url: string;
  let cwd: string;
  const aws = async (accountId: string, args: string[]) => {
    const r = await runAws(args, { url, accountId, cwd });
    return r;
  };
  const ok = async (accountId: string, args: string[]): Promise<Record<string, unknown>> => {
    const r = await aws(accountId, args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return r.stdout.trim() === "" ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
  };

  beforeAll(async () => {
    url = (await startTestServer()).url;
    cwd = tmpDir();
    writeFileSync(join(cwd, "python.zip"), await makeZip({ "python/requests/__init__.py": "x = 1\n" }));
    writeFileSync(
      join(cwd, "function.zip"),
      await makeZip({
        "test.py": "import requests\n\ndef lambda_handler(event, context):\n    return 'ok'\n",
      }),
    );
  });

  it(
    "sets up the organization, grants it, and lets members (only) create functions with the layer",
    { timeout: 180_000 },
    async () => {
      const org = (await ok(A, ["organizations", "create-organization", "--feature-set", "ALL"]))
        .Organization as {
        Id: string;
      };
      expect(org.Id).toMatch(/^o-[a-z0-9]{10}$/);
      const status = (
        await ok(A, [
          "organizations",
          "create-account",
          "--email",
          "dev@example.com",
          "--account-name",
          "dev",
        ])
      ).CreateAccountStatus as { State: string; AccountId: string };
      expect(status.State).toBe("SUCCEEDED");
      const invite = (
        await ok(A, ["organizations", "invite-account-to-organization", "--target", `Id=${B},Type=ACCOUNT`])
      ).Handshake as { Id: string };
      await ok(B, ["organizations", "accept-handshake", "--handshake-id", invite.Id]);
      const accounts = (await ok(A, ["organizations", "list-accounts"])).Accounts as { Id: string }[];
      expect(accounts.map((a) => a.Id)).toEqual([A, status.AccountId, B]);

      await ok(A, [
        "lambda",
        "publish-layer-version",
        "--layer-name",
        "requests",
        "--description",
        "requests 2.21.0",
        "--zip-file",
        "fileb://python.zip",
        "--compatible-runtimes",
        "python3.7",
      ]);
      const grant = await ok(A, [
        "lambda",
        "add-layer-version-permission",
        "--layer-name",
        "requests",
        "--statement-id",
        "org",
        "--version-number",
        "1",
        "--principal",
        "*",
        "--organization-id",
        org.Id,
        "--action",
        "lambda:GetLayerVersion",
      ]);
      expect(JSON.parse(grant.Statement as string)).toMatchObject({
        Principal: "*",
        Condition: { StringEquals: { "aws:PrincipalOrgID": org.Id } },
      });

      const create = (account: string) =>
        aws(account, [
          "lambda",
          "create-function",
          "--function-name",
          "test",
          "--runtime",
          "python3.12",
          "--handler",
          "test.lambda_handler",
          "--role",
          `arn:aws:iam::${account}:role/lambda-role`,
          "--zip-file",
          "fileb://function.zip",
          "--layers",
          LAYER_V1,
        ]);
      for (const member of [B, status.AccountId]) {
        const r = await create(member);
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as { Layers: { Arn: string }[] }).Layers[0]?.Arn).toBe(LAYER_V1);
      }
      const denied = await create(OUTSIDER);
      expect(denied.code).toBe(255);
      expect(denied.stderr.trim()).toBe(
        `An error occurred (AccessDeniedException) when calling the CreateFunction operation: ${accessDenied(OUTSIDER, LAYER_V1)}`,
      );

      // B leaves: its function stays, a new attachment is refused.
      await ok(B, ["organizations", "leave-organization"]);
      const again = await aws(B, [
        "lambda",
        "update-function-configuration",
        "--function-name",
        "test",
        "--layers",
        LAYER_V1,
      ]);
      expect(again.stderr.trim()).toBe(
        `An error occurred (AccessDeniedException) when calling the UpdateFunctionConfiguration operation: ${accessDenied(B, LAYER_V1)}`,
      );
      const kept = await ok(B, ["lambda", "get-function-configuration", "--function-name", "test"]);
      expect((kept.Layers as { Arn: string }[])[0]?.Arn).toBe(LAYER_V1);

      const who = await ok(B, ["sts", "get-caller-identity"]);
      expect(who).toMatchObject({ Account: B, Arn: `arn:aws:iam::${B}:root` });
    },
  );
});
