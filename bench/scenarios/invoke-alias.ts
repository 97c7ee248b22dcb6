/**
 * Invoke through an alias against invoking `$LATEST`, on lamina, in the same rounds: the 5-layer Python function
 * of `invoke`, published as version 1 with an alias `live` pointing at it. Resolving the alias (one more lookup)
 * and running version 1 in its own warm environment should cost next to nothing: the row reports the alias's
 * figures and checks its p50 against `$LATEST`'s. moto's Invoke needs Docker, so its column says why not.
 */
import type { Server } from "../lib/servers.js";
import {
  api,
  checkValue,
  measureRow,
  newResult,
  newRow,
  type BenchContext,
  type Scenario,
} from "../lib/context.js";
import { ensureInvokeFunction, INVOKE_FUNCTION, invokeError, invokeRequest } from "./invoke.js";

/** The alias every invoke of the row goes through. */
const ALIAS = "live";
/** Where `$LATEST`'s figures go in the row (measured on the same lamina, in the same rounds). */
const LATEST_AS = "lamina $LATEST";

/** Publishes version 1 of the invoke function and points `live` at it (once per run). */
async function ensureAlias(ctx: BenchContext): Promise<void> {
  if (ctx.shared.has("invokeAliasReady")) {
    return;
  }
  await ensureInvokeFunction(ctx);
  const client = api(ctx.lamina);
  const version = await client.json<{ Version: string }>(
    client.request("POST", `/2015-03-31/functions/${INVOKE_FUNCTION}/versions`, { body: {} }),
  );
  await client.json(
    client.request("POST", `/2015-03-31/functions/${INVOKE_FUNCTION}/aliases`, {
      body: { Name: ALIAS, FunctionVersion: version.Version },
    }),
  );
  ctx.shared.set("invokeAliasReady", 1);
}

/** An Invoke of the function through the alias, with the version it ran checked. */
function aliasRequests(server: Server) {
  const client = api(server);
  const req = client.request("POST", `/2015-03-31/functions/${INVOKE_FUNCTION}/invocations`, {
    query: [["Qualifier", ALIAS]],
    body: Buffer.from('{"bench":true}'),
  });
  return {
    make: () => req,
    check: (reply: { headers: Record<string, unknown>; body: Buffer }) =>
      reply.headers["x-amz-executed-version"] === "1"
        ? invokeError(reply)
        : `executed version ${String(reply.headers["x-amz-executed-version"])}`,
  };
}

export const invokeAlias: Scenario = {
  id: "invoke-alias",
  title: "Invoke by alias vs $LATEST (Python function with 5 layers)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    await ensureAlias(ctx);
    const row = newRow("invoke-alias", "Invoke by alias, warm", "undici ×1");
    // The same lamina again, as another object, so the builder can tell the $LATEST turns from the alias turns.
    const twin: Server = { ...ctx.lamina };
    await measureRow(
      ctx,
      row,
      { connections: 1, count: ctx.quick ? 150 : 3_000, warmupMs: 500 },
      (server) => {
        if (server === twin) {
          const req = invokeRequest(api(server), INVOKE_FUNCTION);
          return { make: () => req, check: invokeError };
        }
        return aliasRequests(server);
      },
      [ctx.lamina, { server: twin, as: LATEST_AS }],
    );
    row.motoNote = "not runnable";
    const latest = row.others?.[LATEST_AS];
    if (row.lamina && latest) {
      const factor = Math.round((row.lamina.p50Ms / latest.p50Ms) * 100) / 100;
      checkValue(row, `alias p50 / $LATEST p50 (${latest.p50Ms} ms)`, factor, "≤", 1.2, "×");
      row.notes.push(
        `$LATEST on the same lamina in the same rounds: p50 ${latest.p50Ms} ms, p99 ${latest.p99Ms} ms, ` +
          `${latest.opsPerS} invokes/s; the alias points at version 1, which runs in its own warm environment`,
      );
    }
    result.rows.push(row);
    result.notes.push("moto: not runnable (its Invoke needs Docker, see the invoke scenario)");
    return result;
  },
};
