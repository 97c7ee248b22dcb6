/**
 * The extraction cache (`<data dir>/cache/`): layers and code are unpacked when they are stored, an invoke that
 * arrives first joins that work (one extraction per zip), entries nothing references are swept within seconds
 * and at start-up, and `--cache-size` evicts the least recently used.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteFunctionCommand, DeleteLayerVersionCommand } from "@aws-sdk/client-lambda";
import pino from "pino";
import { expect, it } from "vitest";
import { startLamina } from "../../src/index.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke, pollFor, publishLayer } from "../helpers/invoke.js";
import { tmpDir } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";

/** A lamina at debug level whose log lines the test reads. */
async function start(dataDir: string, cacheSize?: string) {
  const lines: { msg: string; sha256?: string }[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => lines.push(JSON.parse(line) as { msg: string; sha256?: string }) },
  );
  const lamina = await startLamina({
    port: 0,
    dataDir,
    logger,
    ...(cacheSize !== undefined && { cacheSize }),
  });
  return { lamina, lines, client: lambdaClient(lamina.url, A) };
}

const sha = (zip: Buffer) => createHash("sha256").update(zip).digest("hex");
const cacheEntries = (dataDir: string, kind: "code" | "opt") =>
  existsSync(join(dataDir, "cache", kind))
    ? readdirSync(join(dataDir, "cache", kind)).filter((n) => !n.endsWith(".meta"))
    : [];

/** Many small files, so unpacking takes a moment. */
function manyFiles(prefix: string, n: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`python/${prefix}/f${i}.txt`, `${prefix} ${i}\n`]),
  );
}

it("a published layer is unpacked without any invoke, and an invoke right after waits for that one unpack", async () => {
  const dataDir = tmpDir();
  const { lamina, lines, client } = await start(dataDir);
  try {
    const files = manyFiles(randomName("l"), 400);
    const layerSha = sha(await makeZip(files));
    const layerArn = await publishLayer(client, randomName("layer"), { files });
    const unpacked = await pollFor(
      () => cacheEntries(dataDir, "code"),
      (e) => e.includes(layerSha),
    );
    expect(unpacked).toContain(layerSha);

    const name = randomName("fn");
    const code = { "app.py": "import os\ndef handler(e, c):\n    return len(os.listdir('/opt/python'))\n" };
    const codeSha = sha(await makeZip(code));
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: code,
      layers: [layerArn],
    });
    const out = await invoke(client, name, {}, { LogType: "Tail" });
    expect(out.payload).toBe("1");
    expect(out.functionError).toBeUndefined();
    // Either the background unpack was done, or the invoke waited for it and said so.
    const notice = /LAMINA_NOTICE waited \d+ ms for (code and layers|code|layers) to be unpacked\n/.exec(
      out.log ?? "",
    );
    expect(notice === null || notice.index > (out.log ?? "").indexOf("INIT_START")).toBe(true);
    const count = (s: string) => lines.filter((l) => l.msg === "unpacked" && l.sha256 === s).length;
    expect(count(layerSha)).toBe(1);
    expect(count(codeSha)).toBe(1);
    // The sandbox mounts the unpacked layer at /opt: no merged tree is built on disk for it.
    expect(cacheEntries(dataDir, "opt")).toHaveLength(0);

    // Deleting the layer version and the function leaves nothing in the cache, within seconds.
    await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await client.send(new DeleteLayerVersionCommand({ LayerName: layerArn.split(":")[6], VersionNumber: 1 }));
    const left = await pollFor(
      () => [...cacheEntries(dataDir, "code"), ...cacheEntries(dataDir, "opt")],
      (e) => e.length === 0,
      5_000,
    );
    expect(left).toEqual([]);
  } finally {
    await lamina.close();
  }
});

it("layers that a few mounts cannot assemble get one merged tree on disk, built ahead of the first invoke", async () => {
  const dataDir = tmpDir();
  const { lamina, client } = await start(dataDir);
  try {
    // Two layers of loose files in one folder: merging them by mounts would take one mount per file.
    const loose = (tag: string) =>
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`python/${tag}${i}.txt`, `${tag} ${i}\n`]));
    const first = await publishLayer(client, randomName("layer"), { files: loose("a") });
    const second = await publishLayer(client, randomName("layer"), {
      files: { ...loose("b"), "python/a0.txt": "replaced by the later layer\n" },
    });
    const name = randomName("fn");
    const code = {
      "app.py":
        "import os\ndef handler(e, c):\n    return [len(os.listdir('/opt/python')), open('/opt/python/a0.txt').read()]\n",
    };
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: code,
      layers: [first, second],
    });
    const built = await pollFor(
      () => cacheEntries(dataDir, "opt"),
      (e) => e.length === 1,
    );
    expect(built).toHaveLength(1);
    const out = await invoke(client, name, {});
    expect(out.payload).toBe('[80, "replaced by the later layer\\n"]');
  } finally {
    await lamina.close();
  }
});

it("an invoke that arrives while the code is still being unpacked says how long it waited", async () => {
  const dataDir = tmpDir();
  const { lamina, lines, client } = await start(dataDir);
  try {
    const name = randomName("fn");
    const files = {
      ...manyFiles("big", 3000),
      "app.py": "def handler(e, c):\n    return 'ok'\n",
    };
    await createFunction(client, A, name, { runtime: "python3.12", handler: "app.handler", files });
    const out = await invoke(client, name, {}, { LogType: "Tail" });
    expect(out.payload).toBe('"ok"');
    const codeSha = sha(await makeZip(files));
    expect(lines.filter((l) => l.msg === "unpacked" && l.sha256 === codeSha)).toHaveLength(1);
    const waited = lines.filter((l) => l.msg === "waited for code to be unpacked");
    // 3,000 files take longer to unpack than an invoke takes to arrive; when they did not, nothing is claimed.
    expect(waited.length).toBe(
      /LAMINA_NOTICE waited \d+ ms for code to be unpacked/.test(out.log ?? "") ? 1 : 0,
    );
  } finally {
    await lamina.close();
  }
});

it("entries nothing references are swept at start-up", async () => {
  const dataDir = tmpDir();
  const first = await start(dataDir);
  await first.lamina.close();
  const stale = join(dataDir, "cache", "code", "0".repeat(64));
  mkdirSync(join(stale, "python"), { recursive: true });
  writeFileSync(join(stale, "python", "x.py"), "x = 1\n");
  writeFileSync(`${stale}.meta`, JSON.stringify({ bytes: 6 }));
  const noMeta = join(dataDir, "cache", "opt", "f".repeat(64));
  mkdirSync(noMeta, { recursive: true });
  const again = await start(dataDir);
  try {
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(`${stale}.meta`)).toBe(false);
    expect(existsSync(noMeta)).toBe(false);
  } finally {
    await again.lamina.close();
  }
});

it("--cache-size evicts the least recently used entry", async () => {
  const dataDir = tmpDir();
  const { lamina, client } = await start(dataDir, "8000");
  try {
    const a = { "python/a.bin": randomBytes(5000) };
    const b = { "python/b.bin": randomBytes(5000) };
    await publishLayer(client, randomName("a"), { files: a });
    const shaA = sha(await makeZip(a));
    await pollFor(
      () => cacheEntries(dataDir, "code"),
      (e) => e.includes(shaA),
    );
    await publishLayer(client, randomName("b"), { files: b });
    const shaB = sha(await makeZip(b));
    const entries = await pollFor(
      () => cacheEntries(dataDir, "code"),
      (e) => e.includes(shaB) && !e.includes(shaA),
      5_000,
    );
    expect(entries).toEqual([shaB]);
  } finally {
    await lamina.close();
  }
});
