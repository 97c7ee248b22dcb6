/**
 * `npm run soak [-- --minutes 30]`: a long run of mixed load against one lamina — publish, grant, create a
 * function with the new layer, invoke it (RequestResponse and Event), update its code (a reload: the warm
 * environment is replaced), invoke again, then delete the function and the layer version — with four workers,
 * while lamina's memory (RSS), open files and child processes are sampled every 15 s. Everything the load makes it
 * also deletes, so a flat run means nothing grows by itself: no map, queue, log buffer, pin or watcher that only
 * grows. Writes `bench/results/soak-<timestamp>.md` with the samples and the first-vs-last comparison.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ACCOUNT, api, publishBody } from "./lib/context.js";
import { memoryOf, startLaminaServer, type Server } from "./lib/servers.js";
import { pythonModuleZip, storedZip } from "./lib/zip.js";

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, "../..");
const OTHER = "111111111111";
const WORKERS = 4;
const SAMPLE_MS = 15_000;

interface Sample {
  readonly minute: number;
  readonly rssMiB: number;
  readonly openFiles: number;
  readonly children: number;
  readonly cycles: number;
}

/** Open file descriptors of a process. */
function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Direct and indirect children of a process (environments, sandboxes, runtimes). */
function descendants(pid: number): number {
  let count = 0;
  const walk = (p: number) => {
    for (const task of readdirSync(`/proc/${p}/task`)) {
      let children: string;
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
      } catch {
        continue;
      }
      for (const c of children.split(/\s+/).filter(Boolean)) {
        count++;
        walk(Number(c));
      }
    }
  };
  walk(pid);
  return count;
}

const handler = (tag: string) =>
  storedZip([
    {
      name: "app.py",
      data: Buffer.from(
        `import soakmod\n\ndef handler(event, context):\n    return {"tag": "${tag}", "x": soakmod.X}\n`,
      ),
    },
  ]);

/** One cycle of the mixed load; every object it makes, it deletes. */
async function cycle(server: Server, worker: number, n: number): Promise<void> {
  const a = api(server, ACCOUNT);
  const layer = `soak-${worker}`;
  const published = await a.json<{ Version: number; LayerVersionArn: string }>(
    a.request("POST", `/2018-10-31/layers/${layer}/versions`, {
      body: publishBody(pythonModuleZip("soakmod", `X = ${n}\n`)),
    }),
  );
  await a.send(
    a.request("POST", `/2018-10-31/layers/${layer}/versions/${published.Version}/policy`, {
      body: { StatementId: "other", Action: "lambda:GetLayerVersion", Principal: OTHER },
    }),
  );
  const name = `soak-fn-${worker}-${n}`;
  await a.send(
    a.request("POST", "/2015-03-31/functions", {
      body: {
        FunctionName: name,
        Runtime: "python3.12",
        Handler: "app.handler",
        Role: `arn:aws:iam::${ACCOUNT}:role/lambda-role`,
        Code: { ZipFile: handler("a").toString("base64") },
        Layers: [published.LayerVersionArn],
      },
    }),
  );
  const invoke = async (type: "RequestResponse" | "Event") => {
    const reply = await a.send(
      a.request("POST", `/2015-03-31/functions/${name}/invocations`, {
        body: { n },
        headers: { "x-amz-invocation-type": type, "x-amz-log-type": "Tail" },
      }),
    );
    if (type === "RequestResponse" && !reply.body.toString().includes(`"x": ${n}`)) {
      throw new Error(`soak: ${name} answered ${reply.body.toString()}`);
    }
  };
  for (let i = 0; i < 5; i++) {
    await invoke("RequestResponse");
  }
  await invoke("Event");
  await a.send(
    a.request("PUT", `/2015-03-31/functions/${name}/code`, {
      body: { ZipFile: handler("b").toString("base64") },
    }),
  );
  for (let i = 0; i < 3; i++) {
    await invoke("RequestResponse");
  }
  // Event invokes run after their 202; give this one time to run before its function goes.
  await new Promise((r) => setTimeout(r, 200));
  await a.send(a.request("DELETE", `/2015-03-31/functions/${name}`));
  await a.send(a.request("DELETE", `/2018-10-31/layers/${layer}/versions/${published.Version}`));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] ?? 0);
}

async function main(): Promise<void> {
  const minutesArg = process.argv.indexOf("--minutes");
  const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 30;
  const work = mkdtempSync(join(tmpdir(), "lamina-soak-"));
  const server = await startLaminaServer({ root: ROOT, dataDir: join(work, "data"), logDir: work });
  const started = Date.now();
  const until = started + minutes * 60_000;
  const samples: Sample[] = [];
  let cycles = 0;
  let failures = 0;
  const sample = () => {
    const m = memoryOf(server.pid);
    samples.push({
      minute: (Date.now() - started) / 60_000,
      rssMiB: m?.rssMiB ?? 0,
      openFiles: openFiles(server.pid),
      children: descendants(server.pid),
      cycles,
    });
    const last = samples[samples.length - 1];
    process.stderr.write(`soak ${last?.minute.toFixed(1)} min: ${JSON.stringify(last)}\n`);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      for (let n = 0; Date.now() < until; n++) {
        try {
          await cycle(server, worker, n);
          cycles++;
        } catch (err) {
          failures++;
          process.stderr.write(`soak: worker ${worker} cycle ${n}: ${(err as Error).message}\n`);
        }
      }
    }),
  );
  clearInterval(timer);
  sample();
  await server.stop();

  const window = Math.max(1, Math.min(5, minutes / 6));
  const first = samples.filter((s) => s.minute >= window / 2 && s.minute <= window + window / 2);
  const last = samples.filter((s) => s.minute >= minutes - window);
  const row = (label: string, pick: (s: Sample) => number) => {
    const a = median(first.map(pick));
    const b = median(last.map(pick));
    return `| ${label} | ${a} | ${b} | ${a === 0 ? "-" : (b / a).toFixed(2)}× |`;
  };
  const lines = [
    `# Soak: ${minutes} minutes of mixed load, ${WORKERS} workers`,
    "",
    `${cycles} cycles (publish, grant, create, 5 + 3 invokes, 1 Event invoke, code update, delete function and version), ${failures} failed.`,
    "",
    `| figure | median, minutes ${(window / 2).toFixed(1)}–${(window * 1.5).toFixed(1)} | median, last ${window.toFixed(1)} minutes | last / first |`,
    "|---|--:|--:|--:|",
    row("RSS, MiB", (s) => s.rssMiB),
    row("open files", (s) => s.openFiles),
    row("child processes", (s) => s.children),
    "",
    "| minute | RSS MiB | open files | children | cycles |",
    "|--:|--:|--:|--:|--:|",
    ...samples.map(
      (s) => `| ${s.minute.toFixed(1)} | ${s.rssMiB} | ${s.openFiles} | ${s.children} | ${s.cycles} |`,
    ),
    "",
  ];
  const outDir = join(ROOT, "bench", "results");
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `soak-${new Date().toISOString().replace(/[:.]/g, "-")}.md`);
  writeFileSync(out, lines.join("\n"));
  process.stdout.write(`${lines.slice(0, 10).join("\n")}\n\nwritten to ${out}\n`);
  rmSync(work, { recursive: true, force: true });
  if (failures > 0) {
    process.exitCode = 1;
  }
}

await main();
