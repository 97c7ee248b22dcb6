/**
 * Minimal debugger clients for tests of LAMINA_DEBUG_PORT: the Chrome DevTools Protocol over WebSocket (what
 * Chrome DevTools and VS Code speak to Node's inspector) and the Debug Adapter Protocol over TCP (what VS Code
 * speaks to debugpy). Each keeps every event it receives, so a test can wait for one that already arrived.
 */
import { connect, createServer, type Socket } from "node:net";
import WebSocket from "ws";

/** A port nobody listens on now (the kernel picks it; 1024 or above). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function retry<T>(what: string, attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > until) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: Record<string, unknown>;
  readonly error?: { message: string };
}

/** Keeps events and hands them to whoever waits for them. */
class Events<T> {
  private readonly seen: T[] = [];
  private readonly waiters: { match: (e: T) => boolean; resolve: (e: T) => void }[] = [];

  push(event: T): void {
    const index = this.waiters.findIndex((w) => w.match(event));
    if (index >= 0) {
      this.waiters.splice(index, 1)[0]?.resolve(event);
    } else {
      this.seen.push(event);
    }
  }

  next(match: (e: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    const index = this.seen.findIndex(match);
    if (index >= 0) {
      return Promise.resolve(this.seen.splice(index, 1)[0] as T);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }
}

/** A Chrome DevTools Protocol session with Node's inspector. */
export class CdpSession {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (m: Message) => void }>();
  private readonly events = new Events<Message>();
  /** Every script the inspector reported (Debugger.scriptParsed), by id. */
  private readonly scripts = new Map<string, string>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString("utf8")) as Message;
      if (message.method === "Debugger.scriptParsed") {
        this.scripts.set(String(message.params?.scriptId), String(message.params?.url));
      } else if (message.id !== undefined) {
        this.pending.get(message.id)?.resolve(message);
        this.pending.delete(message.id);
      } else {
        this.events.push(message);
      }
    });
  }

  /** Finds the inspector's target on the port (polling until it listens) and opens its WebSocket. */
  static async attach(port: number, timeoutMs = 20_000): Promise<CdpSession> {
    const url = await retry(
      `no inspector on 127.0.0.1:${port}`,
      async () => {
        // Closed after the answer, as Chrome and VS Code do with the inspector's HTTP/1.0 answers: a connection
        // kept open would count as an attached debugger (runtime/nodejs/debugger.mjs).
        const listing = await fetch(`http://127.0.0.1:${port}/json/list`, {
          headers: { connection: "close" },
        });
        const targets = (await listing.json()) as {
          webSocketDebuggerUrl: string;
        }[];
        const target = targets[0];
        if (!target) {
          throw new Error("no target");
        }
        return target.webSocketDebuggerUrl;
      },
      timeoutMs,
    );
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return new CdpSession(socket);
  }

  /** Sends a command and returns its result (throws its error). */
  async send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    const answer = new Promise<Message>((resolve) => this.pending.set(id, { resolve }));
    this.socket.send(JSON.stringify({ id, method, params }));
    const message = await answer;
    if (message.error) {
      throw new Error(`${method}: ${message.error.message}`);
    }
    return message.result ?? {};
  }

  /** The next event named `method` (one already received counts). */
  async event(method: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return (await this.events.next((m) => m.method === method, method, timeoutMs)).params ?? {};
  }

  /** The URL of a script the inspector reported. */
  scriptUrl(scriptId: string): string | undefined {
    return this.scripts.get(scriptId);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => {
      this.socket.once("close", resolve);
      this.socket.close();
    });
  }
}

interface DapMessage {
  readonly seq: number;
  readonly type: "request" | "response" | "event";
  readonly request_seq?: number;
  readonly command?: string;
  readonly event?: string;
  readonly success?: boolean;
  readonly message?: string;
  readonly body?: Record<string, unknown>;
}

/** A Debug Adapter Protocol session with debugpy: JSON messages framed by a Content-Length header. */
export class DapSession {
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly responses = new Events<DapMessage>();
  private readonly events = new Events<DapMessage>();

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const end = this.buffer.indexOf("\r\n\r\n");
        const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
        if (end < 0 || this.buffer.length < end + 4 + length) {
          break;
        }
        const message = JSON.parse(
          this.buffer.subarray(end + 4, end + 4 + length).toString("utf8"),
        ) as DapMessage;
        this.buffer = this.buffer.subarray(end + 4 + length);
        (message.type === "event" ? this.events : this.responses).push(message);
      }
    });
  }

  /** Connects to debugpy on the port, polling until it listens. */
  static async connect(port: number, timeoutMs = 20_000): Promise<DapSession> {
    const socket = await retry(
      `no debugpy on 127.0.0.1:${port}`,
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(port, "127.0.0.1", () => resolve(s));
          s.once("error", reject);
        }),
      timeoutMs,
    );
    return new DapSession(socket);
  }

  /** Sends a request; its response is awaited with `response`. */
  request(command: string, args: Record<string, unknown> = {}): number {
    const seq = ++this.seq;
    const body = Buffer.from(JSON.stringify({ seq, type: "request", command, arguments: args }));
    this.socket.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
    return seq;
  }

  /** The response to request `seq` (throws when it did not succeed). */
  async response(seq: number, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const message = await this.responses.next((m) => m.request_seq === seq, `response to #${seq}`, timeoutMs);
    if (!message.success) {
      throw new Error(`${message.command ?? "request"}: ${message.message ?? "failed"}`);
    }
    return message.body ?? {};
  }

  /** Sends a request and waits for its response. */
  async call(command: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.response(this.request(command, args));
  }

  /** The next event named `name` (one already received counts). */
  async event(name: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return (await this.events.next((m) => m.event === name, `${name} event`, timeoutMs)).body ?? {};
  }

  close(): void {
    this.socket.destroy();
  }
}
