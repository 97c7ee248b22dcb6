/**
 * The `node:http` request listener: gives each request its id and hands it to the first adapter that accepts
 * it (lamina's own `/_lamina/` endpoints, Organizations, STS), else to the Lambda adapter, which owns every path
 * no other protocol claims.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ProtocolAdapter } from "./http.js";

/** What the listener dispatches to. */
export interface ListenerDeps {
  /** Asked in order; the first that accepts a request serves it. */
  readonly adapters: readonly ProtocolAdapter[];
  /** Serves whatever no other adapter accepts (the Lambda REST-JSON API). */
  readonly fallback: ProtocolAdapter;
  /** Answers what an adapter let escape (the request stream failing, a bug). */
  readonly fail: (res: ServerResponse, err: unknown, requestId: string) => void;
  readonly log: Logger;
}

/** Builds the `node:http` request listener. */
export function createListener(deps: ListenerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, adapters, fallback, fail } = deps;
  return (req, res) => {
    const requestId = randomUUID();
    if (log.isLevelEnabled("debug")) {
      const start = performance.now();
      res.once("finish", () => {
        const ms = Math.round((performance.now() - start) * 10) / 10;
        log.debug({ requestId, method: req.method, url: req.url, status: res.statusCode, ms }, "request");
      });
    }
    const url = new URL(req.url ?? "/", "http://lamina");
    const adapter = adapters.find((a) => a.accepts(req, url)) ?? fallback;
    adapter.serve(req, res, url, requestId).catch((err: unknown) => {
      fail(res, err, requestId);
    });
  };
}
