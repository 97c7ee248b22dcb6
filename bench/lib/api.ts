/**
 * The one client every Node scenario uses, against every server alike: requests are built and signed (SigV4)
 * before the clock starts, then sent over an undici Pool of keep-alive connections.
 */
import { Pool } from "undici";
import type { Progress } from "./progress.js";
import { cpuMsOf, type Server } from "./servers.js";
import { SigV4Signer, queryString } from "./sigv4.js";
import { summarize, type Measure } from "./stats.js";

/** The caller: a 12-digit access key id is the account on lamina; moto is told by `x-moto-account-id`. */
export interface Identity {
  readonly accountId: string;
  readonly region: string;
}

/** A signed request, ready to send. */
export interface HttpRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path and query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** A response, read whole. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** What a request is made of before signing. */
export interface RequestParts {
  readonly query?: readonly (readonly [string, string])[];
  /** JSON-serialized unless already a Buffer. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Builds signed Lambda (or other service) requests for one server and one identity. */
export class Api {
  private readonly signer: SigV4Signer;

  constructor(
    readonly server: Server,
    readonly identity: Identity,
    service = "lambda",
  ) {
    this.signer = new SigV4Signer(
      { accessKeyId: identity.accountId, secretAccessKey: "bench-secret" },
      identity.region,
      service,
    );
  }

  /** A signed request. */
  request(method: HttpRequest["method"], path: string, parts: RequestParts = {}): HttpRequest {
    const body =
      parts.body === undefined
        ? undefined
        : Buffer.isBuffer(parts.body)
          ? parts.body
          : Buffer.from(JSON.stringify(parts.body));
    const headers: Record<string, string> = {
      "x-moto-account-id": this.identity.accountId,
      ...(body && { "content-type": "application/json" }),
      ...parts.headers,
    };
    const signed = this.signer.sign({
      method,
      path,
      query: parts.query,
      host: this.server.host,
      body,
      headers,
    });
    const qs = queryString(parts.query);
    return { method, path: qs ? `${path}?${qs}` : path, headers: signed, ...(body && { body }) };
  }

  /** Sends one request on a short-lived connection; throws on a non-2xx answer unless `allowError`. */
  async send(req: HttpRequest, allowError = false): Promise<Reply> {
    const pool = new Pool(this.server.url, { connections: 1, headersTimeout: 600_000, bodyTimeout: 600_000 });
    try {
      const reply = await sendOn(pool, req);
      if (!allowError && (reply.status < 200 || reply.status > 299)) {
        throw new Error(
          `${this.server.kind}: ${req.method} ${req.path} answered ${reply.status}: ${reply.body.toString().slice(0, 500)}`,
        );
      }
      return reply;
    } finally {
      await pool.close();
    }
  }

  /** `send`, parsing the JSON answer. */
  async json<T = Record<string, unknown>>(req: HttpRequest): Promise<T> {
    const reply = await this.send(req);
    return JSON.parse(reply.body.toString("utf8") || "{}") as T;
  }
}

async function sendOn(pool: Pool, req: HttpRequest): Promise<Reply> {
  const res = await pool.request({
    method: req.method,
    path: req.path,
    headers: req.headers,
    ...(req.body && { body: req.body }),
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** The error type of a failed reply: `x-amzn-ErrorType`, or the body's `__type`/`Type`. */
function errorKey(reply: Reply): string {
  const header = reply.headers["x-amzn-errortype"];
  let type = (Array.isArray(header) ? header[0] : header)?.split(":")[0];
  if (!type) {
    try {
      const parsed = JSON.parse(reply.body.toString("utf8")) as { __type?: string; Type?: string };
      type = parsed.__type ?? parsed.Type ?? "";
    } catch {
      type = "";
    }
  }
  return `${reply.status} ${type || "?"}`.trim();
}

/** A load: which requests, how many connections, for how long or how many. */
export interface LoadSpec {
  readonly label: string;
  readonly connections: number;
  /** Stop after this many timed requests... */
  readonly count?: number;
  /** ... or after this long (whichever comes first). */
  readonly durationMs?: number;
  /** Untimed requests first (only for loads whose requests may repeat). */
  readonly warmupMs?: number;
  /** Request number i (numbers are unique across warm-up and the timed part). */
  readonly make: (i: number) => HttpRequest;
  /** An error key for a reply that is not right, beyond its status (not applied to the floor). */
  readonly check?: (reply: Reply, i: number) => string | undefined;
}

/** The raw outcome of one timed part of a load. */
export interface RawRun {
  readonly latencies: number[];
  readonly wallS: number;
  readonly errors: Record<string, number>;
  readonly errorSample?: string;
  /** Server CPU time used meanwhile, ms. */
  readonly cpuMs: number;
}

/** A server's connections for a load, kept across its rounds; request numbers continue across them. */
export class LoadTarget {
  readonly pool: Pool;
  next = 0;

  constructor(
    readonly server: Server,
    connections: number,
  ) {
    this.pool = new Pool(server.url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 120_000,
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Runs part of a load against one server: `count` requests or `durationMs` of them (a warm-up, untimed, when
 * `timed` is false), `spec.connections` at a time.
 */
export async function runLoad(
  target: LoadTarget,
  spec: LoadSpec,
  progress: Progress,
  part: { timed: boolean; count?: number; durationMs?: number },
): Promise<RawRun> {
  const { server, pool } = target;
  const { count, durationMs } = part;
  if (count === undefined && durationMs === undefined) {
    throw new Error(`${spec.label}: a load needs a count or a duration`);
  }
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let sample: string | undefined;
  const started = performance.now();
  const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : started + durationMs;
  let issued = 0;
  let lastDone = 0;
  let lastAt = started;
  const ticker = part.timed
    ? setInterval(() => {
        const now = performance.now();
        const rate = ((latencies.length - lastDone) * 1000) / (now - lastAt);
        lastDone = latencies.length;
        lastAt = now;
        const total = count === undefined ? "" : `/${count}`;
        progress.tick(
          `${server.kind.padEnd(6)} ${spec.label}: ${latencies.length}${total} done, ${rate.toFixed(0)}/s`,
        );
      }, 1000)
    : undefined;
  const worker = async () => {
    for (;;) {
      if ((count !== undefined && issued >= count) || performance.now() >= deadline) {
        return;
      }
      issued++;
      const i = target.next++;
      const req = spec.make(i);
      const t0 = performance.now();
      let key: string | undefined;
      let text = "";
      try {
        const reply = await sendOn(pool, req);
        if (reply.status < 200 || reply.status > 299) {
          key = errorKey(reply);
          text = reply.body.toString("utf8").slice(0, 300);
        } else if (server.kind !== "floor" && spec.check) {
          key = spec.check(reply, i);
          text = reply.body.toString("utf8").slice(0, 300);
        }
      } catch (err) {
        const e = err as { code?: string; name?: string; message?: string };
        key = e.code ?? e.name ?? "Error";
        text = e.message ?? "";
      }
      const latency = performance.now() - t0;
      if (part.timed) {
        latencies.push(latency);
        if (key) {
          errors[key] = (errors[key] ?? 0) + 1;
          sample ??= `${req.method} ${req.path.slice(0, 120)} → ${key}: ${text}`;
        }
      }
    }
  };
  const cpuBefore = cpuMsOf(server.pid);
  try {
    await Promise.all(Array.from({ length: spec.connections }, () => worker()));
  } finally {
    if (ticker) {
      clearInterval(ticker);
    }
  }
  return {
    latencies,
    wallS: (performance.now() - started) / 1000,
    errors,
    ...(sample !== undefined && { errorSample: sample }),
    cpuMs: cpuMsOf(server.pid) - cpuBefore,
  };
}

/** Summarizes the rounds of one server's load. */
export function summarizeRuns(runs: readonly RawRun[], concurrency: number): Measure {
  const latencies = runs.flatMap((r) => r.latencies);
  const errors: Record<string, number> = {};
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.errors)) {
      errors[k] = (errors[k] ?? 0) + v;
    }
  }
  const wallS = runs.reduce((a, r) => a + r.wallS, 0);
  const cpuMs = runs.reduce((a, r) => a + r.cpuMs, 0);
  const m = summarize(latencies, wallS, concurrency, errors, runs.find((r) => r.errorSample)?.errorSample);
  return latencies.length > 0
    ? { ...m, serverCpuMsPerOp: Math.round((cpuMs / latencies.length) * 1000) / 1000 }
    : m;
}
