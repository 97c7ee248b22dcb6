/**
 * Invoke of a Python function with 5 layers (each a small zip of `python/` modules), on lamina. moto's Invoke
 * needs Docker, which these machines do not have: its rows say "not runnable", with what moto answered.
 * Targets: cold start p50 ≤ 100 ms (the first invoke after UpdateFunctionConfiguration, layers already
 * extracted), warm invoke p50 ≤ 2 ms, and a second function with the same 5 layers reuses the merged /opt.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Api } from "../lib/api.js";
import { pythonModuleZip, storedZip } from "../lib/zip.js";
import {
  ACCOUNT,
  api,
  REGION,
  checkValue,
  ensureRole,
  entriesOf,
  measureOf,
  measureRow,
  newResult,
  newRow,
  publishTiny,
  Session,
  type BenchContext,
  type Row,
  type Scenario,
} from "../lib/context.js";

/** The "Init Duration" of every cold start in a function's log (REPORT lines), ms. */
async function initDurations(logFile: string): Promise<number[]> {
  await new Promise((r) => setTimeout(r, 200)); // log writes are queued behind the answers
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch {
    return [];
  }
  // The first is the very first invoke (layers extracted then), reported in its own row.
  return [...text.matchAll(/^REPORT .*\tInit Duration: ([\d.]+) ms/gm)].map((m) => Number(m[1])).slice(1);
}

/** The function every invoke scenario calls. */
export const INVOKE_FUNCTION = "bench-py";
const EXPECTED = '{"sum": 10, "n": 5}';

function handlerCode(tag: string): Buffer {
  return storedZip([
    {
      name: "app.py",
      data: Buffer.from(
        [
          `# ${tag}`,
          "import bmod0, bmod1, bmod2, bmod3, bmod4",
          "",
          "def handler(event, context):",
          '    return {"sum": bmod0.X + bmod1.X + bmod2.X + bmod3.X + bmod4.X, "n": 5}',
          "",
        ].join("\n"),
      ),
    },
  ]);
}

/** Creates `name` (python3.12, the 5 layers) on lamina or moto. */
async function createPython(client: Api, name: string, layers: readonly string[], role: string, tag: string) {
  await client.json(
    client.request("POST", "/2015-03-31/functions", {
      body: {
        FunctionName: name,
        Runtime: "python3.12",
        Role: role,
        Handler: "app.handler",
        Code: { ZipFile: handlerCode(tag).toString("base64") },
        Layers: layers,
        Timeout: 30,
      },
    }),
  );
}

async function publishLayers(server: BenchContext["lamina"]): Promise<string[]> {
  const arns: string[] = [];
  for (let k = 0; k < 5; k++) {
    const zip = pythonModuleZip(`bmod${k}`, `X = ${k}\n`);
    arns.push((await publishTiny(server, ACCOUNT, `bench-inv-${k}`, zip)).LayerVersionArn);
  }
  return arns;
}

/** The function was created and invoked once on lamina (by `invoke` or, when run alone, by `invoke-throughput`). */
export async function ensureInvokeFunction(ctx: BenchContext): Promise<void> {
  if (ctx.shared.has("invokeReady")) {
    return;
  }
  const client = api(ctx.lamina);
  const layers = await publishLayers(ctx.lamina);
  await createPython(client, INVOKE_FUNCTION, layers, await ensureRole(undefined), "first");
  ctx.shared.set("invokeReady", 1);
}

/** An Invoke request of `name` with a small JSON event. */
export function invokeRequest(client: Api, name: string) {
  return client.request("POST", `/2015-03-31/functions/${name}/invocations`, {
    body: Buffer.from('{"bench":true}'),
  });
}

/** undefined when the invoke answered the expected payload without a function error. */
export function invokeError(reply: { headers: Record<string, unknown>; body: Buffer }): string | undefined {
  if (reply.headers["x-amz-function-error"]) {
    return `FunctionError ${reply.body.toString("utf8").slice(0, 80)}`;
  }
  return reply.body.toString("utf8") === EXPECTED ? undefined : "unexpected payload";
}

/** What moto answers to an Invoke here (no Docker), for the "not runnable" note. */
export async function motoInvokeNote(ctx: BenchContext): Promise<string> {
  if (!ctx.moto) {
    return "not run (--no-moto)";
  }
  if (ctx.shared.has("motoInvokeProbed")) {
    return "not runnable: moto's Invoke needs Docker, which this machine does not have";
  }
  ctx.shared.set("motoInvokeProbed", 1);
  const client = api(ctx.moto);
  const role = await ensureRole(ctx.moto);
  const layers = await publishLayers(ctx.moto);
  await createPython(client, INVOKE_FUNCTION, layers, role, "moto");
  const reply = await client.send(invokeRequest(client, INVOKE_FUNCTION), true);
  const fe = reply.headers["x-amz-function-error"];
  const text = reply.body.toString("utf8").replace(/\s+/g, " ").slice(0, 140);
  return `not runnable: moto's Invoke needs Docker, which this machine does not have (moto answered ${reply.status}, FunctionError ${String(fe)}: "${text}")`;
}

export const invokeColdWarm: Scenario = {
  id: "invoke",
  title: "Invoke: Python function with 5 layers (cold, warm, shared /opt)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const motoNote = await motoInvokeNote(ctx);
    const client = api(ctx.lamina);
    const dataDir = ctx.lamina.dataDir ?? "";
    const optDir = join(dataDir, "cache", "opt");
    const codeDir = join(dataDir, "cache", "code");
    await ensureInvokeFunction(ctx);
    const session = new Session(ctx.lamina);
    const timedInvoke = async (name: string) => {
      const { reply, ms } = await session.timed(invokeRequest(client, name));
      const err =
        reply.status === 200 ? invokeError(reply) : `${reply.status} ${reply.body.toString().slice(0, 200)}`;
      if (err) {
        throw new Error(`invoke ${name}: ${err}`);
      }
      return ms;
    };
    const notRunnable = (row: Row) => {
      row.motoNote = "not runnable";
      return row;
    };
    try {
      // 1. The very first invoke: extracts 5 layers and the code, merges /opt, starts Python.
      const first = newRow("invoke-first", "Invoke, first ever (extracts layers, merges /opt)", "undici ×1");
      first.lamina = measureOf([await timedInvoke(INVOKE_FUNCTION)]);
      first.notes.push(`one sample; /opt trees after it: ${entriesOf(optDir).length}`);
      result.rows.push(notRunnable(first));

      // 2. Cold starts: a configuration change retires the environment; layers stay extracted.
      const colds: number[] = [];
      const n = ctx.quick ? 3 : 20;
      for (let i = 0; i < n; i++) {
        ctx.progress.tick(`lamina cold start ${i + 1}/${n}`);
        await client.json(
          client.request("PUT", `/2015-03-31/functions/${INVOKE_FUNCTION}/configuration`, {
            body: { Description: `cold-${i}` },
          }),
        );
        colds.push(await timedInvoke(INVOKE_FUNCTION));
      }
      ctx.progress.endLive();
      const cold = newRow(
        "invoke-cold",
        "Invoke, cold start (after UpdateFunctionConfiguration)",
        "undici ×1",
      );
      cold.lamina = measureOf(colds);
      checkValue(cold, "lamina p50", cold.lamina.p50Ms, "≤", 100, " ms");
      cold.notes.push("time of the first invoke after each update; the update itself is not timed");
      const inits = await initDurations(join(dataDir, "logs", ACCOUNT, REGION, `${INVOKE_FUNCTION}.log`));
      if (inits.length > 0) {
        const m = measureOf(inits);
        cold.notes.push(
          `of which "Init Duration" (lamina's REPORT lines: from starting the runtime process until it asks for ` +
            `the first event) p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms over ${inits.length} cold starts`,
        );
        result.extra.initDurationsMs = inits;
      }
      result.rows.push(notRunnable(cold));
      ctx.progress.say(`  lamina cold start: p50 ${cold.lamina.p50Ms} ms, p99 ${cold.lamina.p99Ms} ms`);

      // 3. Warm invokes, one at a time.
      const warm = newRow("invoke-warm", "Invoke, warm", "undici ×1");
      await measureRow(
        ctx,
        warm,
        { connections: 1, count: ctx.quick ? 150 : 3_000 },
        (server) => {
          const c = api(server);
          const req = invokeRequest(c, INVOKE_FUNCTION);
          return { make: () => req, check: invokeError };
        },
        [ctx.lamina, ctx.floor],
      );
      checkValue(warm, "lamina p50", warm.lamina?.p50Ms, "≤", 2, " ms");
      result.rows.push(notRunnable(warm));

      // 4. A second function with the same 5 layers: no extraction, the same merged /opt.
      const optBefore = entriesOf(optDir);
      const codeBefore = entriesOf(codeDir).length;
      const layers = (
        await client.json<{ Layers: { Arn: string }[] }>(
          client.request("GET", `/2015-03-31/functions/${INVOKE_FUNCTION}/configuration`),
        )
      ).Layers.map((l) => l.Arn);
      await createPython(client, `${INVOKE_FUNCTION}-2`, layers, await ensureRole(undefined), "second");
      const second = newRow(
        "invoke-second-function",
        "Invoke, first of a 2nd function with the same 5 layers",
        "undici ×1",
      );
      second.lamina = measureOf([await timedInvoke(`${INVOKE_FUNCTION}-2`)]);
      const optAfter = entriesOf(optDir);
      const codeAfter = entriesOf(codeDir).length;
      const reused = optAfter.length === optBefore.length && optAfter.every((d) => optBefore.includes(d));
      second.checks.push({
        what: "merged /opt reused",
        target: "no new /opt tree",
        value: `/opt trees ${optBefore.length} → ${optAfter.length}`,
        pass: reused,
      });
      second.notes.push(
        `one sample; extracted trees ${codeBefore} → ${codeAfter} (its own code only: +1 expected), /opt trees ${optBefore.length} → ${optAfter.length}`,
      );
      result.rows.push(notRunnable(second));
    } finally {
      await session.close();
    }
    result.notes.push(`moto: ${motoNote}`);
    return result;
  },
};
