/**
 * GetAccountSettings, through the AWS SDK v3 and the `aws` CLI, against `docs/reference/aws-deploy-api.md` §7:
 * AWS's default limits, usage counted from what the account holds in the region, and the unreserved pool
 * shrinking with reservations (§8).
 */
import {
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, publishLayer } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

/** §7: the documented defaults of an established account. */
const DEFAULT_LIMIT = {
  TotalCodeSize: 80530636800,
  CodeSizeUnzipped: 262144000,
  CodeSizeZipped: 52428800,
  ConcurrentExecutions: 1000,
  UnreservedConcurrentExecutions: 1000,
};

const FUNCTION_FILES = { "index.py": "def handler(e, c):\n    return 1\n" };
const LAYER_FILES = { "python/helper.py": "X = 1\n" };

let url: string;

beforeAll(async () => {
  url = (await startTestServer()).url;
});

describe("GetAccountSettings (§7)", () => {
  it("a fresh account has AWS's default limits and no usage, exactly these keys", async () => {
    const out = await lambdaClient(url, "100000000001").send(new GetAccountSettingsCommand({}));
    expect({ AccountLimit: out.AccountLimit, AccountUsage: out.AccountUsage }).toEqual({
      AccountLimit: DEFAULT_LIMIT,
      AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
    });
  });

  it("counts functions and the bytes of function code and layer versions, per region", async () => {
    const account = "100000000002";
    const client = lambdaClient(url, account);
    const fnZip = (await makeZip(FUNCTION_FILES, true)).length;
    const layerZip = (await makeZip(LAYER_FILES, true)).length;
    const usage = async () => (await client.send(new GetAccountSettingsCommand({}))).AccountUsage;

    const first = randomName("fn");
    await createFunction(client, account, first, {
      runtime: "python3.12",
      handler: "index.handler",
      files: FUNCTION_FILES,
    });
    expect(await usage()).toEqual({ TotalCodeSize: fnZip, FunctionCount: 1 });
    await createFunction(client, account, randomName("fn"), {
      runtime: "python3.12",
      handler: "index.handler",
      files: FUNCTION_FILES,
    });
    expect(await usage()).toEqual({ TotalCodeSize: 2 * fnZip, FunctionCount: 2 });
    const layer = randomName("layer");
    await publishLayer(client, layer, { files: LAYER_FILES });
    await publishLayer(client, layer, { files: LAYER_FILES });
    expect(await usage()).toEqual({ TotalCodeSize: 2 * fnZip + 2 * layerZip, FunctionCount: 2 });
    // A configuration change adds nothing.
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: first, Description: "changed" }),
    );
    expect(await usage()).toEqual({ TotalCodeSize: 2 * fnZip + 2 * layerZip, FunctionCount: 2 });
    await client.send(new DeleteFunctionCommand({ FunctionName: first }));
    expect(await usage()).toEqual({ TotalCodeSize: fnZip + 2 * layerZip, FunctionCount: 1 });
    // Another region of the same account holds nothing.
    const elsewhere = await lambdaClient(url, account, "us-west-2").send(new GetAccountSettingsCommand({}));
    expect(elsewhere.AccountUsage).toEqual({ TotalCodeSize: 0, FunctionCount: 0 });
  });

  it("UnreservedConcurrentExecutions is ConcurrentExecutions less every reservation (§7, §8)", async () => {
    const account = "100000000003";
    const client = lambdaClient(url, account);
    const unreserved = async () =>
      (await client.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions;
    const names = [randomName("fn"), randomName("fn")];
    for (const name of names) {
      await createFunction(client, account, name, {
        runtime: "python3.12",
        handler: "index.handler",
        files: FUNCTION_FILES,
      });
    }
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: names[0], ReservedConcurrentExecutions: 300 }),
    );
    expect(await unreserved()).toBe(700);
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: names[1], ReservedConcurrentExecutions: 50 }),
    );
    expect(await unreserved()).toBe(650);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: names[0] }));
    expect(await unreserved()).toBe(950);
    // A deleted function's reservation goes with it.
    await client.send(new DeleteFunctionCommand({ FunctionName: names[1] }));
    expect(await unreserved()).toBe(1000);
  });

  it("the aws CLI prints the same answer", async () => {
    const out = await runAws(["lambda", "get-account-settings"], { url, accountId: "100000000004" });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      AccountLimit: DEFAULT_LIMIT,
      AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
    });
  });
});
