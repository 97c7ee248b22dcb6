/**
 * Cold starts against their floors, in the same run: a Node.js function's cold start against bubblewrap starting
 * `node -e "require('http')"` (target ≤ 1.3×), and the Python function's against bubblewrap starting the same
 * Python with `import socket, json` (target ≤ 1.1×). The floor is the process alone: what any sandboxed runtime
 * pays before it can say hello; the cold start adds the Runtime API round trips and lamina's own work. lamina's
 * Python client needs neither module, so the Python row also notes the bare interpreter (`-c pass`) beside it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { storedZip } from "../lib/zip.js";
import { api, checkValue, measureOf, newResult, newRow, Session, type Scenario } from "../lib/context.js";
import { ensureInvokeFunction, INVOKE_FUNCTION, invokeRequest } from "./invoke.js";
import type { Api } from "../lib/api.js";

/** bubblewrap with the namespaces and mounts an environment gets (src/execution/sandbox.ts), around `argv`. */
function bwrap(argv: readonly string[]): string[] {
  // prettier-ignore
  return [
    "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
    "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/var",
    // An interpreter outside /usr (pyenv) is bound at its own path, as lamina binds it.
    ...(argv[0]?.startsWith("/usr/") ? [] : ["--ro-bind", dirname(dirname(argv[0] ?? "")), dirname(dirname(argv[0] ?? ""))]),
    "--unshare-all", "--share-net", "--die-with-parent", "--new-session",
    ...argv,
  ];
}

/** The python3.12 lamina finds (src/execution/interpreters.ts looks in the same places first). */
function python312(): string {
  const pyenv = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  const pyenvs = existsSync(join(pyenv, "versions"))
    ? readdirSync(join(pyenv, "versions"))
        .filter((v) => v.startsWith("3.12."))
        .map((v) => join(pyenv, "versions", v, "bin", "python3.12"))
    : [];
  const found = ["/usr/bin/python3.12", "/usr/local/bin/python3.12", ...pyenvs].find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error("no python3.12 on this machine");
  }
  return realpathSync(found);
}

/** Wall time of `bwrap argv` to exit, `n` times, ms each. */
function floor(argv: readonly string[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync("bwrap", bwrap(argv), { stdio: "ignore" });
    if (r.status !== 0) {
      throw new Error(`floor ${argv.join(" ")} exited ${r.status}`);
    }
    out.push(performance.now() - t0);
  }
  return out;
}

/** Invokes after a configuration change each time, so every invoke is a cold start; ms each. */
async function colds(client: Api, session: Session, name: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await client.json(
      client.request("PUT", `/2015-03-31/functions/${name}/configuration`, {
        body: { Description: `cold-${i}` },
      }),
    );
    const { reply, ms } = await session.timed(invokeRequest(client, name));
    if (reply.status !== 200 || reply.headers["x-amz-function-error"]) {
      throw new Error(`cold invoke of ${name}: ${reply.status} ${reply.body.toString().slice(0, 200)}`);
    }
    out.push(ms);
  }
  return out;
}

export const coldFloor: Scenario = {
  id: "cold-floor",
  title: "Cold starts against their floors (bubblewrap + the interpreter)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const n = ctx.quick ? 5 : 20;
    const client = api(ctx.lamina);
    const session = new Session(ctx.lamina);
    try {
      await ensureInvokeFunction(ctx);
      await client.json(
        client.request("POST", "/2015-03-31/functions", {
          body: {
            FunctionName: "bench-node",
            Runtime: "nodejs20.x",
            Role: "arn:aws:iam::123456789012:role/lambda-role",
            Handler: "index.handler",
            Code: {
              ZipFile: storedZip([
                { name: "index.mjs", data: Buffer.from("export const handler = async () => 1;\n") },
              ]).toString("base64"),
            },
          },
        }),
      );
      const node = realpathSync(process.execPath);
      const python = python312();
      const rows: [string, string, string, readonly string[], number][] = [
        [
          "cold-node",
          "Cold start, Node.js 20 (1 small handler)",
          "bench-node",
          [node, "-e", "require('http')"],
          1.3,
        ],
        [
          "cold-python",
          "Cold start, Python 3.12 with 5 layers",
          INVOKE_FUNCTION,
          [python, "-s", "-S", "-c", "import socket, json"],
          1.1,
        ],
      ];
      for (const [id, label, fn, argv, bound] of rows) {
        ctx.progress.tick(label);
        const row = newRow(id, label, "undici ×1");
        row.lamina = measureOf(await colds(client, session, fn, n));
        row.floor = measureOf(floor(argv, n));
        row.floorNote = `bwrap + ${argv.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`;
        const ratio = Math.round((row.lamina.p50Ms / row.floor.p50Ms) * 100) / 100;
        checkValue(row, "cold p50 / floor p50", ratio, "≤", bound, "×");
        row.notes.push(`cold p50 ${row.lamina.p50Ms} ms, floor p50 ${row.floor.p50Ms} ms: ${ratio}×`);
        if (id === "cold-python") {
          // lamina's runtime client imports neither socket nor json (runtime/python/_lamina_json.py), so it can
          // start under this floor; the interpreter doing nothing at all is the honest bottom, said beside it.
          const bare = measureOf(floor([argv[0] ?? "", "-s", "-S", "-c", "pass"], n));
          const toBare = Math.round((row.lamina.p50Ms / bare.p50Ms) * 100) / 100;
          row.notes.push(
            `bare interpreter (bwrap + python -s -S -c pass) p50 ${bare.p50Ms} ms: cold is ${toBare}× that`,
          );
        }
        result.rows.push(row);
      }
      ctx.progress.endLive();
    } finally {
      await session.close();
    }
    return result;
  },
};
