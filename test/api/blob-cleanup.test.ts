/** Uploads whose request fails after the zip was stored leave no file behind (docs/reference/identity.md §1 "data"). */
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { layerVersionNotFound } from "../helpers/aws-texts.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);

function blobFiles(): string[] {
  const root = join(lamina.config.dataDir, "blobs");
  return readdirSync(root)
    .filter((shard) => shard !== "tmp")
    .flatMap((shard) => readdirSync(join(root, shard)));
}

it("a CreateFunction refused after its code was stored keeps no blob", async () => {
  const before = blobFiles();
  const missing = `arn:aws:lambda:${TEST_REGION}:${A}:layer:nothing-here:1`;
  await expectLambdaError(
    client.send(
      new CreateFunctionCommand({
        FunctionName: randomName("fn"),
        Runtime: "python3.12",
        Handler: "m.h",
        Role: `arn:aws:iam::${A}:role/r`,
        Code: { ZipFile: await makeZip({ "m.py": `UNIQUE = "${randomName()}"\n` }) },
        Layers: [missing],
      }),
    ),
    { name: "InvalidParameterValueException", status: 400, message: layerVersionNotFound(missing) },
  );
  expect(blobFiles()).toEqual(before);
});
