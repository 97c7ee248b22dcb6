/**
 * Code from S3 (`docs/reference/aws-deploy-api.md` §13): CreateFunction's `Code.S3Bucket/S3Key/S3ObjectVersion`,
 * UpdateFunctionCode's top-level members and PublishLayerVersion's `Content`, read from a moto_server this file
 * starts (`--s3-endpoint`), with S3's refusals wrapped in Lambda's texts. Through the AWS SDK v3 and the `aws` CLI.
 */
import {
  LambdaClient,
  GetFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { NO_SUCH_BUCKET, NOT_A_ZIP } from "../helpers/aws-texts.js";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { invoke } from "../helpers/invoke.js";
import { startTestServer, TEAM_BACKEND, tmpDir } from "../helpers/server.js";
import { createBucket, freePort, S3_TEST_ENV, startS3Server } from "../helpers/team-backend.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";

/** §13.3 [SNAP-A]: the key text has a final period (the bucket text, NO_SUCH_BUCKET, has none). */
const NO_SUCH_KEY =
  "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.";
/** §13.3: a wrong S3ObjectVersion is not recorded; INFERRED as S3's NoSuchVersion text wrapped the same way. */
const NO_SUCH_VERSION =
  "Error occurred while GetObject. S3 Error Code: NoSuchVersion. S3 Error Message: The specified version does not exist.";

const invalid = (message: string) => ({
  name: "InvalidParameterValueException",
  status: 400,
  message,
  type: "User",
});

// lenient lamina cannot know a caller's secret, so it signs GetObject with its own process's AWS credential chain
// (README, Configuration): here the environment, with moto's credentials (the postgres project sets them anyway).
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: S3_TEST_ENV.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: S3_TEST_ENV.AWS_SECRET_ACCESS_KEY,
});

const moto = await startS3Server();
afterAll(() => moto.stop());
const s3 = new S3Client({
  endpoint: moto.endpoint,
  forcePathStyle: true,
  region: TEST_REGION,
  credentials: {
    accessKeyId: S3_TEST_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: S3_TEST_ENV.AWS_SECRET_ACCESS_KEY,
  },
});
afterAll(() => s3.destroy());

// On the team backend the blobs go to a bucket on this file's moto too: one --s3-endpoint serves both.
const lamina = await startTestServer({
  s3Endpoint: moto.endpoint,
  ...(TEAM_BACKEND && { blobStore: await createBucket(moto.endpoint) }),
});
const client = lambdaClient(lamina.url, A);

/** A new bucket in the test region; versioned when asked. */
async function bucket(versioned = false, name = `code-${randomName("b")}`): Promise<string> {
  await s3.send(
    new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: TEST_REGION } }),
  );
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  return name;
}

/** Puts an object; returns its VersionId (versioned buckets). */
async function put(bucketName: string, key: string, body: Buffer): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: body }))).VersionId;
}

/** A Node.js function's zip whose handler answers `answer`, and reads `greeting` from a layer when asked. */
function handlerZip(answer: string): Promise<Buffer> {
  return makeZip({
    "index.js": `exports.handler = async (event) => {
  const layer = event.layer ? require("greeting").text : undefined;
  return { answer: ${JSON.stringify(answer)}, layer };
};
`,
  });
}

const createInput = (name: string, code: CreateFunctionCommandInput["Code"]): CreateFunctionCommandInput => ({
  FunctionName: name,
  Runtime: "nodejs20.x",
  Handler: "index.handler",
  Role: `arn:aws:iam::${A}:role/lambda-role`,
  Code: code,
});

describe("CreateFunction and UpdateFunctionCode from S3 (§13.1, §13.2)", () => {
  it("create from S3Bucket/S3Key: CodeSha256 and CodeSize are the object's, and the invoke runs it", async () => {
    const b = await bucket();
    const zip = await handlerZip("from s3");
    await put(b, "fn/code.zip", zip);
    const name = randomName("fn");
    const created = await client.send(
      new CreateFunctionCommand(createInput(name, { S3Bucket: b, S3Key: "fn/code.zip" })),
    );
    expect([created.$metadata.httpStatusCode, created.CodeSha256, created.CodeSize]).toEqual([
      201,
      codeSha256(zip),
      zip.length,
    ]);
    // GetFunction's Code.Location hands back exactly the object's bytes (Lambda keeps its own copy).
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Code?.RepositoryType).toBe("S3");
    const download = Buffer.from(await (await fetch(got.Code?.Location ?? "")).arrayBuffer());
    expect(download.equals(zip)).toBe(true);
    const out = await invoke(client, name, {});
    expect([out.status, out.functionError, JSON.parse(out.payload)]).toEqual([
      200,
      undefined,
      { answer: "from s3" },
    ]);
  });

  it("update from an overwritten object: the new code runs; S3ObjectVersion reads the version asked for", async () => {
    const b = await bucket(true);
    const first = await handlerZip("first");
    const second = await handlerZip("second");
    const v1 = await put(b, "code.zip", first);
    const name = randomName("fn");
    await client.send(new CreateFunctionCommand(createInput(name, { S3Bucket: b, S3Key: "code.zip" })));
    expect(JSON.parse((await invoke(client, name, {})).payload)).toEqual({ answer: "first" });

    await put(b, "code.zip", second);
    const updated = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: b, S3Key: "code.zip" }),
    );
    expect([updated.$metadata.httpStatusCode, updated.CodeSha256, updated.LastUpdateStatus]).toEqual([
      200,
      codeSha256(second),
      "InProgress",
    ]);
    expect(JSON.parse((await invoke(client, name, {})).payload)).toEqual({ answer: "second" });

    const back = await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: name,
        S3Bucket: b,
        S3Key: "code.zip",
        S3ObjectVersion: v1,
      }),
    );
    expect(back.CodeSha256).toBe(codeSha256(first));
    expect(JSON.parse((await invoke(client, name, {})).payload)).toEqual({ answer: "first" });

    // A create may name the version too.
    const pinned = randomName("fn");
    const created = await client.send(
      new CreateFunctionCommand(createInput(pinned, { S3Bucket: b, S3Key: "code.zip", S3ObjectVersion: v1 })),
    );
    expect(created.CodeSha256).toBe(codeSha256(first));
  });

  it("refuses a missing bucket, a missing key and a missing version with S3's code and message (§13.3)", async () => {
    const b = await bucket(true);
    await put(b, "code.zip", await handlerZip("x"));
    const name = randomName("fn");
    await client.send(new CreateFunctionCommand(createInput(name, { S3Bucket: b, S3Key: "code.zip" })));
    const missingBucket = `missing-${randomName("b")}`;

    await expectLambdaError(
      client.send(
        new CreateFunctionCommand(
          createInput(randomName("fn"), { S3Bucket: missingBucket, S3Key: "code.zip" }),
        ),
      ),
      invalid(NO_SUCH_BUCKET),
    );
    await expectLambdaError(
      client.send(
        new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: missingBucket, S3Key: "code.zip" }),
      ),
      invalid(NO_SUCH_BUCKET),
    );
    await expectLambdaError(
      client.send(
        new CreateFunctionCommand(createInput(randomName("fn"), { S3Bucket: b, S3Key: "nothing.zip" })),
      ),
      invalid(NO_SUCH_KEY),
    );
    await expectLambdaError(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: b, S3Key: "nothing.zip" })),
      invalid(NO_SUCH_KEY),
    );
    await expectLambdaError(
      client.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          S3Bucket: b,
          S3Key: "code.zip",
          S3ObjectVersion: "not-a-version-of-this-object",
        }),
      ),
      invalid(NO_SUCH_VERSION),
    );
  });

  it("checks the object as an uploaded zip: no zip gets AWS's unzip text (§13.2)", async () => {
    const b = await bucket();
    await put(b, "notes.txt", Buffer.from("not a zip"));
    await expectLambdaError(
      client.send(
        new CreateFunctionCommand(createInput(randomName("fn"), { S3Bucket: b, S3Key: "notes.txt" })),
      ),
      invalid(NOT_A_ZIP),
    );
  });

  it("does not read the development loop's hot-reload bucket from S3, even when S3 has one (§14)", async () => {
    const b = await bucket(false, "hot-reload");
    await put(b, "code.zip", await handlerZip("x"));
    await expectLambdaError(
      client.send(
        new CreateFunctionCommand(createInput(randomName("fn"), { S3Bucket: b, S3Key: "code.zip" })),
      ),
      // Its keys are host folders (hot-reload.test.ts): "code.zip" is no absolute path.
      invalid(
        "When using hot reloading, the archive key has to be an absolute path! Your archive key: code.zip",
      ),
    );
  });
});

describe("PublishLayerVersion from S3 (§13.1; aws-layer-semantics.md §3 #6, #15)", () => {
  it("publishes the object's bytes, and a function using the layer sees them at /opt", async () => {
    const b = await bucket();
    const layerZip = await makeZip({
      "nodejs/node_modules/greeting/index.js": 'module.exports = { text: "hello from an S3 layer" };\n',
    });
    await put(b, "layer.zip", layerZip);
    const layerName = randomName();
    const published = await client.send(
      new PublishLayerVersionCommand({ LayerName: layerName, Content: { S3Bucket: b, S3Key: "layer.zip" } }),
    );
    expect([
      published.$metadata.httpStatusCode,
      published.Content?.CodeSha256,
      published.Content?.CodeSize,
    ]).toEqual([201, codeSha256(layerZip), layerZip.length]);
    // §3 #6: no runtimes or architectures given, so neither key; Description "".
    expect([published.CompatibleRuntimes, published.CompatibleArchitectures, published.Description]).toEqual([
      undefined,
      undefined,
      "",
    ]);
    const name = randomName("fn");
    await client.send(
      new CreateFunctionCommand({
        ...createInput(name, { ZipFile: await handlerZip("with layer") }),
        Layers: [published.LayerVersionArn ?? ""],
      }),
    );
    const out = await invoke(client, name, { layer: true });
    expect(JSON.parse(out.payload)).toEqual({ answer: "with layer", layer: "hello from an S3 layer" });
  });

  it("reads S3ObjectVersion, and refuses a missing bucket or key with the functions' texts (INFERRED for layers)", async () => {
    const b = await bucket(true);
    const one = await makeZip({ "one.txt": "1" });
    const v1 = await put(b, "layer.zip", one);
    await put(b, "layer.zip", await makeZip({ "two.txt": "2" }));
    const layerName = randomName();
    const pinned = await client.send(
      new PublishLayerVersionCommand({
        LayerName: layerName,
        Content: { S3Bucket: b, S3Key: "layer.zip", S3ObjectVersion: v1 },
      }),
    );
    expect(pinned.Content?.CodeSha256).toBe(codeSha256(one));
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: layerName,
          Content: { S3Bucket: `missing-${randomName("b")}`, S3Key: "layer.zip" },
        }),
      ),
      invalid(NO_SUCH_BUCKET),
    );
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: layerName,
          Content: { S3Bucket: b, S3Key: "nothing.zip" },
        }),
      ),
      invalid(NO_SUCH_KEY),
    );
  });
});

describe("an S3 endpoint that does not answer", () => {
  // One --s3-endpoint serves the team backend's blob store too, which must be reachable: SQLite only.
  it.skipIf(TEAM_BACKEND)(
    "gives a clear InvalidParameterValueException naming the endpoint, not a 500 or a hang",
    async () => {
      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      const offline = await startTestServer({ s3Endpoint: endpoint });
      const offlineClient = lambdaClient(offline.url, A);
      await expectLambdaError(
        offlineClient.send(
          new CreateFunctionCommand(
            createInput(randomName("fn"), { S3Bucket: "some-bucket", S3Key: "code.zip" }),
          ),
        ),
        invalid(
          `Error occurred while GetObject. The S3 endpoint ${endpoint} could not be reached (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}); check lamina's --s3-endpoint.`,
        ),
      );
    },
  );
});

describe("the aws CLI", () => {
  it("create-function --code S3Bucket=…,S3Key=… then invoke; a missing key exits 255 with AWS's text", async () => {
    const b = await bucket();
    const zip = await handlerZip("via the cli");
    await put(b, "cli.zip", zip);
    const name = randomName("fn");
    const cli = { url: lamina.url, accountId: A };
    const created = await runAws(
      [
        "lambda",
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "nodejs20.x",
        "--handler",
        "index.handler",
        "--role",
        `arn:aws:iam::${A}:role/lambda-role`,
        "--code",
        `S3Bucket=${b},S3Key=cli.zip`,
      ],
      cli,
    );
    expect(created.code).toBe(0);
    expect((JSON.parse(created.stdout) as { CodeSha256: string }).CodeSha256).toBe(codeSha256(zip));
    const dir = mkdtempSync(join(tmpdir(), "lamina-s3-cli-"));
    const invoked = await runAws(["lambda", "invoke", "--function-name", name, "out.json"], {
      ...cli,
      cwd: dir,
    });
    expect(invoked.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "out.json"), "utf8"))).toEqual({ answer: "via the cli" });

    const missing = await runAws(
      ["lambda", "update-function-code", "--function-name", name, "--s3-bucket", b, "--s3-key", "gone.zip"],
      cli,
    );
    expect(missing.code).toBe(255);
    expect(missing.stderr.trim()).toBe(
      `An error occurred (InvalidParameterValueException) when calling the UpdateFunctionCode operation: ${NO_SUCH_KEY}`,
    );
  });
});

/** One call of moto's IAM query API, sent while moto still takes unauthenticated requests; returns the XML. */
async function motoIam(endpoint: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      // moto routes a request to a service by its credential scope.
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: new URLSearchParams({ Version: "2010-05-08", ...params }).toString(),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text;
}

describe("strict mode: GetObject is signed with the caller's own credentials", () => {
  // The team backend's blob store would share this moto and sign with lamina's own chain, which moto refuses here.
  it.skipIf(TEAM_BACKEND)(
    "reads with the caller's key; a key S3 does not know gets AWS's AccessDenied text (§13.3)",
    async () => {
      // After 4 requests moto checks every signature against its IAM users: only a real user's key can read.
      const iam = await startS3Server({ INITIAL_NO_AUTH_ACTION_COUNT: "4" });
      afterAll(() => iam.stop());
      await motoIam(iam.endpoint, { Action: "CreateUser", UserName: "deployer" });
      await motoIam(iam.endpoint, {
        Action: "PutUserPolicy",
        UserName: "deployer",
        PolicyName: "s3",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        }),
      });
      const keyXml = await motoIam(iam.endpoint, { Action: "CreateAccessKey", UserName: "deployer" });
      const accessKeyId = /<AccessKeyId>([^<]+)</.exec(keyXml)?.[1] ?? "";
      const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(keyXml)?.[1] ?? "";
      const asDeployer = new S3Client({
        endpoint: iam.endpoint,
        forcePathStyle: true,
        region: TEST_REGION,
        credentials: { accessKeyId, secretAccessKey },
      });
      afterAll(() => asDeployer.destroy());
      const b = `strict-${randomName("b")}`;
      await asDeployer.send(
        new CreateBucketCommand({
          Bucket: b,
          CreateBucketConfiguration: { LocationConstraint: TEST_REGION },
        }),
      );
      const zip = await handlerZip("read with the caller's key");
      await asDeployer.send(new PutObjectCommand({ Bucket: b, Key: "code.zip", Body: zip }));

      // lamina knows both keys (it verifies their signatures); moto knows only the deployer's.
      const dir = tmpDir();
      const credentials = join(dir, "credentials.csv");
      writeFileSync(
        credentials,
        `${accessKeyId},${secretAccessKey},${A},deployer\nAKIAOUTSIDER000000001,outsider-secret,${A},outsider\n`,
      );
      const strict = await startTestServer({
        auth: "strict",
        credentials,
        s3Endpoint: iam.endpoint,
      });
      const signed = (key: string, secret: string) =>
        new LambdaClient({
          endpoint: strict.url,
          region: TEST_REGION,
          credentials: { accessKeyId: key, secretAccessKey: secret },
          maxAttempts: 1,
        });
      const deployer = signed(accessKeyId, secretAccessKey);
      const name = randomName("fn");
      const created = await deployer.send(
        new CreateFunctionCommand(createInput(name, { S3Bucket: b, S3Key: "code.zip" })),
      );
      expect(created.CodeSha256).toBe(codeSha256(zip));

      const outsider = signed("AKIAOUTSIDER000000001", "outsider-secret");
      await expectLambdaError(
        outsider.send(
          new CreateFunctionCommand(createInput(randomName("fn"), { S3Bucket: b, S3Key: "code.zip" })),
        ),
        {
          name: "AccessDeniedException",
          status: 403,
          message: `Your access has been denied by S3, please make sure your request credentials have permission to GetObject for ${b}/code.zip. S3 Error Code: InvalidAccessKeyId. S3 Error Message: The AWS Access Key Id you provided does not exist in our records.`,
        },
      );
    },
  );
});
