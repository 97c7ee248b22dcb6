/**
 * Hostile and broken archives through every upload path (PublishLayerVersion, CreateFunction,
 * UpdateFunctionCode; AWS SDK and raw HTTP). A refused archive gets AWS's 400 and leaves nothing behind: no layer
 * version, no function, no changed code, no new file under `<dataDir>/blobs/`. An archive lamina accepts is
 * extracted and run without a single file landing outside `<dataDir>/cache`.
 *
 * What AWS answers (`docs/reference/aws-layer-semantics.md` §3 #12–#14, §4;
 * `docs/reference/aws-function-api.md` §9):
 * - not a zip, truncated → InvalidParameterValueException `Could not unzip uploaded file. …` (#12, [FIELD]/[SNAP]);
 * - no entries → `Uploaded file must be a non-empty zip` (#12);
 * - over 250 MB unzipped → `Unzipped size must be smaller than 262144000 bytes` (#14).
 * AWS's answer to entry names with `..` or a leading `/`, to symbolic links that point out of the archive, to
 * NUL bytes in names, to entries whose data does not match their headers and to more entries than a classic zip
 * counts (65535; lamina's limit) is not recorded anywhere; for those these tests take the safe behaviour: refuse
 * with the "Could not unzip" text. Links inside the archive are kept
 * (AWS handles archived symlinks, [FIELD] aws/aws-sam-cli#1140), and names without the UTF-8 flag are CP437
 * (APPNOTE.TXT Appendix D), which AWS accepts like any other name.
 */
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaServiceException,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EMPTY_ZIP, functionNotFound, NOT_A_ZIP, UNZIPPED_TOO_LARGE } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { emptyZip, evilZip, S_IFDIR, S_IFLNK, zerosBomb, type EvilEntry } from "../helpers/evil-zip.js";
import { blobFiles, listFiles } from "../helpers/files.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
/** Over Lambda's unzipped limit of 262144000 bytes (§5). */
const BOMB_SIZE = 300 * 1024 * 1024;

const lamina = await startTestServer();
const dataDir = lamina.config.dataDir;
const client = lambdaClient(lamina.url, A);
const fnArn = (name: string) => `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}`;

/** A python handler that reports what /var/task holds (and, through links, what they lead to). */
const INDEX_PY = `import os


def handler(event, context):
    names = []
    for root, dirs, files in os.walk("/var/task"):
        for n in dirs + files:
            names.append(os.path.relpath(os.path.join(root, n), "/var/task"))
    out = {"names": sorted(names)}
    if event.get("read"):
        with open(os.path.join("/var/task", event["read"])) as f:
            out["read"] = f.read()
    return out
`;

/** A path under /tmp that must never come to exist (unique per run). */
const outside = `/tmp/lamina-escape-${randomBytes(6).toString("hex")}`;

// ---- the archives ----

interface BadCase {
  readonly label: string;
  readonly zip: () => Promise<Buffer>;
  readonly message: string;
}

let validZip: Buffer;
let bomb: Buffer;
let hundredThousandZip: Promise<Buffer> | undefined;
/** Built once, on first use: 100,000 one-byte files in 50 directories. */
const hundredThousand = (): Promise<Buffer> => {
  hundredThousandZip ??= evilZip([
    { name: "index.py", data: INDEX_PY },
    ...Array.from({ length: 100_000 }, (_, i) => ({ name: `d${i % 50}/f${i}.txt`, data: "x" })),
  ]);
  return hundredThousandZip;
};

const REFUSED: readonly BadCase[] = [
  {
    label: "bytes that are not a zip",
    zip: () => Promise.resolve(Buffer.from("this is not a zip")),
    message: NOT_A_ZIP,
  },
  {
    // Large enough (> 256 KiB of body) for the raw requests to take lamina's fast body path.
    label: "300 KB of random bytes",
    zip: () => Promise.resolve(randomBytes(300 * 1024)),
    message: NOT_A_ZIP,
  },
  {
    label: "a valid zip cut in half",
    zip: () => Promise.resolve(validZip.subarray(0, Math.floor(validZip.length / 2))),
    message: NOT_A_ZIP,
  },
  { label: "a zip without entries", zip: () => Promise.resolve(emptyZip()), message: EMPTY_ZIP },
  { label: "zero bytes", zip: () => Promise.resolve(Buffer.alloc(0)), message: EMPTY_ZIP },
  {
    label: "an entry named ../x",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "../x", data: "escaped" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "an entry with an absolute name",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: `${outside}/abs`, data: "escaped" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "an entry named a/../../x",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "a/../../x", data: "escaped" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "an entry named ..\\x (backslash)",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "..\\x", data: "escaped" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "a symlink to /etc/passwd",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "passwd", data: "/etc/passwd", mode: S_IFLNK | 0o777 },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "a symlink to ../../x",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "up", data: "../../x", mode: S_IFLNK | 0o777 },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "a symlink out of the archive, then a file through it",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "link", data: outside, mode: S_IFLNK | 0o777 },
        { name: "link/owned.txt", data: "escaped" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    // More entries than a classic zip can count: lamina's limit (AWS's is not recorded; refusing is the safe side).
    label: "100,000 entries (zip64)",
    zip: hundredThousand,
    message: NOT_A_ZIP,
  },
  {
    label: "a NUL byte in an entry name",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "a\0b.txt", data: "nul" },
      ]),
    message: NOT_A_ZIP,
  },
  {
    label: "300 MB of zeros deflated (a zip bomb whose headers tell the truth)",
    zip: () => Promise.resolve(bomb),
    message: UNZIPPED_TOO_LARGE,
  },
  {
    label: "an entry whose headers declare 300 MB",
    zip: () =>
      evilZip([
        { name: "index.py", data: INDEX_PY },
        { name: "big.bin", data: "tiny", method: 8, uncompressedSize: BOMB_SIZE },
      ]),
    message: UNZIPPED_TOO_LARGE,
  },
  {
    // Headers say 1000 bytes, the data inflates to 300 MB: the archive is corrupt, whatever reads it.
    label: "a zip bomb whose headers lie (declare 1000 bytes)",
    zip: async () => {
      const honest = bomb;
      // The bomb's single entry: reuse its deflated data under a small declared size.
      const nameLength = honest.readUInt16LE(26);
      const dataStart = 30 + nameLength;
      const dataLength = honest.readUInt32LE(18);
      return evilZip([
        { name: "index.py", data: INDEX_PY },
        {
          name: "small.bin",
          method: 8,
          rawData: honest.subarray(dataStart, dataStart + dataLength),
          crc32: honest.readUInt32LE(14),
          uncompressedSize: 1000,
        },
      ]);
    },
    message: NOT_A_ZIP,
  },
];

// ---- the upload paths ----

type Operation = "PublishLayerVersion" | "CreateFunction" | "UpdateFunctionCode";
type Via = "sdk" | "raw";

/** What an upload answered: HTTP status, error type and message (undefined members on success). */
interface Outcome {
  readonly status: number | undefined;
  readonly errorType?: string | undefined;
  readonly message?: string | undefined;
  /** The raw error body (raw requests only), to check AWS's keys. */
  readonly body?: unknown;
}

/** The function every UpdateFunctionCode attempt targets. */
let target: { name: string };

async function upload(op: Operation, via: Via, zip: Buffer, name: string): Promise<Outcome> {
  if (via === "raw") {
    const b64 = zip.toString("base64");
    const [method, path, body] =
      op === "PublishLayerVersion"
        ? ["POST", `/2018-10-31/layers/${name}/versions`, { Content: { ZipFile: b64 } }]
        : op === "CreateFunction"
          ? [
              "POST",
              "/2015-03-31/functions",
              {
                FunctionName: name,
                Runtime: "python3.12",
                Role: ROLE,
                Handler: "index.handler",
                Code: { ZipFile: b64 },
              },
            ]
          : ["PUT", `/2015-03-31/functions/${target.name}/code`, { ZipFile: b64 }];
    const res = await rawRequest(lamina.url, method, path, { accountId: A, body: JSON.stringify(body) });
    const parsed = res.body === "" ? undefined : (JSON.parse(res.body) as Record<string, unknown>);
    const message = parsed?.message ?? parsed?.Message;
    return res.status >= 300
      ? {
          status: res.status,
          errorType: res.errorType ?? undefined,
          message: typeof message === "string" ? message : undefined,
          body: parsed,
        }
      : { status: res.status };
  }
  try {
    const out =
      op === "PublishLayerVersion"
        ? await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }))
        : op === "CreateFunction"
          ? await client.send(
              new CreateFunctionCommand({
                FunctionName: name,
                Runtime: "python3.12",
                Role: ROLE,
                Handler: "index.handler",
                Code: { ZipFile: zip },
              }),
            )
          : await client.send(new UpdateFunctionCodeCommand({ FunctionName: target.name, ZipFile: zip }));
    return { status: out.$metadata.httpStatusCode };
  } catch (err) {
    if (!(err instanceof LambdaServiceException)) {
      throw err;
    }
    return { status: err.$metadata.httpStatusCode, errorType: err.name, message: err.message };
  }
}

/** What a refused upload must not change: the blob files, and the target function's code. */
interface Snapshot {
  readonly blobs: string[];
  readonly targetCodeSha256: string | undefined;
}

async function targetCodeSha256(): Promise<string | undefined> {
  const fn = await client.send(new GetFunctionCommand({ FunctionName: target.name }));
  return fn.Configuration?.CodeSha256;
}

async function snapshot(): Promise<Snapshot> {
  return { blobs: blobFiles(dataDir), targetCodeSha256: await targetCodeSha256() };
}

/** Checks that a refused upload left no trace of itself. */
async function expectNothingStored(op: Operation, name: string, before: Snapshot): Promise<void> {
  expect(blobFiles(dataDir)).toEqual(before.blobs);
  if (op === "PublishLayerVersion") {
    const versions = await client.send(new ListLayerVersionsCommand({ LayerName: name }));
    expect(versions.LayerVersions).toEqual([]);
  } else if (op === "CreateFunction") {
    await expectLambdaError(client.send(new GetFunctionCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: functionNotFound(fnArn(name)),
    });
  } else {
    expect(await targetCodeSha256()).toBe(before.targetCodeSha256);
  }
}

beforeAll(async () => {
  validZip = await makeZip({ "index.py": INDEX_PY, "data.txt": "x".repeat(5000) });
  bomb = await zerosBomb("zeros.bin", BOMB_SIZE);
  const name = randomName("target");
  const out = await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: validZip },
    }),
  );
  target = { name };
  expect(out.CodeSha256).toBe(codeSha256(validZip));
});

describe("archives lamina must refuse, leaving nothing stored", () => {
  const operations: Operation[] = ["PublishLayerVersion", "CreateFunction", "UpdateFunctionCode"];
  for (const c of REFUSED) {
    for (const op of operations) {
      for (const via of ["sdk", "raw"] as const) {
        it(`${c.label}: ${op} (${via})`, async () => {
          const zip = await c.zip();
          const name = randomName(op === "PublishLayerVersion" ? "layer" : "fn");
          const before = await snapshot();
          const outcome = await upload(op, via, zip, name);
          expect({ status: outcome.status, errorType: outcome.errorType, message: outcome.message }).toEqual({
            status: 400,
            errorType: "InvalidParameterValueException",
            message: c.message,
          });
          if (via === "raw") {
            // §4: InvalidParameterValueException's body is exactly {"Type":"User","message":…}.
            expect(outcome.body).toEqual({ Type: "User", message: c.message });
          }
          await expectNothingStored(op, name, before);
          expect(existsSync(outside)).toBe(false);
        });
      }
    }
  }

  it('refuses a ZipFile that is not base64 ("!!!") as InvalidRequestContentException, for every upload', async () => {
    const before = await snapshot();
    const layer = randomName();
    const fn = randomName("fn");
    const requests: [string, string, unknown][] = [
      ["POST", `/2018-10-31/layers/${layer}/versions`, { Content: { ZipFile: "!!!" } }],
      [
        "POST",
        "/2015-03-31/functions",
        {
          FunctionName: fn,
          Runtime: "python3.12",
          Role: ROLE,
          Handler: "index.handler",
          Code: { ZipFile: "!!!" },
        },
      ],
      ["PUT", `/2015-03-31/functions/${target.name}/code`, { ZipFile: "!!!" }],
    ];
    for (const [method, path, body] of requests) {
      const res = await rawRequest(lamina.url, method, path, { accountId: A, body: JSON.stringify(body) });
      expect([res.status, res.errorType]).toEqual([400, "InvalidRequestContentException"]);
      // aws-lambda-execution.md §A7: AWS's deserialization failures read "Could not parse request body into json: …".
      const parsed = JSON.parse(res.body) as { message?: string };
      expect(parsed.message).toMatch(/^Could not parse request body into json: /);
    }
    await expectNothingStored("PublishLayerVersion", layer, before);
    await expectNothingStored("CreateFunction", fn, before);
    await expectNothingStored("UpdateFunctionCode", target.name, before);
  });
});

describe("archives lamina accepts run without writing outside <dataDir>/cache", () => {
  /** The files of the data dir outside `cache/`, minus the function logs lamina writes by design. */
  const outsideCache = () => listFiles(dataDir, ["cache", "logs"]);

  /** Creates a python3.12 function from `zip`, invokes it, and returns the handler's answer. */
  async function runIt(zip: Buffer, event: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const name = randomName("fn");
    const before = outsideCache();
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "python3.12",
        Role: ROLE,
        Handler: "index.handler",
        Code: { ZipFile: zip },
        Timeout: 30,
      }),
    );
    expect(created.CodeSha256).toBe(codeSha256(zip));
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8");
    expect(out.FunctionError, payload).toBeUndefined();
    // The only new file outside the cache is the uploaded zip itself, under its own hash.
    const added = outsideCache().filter((f) => !before.includes(f));
    const hex = Buffer.from(codeSha256(zip), "base64").toString("hex");
    expect(added.filter((f) => f !== `blobs/${hex.slice(0, 2)}/${hex}`)).toEqual([]);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(dataDir, "x"))).toBe(false);
    return JSON.parse(payload) as Record<string, unknown>;
  }

  it("names without the UTF-8 flag are CP437 (APPNOTE Appendix D), and are extracted under /var/task", async () => {
    const entries: EvilEntry[] = [
      { name: "index.py", data: INDEX_PY },
      // "café.txt" and "naïve.txt" written by a CP437 (DOS) zipper: é = 0x82, ï = 0x8B.
      { name: Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]), data: "cafe" },
      { name: Buffer.from([0x6e, 0x61, 0x8b, 0x76, 0x65, 0x2e, 0x74, 0x78, 0x74]), data: "naive" },
      // A latin1 byte (0xE9, "é" in ISO-8859-1) in a directory name: CP437 reads it as "Θ".
      { name: Buffer.from([0x64, 0xe9, 0x2f]), mode: S_IFDIR | 0o755 },
      { name: Buffer.from([0x64, 0xe9, 0x2f, 0x66, 0x2e, 0x74, 0x78, 0x74]), data: "f" },
    ];
    const out = await runIt(await evilZip(entries), { read: "café.txt" });
    expect(out).toEqual({
      names: ["café.txt", "dΘ", "dΘ/f.txt", "index.py", "naïve.txt"],
      read: "cafe",
    });
  });

  it("keeps symbolic links that stay inside the archive (AWS handles archived symlinks)", async () => {
    const zip = await evilZip([
      { name: "index.py", data: INDEX_PY },
      { name: "lib/", mode: S_IFDIR | 0o755 },
      { name: "lib/data.txt.1", data: "linked" },
      { name: "lib/data.txt", data: "data.txt.1", mode: S_IFLNK | 0o777 },
      { name: "current", data: "lib/data.txt", mode: S_IFLNK | 0o777 },
    ]);
    const out = await runIt(zip, { read: "current" });
    expect(out).toEqual({
      names: ["current", "index.py", "lib", "lib/data.txt", "lib/data.txt.1"],
      read: "linked",
    });
  });

  it("keeps a layer's symlink to another layer's file working in the merged /opt", async () => {
    const publish = async (entries: EvilEntry[]) =>
      (
        await client.send(
          new PublishLayerVersionCommand({
            LayerName: randomName(),
            Content: { ZipFile: await evilZip(entries) },
          }),
        )
      ).LayerVersionArn ?? "";
    const first = await publish([{ name: "python/a.txt", data: "from the first layer" }]);
    const second = await publish([
      { name: "python/b.txt", data: "b" },
      { name: "python/link.txt", data: "a.txt", mode: S_IFLNK | 0o777 },
    ]);
    const name = randomName("fn");
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "python3.12",
        Role: ROLE,
        Handler: "index.handler",
        Code: {
          ZipFile: await makeZip({
            "index.py":
              "import os\ndef handler(e, c):\n    return [os.readlink('/opt/python/link.txt'), open('/opt/python/link.txt').read()]\n",
          }),
        },
        Layers: [first, second],
      }),
    );
    const out = await client.send(new InvokeCommand({ FunctionName: name }));
    expect(Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8")).toBe(
      '["a.txt", "from the first layer"]',
    );
  });

  it("takes 5,000 entries and runs them", async () => {
    const entries: EvilEntry[] = [{ name: "index.py", data: INDEX_PY }];
    for (let i = 0; i < 5_000; i++) {
      entries.push({ name: `d${i % 50}/f${i}.txt`, data: "x" });
    }
    const zip = await evilZip(entries);
    const layerOut = await client.send(
      new PublishLayerVersionCommand({ LayerName: randomName(), Content: { ZipFile: zip } }),
    );
    expect(layerOut.Content?.CodeSha256).toBe(codeSha256(zip));
    const out = await runIt(zip, { read: "d7/f4957.txt" });
    expect((out.names as string[]).length).toBe(5_000 + 50 + 1);
    expect(out.read).toBe("x");
  }, 60_000);
});
