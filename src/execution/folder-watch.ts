/**
 * Watches the host folders functions run from (code and layers of the development loop) and counts their
 * changes. An environment remembers the counts it started with; one whose folders changed since is never reused,
 * so the next invoke starts afresh from the files as they are now. `@parcel/watcher` watches a whole tree with
 * inotify and reports a write, a new or deleted file and an editor's save-by-rename within tens of milliseconds.
 */
import watcher from "@parcel/watcher";
import type { Logger } from "pino";

/** Told of each batch of changes under a watched folder. */
export type FolderListener = (folder: string, changed: readonly string[]) => void;

/** Counts changes per folder and tells listeners. */
export class FolderWatch {
  private readonly generations = new Map<string, number>();
  private readonly subscriptions = new Map<string, Promise<watcher.AsyncSubscription | undefined>>();
  private readonly listeners = new Set<FolderListener>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  /** Starts watching `folder` (once; again after the folder itself was deleted). Never throws. */
  async watch(folder: string): Promise<void> {
    if (this.closed) {
      return;
    }
    let pending = this.subscriptions.get(folder);
    if (!pending) {
      pending = watcher
        .subscribe(folder, (err, events) => this.heard(folder, err, events))
        .catch((err: unknown) => {
          this.subscriptions.delete(folder);
          this.log.warn({ err, folder }, "cannot watch this folder: changes are seen only after a restart");
          return undefined;
        });
      this.subscriptions.set(folder, pending);
    }
    await pending;
  }

  /** The number of changes seen under `folder` so far. */
  generation(folder: string): number {
    return this.generations.get(folder) ?? 0;
  }

  /** The counts of these folders, as one comparable stamp. */
  stamp(folders: readonly string[]): string {
    return folders.map((f) => this.generation(f)).join(",");
  }

  /** Adds a listener; returns the function that removes it. */
  onChange(listener: FolderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every watch. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(all.map(async (s) => (await s)?.unsubscribe().catch(() => undefined)));
  }

  private heard(folder: string, err: Error | null, events: watcher.Event[]): void {
    if (err) {
      this.log.warn({ err, folder }, "watching this folder failed");
    }
    if (events.length === 0) {
      return;
    }
    this.generations.set(folder, this.generation(folder) + 1);
    if (events.some((e) => e.type === "delete" && e.path === folder)) {
      // The watch ends with its folder: the next environment started from it (once it is back) watches anew.
      const gone = this.subscriptions.get(folder);
      this.subscriptions.delete(folder);
      void gone?.then((s) => s?.unsubscribe().catch(() => undefined));
    }
    const changed = events.map((e) => e.path);
    for (const listener of this.listeners) {
      try {
        listener(folder, changed);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }
}
