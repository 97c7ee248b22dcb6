/**
 * lamina's in-process event bus: the domain and the executor say what changed (a layer published, a grant, a
 * function created, an invocation), and whoever listens (the explorer's server-sent events) hears it. It sits on
 * the ground floor so services can emit without knowing any protocol.
 */

/** What happened. */
export type ChangeKind =
  | "layer-published"
  | "layer-deleted"
  | "grant-added"
  | "grant-removed"
  | "function-created"
  | "function-updated"
  | "function-deleted"
  | "invoked";

/** One change, named by the ARN it is about. */
export interface ChangeEvent {
  readonly kind: ChangeKind;
  /** The layer version ARN or the unqualified function ARN. */
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  /** ISO time of the change. */
  readonly at: string;
  /** For `invoked`: the invocation's request id. */
  readonly requestId?: string;
  /** For `invoked`: `success`, `error` or `timeout`. */
  readonly status?: string;
  /** For `invoked` that failed: the error type (`Runtime.ExitError`, or the handler's error, e.g. `ValueError`). */
  readonly errorType?: string;
  /**
   * For a published layer or a created/updated function: the code it now runs on (the hex SHA-256 of its zip,
   * then its layers' in order), so the extraction cache can unpack it without re-reading every reference.
   */
  readonly code?: { readonly sha256Hex: string; readonly layers?: readonly string[] };
  /**
   * For `function-updated`: whether the change let go of code or layers the function ran on before (so a sweep
   * may free them). A configuration, tag or policy change does not, and sweeping after it would read every
   * reference for nothing.
   */
  readonly released?: boolean;
}

/** A listener; it must not throw (a throwing one is dropped from the call, never from the bus). */
export type ChangeListener = (event: ChangeEvent) => void;

/** Fans changes out to listeners, synchronously, in subscription order. */
export class EventBus {
  private readonly listeners = new Set<ChangeListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener; one listener's failure never reaches the emitter or the others. */
  emit(event: Omit<ChangeEvent, "at"> & { at?: string }): void {
    const full: ChangeEvent = { ...event, at: event.at ?? new Date().toISOString() };
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch {
        // A listener's bug must not fail the API call that caused the change.
      }
    }
  }

  /** How many listeners are attached (open event streams, for tests and health). */
  get size(): number {
    return this.listeners.size;
  }
}
