/**
 * Keeps the extraction cache in step with what is stored. Code and layers are unpacked right after the commit that
 * stores them (PublishLayerVersion, CreateFunction, UpdateFunctionCode answer as fast as before; an invoke arriving
 * first joins the same build), and entries nothing references any more are swept: after each change that can
 * drop a reference, every few seconds (to catch builds that finished after a sweep), and at start-up.
 */
import type { Logger } from "pino";
import type { CodeRepository } from "../storage/types.js";
import type { ChangeEvent, EventBus } from "../util/events.js";
import type { CodeCache } from "./filesystem.js";

/** How often the cache is swept even when nothing changed. */
export const CACHE_SWEEP_INTERVAL_MS = 5_000;
/** Changes arriving together share one sweep. */
const SWEEP_DELAY_MS = 50;
/** After the cache grew, a sweep waits this long, so a burst of uploads shares it. */
const GROWTH_SWEEP_DELAY_MS = 1_000;

const PREPARES = new Set(["layer-published", "function-created", "function-updated"]);
const SWEEPS = new Set(["layer-deleted", "function-deleted", "function-updated"]);

/** Unpacks new code at once and sweeps what nothing references. */
export class CacheKeeper {
  private readonly seenLists = new Set<string>();
  private sweeping: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly interval: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private preparing: Promise<void> = Promise.resolve();

  constructor(
    private readonly cache: CodeCache,
    private readonly code: CodeRepository,
    private readonly log: Logger,
    bus: EventBus,
    intervalMs = CACHE_SWEEP_INTERVAL_MS,
  ) {
    this.unsubscribe = bus.subscribe((event) => this.heard(event));
    this.interval = setInterval(() => this.scheduleSweep(), intervalMs).unref();
  }

  /** Start-up: forgets nothing that exists, removes what nothing references, and evicts down to the bound. */
  async start(): Promise<void> {
    const refs = await this.code.references();
    refs.layerLists.forEach((list) => this.seenLists.add(list.join(",")));
    const removed = await this.cache.sweep(refs);
    if (removed > 0) {
      this.log.info({ removed }, "removed cache entries nothing uses any more");
    }
  }

  /** Resolves once the unpacking started by changes so far is done (tests and the bench wait on it). */
  async settled(): Promise<void> {
    await this.preparing;
    await this.sweeping;
  }

  /** Stops listening and sweeping. */
  close(): void {
    this.unsubscribe();
    clearInterval(this.interval);
    clearTimeout(this.sweepTimer);
  }

  private heard(event: ChangeEvent): void {
    const code = event.code;
    if (code && PREPARES.has(event.kind)) {
      this.preparing = this.preparing.then(() => this.prepare([code.sha256Hex], code.layers));
    }
    // A function that changed only its configuration (or tags) let go of nothing: no sweep reads every reference.
    if (SWEEPS.has(event.kind) && (event.kind !== "function-updated" || event.released === true)) {
      this.scheduleSweep();
    }
  }

  /**
   * Starts unpacking zips and a layer list not seen before; never waits for it to finish. The change says what
   * it references, so no event reads every reference (that made each CreateFunction cost O(all functions)).
   */
  private prepare(sha256s: readonly string[], layers: readonly string[] | undefined): void {
    const builds: Promise<unknown>[] = [];
    for (const sha of new Set([...sha256s, ...(layers ?? [])])) {
      if (!this.cache.isReady(sha)) {
        builds.push(this.cache.extracted(sha));
      }
    }
    if (layers && layers.length > 0 && !this.seenLists.has(layers.join(","))) {
      this.seenLists.add(layers.join(","));
      // Only lists a few mounts cannot assemble need their merged tree on disk (always, without a sandbox).
      builds.push(
        this.cache.needsMergedTree(layers).then((needed) => (needed ? this.cache.merged(layers) : undefined)),
      );
    }
    if (builds.length === 0) {
      return;
    }
    // Failures (a damaged blob) are the first invoke's to report, as the layer or code it is.
    void Promise.allSettled(builds).then((results) => {
      for (const r of results) {
        if (r.status === "rejected") {
          this.log.debug({ err: r.reason as unknown }, "unpacking ahead of the first invoke failed");
        }
      }
      // The cache grew: a sweep applies --cache-size (and drops what was deleted while it was unpacked). Not
      // at once: a burst of creates shares one sweep, which reads every reference.
      this.scheduleSweep(GROWTH_SWEEP_DELAY_MS);
    });
  }

  private scheduleSweep(delayMs = SWEEP_DELAY_MS): void {
    if (this.sweepTimer !== undefined) {
      return;
    }
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweeping = this.sweeping.then(async () => {
        try {
          const removed = await this.cache.sweep(await this.code.references());
          if (removed > 0) {
            this.log.debug({ removed }, "swept cache entries nothing uses");
          }
        } catch (err) {
          this.log.warn({ err }, "cache sweep failed");
        }
      });
    }, delayMs);
  }
}
