/**
 * Event invocations: accepted at once (202), run in the background, retried as the function's event-invoke config
 * says (`docs/reference/aws-deploy-api.md` §9; `docs/reference/aws-lambda-execution.md` §A7). A function error
 * earns up to `MaximumRetryAttempts` more attempts (default 2), about one and two minutes apart as on AWS; a
 * throttled attempt is not counted and comes back with a growing delay (1 s doubling to 5 min, as the developer
 * guide describes); an event older than `MaximumEventAgeInSeconds` (default 6 hours) is dropped instead of run.
 * A function whose reserved concurrency is 0 refuses the event outright, as AWS does (§8 #66).
 */
import type { Logger } from "pino";

/** Lambda's defaults when a function has no event-invoke config (§9; the model's limits). */
export const EVENT_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 } as const;

/** AWS waits about one minute before the first retry and two before the second. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** A throttled event's first wait and the most it ever waits. */
const THROTTLE_DELAY_MS = { first: 1_000, max: 300_000 };

/** How one attempt ended. */
export type EventOutcome =
  /** The function succeeded. */
  | "succeeded"
  /** The function failed (an error it raised, a crash, a timeout). */
  | "failed"
  /** No concurrency was free: try again later. */
  | "throttled"
  /** The function may never run (reserved concurrency 0): drop the event. */
  | "refused";

/** One queued event and the config it runs under. */
export interface QueuedEvent {
  readonly requestId: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
  readonly run: () => Promise<EventOutcome>;
}

/** The queue's waits; tests shorten them. */
export interface AsyncQueueTiming {
  /** Before the first and the second retry of a failed event. */
  readonly retryDelaysMs?: readonly number[];
}

/** An event with its bookkeeping. */
interface Pending {
  readonly event: QueuedEvent;
  readonly acceptedAt: number;
  failures: number;
  throttles: number;
}

/** A bounded background runner for Event invocations. */
export class AsyncInvokeQueue {
  private readonly ready: Pending[] = [];
  private running = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly log: Logger,
    timing: AsyncQueueTiming = {},
    /** The time events age by (the server's clock, so tests can move it). */
    private readonly now: () => number = Date.now,
    private readonly workers = 4,
  ) {
    this.retryDelaysMs = timing.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  }

  /** Queues an event for its first attempt. */
  push(event: QueuedEvent): void {
    if (!this.closed) {
      this.ready.push({ event, acceptedAt: this.now(), failures: 0, throttles: 0 });
      this.pump();
    }
  }

  private pump(): void {
    while (this.running < this.workers && this.ready.length > 0) {
      const pending = this.ready.shift();
      if (pending) {
        this.running++;
        void this.attempt(pending).finally(() => {
          this.running--;
          this.pump();
        });
      }
    }
  }

  private async attempt(p: Pending): Promise<void> {
    const { event } = p;
    const ageSeconds = (this.now() - p.acceptedAt) / 1000;
    if (ageSeconds > event.maximumEventAgeInSeconds) {
      this.log.info(
        { requestId: event.requestId, ageSeconds, maximumEventAgeInSeconds: event.maximumEventAgeInSeconds },
        "event dropped: older than its maximum event age",
      );
      return;
    }
    let outcome: EventOutcome;
    try {
      outcome = await event.run();
    } catch (err) {
      this.log.warn({ err, requestId: event.requestId }, "event invocation could not run");
      outcome = "failed";
    }
    if (outcome === "succeeded" || this.closed) {
      return;
    }
    if (outcome === "refused") {
      this.log.info(
        { requestId: event.requestId },
        "event dropped: the function's reserved concurrency is 0",
      );
      return;
    }
    if (outcome === "throttled") {
      const delay = Math.min(THROTTLE_DELAY_MS.first * 2 ** p.throttles, THROTTLE_DELAY_MS.max);
      p.throttles++;
      this.later(p, delay);
      return;
    }
    p.failures++;
    if (p.failures > event.maximumRetryAttempts) {
      this.log.info(
        { requestId: event.requestId, attempts: p.failures },
        "event dropped: the function failed on every attempt",
      );
      return;
    }
    this.later(p, this.retryDelaysMs[p.failures - 1] ?? this.retryDelaysMs.at(-1) ?? 0);
  }

  /** Puts an event back in line after `ms`. */
  private later(p: Pending, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) {
        this.ready.push(p);
        this.pump();
      }
    }, ms);
    this.timers.add(timer);
  }

  /** Drops queued events and pending retries. */
  close(): void {
    this.closed = true;
    this.ready.length = 0;
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
  }
}
