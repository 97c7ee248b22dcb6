/**
 * The Lambda Runtime API (2018-06-01) for one execution environment, on its own loopback port: a waiter left by a
 * killed runtime dies with its environment's server and can never take another environment's invoke.
 * The port is visible to every process on the machine (functions share the host's network), so each new
 * connection is checked before a byte of it is read: only the environment's own processes are served.
 * Paths, headers, status codes and error bodies: `docs/reference/aws-lambda-execution.md` §A6.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { clientSocketInode, PeerGate, socketOwner, type PeerCheck } from "./peer.js";

/** Largest response a function may return (§A6: 6 MB plus AWS's 100 bytes of slack). */
export const MAX_RESPONSE_BYTES = 6_291_556;

const PREFIX = "/2018-06-01/runtime";
const ERROR_TYPE_RE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/** One invocation as the runtime receives it from `/next`. */
export interface Invocation {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  /** The client context as JSON text (decoded from `X-Amz-Client-Context`). */
  readonly clientContext: string | undefined;
}

/** How the runtime finished an invocation. */
export type Outcome =
  | { readonly kind: "response"; readonly body: Buffer }
  | { readonly kind: "error"; readonly body: Buffer; readonly errorType: string }
  | { readonly kind: "tooLarge" };

/** What the environment learns from its runtime outside of invocations. */
export interface RuntimeApiEvents {
  /** The runtime asked for work for the first time: init is over. */
  onReady(): void;
  /** The runtime reported an init error (before its first `/next`). */
  onInitError(body: Buffer, errorType: string): void;
  /** The process spawned for the environment: connections are served only from it and its descendants. */
  rootPid(): number | undefined;
  /**
   * Connections from other processes were closed unread: `count` of them since the last call, the last one's
   * process when it could be found. Called at most once per REFUSAL_REPORT_MS, so a flood costs no log flood.
   */
  onRefused(count: number, pid: number | undefined): void;
}

/** How often refused connections are reported (each report searches /proc for the offender once). */
export const REFUSAL_REPORT_MS = 10_000;

interface Pending {
  readonly invocation: Invocation;
  readonly resolve: (outcome: Outcome) => void;
}

/** One environment's Runtime API server. */
export class RuntimeApi {
  private readonly http = createHttpServer({ requestTimeout: 0 }, (req, res) => {
    this.route(req, res).catch(() => res.destroy());
  });
  /** Accepts connections paused, so nothing is read from a socket until its owner is known. */
  private readonly server: Server;
  private waiter: ServerResponse | undefined;
  private queued: Pending | undefined;
  private current: Pending | undefined;
  /** Whether the current invocation's response or error is being read (its request id matched). */
  private finishing = false;
  /**
   * A `/next` that arrived while the current invocation's response was still being read: lamina's Python client
   * sends both in one write (pipelined), and Node hands over the second request before the first's body has
   * ended. It waits for that response instead of being refused.
   */
  private nextAfterFinish: ServerResponse | undefined;
  private ready = false;
  private readonly gate: PeerGate;
  private refused = 0;
  private lastReport = 0;
  /** Admitted connections, cut on close (the HTTP server never listens itself, so it does not track them). */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly events: RuntimeApiEvents) {
    // `/next` may wait for minutes between invokes; it is a request in flight, not an idle socket.
    this.http.keepAliveTimeout = 0;
    this.gate = new PeerGate(() => events.rootPid());
    this.server = createNetServer({ pauseOnConnect: true, noDelay: true, keepAlive: true }, (socket) =>
      this.admit(socket),
    );
  }

  /**
   * Serves the connection only when its client socket is held by one of the environment's processes; anyone
   * else's is destroyed before any byte is parsed. Once per connection: runtime clients keep theirs alive.
   */
  private admit(socket: Socket): void {
    const ends = {
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? "",
      localPort: socket.localPort ?? 0,
    };
    let check: PeerCheck;
    try {
      check = this.gate.check(ends);
    } catch {
      check = { own: false, inode: undefined };
    }
    if (check.own) {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
      this.http.emit("connection", socket);
      socket.resume();
      return;
    }
    this.refused++;
    const now = Date.now();
    if (now - this.lastReport >= REFUSAL_REPORT_MS) {
      // Looked up before the reset below, while the offender's socket still exists.
      this.lastReport = now;
      const count = this.refused;
      this.refused = 0;
      let pid: number | undefined;
      try {
        const inode = check.inode ?? clientSocketInode(ends);
        pid = inode === undefined ? undefined : socketOwner(inode);
      } catch {
        pid = undefined;
      }
      this.events.onRefused(count, pid);
    }
    // A reset, not a FIN: the client learns at once (undici's fetch retries a connection closed cleanly before
    // its request was sent, for ever) and no TIME_WAIT is left on our side.
    socket.resetAndDestroy();
  }

  /** Starts listening on a free loopback port; returns `host:port` for AWS_LAMBDA_RUNTIME_API. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hands an invocation to the runtime (now, or at its next `/next`); resolves when it answers. */
  dispatch(invocation: Invocation): Promise<Outcome> {
    return new Promise((resolve) => {
      this.queued = { invocation, resolve };
      this.deliver();
    });
  }

  /** Stops serving and cuts every connection. */
  close(): void {
    this.waiter?.destroy();
    this.waiter = undefined;
    this.server.close();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }

  private deliver(): void {
    const waiter = this.waiter;
    const next = this.queued;
    if (!waiter || !next || waiter.destroyed) {
      return;
    }
    this.waiter = undefined;
    this.queued = undefined;
    this.current = next;
    const inv = next.invocation;
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json",
      "Content-Length": inv.payload.length,
      "Lambda-Runtime-Aws-Request-Id": inv.requestId,
      "Lambda-Runtime-Deadline-Ms": String(inv.deadlineMs),
      "Lambda-Runtime-Invoked-Function-Arn": inv.invokedFunctionArn,
      "Lambda-Runtime-Trace-Id": inv.traceId,
    };
    if (inv.clientContext !== undefined) {
      headers["Lambda-Runtime-Client-Context"] = inv.clientContext;
    }
    waiter.writeHead(200, headers);
    waiter.end(inv.payload);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "GET" && path === `${PREFIX}/invocation/next`) {
      req.resume();
      this.next(res);
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === "POST" && m) {
      await this.finish(req, res, decodeURIComponent(m[1] ?? ""), m[2] === "error");
      return;
    }
    if (req.method === "POST" && path === `${PREFIX}/init/error`) {
      const body = await readLimited(req, MAX_RESPONSE_BYTES);
      if (this.ready) {
        reply(res, 403, {
          errorMessage: "State transition is not allowed",
          errorType: "InvalidStateTransition",
        });
        return;
      }
      reply(res, 202, { status: "OK" });
      this.events.onInitError(body ?? Buffer.from("{}"), errorTypeOf(req, "Runtime.Unknown"));
      return;
    }
    req.resume();
    reply(res, 404, { errorMessage: "Not Found", errorType: "NotFound" });
  }

  private next(res: ServerResponse): void {
    if (this.current && this.finishing && this.nextAfterFinish === undefined) {
      this.nextAfterFinish = res;
      return;
    }
    if (this.current) {
      // §A6: exactly one response or error per invocation before the next `/next`.
      reply(res, 403, {
        errorMessage: "State transition is not allowed",
        errorType: "InvalidStateTransition",
      });
      return;
    }
    const waiting = this.waiter;
    if (waiting && !waiting.destroyed && !waiting.socket?.destroyed) {
      // One runtime waits for one event at a time: a second `/next` while the first still waits must not take
      // its place (it would receive the next event instead). Refused as a state transition (lamina's choice:
      // AWS's single runtime never asks twice).
      reply(res, 403, {
        errorMessage: "State transition is not allowed",
        errorType: "InvalidStateTransition",
      });
      return;
    }
    this.waiter = res;
    res.on("close", () => {
      if (this.waiter === res) {
        this.waiter = undefined;
      }
    });
    if (!this.ready) {
      this.ready = true;
      this.events.onReady();
    }
    this.deliver();
  }

  private async finish(req: IncomingMessage, res: ServerResponse, requestId: string, isError: boolean) {
    const current = this.current;
    if (!current || current.invocation.requestId !== requestId) {
      req.resume();
      reply(res, 400, { errorMessage: "Invalid request ID", errorType: "InvalidRequestID" });
      return;
    }
    this.finishing = true;
    let body: Buffer | undefined;
    try {
      body = await readLimited(req, MAX_RESPONSE_BYTES);
    } catch (err) {
      // The connection broke mid-body: a `/next` sent behind it on that connection goes with it.
      this.nextAfterFinish?.destroy();
      this.nextAfterFinish = undefined;
      throw err;
    } finally {
      this.finishing = false;
    }
    this.current = undefined;
    const pipelined = this.nextAfterFinish;
    this.nextAfterFinish = undefined;
    if (body === undefined) {
      reply(res, 413, {
        errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        errorType: "RequestEntityTooLarge",
      });
      current.resolve({ kind: "tooLarge" });
    } else {
      reply(res, 202, { status: "OK" });
      current.resolve(
        isError
          ? { kind: "error", body, errorType: errorTypeOf(req, "Function.Unknown") }
          : { kind: "response", body },
      );
    }
    if (pipelined !== undefined && !pipelined.destroyed) {
      this.next(pipelined);
    }
  }
}

/** The error type header when it has the form AWS accepts (§A6), else `fallback`. */
function errorTypeOf(req: IncomingMessage, fallback: string): string {
  const value = req.headers["lambda-runtime-function-error-type"];
  return typeof value === "string" && ERROR_TYPE_RE.test(value) ? value : fallback;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}

/** The body, or undefined once it exceeds `limit` (the rest is drained, not kept). */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}
