/** The layer operations through the AWS SDK v3, against aws-layer-semantics.md §3 A–D. */
import {
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { RESOURCE_NOT_FOUND, VERSION_TOO_LOW } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/; // §1.2
/** §3 #12. */
const NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";
const EMPTY_ZIP = "Uploaded file must be a non-empty zip";
/** §3 #7, the list AWS quotes for a bad CompatibleRuntimes value (January 2026). */
const PUBLISH_RUNTIME_ENUM =
  "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]";
/** §3 #27, the server's runtime enum for ListLayers' filter (January 2026). */
const LIST_RUNTIME_ENUM =
  "[ruby3.5, ruby2.6, dotnetcore1.0, python3.7, nodejs8.10, nasa, ruby2.7, python2.7-greengrass, dotnetcore2.0, python3.8, java21, dotnet6, dotnetcore2.1, python3.9, java11, nodejs6.10, provided, dotnetcore3.1, dotnet8, java25, java17, nodejs, nodejs4.3, java8.al2, go1.x, dotnet10, nodejs20.x, go1.9, byol, nodejs10.x, provided.al2023, nodejs22.x, python3.10, java8, nodejs12.x, python3.11, nodejs24.x, nodejs8.x, python3.12, nodejs14.x, nodejs8.9, nodejs26.x, python3.13, python3.14, nodejs16.x, python3.15, provided.al2, nodejs4.3-edge, nodejs18.x, ruby3.2, python3.4, ruby3.3, ruby3.4, ruby2.5, python3.6, python2.7]";
/** §1.4, the pattern the server quotes for `arn`. */
const SERVER_LAYER_VERSION_ARN_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";
/** §3 #11, botocore's LayerName pattern as AWS quotes it. */
const LAYER_NAME_PATTERN =
  "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);
let zip: Buffer;
beforeAll(async () => {
  zip = await makeZip({ "python/lib.py": "VALUE = 42\n" });
});

const arnOf = (name: string) => `arn:aws:lambda:${TEST_REGION}:${A}:layer:${name}`;

describe("PublishLayerVersion", () => {
  it("answers 201 with AWS's members (§3 #1, #3)", async () => {
    const name = randomName();
    const out = await client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: zip },
        CompatibleRuntimes: ["python3.12"],
        CompatibleArchitectures: ["x86_64"],
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(201);
    const { $metadata: _m, ...body } = out;
    expect(body).toEqual({
      Content: {
        Location: `${lamina.url}/_lamina/code/${createHash("sha256").update(zip).digest("hex")}`,
        CodeSha256: codeSha256(zip),
        CodeSize: zip.length,
      },
      LayerArn: arnOf(name),
      LayerVersionArn: `${arnOf(name)}:1`,
      Description: "",
      CreatedDate: expect.stringMatching(DATE_RE) as unknown,
      Version: 1,
      CompatibleRuntimes: ["python3.12"],
      CompatibleArchitectures: ["x86_64"],
    });
    expect("LicenseInfo" in body).toBe(false);
    const download = await fetch(out.Content?.Location ?? "");
    expect(Buffer.from(await download.arrayBuffer()).equals(zip)).toBe(true);
  });

  it("gives identical content a new version with the same CodeSha256 (§3 #2)", async () => {
    const name = randomName();
    const v1 = await client.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
    );
    const v2 = await client.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
    );
    expect([v1.Version, v2.Version]).toEqual([1, 2]);
    expect(v2.Content?.CodeSha256).toBe(v1.Content?.CodeSha256);
  });

  it("echoes empty lists and omits ungiven optional members (§3 #5, #6)", async () => {
    const name = randomName();
    const empty = await client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: zip },
        CompatibleRuntimes: [],
        CompatibleArchitectures: [],
        Description: "d",
        LicenseInfo: "MIT",
      }),
    );
    expect([
      empty.CompatibleRuntimes,
      empty.CompatibleArchitectures,
      empty.Description,
      empty.LicenseInfo,
    ]).toEqual([[], [], "d", "MIT"]);
    const bare = await rawRequest(lamina.url, "POST", `/2018-10-31/layers/${name}/versions`, {
      accountId: A,
      body: JSON.stringify({ Content: { ZipFile: zip.toString("base64") } }),
    });
    expect(bare.status).toBe(201);
    expect(Object.keys(JSON.parse(bare.body) as object)).toEqual([
      "Content",
      "LayerArn",
      "LayerVersionArn",
      "Description",
      "CreatedDate",
      "Version",
    ]);
  });

  it("accepts 15 runtimes, deprecated ones included, in the order given (§3 #9)", async () => {
    const runtimes = [
      "nodejs24.x",
      "nodejs22.x",
      "nodejs20.x",
      "nodejs18.x",
      "nodejs16.x",
      "nodejs14.x",
      "nodejs12.x",
      "python3.14",
      "python3.13",
      "python3.12",
      "python3.11",
      "python3.10",
      "python3.9",
      "python3.8",
      "python3.7",
    ] as Runtime[];
    const out = await client.send(
      new PublishLayerVersionCommand({
        LayerName: randomName(),
        Content: { ZipFile: zip },
        CompatibleRuntimes: runtimes,
        CompatibleArchitectures: ["arm64", "x86_64"],
      }),
    );
    expect(out.CompatibleRuntimes).toEqual(runtimes);
    expect(out.CompatibleArchitectures).toEqual(["arm64", "x86_64"]);
  });

  it("refuses unknown runtimes and architectures, quoting the whole lists (§3 #7, #8)", async () => {
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: randomName(),
          Content: { ZipFile: zip },
          CompatibleRuntimes: ["invalidruntime", "invalidruntime2", "nodejs20.x"] as Runtime[],
          CompatibleArchitectures: ["invalidarch", "x86_64"] as never,
        }),
      ),
      {
        name: "ValidationException",
        status: 400,
        message:
          `2 validation errors detected: Value '[invalidruntime, invalidruntime2, nodejs20.x]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: ${PUBLISH_RUNTIME_ENUM}; ` +
          "Value '[invalidarch, x86_64]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
      },
    );
  });

  it("refuses too many runtimes and architectures and long texts (§3 #10)", async () => {
    const sixteen = Array.from({ length: 16 }, () => "python3.12") as Runtime[];
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: randomName(),
          Content: { ZipFile: zip },
          Description: "d".repeat(257),
          CompatibleRuntimes: sixteen,
          LicenseInfo: "l".repeat(513),
          CompatibleArchitectures: ["x86_64", "arm64", "x86_64"],
        }),
      ),
      {
        name: "ValidationException",
        status: 400,
        message:
          `4 validation errors detected: Value '${"d".repeat(257)}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256; ` +
          `Value '[${sixteen.join(", ")}]' at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15; ` +
          `Value '${"l".repeat(513)}' at 'licenseInfo' failed to satisfy constraint: Member must have length less than or equal to 512; ` +
          "Value '[x86_64, arm64, x86_64]' at 'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2",
      },
    );
  });

  it("refuses layer names with '.' and names over 140 characters (§3 #11)", async () => {
    await expectLambdaError(
      client.send(new PublishLayerVersionCommand({ LayerName: "my.layer", Content: { ZipFile: zip } })),
      {
        name: "ValidationException",
        status: 400,
        message: `1 validation error detected: Value 'my.layer' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}`,
      },
    );
    const long = "n".repeat(141);
    await expectLambdaError(
      client.send(new PublishLayerVersionCommand({ LayerName: long, Content: { ZipFile: zip } })),
      {
        name: "ValidationException",
        status: 400,
        message: `1 validation error detected: Value '${long}' at 'layerName' failed to satisfy constraint: Member must have length less than or equal to 140`,
      },
    );
  });

  it("refuses bytes that are not a zip, and empty zips (§3 #12)", async () => {
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: randomName(),
          Content: { ZipFile: Buffer.from("not a zip") },
        }),
      ),
      { name: "InvalidParameterValueException", status: 400, message: NOT_A_ZIP, type: "User" },
    );
    await expectLambdaError(
      client.send(
        new PublishLayerVersionCommand({ LayerName: randomName(), Content: { ZipFile: await makeZip({}) } }),
      ),
      { name: "InvalidParameterValueException", status: 400, message: EMPTY_ZIP, type: "User" },
    );
  });
});

describe("GetLayerVersion and GetLayerVersionByArn", () => {
  it("return the publish response, by name, by layer ARN and by version ARN (§3 #16, #17, #24)", async () => {
    const name = randomName();
    const { $metadata: _m, ...published } = await client.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip }, LicenseInfo: "MIT" }),
    );
    for (const cmd of [
      new GetLayerVersionCommand({ LayerName: name, VersionNumber: 1 }),
      new GetLayerVersionCommand({ LayerName: arnOf(name), VersionNumber: 1 }),
      new GetLayerVersionByArnCommand({ Arn: `${arnOf(name)}:1` }),
    ]) {
      const { $metadata, ...got } = await client.send(cmd as GetLayerVersionCommand);
      expect($metadata.httpStatusCode).toBe(200);
      expect(got).toEqual(published);
    }
  });

  it("answer 404 for a missing layer or version (§3 #18, #19, #22)", async () => {
    const name = randomName();
    await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }));
    const notFound = {
      name: "ResourceNotFoundException",
      status: 404,
      message: RESOURCE_NOT_FOUND,
      type: "User",
    };
    await expectLambdaError(
      client.send(new GetLayerVersionCommand({ LayerName: "layerdoesnotexist", VersionNumber: 1 })),
      notFound,
    );
    await expectLambdaError(
      client.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: 2 })),
      notFound,
    );
    await expectLambdaError(
      client.send(new GetLayerVersionByArnCommand({ Arn: `${arnOf(name)}:2` })),
      notFound,
    );
  });

  it("answer 404 for a deleted version (§3 #23)", async () => {
    const name = randomName();
    await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }));
    await client.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 1 }));
    await expectLambdaError(client.send(new GetLayerVersionByArnCommand({ Arn: `${arnOf(name)}:1` })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: RESOURCE_NOT_FOUND,
    });
  });

  it("refuse version numbers below 1 with InvalidParameterValueException (§3 #20)", async () => {
    for (const VersionNumber of [0, -1]) {
      await expectLambdaError(client.send(new GetLayerVersionCommand({ LayerName: "x", VersionNumber })), {
        name: "InvalidParameterValueException",
        status: 400,
        message: VERSION_TOO_LOW,
        type: "User",
      });
    }
  });

  it("refuse a version-less ARN with the server's pattern (§3 #21)", async () => {
    const arn = arnOf("some-layer");
    await expectLambdaError(client.send(new GetLayerVersionByArnCommand({ Arn: arn })), {
      name: "ValidationException",
      status: 400,
      message: `1 validation error detected: Value '${arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${SERVER_LAYER_VERSION_ARN_PATTERN}`,
    });
  });
});

describe("ListLayerVersions and ListLayers", () => {
  it("list versions newest first with list items only (§3 #25, #26)", async () => {
    const name = randomName();
    const v1 = await client.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
    );
    const v2 = await client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: zip },
        CompatibleRuntimes: ["nodejs20.x"],
        Description: "two",
      }),
    );
    const out = await client.send(new ListLayerVersionsCommand({ LayerName: name }));
    expect(out.LayerVersions).toEqual([
      {
        LayerVersionArn: `${arnOf(name)}:2`,
        Version: 2,
        Description: "two",
        CreatedDate: v2.CreatedDate,
        CompatibleRuntimes: ["nodejs20.x"],
      },
      { LayerVersionArn: `${arnOf(name)}:1`, Version: 1, CreatedDate: v1.CreatedDate },
    ]);
    expect(out.NextMarker).toBeUndefined();
    const none = await client.send(new ListLayerVersionsCommand({ LayerName: "layerdoesnotexist" }));
    expect([none.$metadata.httpStatusCode, none.LayerVersions]).toEqual([200, []]);
  });

  it('leave Description out of list items for versions published without one, keep an explicit "" (§1.2)', async () => {
    // An account of its own, so ListLayers holds this layer alone.
    const account = "123456789077";
    const name = randomName();
    const send = (method: string, path: string, body?: object) =>
      rawRequest(lamina.url, method, path, {
        accountId: account,
        region: TEST_REGION,
        body: body && JSON.stringify(body),
      });
    const publish = (body: object) =>
      send("POST", `/2018-10-31/layers/${name}/versions`, {
        Content: { ZipFile: zip.toString("base64") },
        ...body,
      });
    const bare = await publish({});
    const empty = await publish({ Description: "" });
    // Publish and Get answer "" for a version published without a Description (§1.2, §3 #1, #16).
    expect([bare.status, (JSON.parse(bare.body) as { Description?: unknown }).Description]).toEqual([
      201,
      "",
    ]);
    const get = await send("GET", `/2018-10-31/layers/${name}/versions/1`);
    expect((JSON.parse(get.body) as { Description?: unknown }).Description).toBe("");
    expect([empty.status, (JSON.parse(empty.body) as { Description?: unknown }).Description]).toEqual([
      201,
      "",
    ]);

    // The list items: the key is absent for version 1 (not given), "" for version 2 (given empty).
    const listed = await send("GET", `/2018-10-31/layers/${name}/versions`);
    const items = (JSON.parse(listed.body) as { LayerVersions: Record<string, unknown>[] }).LayerVersions;
    expect(items.map((i) => Object.keys(i))).toEqual([
      ["LayerVersionArn", "Version", "Description", "CreatedDate"],
      ["LayerVersionArn", "Version", "CreatedDate"],
    ]);
    expect(items[0]?.Description).toBe("");

    // ListLayers' LatestMatchingVersion is the same item: once v2 is gone, the latest has no Description key.
    expect((await send("DELETE", `/2018-10-31/layers/${name}/versions/2`)).status).toBe(204);
    const layers = await send("GET", "/2018-10-31/layers");
    expect(JSON.parse(layers.body)).toEqual({
      Layers: [
        {
          LayerName: name,
          LayerArn: `arn:aws:lambda:${TEST_REGION}:${account}:layer:${name}`,
          LatestMatchingVersion: {
            LayerVersionArn: `arn:aws:lambda:${TEST_REGION}:${account}:layer:${name}:1`,
            Version: 1,
            CreatedDate: expect.stringMatching(DATE_RE) as unknown,
          },
        },
      ],
    });
  });

  it("filter versions by runtime and architecture; versions without the list never match (§3 #31)", async () => {
    const name = randomName();
    await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }));
    await client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: zip },
        CompatibleRuntimes: ["python3.13"],
        CompatibleArchitectures: ["arm64"],
      }),
    );
    const byRuntime = await client.send(
      new ListLayerVersionsCommand({ LayerName: name, CompatibleRuntime: "python3.13" }),
    );
    expect(byRuntime.LayerVersions?.map((v) => v.Version)).toEqual([2]);
    const byArch = await client.send(
      new ListLayerVersionsCommand({ LayerName: name, CompatibleArchitecture: "x86_64" }),
    );
    expect(byArch.LayerVersions).toEqual([]);
  });

  it("refuse unknown filter values with the server's enums (§3 #27, #28)", async () => {
    await expectLambdaError(
      client.send(new ListLayersCommand({ CompatibleRuntime: "runtimedoesnotexist" as Runtime })),
      {
        name: "ValidationException",
        status: 400,
        message: `1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: ${LIST_RUNTIME_ENUM}`,
      },
    );
    await expectLambdaError(
      client.send(new ListLayersCommand({ CompatibleArchitecture: "archdoesnotexist" as never })),
      {
        name: "ValidationException",
        status: 400,
        message:
          "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
      },
    );
  });

  it("lists only the caller's layers in the caller's region (§3 #29, #30, #77)", async () => {
    const account = "210000000001";
    const own = lambdaClient(lamina.url, account);
    await own.send(
      new PublishLayerVersionCommand({
        LayerName: "b-layer",
        Content: { ZipFile: zip },
        CompatibleRuntimes: ["python3.13"],
        CompatibleArchitectures: ["arm64"],
      }),
    );
    await own.send(new PublishLayerVersionCommand({ LayerName: "a-layer", Content: { ZipFile: zip } }));
    await lambdaClient(lamina.url, account, "us-west-2").send(
      new PublishLayerVersionCommand({ LayerName: "other-region", Content: { ZipFile: zip } }),
    );
    const all = await own.send(new ListLayersCommand({}));
    expect(all.Layers?.map((l) => [l.LayerName, l.LayerArn])).toEqual([
      ["a-layer", `arn:aws:lambda:${TEST_REGION}:${account}:layer:a-layer`],
      ["b-layer", `arn:aws:lambda:${TEST_REGION}:${account}:layer:b-layer`],
    ]);
    expect(all.NextMarker).toBeUndefined();
    const python = await own.send(new ListLayersCommand({ CompatibleRuntime: "python3.13" }));
    expect(python.Layers?.map((l) => l.LatestMatchingVersion?.LayerVersionArn)).toEqual([
      `arn:aws:lambda:${TEST_REGION}:${account}:layer:b-layer:1`,
    ]);
    expect((await own.send(new ListLayersCommand({ CompatibleArchitecture: "x86_64" }))).Layers).toEqual([]);
    const first = await own.send(new ListLayersCommand({ MaxItems: 1 }));
    expect(first.Layers?.map((l) => l.LayerName)).toEqual(["a-layer"]);
    expect(first.NextMarker).toEqual(expect.any(String));
  });
});

describe("DeleteLayerVersion", () => {
  it("is idempotent and answers 204 for anything missing (§3 #33–#35)", async () => {
    const name = randomName();
    await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }));
    for (const [LayerName, VersionNumber] of [
      ["layerdoesnotexist", 1],
      [name, 2],
      [name, 1],
      [name, 1],
    ] as const) {
      const out = await client.send(new DeleteLayerVersionCommand({ LayerName, VersionNumber }));
      expect(out.$metadata.httpStatusCode).toBe(204);
    }
  });

  it("refuses version -1 with InvalidParameterValueException (§3 #36)", async () => {
    await expectLambdaError(
      client.send(new DeleteLayerVersionCommand({ LayerName: "x", VersionNumber: -1 })),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: VERSION_TOO_LOW,
        type: "User",
      },
    );
  });

  it("removes the blob once no version references it", async () => {
    const name = randomName();
    const unique = await makeZip({ "only-here.txt": randomName() });
    const out = await client.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: unique } }),
    );
    const location = out.Content?.Location ?? "";
    expect((await fetch(location)).status).toBe(200);
    await client.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 1 }));
    expect((await fetch(location)).status).toBe(404);
  });
});
