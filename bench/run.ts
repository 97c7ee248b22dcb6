/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --no-moto] [-- --cpu-prof]`: starts lamina, moto_server and the
 * floor server on free loopback ports with fresh data, runs every scenario against each, and writes
 * `bench/results/<timestamp>.md` and `.json`. See bench/README.md for what each row means.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serverMemory, type BenchContext, type Scenario, type ScenarioResult } from "./lib/context.js";
import { Progress } from "./lib/progress.js";
import { renderMarkdown, type RunInfo } from "./lib/report.js";
import {
  memoryOf,
  startFloorServer,
  startLaminaServer,
  startMotoServer,
  type Memory,
  type Server,
} from "./lib/servers.js";
import { addPermission } from "./scenarios/add-permission.js";
import { boto3EndToEnd } from "./scenarios/boto3-e2e.js";
import { coldFloor } from "./scenarios/cold-floor.js";
import { unpack } from "./scenarios/unpack.js";
import { createFunction } from "./scenarios/create-function.js";
import { verifiedDownload } from "./scenarios/download.js";
import { explorer } from "./scenarios/explorer.js";
import { getLayerVersion } from "./scenarios/get-layer-version.js";
import { invokeColdWarm } from "./scenarios/invoke.js";
import { invokeThroughput } from "./scenarios/invoke-throughput.js";
import { invokeAlias } from "./scenarios/invoke-alias.js";
import { editToInvoke } from "./scenarios/edit-to-invoke.js";
import { listLarge } from "./scenarios/list-large.js";
import { memory } from "./scenarios/memory.js";
import { publish } from "./scenarios/publish.js";
import { team } from "./scenarios/team.js";

/** Every scenario, in the order they run (memory last: it leaves moto with gigabytes). */
const SCENARIOS: readonly Scenario[] = [
  getLayerVersion,
  addPermission,
  createFunction,
  publish,
  verifiedDownload,
  listLarge,
  explorer,
  invokeColdWarm,
  invokeThroughput,
  invokeAlias,
  editToInvoke,
  coldFloor,
  unpack,
  boto3EndToEnd,
  team,
  memory,
];

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, "../..");
const BENCH_SRC = join(ROOT, "bench");

interface Args {
  quick: boolean;
  only: Set<string> | undefined;
  moto: boolean;
  cpuProf: boolean;
  outDir: string;
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    only: undefined,
    moto: true,
    cpuProf: false,
    outDir: join(BENCH_SRC, "results"),
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const value = () => {
      const eq = a.indexOf("=");
      return eq >= 0 ? a.slice(eq + 1) : (argv[++i] ?? "");
    };
    if (a === "--quick") {
      args.quick = true;
    } else if (a === "--no-moto") {
      args.moto = false;
    } else if (a === "--cpu-prof") {
      args.cpuProf = true;
    } else if (a === "--keep") {
      args.keep = true;
    } else if (a.startsWith("--only")) {
      args.only = new Set(value().split(",").filter(Boolean));
    } else if (a.startsWith("--out")) {
      args.outDir = resolve(value());
    } else if (a === "--help" || a === "-h") {
      process.stdout.write(
        "usage: npm run bench -- [--quick] [--only id,id] [--no-moto] [--cpu-prof] [--keep] [--out dir]\n" +
          `scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}\n`,
      );
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a} (try --help)`);
    }
  }
  for (const id of args.only ?? []) {
    if (!SCENARIOS.some((s) => s.id === id)) {
      throw new Error(`unknown scenario ${id}; scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    }
  }
  return args;
}

function sh(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

function machine(): RunInfo["machine"] {
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  return {
    nproc: Number(sh("nproc", [])) || cpus().length,
    cpuModel,
    memTotalGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    memFreeGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    freeH: sh("free", ["-h"]),
    node: process.version,
    python: sh("python3", ["--version"]),
    moto: sh("python3", ["-c", "import moto; print(moto.__version__)"]),
    boto3: sh("python3", ["-c", "import boto3; print(boto3.__version__)"]),
    bwrap: sh("bwrap", ["--ro-bind", "/", "/", "true"]) === "unknown" ? "not usable" : "usable",
  };
}

/** The commit lamina was built from, and whether src/ or runtime/ had uncommitted changes. */
function revision(): string {
  const head = sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "runtime"]);
  return dirty && dirty !== "unknown" ? `${head} + uncommitted changes in src/ or runtime/` : head;
}

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/:/g, "-")
    .replace(/\.\d{3}Z$/, "Z");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const progress = new Progress();
  if (!existsSync(join(ROOT, "dist/src/main.js"))) {
    throw new Error("dist/src/main.js is missing: run `npm run build` (npm run bench does)");
  }
  const started = new Date();
  const stamp = timestamp(started);
  mkdirSync(args.outDir, { recursive: true });
  const logDir = join(args.outDir, `${stamp}.logs`);
  mkdirSync(logDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), "lamina-bench-"));
  const loadBefore = loadavg();
  const info: RunInfo = {
    started: started.toISOString(),
    finished: "",
    mode: args.quick ? "quick" : "full",
    machine: machine(),
    loadAvgBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAvgAfter: [],
    logs: relative(ROOT, logDir),
    revision: revision(),
    memoryAtEnd: {},
  };
  progress.say(
    `lamina bench (${info.mode}) on ${info.machine.nproc} × ${info.machine.cpuModel}, load ${info.loadAvgBefore.join(" ")}`,
  );

  const running: Server[] = [];
  const results: ScenarioResult[] = [];
  try {
    const floor = await startFloorServer(HERE, logDir);
    running.push(floor);
    const lamina = await startLaminaServer({
      root: ROOT,
      dataDir: join(workDir, "lamina-data"),
      logDir,
      ...(args.cpuProf && { cpuProfDir: join(logDir, "cpu-prof") }),
    });
    running.push(lamina);
    progress.say(`lamina pid ${lamina.pid} at ${lamina.url}, data ${lamina.dataDir ?? ""}`);
    let moto: Server | undefined;
    if (args.moto) {
      try {
        moto = await startMotoServer(logDir);
        running.push(moto);
        progress.say(`moto_server pid ${moto.pid} at ${moto.url}`);
      } catch (err) {
        info.motoProblem = (err as Error).message;
        progress.say(
          `!! moto_server did not start (${info.motoProblem}); measuring lamina and the floor only`,
        );
      }
    } else {
      info.motoProblem = "not run (--no-moto)";
    }
    progress.say(`floor pid ${floor.pid} at ${floor.url}`);
    info.memoryAtStart = {
      ...(memoryOf(lamina.pid) && { lamina: memoryOf(lamina.pid) }),
      ...(moto && memoryOf(moto.pid) && { moto: memoryOf(moto.pid) }),
    };

    const ctx: BenchContext = {
      quick: args.quick,
      lamina,
      moto,
      floor,
      progress,
      workDir,
      benchSrc: BENCH_SRC,
      shared: new Map(),
      startAnotherLamina: async (name, extraArgs) => {
        const dir = join(logDir, name);
        mkdirSync(dir, { recursive: true });
        const server = await startLaminaServer({
          root: ROOT,
          dataDir: join(workDir, name),
          logDir: dir,
          extraArgs,
        });
        running.push(server);
        return server;
      },
    };
    for (const scenario of SCENARIOS) {
      if (args.only && !args.only.has(scenario.id)) {
        continue;
      }
      progress.say(`== ${scenario.id}: ${scenario.title}`);
      const t0 = performance.now();
      let result: ScenarioResult;
      try {
        result = await scenario.run(ctx);
      } catch (err) {
        progress.say(`!! ${scenario.id} failed: ${(err as Error).stack ?? String(err)}`);
        result = {
          id: scenario.id,
          title: scenario.title,
          rows: [],
          notes: [],
          extra: {},
          error: (err as Error).message,
        };
      }
      result.memoryAfter = serverMemory(ctx);
      result.extra.seconds = Math.round((performance.now() - t0) / 100) / 10;
      results.push(result);
      const mem = result.memoryAfter;
      progress.say(
        `   done in ${String(result.extra.seconds)} s; RSS lamina ${mem.lamina?.rssMiB ?? "?"} MiB` +
          (mem.moto ? `, moto ${mem.moto.rssMiB} MiB` : ""),
      );
    }
    const atEnd: Record<string, Memory> = {};
    for (const s of [lamina, moto]) {
      const m = s && memoryOf(s.pid);
      if (s && m) {
        atEnd[s.kind] = m;
      }
    }
    info.memoryAtEnd = atEnd;
  } finally {
    for (const s of running.reverse()) {
      await s.stop();
    }
    if (!args.keep) {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  info.finished = new Date().toISOString();
  info.loadAvgAfter = loadavg().map((x) => Math.round(x * 100) / 100);
  const base = join(args.outDir, stamp);
  writeFileSync(`${base}.json`, `${JSON.stringify({ info, results }, null, 2)}\n`);
  const md = renderMarkdown(info, results);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`\n${md}\n`);
  progress.say(`wrote ${relative(process.cwd(), base)}.md and .json (server logs in ${info.logs})`);
  if (args.keep) {
    progress.say(`kept the data in ${workDir}`);
  }
  // Missed targets are results, not failures; a scenario that could not run is.
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) {
    progress.say(`${failed.length} scenario(s) failed to run: ${failed.map((r) => r.id).join(", ")}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
