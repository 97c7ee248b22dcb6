/** HTTP/1.1 spoken by hand over a TCP socket: for requests no HTTP client will send (slow, huge, broken). */
import { connect, type Socket } from "node:net";

/** One response read off a socket. */
export interface SocketResponse {
  /** The status code of the status line (0 when the server closed without answering). */
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parses the first complete response in `text`, or undefined while it is incomplete. */
function parseResponse(text: Buffer, closed: boolean): SocketResponse | undefined {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) {
    return closed ? { status: 0, headers: {}, body: text.toString("latin1") } : undefined;
  }
  const [statusLine = "", ...lines] = text.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = text.subarray(end + 4);
  const length = headers["content-length"];
  if (length !== undefined && body.length < Number(length) && !closed) {
    return undefined;
  }
  if (length === undefined && !closed) {
    return undefined;
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: body.toString("utf8"),
  };
}

/** A connected socket and the first response it receives. */
export interface Exchange {
  readonly socket: Socket;
  /** Resolves with the first complete response (or what arrived before the server closed the connection). */
  readonly response: Promise<SocketResponse>;
  /** Whether the server has closed (or reset) the connection. */
  closed(): boolean;
}

/** Connects to 127.0.0.1:`port`; write the request yourself. */
export async function openExchange(port: number, timeoutMs = 30_000): Promise<Exchange> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let data = Buffer.alloc(0);
  let closed = false;
  const response = new Promise<SocketResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no response within ${timeoutMs} ms; received ${JSON.stringify(data.toString("latin1"))}`),
      );
    }, timeoutMs);
    const check = () => {
      const parsed = parseResponse(data, closed);
      if (parsed) {
        clearTimeout(timer);
        resolve(parsed);
      }
    };
    socket.on("data", (d: Buffer) => {
      data = Buffer.concat([data, d]);
      check();
    });
    socket.on("close", () => {
      closed = true;
      check();
    });
    // A reset after the answer (the server stops reading an oversized body) is not the test's failure.
    socket.on("error", () => undefined);
  });
  return { socket, response, closed: () => closed };
}

/** Sends `request` in one write and returns the response. */
export async function exchange(port: number, request: string | Buffer): Promise<SocketResponse> {
  const ex = await openExchange(port);
  ex.socket.write(request);
  const res = await ex.response;
  ex.socket.destroy();
  return res;
}

/** Writes `data`, waiting for the socket to drain; false when the server has closed the connection. */
export function writeAll(socket: Socket, data: Buffer | string): Promise<boolean> {
  if (socket.destroyed || !socket.writable) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      socket.off("close", onClose);
      resolve(ok);
    };
    const onClose = () => done(false);
    socket.once("close", onClose);
    if (socket.write(data)) {
      done(true);
    } else {
      socket.once("drain", () => done(true));
    }
  });
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
