/**
 * The development loop (issue 13; `docs/reference/aws-deploy-api.md` §14): code and layers served from host
 * folders named by `S3Bucket: "hot-reload"`, `S3Key: <absolute folder>`, merged at /opt with zip layers in the
 * function's order, and reloaded when a file in any of them is written, renamed over, added or deleted.
 */
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  type LambdaClient,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { startLamina } from "../../src/index.js";
import { accessDenied } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { invoke, pollForAsync, publishLayer } from "../helpers/invoke.js";
import { tmpDir } from "../helpers/server.js";

const A = "123456789012";
const B = "111111111111";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;

/** §14: LocalStack's answers for hot-reloaded code: no hash, no size. */
const NO_HASH = "hot-reloading-hash-not-available";
/** §14: LocalStack's text for a relative key. */
const relativeKey = (key: string) =>
  `When using hot reloading, the archive key has to be an absolute path! Your archive key: ${key}`;
/** lamina's own texts (AWS has no folders): the path is named, nothing is stored. */
const missing = (path: string) =>
  `When using hot reloading, the archive key has to be a folder on lamina's machine: ${path} does not exist.`;
const notAFolder = (path: string) =>
  `When using hot reloading, the archive key has to be a folder on lamina's machine: ${path} is not a folder.`;
const gone = (folder: string, arn: string) =>
  `Lambda could not read the deployment package: ${folder}, the hot-reload folder of the code of function ${arn}, does not exist. Invokes work again once it is back.`;

const root = tmpDir("lamina-folders-");
const lines: { msg: string; function?: string; folder?: string }[] = [];
let client: LambdaClient;
let clientB: LambdaClient;

beforeAll(async () => {
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  const lamina = await startLamina({ port: 0, dataDir: join(root, "data"), logger });
  client = lambdaClient(lamina.url, A);
  clientB = lambdaClient(lamina.url, B);
  return () => lamina.close();
});

/** Writes files (relative path → text) under a new folder of the test's; returns its absolute path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const hot = (path: string) => ({ S3Bucket: "hot-reload", S3Key: path });

async function folderLayer(c: LambdaClient, dir: string): Promise<string> {
  const out = await c.send(
    new PublishLayerVersionCommand({ LayerName: randomName("hl"), Content: hot(dir) }),
  );
  return out.LayerVersionArn ?? "";
}

async function createFromFolder(
  name: string,
  dir: string,
  extra: { runtime?: Runtime; handler?: string; layers?: string[] } = {},
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: extra.runtime ?? "python3.12",
      Handler: extra.handler ?? "app.handler",
      Role: ROLE,
      Code: hot(dir),
      Layers: extra.layers,
    }),
  );
}

/** Invokes until the payload is `want` (a change is seen within tens of milliseconds; 5 s bounds a busy CI). */
async function untilPayload(name: string, want: string): Promise<string> {
  return pollForAsync(
    async () => (await invoke(client, name, {})).payload,
    (p) => p === want,
    5_000,
  );
}

const arnOf = (name: string) => `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}`;

describe("code from a folder (§14)", () => {
  it("runs Python from the folder, answers without a hash, and sees a write, a rename-save, a new and a deleted file", async () => {
    const dir = folder(randomName("py"), {
      "app.py": "import helper\ndef handler(e, c):\n    return helper.text()\n",
      "helper.py": "def text():\n    return 'one'\n",
    });
    const name = randomName("fn");
    await createFromFolder(name, dir);
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect([got.Configuration?.CodeSha256, got.Configuration?.CodeSize, got.Code?.Location]).toEqual([
      NO_HASH,
      0,
      `file://${dir}`,
    ]);
    expect((await invoke(client, name, {})).payload).toBe('"one"');

    writeFileSync(join(dir, "helper.py"), "def text():\n    return 'two'\n");
    expect(await untilPayload(name, '"two"')).toBe('"two"');

    // An editor's save: a temp file renamed over the original.
    writeFileSync(join(dir, ".helper.py.swp"), "def text():\n    return 'three'\n");
    renameSync(join(dir, ".helper.py.swp"), join(dir, "helper.py"));
    expect(await untilPayload(name, '"three"')).toBe('"three"');

    writeFileSync(join(dir, "more.py"), "VALUE = 'four'\n");
    writeFileSync(join(dir, "app.py"), "import more\ndef handler(e, c):\n    return more.VALUE\n");
    expect(await untilPayload(name, '"four"')).toBe('"four"');

    rmSync(join(dir, "more.py"));
    const out = await pollForAsync(
      () => invoke(client, name, {}),
      (o) => o.functionError === "Unhandled",
      5_000,
    );
    expect(JSON.parse(out.payload)).toMatchObject({ errorType: "Runtime.ImportModuleError" });

    const reloads = lines.filter((l) => l.msg.startsWith("reload:") && l.folder === dir);
    expect(reloads.length).toBeGreaterThan(0);
    expect(reloads[0]?.function).toBe(`${A}/${TEST_REGION}/${name}:$LATEST`);
  });

  it("runs Node.js and custom runtimes from folders, and UpdateFunctionCode moves a function onto a folder", async () => {
    const node = folder(randomName("node"), {
      "index.mjs": "export const handler = async () => 'node from a folder';\n",
    });
    const nodeFn = randomName("fn");
    await createFromFolder(nodeFn, node, { runtime: "nodejs20.x", handler: "index.handler" });
    expect((await invoke(client, nodeFn, {})).payload).toBe('"node from a folder"');

    const custom = folder(randomName("custom"), {
      bootstrap: [
        "#!/bin/sh",
        "set -eu",
        "while true; do",
        '  h=$(mktemp); curl -sS -D "$h" -o /dev/null "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"',
        "  id=$(grep -i '^lambda-runtime-aws-request-id:' \"$h\" | tr -d '\\r' | cut -d' ' -f2)",
        '  curl -sS -o /dev/null -X POST -d \'"custom from a folder"\' "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response"',
        "done",
        "",
      ].join("\n"),
    });
    const { chmodSync } = await import("node:fs");
    chmodSync(join(custom, "bootstrap"), 0o755);
    const customFn = randomName("fn");
    await createFromFolder(customFn, custom, { runtime: "provided.al2023", handler: "any" });
    expect((await invoke(client, customFn, {})).payload).toBe('"custom from a folder"');

    const later = folder(randomName("later"), { "app.py": "def handler(e, c):\n    return 'moved'\n" });
    const moved = randomName("fn");
    await createFromFolder(
      moved,
      folder(randomName("first"), { "app.py": "def handler(e, c):\n    return 'first'\n" }),
    );
    expect((await invoke(client, moved, {})).payload).toBe('"first"');
    const updated = await client.send(new UpdateFunctionCodeCommand({ FunctionName: moved, ...hot(later) }));
    expect([updated.CodeSha256, updated.CodeSize]).toEqual([NO_HASH, 0]);
    expect((await invoke(client, moved, {})).payload).toBe('"moved"');
  });

  it("refuses a relative key, a missing folder and a file with 400s naming the path, storing nothing", async () => {
    const file = join(folder(randomName("f"), { "x.txt": "x" }), "x.txt");
    const absent = join(root, randomName("absent"));
    const name = randomName("fn");
    const cases: [Record<string, string>, string][] = [
      [hot("relative/path"), relativeKey("relative/path")],
      [hot(absent), missing(absent)],
      [hot(file), notAFolder(file)],
    ];
    for (const [code, message] of cases) {
      await expectLambdaError(
        client.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: "python3.12",
            Handler: "a.h",
            Role: ROLE,
            Code: code,
          }),
        ),
        { name: "InvalidParameterValueException", status: 400, message, type: "User" },
      );
      const layerName = randomName("hl");
      await expectLambdaError(
        client.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: code })),
        { name: "InvalidParameterValueException", status: 400, message, type: "User" },
      );
      const versions = await client.send(new ListLayerVersionsCommand({ LayerName: layerName }));
      expect(versions.LayerVersions).toEqual([]);
    }
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: `Function not found: ${arnOf(name)}`,
      type: "User",
    });
  });

  it("fails invokes while the folder is gone, with a message naming it, and works again when it is back", async () => {
    const dir = folder(randomName("gone"), { "app.py": "def handler(e, c):\n    return 'here'\n" });
    const name = randomName("fn");
    await createFromFolder(name, dir);
    expect((await invoke(client, name, {})).payload).toBe('"here"');
    renameSync(dir, `${dir}-away`);
    const refused = await pollForAsync(
      () =>
        invoke(client, name, {}).then(
          () => undefined,
          (err: unknown) => err as Error & { $metadata?: { httpStatusCode?: number } },
        ),
      (e) => e !== undefined,
      5_000,
    );
    expect([refused?.name, refused?.$metadata?.httpStatusCode, refused?.message]).toEqual([
      "InvalidZipFileException",
      502,
      gone(dir, arnOf(name)),
    ]);
    renameSync(`${dir}-away`, dir);
    expect((await invoke(client, name, {})).payload).toBe('"here"');
  });
});

describe("layers from folders, merged with zip layers (§14)", () => {
  it("merges folder and zip layers at /opt in the function's order, later wins, and reloads only functions using the changed folder", async () => {
    const first = folder(randomName("l1"), {
      "python/shared.py": "WHO = 'first'\n",
      "python/one.py": "V = 'one-a'\n",
    });
    const second = folder(randomName("l2"), {
      "python/shared.py": "WHO = 'second'\n",
      "python/two.py": "V = 'two'\n",
    });
    const zipArn = await publishLayer(client, randomName("zl"), {
      files: { "python/three.py": "V = 'three'\n" },
    });
    const [firstArn, secondArn] = [await folderLayer(client, first), await folderLayer(client, second)];
    const code = folder(randomName("code"), {
      "app.py": [
        "import uuid, one, two, three, shared",
        "TOKEN = uuid.uuid4().hex",
        "def handler(e, c):",
        "    return [one.V, two.V, three.V, shared.WHO]",
        "",
      ].join("\n"),
    });
    const name = randomName("fn");
    await createFromFolder(name, code, { layers: [firstArn, secondArn, zipArn] });
    expect((await invoke(client, name, {})).payload).toBe('["one-a", "two", "three", "second"]');

    // Another function on zip layers only: warm, and not restarted by the folder's change below.
    const bystander = folder(randomName("by"), {
      "app.py": "import uuid\nTOKEN = uuid.uuid4().hex\ndef handler(e, c):\n    return TOKEN\n",
    });
    const other = randomName("fn");
    await createFromFolder(other, bystander, { layers: [zipArn] });
    const token = (await invoke(client, other, {})).payload;

    writeFileSync(join(first, "python", "one.py"), "V = 'one-b'\n");
    expect(await untilPayload(name, '["one-b", "two", "three", "second"]')).toBe(
      '["one-b", "two", "three", "second"]',
    );
    rmSync(join(second, "python", "shared.py"));
    expect(await untilPayload(name, '["one-b", "two", "three", "first"]')).toBe(
      '["one-b", "two", "three", "first"]',
    );
    expect((await invoke(client, other, {})).payload).toBe(token);
  });

  it("keeps grants: another account is refused a folder layer until it is granted, and the 5-layer rule holds", async () => {
    const dir = folder(randomName("shared"), { "python/lib.py": "V = 'granted'\n" });
    const arn = await folderLayer(client, dir);
    const { makeZip } = await import("../helpers/zip.js");
    const zip = await makeZip({ "app.py": "import lib\ndef handler(e, c):\n    return lib.V\n" });
    const name = randomName("fn");
    const create = () =>
      clientB.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "python3.12",
          Handler: "app.handler",
          Role: `arn:aws:iam::${B}:role/r`,
          Code: { ZipFile: zip },
          Layers: [arn],
        }),
      );
    await expectLambdaError(create(), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(B, arn),
    });
    await client.send(
      new AddLayerVersionPermissionCommand({
        LayerName: arn.split(":")[6],
        VersionNumber: 1,
        StatementId: "b",
        Action: "lambda:GetLayerVersion",
        Principal: B,
      }),
    );
    await create();
    expect((await invoke(clientB, name, {})).payload).toBe('"granted"');

    const six = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        folderLayer(client, folder(randomName(`six${i}`), { [`f${i}.txt`]: "x" })),
      ),
    );
    await expectLambdaError(
      client.send(
        new CreateFunctionCommand({
          FunctionName: randomName("fn"),
          Runtime: "python3.12",
          Handler: "app.handler",
          Role: ROLE,
          Code: hot(dir),
          Layers: six,
        }),
      ),
      {
        name: "InvalidParameterValueException",
        status: 400,
        message: "Cannot reference more than 5 layers.",
        type: "User",
      },
    );
  });
});
