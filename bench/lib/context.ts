/** What scenarios get, what they give back, and the helpers they share. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "undici";
import {
  Api,
  LoadTarget,
  runLoad,
  summarizeRuns,
  type HttpRequest,
  type Identity,
  type LoadSpec,
  type RawRun,
  type Reply,
} from "./api.js";
import type { Progress } from "./progress.js";
import { memoryOf, type Memory, type Server } from "./servers.js";
import { summarize, type Measure } from "./stats.js";

/** The region every scenario signs for. */
export const REGION = "eu-central-1";
/** The account of single-account scenarios. moto's default account, so boto3 with any key lands in it too. */
export const ACCOUNT = "123456789012";

/** A target of the issue, checked on a row. */
export interface Check {
  /** What is compared, e.g. "lamina/moto throughput". */
  readonly what: string;
  /** The target, e.g. "≥ 10×". */
  readonly target: string;
  /** What was measured. */
  readonly value: string;
  /** undefined: could not be judged (a side did not run). */
  readonly pass: boolean | undefined;
}

/** One line of the results table. */
export interface Row {
  readonly id: string;
  readonly label: string;
  /** The client and its concurrency, e.g. "undici ×32". */
  readonly client: string;
  lamina?: Measure;
  moto?: Measure;
  /** Why moto has no figures (e.g. "not runnable: …"). */
  motoNote?: string;
  floor?: Measure;
  /** What the floor column is, when it is not "the same client against the canned server". */
  floorNote?: string;
  /** lamina throughput / moto throughput, same run. */
  ratio?: number;
  /** Figures of further servers measured in the same rounds (e.g. a second lamina on an empty data dir). */
  others?: Record<string, Measure>;
  readonly checks: Check[];
  readonly notes: string[];
}

/** A scenario's outcome. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly rows: Row[];
  readonly notes: string[];
  /** Set when the scenario failed before finishing. */
  error?: string;
  /** Server memory right after the scenario. */
  memoryAfter?: { lamina?: Memory; moto?: Memory };
  /** Anything else worth keeping in the JSON. */
  readonly extra: Record<string, unknown>;
}

/** What every scenario gets. */
export interface BenchContext {
  readonly quick: boolean;
  readonly lamina: Server;
  readonly moto: Server | undefined;
  readonly floor: Server;
  readonly progress: Progress;
  /** A scratch directory on the same file system as lamina's data. */
  readonly workDir: string;
  /** The bench's own directory (sources: for boto3_e2e.py). */
  readonly benchSrc: string;
  /** Figures one scenario leaves for another (e.g. GetLayerVersion p50 on an empty data dir). */
  readonly shared: Map<string, number>;
  /** Starts one more lamina, on a fresh data dir of its own (stopped at the end of the run at the latest). */
  readonly startAnotherLamina: (name: string, extraArgs?: readonly string[]) => Promise<Server>;
}

/** One scenario: a file in `scenarios/`. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

/** A fresh result to fill. */
export function newResult(id: string, title: string): ScenarioResult {
  return { id, title, rows: [], notes: [], extra: {} };
}

/** A fresh row. */
export function newRow(id: string, label: string, client: string): Row {
  return { id, label, client, checks: [], notes: [] };
}

/** A server a row is measured on; `as` puts its figures in `row.others[as]` instead of its kind's column. */
export type RowServer = Server | { readonly server: Server; readonly as: string };

/** The servers a row is measured on, in the order they run: lamina, moto (if any), floor. */
export function servers(ctx: BenchContext, withFloor = true): Server[] {
  return [ctx.lamina, ...(ctx.moto ? [ctx.moto] : []), ...(withFloor ? [ctx.floor] : [])];
}

/** An API client for `server` as `accountId`. */
export function api(server: Server, accountId: string = ACCOUNT, service = "lambda"): Api {
  const identity: Identity = { accountId, region: REGION };
  return new Api(server, identity, service);
}

/** How a row's load is run: its size, and in how many rounds the servers take turns. */
export interface RowLoad {
  readonly connections: number;
  readonly count?: number;
  readonly durationMs?: number;
  /** Warm-up before each server's first round. */
  readonly warmupMs?: number;
  /**
   * The servers take turns in this many rounds (lamina, moto, floor, lamina, …), each doing its share of the
   * count or duration, so a noisy neighbour on this shared machine weighs on all of them alike. Default 3.
   */
  readonly rounds?: number;
}

/**
 * Runs the same load on every server: `build(server)` gives the requests for that server (the same requests,
 * addressed and signed for it). Fills the row's lamina/moto/floor figures and the ratio.
 */
export async function measureRow(
  ctx: BenchContext,
  row: Row,
  load: RowLoad,
  build: (server: Server) => Pick<LoadSpec, "make" | "check">,
  on: readonly RowServer[] = servers(ctx),
): Promise<void> {
  const rounds = Math.max(1, Math.min(load.rounds ?? 3, load.count ?? Number.POSITIVE_INFINITY));
  const targets = on
    .map((s) => ("as" in s ? { server: s.server, as: s.as } : { server: s, as: undefined }))
    .map(({ server, as }) => ({
      server,
      as,
      target: new LoadTarget(server, load.connections),
      spec: { ...build(server), label: row.label, connections: load.connections },
      runs: [] as RawRun[],
    }));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) {
        if (r === 0 && load.warmupMs) {
          await runLoad(t.target, t.spec, ctx.progress, { timed: false, durationMs: load.warmupMs });
        }
        const count =
          load.count === undefined
            ? undefined
            : Math.floor((load.count * (r + 1)) / rounds) - Math.floor((load.count * r) / rounds);
        const durationMs = load.durationMs === undefined ? undefined : load.durationMs / rounds;
        t.runs.push(
          await runLoad(t.target, t.spec, ctx.progress, {
            timed: true,
            ...(count !== undefined && { count }),
            ...(durationMs !== undefined && { durationMs }),
          }),
        );
      }
    }
  } finally {
    ctx.progress.endLive();
    await Promise.all(targets.map((t) => t.target.close()));
  }
  for (const t of targets) {
    const m = summarizeRuns(t.runs, load.connections);
    if (t.as === undefined) {
      row[t.server.kind] = m;
    } else {
      row.others = { ...row.others, [t.as]: m };
    }
    const errs = Object.entries(m.errors);
    ctx.progress.say(
      `  ${(t.as ?? t.server.kind).padEnd(6)} ${row.label}: ${m.opsPerS} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms` +
        (errs.length ? `, ERRORS ${JSON.stringify(m.errors)} e.g. ${m.errorSample ?? ""}` : ""),
    );
  }
  if (row.lamina && row.moto) {
    row.ratio = Math.round((row.lamina.opsPerS / row.moto.opsPerS) * 100) / 100;
  }
}

/** Adds a "lamina/moto throughput ≥ k×" check. */
export function checkRatio(row: Row, atLeast: number): void {
  row.checks.push({
    what: "lamina/moto throughput",
    target: `≥ ${atLeast}×`,
    value: row.ratio === undefined ? "n/a" : `${row.ratio}×`,
    pass: row.ratio === undefined ? undefined : row.ratio >= atLeast,
  });
}

/** Adds a check of a number against a bound. */
export function checkValue(
  row: Row,
  what: string,
  value: number | undefined,
  op: "≤" | "≥",
  bound: number,
  unit: string,
): void {
  row.checks.push({
    what,
    target: `${op} ${bound}${unit}`,
    value: value === undefined || Number.isNaN(value) ? "n/a" : `${value}${unit}`,
    pass:
      value === undefined || Number.isNaN(value) ? undefined : op === "≤" ? value <= bound : value >= bound,
  });
}

/** Times single requests one after another on one kept-alive connection. */
export class Session {
  private readonly pool: Pool;

  constructor(readonly server: Server) {
    this.pool = new Pool(server.url, { connections: 1, headersTimeout: 600_000, bodyTimeout: 600_000 });
  }

  /** Sends `req`; returns the reply and its latency in ms. */
  async timed(req: HttpRequest): Promise<{ reply: Reply; ms: number }> {
    const t0 = performance.now();
    const res = await this.pool.request({
      method: req.method,
      path: req.path,
      headers: req.headers,
      ...(req.body && { body: req.body }),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { reply: { status: res.statusCode, headers: res.headers, body }, ms: performance.now() - t0 };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A Measure from latencies timed one by one. */
export function measureOf(latenciesMs: readonly number[], errors: Record<string, number> = {}): Measure {
  return summarize(latenciesMs, latenciesMs.reduce((a, b) => a + b, 0) / 1000, 1, errors);
}

/** Bytes in the regular files under `dir` (0 when it does not exist). */
export function bytesUnder(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      total += bytesUnder(p);
    } else if (e.isFile()) {
      total += statSync(p).size;
    }
  }
  return total;
}

/** Names in `dir` (empty when it does not exist). */
export function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Memory of lamina and moto now. */
export function serverMemory(ctx: BenchContext): { lamina?: Memory; moto?: Memory } {
  const lamina = memoryOf(ctx.lamina.pid);
  const moto = ctx.moto ? memoryOf(ctx.moto.pid) : undefined;
  return { ...(lamina && { lamina }), ...(moto && { moto }) };
}

/** The JSON body of a PublishLayerVersion with `zip` as ZipFile, built without a second copy of the base64. */
export function publishBody(zip: Buffer, extra: Record<string, unknown> = {}): Buffer {
  const rest = JSON.stringify({ CompatibleRuntimes: ["python3.12"], ...extra }).slice(1);
  return Buffer.concat([
    Buffer.from('{"Content":{"ZipFile":"'),
    Buffer.from(zip.toString("base64"), "latin1"),
    Buffer.from(`"},${rest}`),
  ]);
}

/** Publishes `count` small versions of one layer per account before a scenario (not timed in the table). */
export async function publishTiny(
  server: Server,
  accountId: string,
  layerName: string,
  zip: Buffer,
): Promise<{ Version: number; LayerVersionArn: string }> {
  return api(server, accountId).json<{ Version: number; LayerVersionArn: string }>(
    api(server, accountId).request("POST", `/2018-10-31/layers/${layerName}/versions`, {
      body: publishBody(zip),
    }),
  );
}

/** Creates the IAM role moto needs before CreateFunction (in that account); lamina only checks the ARN. */
export async function ensureRole(server: Server | undefined, accountId: string = ACCOUNT): Promise<string> {
  const arn = `arn:aws:iam::${accountId}:role/lambda-role`;
  if (!server || server.kind !== "moto") {
    return arn;
  }
  const iam = new Api(server, { accountId, region: "us-east-1" }, "iam");
  const form = new URLSearchParams({
    Action: "CreateRole",
    Version: "2010-05-08",
    RoleName: "lambda-role",
    AssumeRolePolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
  }).toString();
  const reply = await iam.send(
    iam.request("POST", "/", {
      body: Buffer.from(form),
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    }),
    true,
  );
  if (reply.status !== 200 && !reply.body.toString().includes("EntityAlreadyExists")) {
    throw new Error(`moto: CreateRole answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`);
  }
  return arn;
}
