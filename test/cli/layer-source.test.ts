/**
 * `lamina serve --layer-source <layer version ARN>=<zip or folder>`: a vendor ARN exists offline, owned by its
 * account, readable and attachable by every account, and runs; a changed zip replaces it at the next start while
 * functions that attached the old bytes keep them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GetLayerVersionByArnCommand,
  GetLayerVersionPolicyCommand,
  PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient } from "../helpers/clients.js";
import { accessDenied } from "../helpers/aws-texts.js";
import { createFunction, invoke, publishLayer } from "../helpers/invoke.js";
import { tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const MAIN = "dist/src/main.js";
const REGION = "us-east-1";
const VENDOR = "017000801446";
const POWERTOOLS = `arn:aws:lambda:${REGION}:${VENDOR}:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:7`;
const FOLDER_LAYER = `arn:aws:lambda:${REGION}:464622532012:layer:Datadog-Python311:98`;
const B = "111111111111";
const C = "222222222222";
/** aws-layer-semantics.md §3 #58. */
const TOO_MANY_LAYERS = "Cannot reference more than 5 layers.";

const dir = tmpDir();
const zipPath = join(dir, "powertools.zip");
const folder = join(dir, "datadog");
const v1 = await makeZip({ "python/vendor_mod.py": "VALUE = 'powertools-1'\n" });
writeFileSync(zipPath, v1);
mkdirSync(join(folder, "python"), { recursive: true });
writeFileSync(join(folder, "python", "folder_mod.py"), "VALUE = 'from-folder'\n");

const HANDLER = [
  "import vendor_mod",
  "def handler(event, context):",
  "    mods = [vendor_mod.VALUE]",
  "    try:",
  "        import folder_mod",
  "        mods.append(folder_mod.VALUE)",
  "    except ImportError:",
  "        pass",
  "    return mods",
  "",
].join("\n");

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  log(): string;
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) {
    child.kill("SIGKILL");
  }
});

/** `lamina serve` on this file's data dir, with extra flags and environment. */
function serve(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--sandbox",
      "none",
      "--log-format",
      "json",
      ...args,
    ],
    { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
  );
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let log = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
      const url = /"url":"([^"]+)"/.exec(log)?.[1];
      if (url) {
        resolve({
          child,
          url,
          log: () => log,
          stop: () => {
            child.kill("SIGTERM");
            return exited.finally(() => running.delete(child));
          },
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`lamina exited with ${code}: ${log}`)));
  });
}

/** `lamina serve` that must refuse to start: its exit code and stderr. */
function refusedStart(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [MAIN, "serve", "--port", "0", "--data-dir", tmpDir(), "--log-level", "silent", ...args],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

describe("lamina serve --layer-source", () => {
  const dataDir = tmpDir();
  let served: Served;
  let createdDate = "";

  it("serves the vendor ARN from a zip: every account reads it, with the zip's CodeSha256", async () => {
    // Both through the environment, `;`-separated as LAMINA_ORGANIZATIONS is (flags would win over it).
    served = await serve(dataDir, [], {
      LAMINA_LAYER_SOURCES: `${POWERTOOLS}=${zipPath};${FOLDER_LAYER}=${folder};`,
    });
    for (const account of [B, C]) {
      const got = await lambdaClient(served.url, account, REGION).send(
        new GetLayerVersionByArnCommand({ Arn: POWERTOOLS }),
      );
      expect(got).toMatchObject({
        LayerArn: POWERTOOLS.replace(/:7$/, ""),
        LayerVersionArn: POWERTOOLS,
        Version: 7,
        Description: "",
        Content: { CodeSha256: codeSha256(v1), CodeSize: v1.length },
      });
      createdDate = got.CreatedDate ?? "";
    }
    expect(served.log()).toContain(`"msg":"layer source ${POWERTOOLS} from ${zipPath}: created"`);
    expect(served.log()).toContain(`"msg":"layer source ${FOLDER_LAYER} from ${folder}: created"`);
  });

  it("is owned by its account, whose policy grants lambda:GetLayerVersion to *", async () => {
    const owner = lambdaClient(served.url, VENDOR, REGION);
    const policy = await owner.send(
      new GetLayerVersionPolicyCommand({ LayerName: POWERTOOLS.replace(/:7$/, ""), VersionNumber: 7 }),
    );
    // aws-layer-semantics.md §2.3: the statement of Principal "*"; the Sid is lamina's.
    expect(policy.Policy).toBe(
      `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"lamina-vendor-public","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"${POWERTOOLS}"}]}`,
    );
    // Another account may read, but not manage it (§3 #75).
    await expectLambdaError(
      lambdaClient(served.url, B, REGION).send(
        new GetLayerVersionPolicyCommand({ LayerName: POWERTOOLS.replace(/:7$/, ""), VersionNumber: 7 }),
      ),
      {
        name: "AccessDeniedException",
        status: 403,
        message: accessDenied(B, POWERTOOLS, "GetLayerVersionPolicy"),
      },
    );
  });

  it("the owner's next publish takes version 8: the counter was raised (§1.1)", async () => {
    const published = await lambdaClient(served.url, VENDOR, REGION).send(
      new PublishLayerVersionCommand({
        LayerName: "AWSLambdaPowertoolsPythonV3-python311-x86_64",
        Content: { ZipFile: await makeZip({ "python/other.py": "" }) },
      }),
    );
    expect(published.LayerVersionArn).toBe(POWERTOOLS.replace(/:7$/, ":8"));
  });

  it("another account attaches both sources and invokes: both are on its module path", async () => {
    const b = lambdaClient(served.url, B, REGION);
    await createFunction(b, B, "uses-vendor", {
      runtime: "python3.11",
      handler: "index.handler",
      files: { "index.py": HANDLER },
      layers: [POWERTOOLS, FOLDER_LAYER],
    });
    const out = await invoke(b, "uses-vendor", {});
    expect({ error: out.functionError, payload: out.payload }).toEqual({
      error: undefined,
      payload: '["powertools-1", "from-folder"]',
    });
  });

  it("the 5-layer rule still applies with a vendor ARN", async () => {
    const c = lambdaClient(served.url, C, REGION);
    const own: string[] = [];
    for (let i = 0; i < 5; i++) {
      own.push(await publishLayer(c, `own-${i}`, { files: { [`f${i}.txt`]: "x" } }));
    }
    await expectLambdaError(
      createFunction(c, C, "six-layers", {
        runtime: "python3.11",
        handler: "index.handler",
        files: { "index.py": HANDLER },
        layers: [POWERTOOLS, ...own],
      }),
      { name: "InvalidParameterValueException", status: 400, message: TOO_MANY_LAYERS },
    );
  });

  it("a restart with the same zip changes nothing; a changed zip replaces it, attached snapshots keep theirs", async () => {
    expect(await served.stop()).toBe(0);
    // The flag is repeatable; a folder zipped again with the same files has the same bytes.
    served = await serve(dataDir, [
      "--layer-source",
      `${POWERTOOLS}=${zipPath}`,
      "--layer-source",
      `${FOLDER_LAYER}=${folder}`,
    ]);
    expect(served.log()).toContain(`"msg":"layer source ${POWERTOOLS} from ${zipPath}: unchanged"`);
    expect(served.log()).toContain(`"msg":"layer source ${FOLDER_LAYER} from ${folder}: unchanged"`);
    const b = lambdaClient(served.url, B, REGION);
    expect((await b.send(new GetLayerVersionByArnCommand({ Arn: POWERTOOLS }))).CreatedDate).toBe(
      createdDate,
    );
    expect(await served.stop()).toBe(0);

    const v2 = await makeZip({ "python/vendor_mod.py": "VALUE = 'powertools-2'\n" });
    writeFileSync(zipPath, v2);
    served = await serve(dataDir, ["--layer-source", `${POWERTOOLS}=${zipPath}`]);
    expect(served.log()).toContain(`"msg":"layer source ${POWERTOOLS} from ${zipPath}: replaced"`);
    const c = lambdaClient(served.url, C, REGION);
    expect(await c.send(new GetLayerVersionByArnCommand({ Arn: POWERTOOLS }))).toMatchObject({
      Version: 7,
      Content: { CodeSha256: codeSha256(v2), CodeSize: v2.length },
    });
    // B's function attached version 7 when it held v1: its snapshot still runs v1.
    const before = await invoke(lambdaClient(served.url, B, REGION), "uses-vendor", {});
    expect(before.payload).toBe('["powertools-1", "from-folder"]');
    // A function attaching it now gets v2; the policy survived the replacement.
    await createFunction(c, C, "uses-new", {
      runtime: "python3.11",
      handler: "index.handler",
      files: { "index.py": HANDLER },
      layers: [POWERTOOLS],
    });
    expect((await invoke(c, "uses-new", {})).payload).toBe('["powertools-2"]');
    expect(await served.stop()).toBe(0);
  });

  it("refuses to start on a missing source or a bad ARN, saying which", async () => {
    const missing = join(dir, "nope.zip");
    expect(await refusedStart(["--layer-source", `${POWERTOOLS}=${missing}`])).toEqual({
      code: 1,
      stderr: `lamina: --layer-source ${POWERTOOLS}: ${missing} does not exist\n`,
    });
    expect(
      await refusedStart(["--layer-source", `arn:aws:lambda:us-east-1:017000801446:layer:x=${zipPath}`]),
    ).toEqual({
      code: 1,
      stderr:
        "lamina: invalid configuration: layerSources.0.arn: a layer version ARN arn:aws:lambda:<region>:<account>:layer:<name>:<version>\n",
    });
    const notZip = join(dir, "not-a.zip");
    writeFileSync(notZip, "hello");
    expect(await refusedStart(["--layer-source", `${POWERTOOLS}=${notZip}`])).toEqual({
      code: 1,
      // aws-layer-semantics.md §3 #12: the upload's text.
      stderr: `lamina: --layer-source ${POWERTOOLS}: ${notZip}: Could not unzip uploaded file. Please check your file, then try to upload again.\n`,
    });
  });
});
