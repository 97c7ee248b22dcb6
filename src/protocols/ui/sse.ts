/**
 * `/_lamina/api/events`: the event bus as server-sent events, one `change` event per change, so open pages
 * refetch what they show. Streams end when lamina closes (else they would hold the shutdown for its full grace).
 */
import type { ServerResponse } from "node:http";
import type { EventBus } from "../../util/events.js";

const HEARTBEAT_MS = 15_000;

/** The open event streams. */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly bus: EventBus) {}

  /** Serves one stream until the client goes or `closeAll`. */
  serve(res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    // `retry`: a client reconnects within a second after lamina restarts.
    res.write("retry: 1000\n: lamina explorer events\n\n");
    this.open.add(res);
    const unsubscribe = this.bus.subscribe((event) => {
      res.write(`event: change\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS).unref();
    const done = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    };
    // The response's close, not the request's: a GET's request stream closes as soon as its (empty) body is read.
    res.once("close", done);
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const res of this.open) {
      res.end();
    }
    this.open.clear();
  }
}
