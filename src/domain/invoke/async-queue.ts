/**
 * Event invocations: accepted at once (202), run in the background, and retried up to two more times when the
 * function fails, as Lambda does (`docs/reference/aws-lambda-execution.md` §A7). Lambda waits minutes
 * between attempts; lamina waits one and two seconds, which keeps local tests quick.
 */
import type { Logger } from "pino";

/** Attempts per event: the first and two retries. */
export const EVENT_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1000, 2000];

/** One queued event; `run` resolves true when the function succeeded. */
export interface QueuedEvent {
  readonly requestId: string;
  readonly run: () => Promise<boolean>;
}

/** A bounded background runner for Event invocations. */
export class AsyncInvokeQueue {
  private readonly queue: QueuedEvent[] = [];
  private running = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly log: Logger,
    private readonly workers = 4,
  ) {}

  /** Queues an event for its first attempt. */
  push(event: QueuedEvent): void {
    if (!this.closed) {
      this.queue.push(event);
      this.pump();
    }
  }

  private pump(): void {
    while (this.running < this.workers && this.queue.length > 0) {
      const event = this.queue.shift();
      if (event) {
        this.running++;
        void this.attempt(event, 1).finally(() => {
          this.running--;
          this.pump();
        });
      }
    }
  }

  private async attempt(event: QueuedEvent, n: number): Promise<void> {
    let ok = false;
    try {
      ok = await event.run();
    } catch (err) {
      this.log.warn({ err, requestId: event.requestId }, "event invocation could not run");
    }
    if (ok || n >= EVENT_ATTEMPTS || this.closed) {
      return;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.running++;
        void this.attempt(event, n + 1).finally(() => {
          this.running--;
          this.pump();
        });
      },
      RETRY_DELAYS_MS[n - 1] ?? 2000,
    );
    this.timers.add(timer);
  }

  /** Drops queued and pending retries. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
  }
}
