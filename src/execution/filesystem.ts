/**
 * The directories functions run in: each zip extracted once per CodeSha256 (`cache/code/<sha>`), and one merged
 * `/opt` per canonical order of layers (`cache/opt/<hash of the order>`, see `merge-order.ts`), built with
 * hardlinks so no byte is copied and shared by every function whose layers merge the same. Later layers win, as
 * Lambda merges them (`docs/reference/aws-lambda-execution.md` §A1). Everything is built in a temp directory and
 * renamed into place, so a crash never leaves a half-built tree under its final name. Next to each entry a
 * `<entry>.meta` file records its size and (for merged trees) its layers, so sweeps and the size bound need no
 * walk of the trees. Entries nothing references are removed by `sweep` (the cache is rebuildable).
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { BlobIntegrity } from "../storage/integrity.js";
import type { CodeReferences } from "../storage/types.js";
import { folderKey, folderOf, listFolder } from "../util/code-folder.js";
import { listZip } from "../util/zip-list.js";
import { extractZipBuffer } from "./extract.js";
import { canonicalOrder, layerPaths, type LayerPaths } from "./merge-order.js";
import { planOpt, type OptMount, type OptStep, type OptView } from "./opt-plan.js";

/** One tree in the cache. */
interface Entry {
  /** Bytes of file content it holds (a merged tree's are its layers', so it counts 0). */
  readonly bytes: number;
  /** For a merged tree: its layers in canonical order. */
  readonly layers?: readonly string[];
  lastUsed: number;
}

/** What the cache needs besides its root and the blobs. */
export interface CodeCacheOptions {
  readonly log?: Logger;
  /** Bytes of unpacked code and layers to keep at most (`--cache-size`); undefined: no bound. */
  readonly maxBytes?: number;
  /** The trees live environments run in: never removed or evicted under them. */
  readonly inUse?: () => ReadonlySet<string>;
  /** Whether environments may get `/opt` as sandbox mounts (bubblewrap); without it, always a tree on disk. */
  readonly mounts?: boolean;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Layer path lists kept in memory at most (each a few MB for the largest layers). */
const PATHS_KEPT = 64;

/** `/opt` plans kept in memory at most (a few steps each). */
const PLANS_KEPT = 1024;

/** Builds and caches the code and layer trees functions run with. */
export class CodeCache {
  private readonly building = new Map<string, Promise<string>>();
  private readonly entries = new Map<string, Entry>();
  private readonly paths = new Map<string, LayerPaths>();
  private readonly keys = new Map<string, string>();
  /** Mount plans by layer list; null when the list needs the merged tree on disk. */
  private readonly plans = new Map<string, OptStep[] | null>();
  /** The mounts each plan resolved to (symlinks read), so a cold start reads nothing again; cleared with plans. */
  private readonly mounts = new Map<string, OptMount[]>();
  private readonly tmpDir: string;
  private readonly codeDir: string;
  /** Zips unpacked since start-up: tests count them to see no zip is unpacked twice. */
  extractions = 0;

  constructor(
    private readonly root: string,
    private readonly blobs: BlobIntegrity,
    private readonly opts: CodeCacheOptions = {},
  ) {
    this.tmpDir = join(root, "tmp");
    this.codeDir = join(root, "code");
  }

  /** Removes half-built trees a crash left behind and learns what the cache holds; call before serving. */
  async clean(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    for (const kind of ["code", "opt"]) {
      const dir = join(this.root, kind);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (name.endsWith(".meta")) {
          continue;
        }
        const path = join(dir, name);
        const meta = await readFile(`${path}.meta`, "utf8").then(
          (text) => JSON.parse(text) as { bytes: number; layers?: string[] },
          () => undefined,
        );
        if (!meta) {
          // From a lamina before entries had a size (or a crash between rename and meta): rebuild when asked.
          await this.remove(path);
          continue;
        }
        const { mtimeMs } = await stat(path);
        this.entries.set(path, { bytes: meta.bytes, layers: meta.layers, lastUsed: mtimeMs });
      }
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (name.endsWith(".meta") && !this.entries.has(join(dir, name.slice(0, -5)))) {
          await rm(join(dir, name), { force: true });
        }
      }
    }
  }

  /** Whether the tree of this zip is built (an invoke asking for it now waits for nothing); a folder always is. */
  isReady(sha256Hex: string): boolean {
    return folderOf(sha256Hex) !== undefined || this.entries.has(this.codePath(sha256Hex));
  }

  /**
   * Forgets what was learnt of a folder's contents (its paths, the plans and merged trees built with it): it
   * changed. The folder itself is never touched.
   */
  forgetFolder(folder: string): void {
    const key = folderKey(folder);
    this.paths.delete(key);
    for (const list of [...this.plans.keys()]) {
      if (list.split(",").includes(key)) {
        this.plans.delete(list);
        this.mounts.delete(list);
      }
    }
    for (const list of [...this.keys.keys()]) {
      if (list.split(",").includes(key)) {
        this.keys.delete(list);
      }
    }
    for (const [path, entry] of this.entries) {
      if (entry.layers?.includes(key)) {
        void this.remove(path);
      }
    }
  }

  /** Whether `opt(list)` waits for no unpacking or merging (a plan is only computed). */
  isOptReady(layerSha256s: readonly string[]): boolean {
    if (!layerSha256s.every((sha) => this.isReady(sha))) {
      return false;
    }
    return this.opts.mounts === true && this.plans.get(layerSha256s.join(",")) !== null
      ? true
      : this.isMergedReady(layerSha256s);
  }

  /** Whether the merged `/opt` of these layers is built. */
  isMergedReady(layerSha256s: readonly string[]): boolean {
    if (layerSha256s.length === 0) {
      return true;
    }
    const order = this.keys.get(layerSha256s.join(","));
    return order !== undefined && this.entries.has(join(this.root, "opt", hashOf(order)));
  }

  /**
   * The extracted tree of a stored zip (function code or one layer). The zip is checked against its SHA-256 first,
   * so a rotten blob never populates the cache (DamagedBlobError); a tree already built is trusted as it is.
   */
  extracted(sha256Hex: string): Promise<string> {
    const folder = folderOf(sha256Hex);
    if (folder !== undefined) {
      // A folder is its own tree: used where it is, as it is now.
      return isDirectory(folder).then((yes) => {
        if (!yes) {
          throw new FolderGoneError(folder);
        }
        return folder;
      });
    }
    return this.once(this.codePath(sha256Hex), async (tmp) => {
      const started = performance.now();
      const done = await extractZipBuffer(await this.blobs.verifiedBytes(sha256Hex), tmp);
      this.extractions++;
      this.remember(sha256Hex, layerPaths(done.entries));
      const ms = Math.round(performance.now() - started);
      this.opts.log?.debug(
        { sha256: sha256Hex, ms, entries: done.entries.length, bytes: done.bytes },
        "unpacked",
      );
      return { bytes: done.bytes };
    });
  }

  /**
   * How a function with these layers (in its order) sees `/opt`: the sandbox's mounts of the unpacked layers when
   * a few mounts assemble it (`opt-plan.ts`) and the sandbox can mount, else the merged tree on disk.
   */
  async opt(layerSha256s: readonly string[]): Promise<OptView> {
    const trees = await Promise.all(layerSha256s.map((sha) => this.extracted(sha)));
    const steps = this.opts.mounts === true ? await this.plan(layerSha256s) : undefined;
    if (!steps) {
      return { kind: "tree", dir: await this.merged(layerSha256s) };
    }
    const key = layerSha256s.join(",");
    const known = this.mounts.get(key);
    if (known !== undefined) {
      return { kind: "mounts", mounts: known, trees };
    }
    const resolved: OptMount[] = [];
    for (const step of steps) {
      if (step.kind === "dir") {
        resolved.push(step);
        continue;
      }
      const source = join(trees[step.layer] ?? "", step.path);
      // A symlink is recreated, not bound: a bind would follow it on the host, outside the layer.
      const link = step.path === "" ? undefined : await readlink(source).catch(() => undefined);
      resolved.push(
        link === undefined
          ? { kind: "bind", source, path: step.path }
          : { kind: "symlink", target: link, path: step.path },
      );
    }
    if (this.plans.has(key)) {
      this.mounts.set(key, resolved);
    }
    return { kind: "mounts", mounts: resolved, trees };
  }

  /** Whether `opt(list)` will need the merged tree on disk (so it is worth building ahead). */
  async needsMergedTree(layerSha256s: readonly string[]): Promise<boolean> {
    if (this.opts.mounts !== true) {
      return true;
    }
    await Promise.all(layerSha256s.map((sha) => this.extracted(sha)));
    return (await this.plan(layerSha256s)) === undefined;
  }

  private async plan(layerSha256s: readonly string[]): Promise<OptStep[] | undefined> {
    const key = layerSha256s.join(",");
    const known = this.plans.get(key);
    if (known !== undefined) {
      return known ?? undefined;
    }
    const steps = planOpt(await Promise.all(layerSha256s.map((sha) => this.pathsOf(sha))));
    if (this.plans.size >= PLANS_KEPT) {
      this.plans.clear();
      this.mounts.clear();
    }
    this.plans.set(key, steps ?? null);
    return steps;
  }

  /** The merged `/opt` for these layers, in this order; an empty directory for none. */
  async merged(layerSha256s: readonly string[]): Promise<string> {
    const sources = await Promise.all(layerSha256s.map((sha) => this.extracted(sha)));
    const order = await this.canonical(layerSha256s);
    const key = hashOf(order.join(","));
    const bySha = new Map(layerSha256s.map((sha, i) => [sha, sources[i] ?? ""]));
    return this.once(join(this.root, "opt", key), async (tmp) => {
      await mkdir(tmp, { recursive: true });
      for (const sha of order) {
        await overlay(bySha.get(sha) ?? "", tmp);
      }
      return { bytes: 0, layers: order };
    });
  }

  /**
   * Removes every entry nothing references (no function, version or layer version holds its hash or its merged
   * list), except trees live environments run in; then evicts the least recently used to fit `--cache-size`.
   */
  async sweep(refs: CodeReferences): Promise<number> {
    const inUse = this.opts.inUse?.() ?? new Set<string>();
    const liveOpt = await this.liveMergedKeys(refs);
    let removed = 0;
    for (const [path, entry] of [...this.entries]) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      const wanted = entry.layers === undefined ? refs.sha256s.has(name) : liveOpt.has(name);
      if (!wanted && !inUse.has(path) && !this.building.has(path)) {
        await this.remove(path);
        removed++;
      }
    }
    return removed + (await this.evict(inUse));
  }

  /** Bytes of unpacked code and layers the cache holds now. */
  get bytes(): number {
    return [...this.entries.values()].reduce((sum, e) => sum + e.bytes, 0);
  }

  private async evict(inUse: ReadonlySet<string>): Promise<number> {
    const max = this.opts.maxBytes;
    if (max === undefined) {
      return 0;
    }
    let total = this.bytes;
    let evicted = 0;
    const usedLayers = new Set([...inUse].flatMap((path) => this.entries.get(path)?.layers ?? []));
    const candidates = [...this.entries]
      .filter(([path, e]) => e.layers === undefined && !inUse.has(path) && !this.building.has(path))
      .filter(([path]) => !usedLayers.has(path.slice(path.lastIndexOf("/") + 1)))
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [path, entry] of candidates) {
      if (total <= max) {
        break;
      }
      const sha = path.slice(path.lastIndexOf("/") + 1);
      // A merged tree holds its layers' bytes through hardlinks: it goes with the layer, or nothing is freed.
      for (const [optPath, opt] of [...this.entries]) {
        if (opt.layers?.includes(sha)) {
          await this.remove(optPath);
        }
      }
      await this.remove(path);
      total -= entry.bytes;
      evicted++;
      this.opts.log?.debug({ sha256: sha, bytes: entry.bytes }, "evicted from the cache (--cache-size)");
    }
    return evicted;
  }

  /** The keys of the merged trees referenced lists use; only lists whose layers some merged tree holds count. */
  private async liveMergedKeys(refs: CodeReferences): Promise<Set<string>> {
    const held = new Set<string>();
    for (const entry of this.entries.values()) {
      if (entry.layers) {
        held.add([...entry.layers].sort().join(","));
      }
    }
    // The empty `/opt` of functions without layers: they have no layer rows to name it.
    const live = new Set<string>([hashOf("")]);
    for (const list of refs.layerLists) {
      if (held.has([...new Set(list)].sort().join(","))) {
        live.add(hashOf((await this.canonical(list)).join(",")));
      }
    }
    return live;
  }

  /** The canonical order of a list (memoized: the paths of its layers are read once). */
  private async canonical(list: readonly string[]): Promise<string[]> {
    const memo = this.keys.get(list.join(","));
    if (memo !== undefined) {
      return memo === "" ? [] : memo.split(",");
    }
    const unique = [...new Set(list)];
    // Held here: the shared map may be cleared while another list loads its paths.
    const held = new Map<string, LayerPaths>();
    if (unique.length > 1) {
      await Promise.all(unique.map(async (sha) => held.set(sha, await this.pathsOf(sha))));
    }
    const order = canonicalOrder(list, (sha) => held.get(sha) ?? new Map());
    this.keys.set(list.join(","), order.join(","));
    return order;
  }

  /** A layer's paths, from memory, its zip's listing, or (a folder) a walk of it. */
  private async pathsOf(sha256Hex: string): Promise<LayerPaths> {
    const known = this.paths.get(sha256Hex);
    if (known) {
      return known;
    }
    const folder = folderOf(sha256Hex);
    const paths =
      folder !== undefined
        ? layerPaths(listFolder(folder))
        : layerPaths(await listZip(await this.blobs.blobs.localPath(sha256Hex)));
    this.remember(sha256Hex, paths);
    return paths;
  }

  private remember(sha256Hex: string, paths: LayerPaths): void {
    if (this.paths.size >= PATHS_KEPT) {
      this.paths.clear();
    }
    this.paths.set(sha256Hex, paths);
  }

  private codePath(sha256Hex: string): string {
    // A hex digest needs no normalizing: appended to the normalized folder it is what join() would give (every
    // change's code is looked up here, six times for a CreateFunction with five layers).
    return HEX_SHA256.test(sha256Hex) ? `${this.codeDir}/${sha256Hex}` : join(this.codeDir, sha256Hex);
  }

  /** Takes an entry out of its final name at once (an invoke then rebuilds it), then deletes it. */
  private async remove(path: string): Promise<void> {
    this.entries.delete(path);
    const doomed = join(this.tmpDir, randomUUID());
    await rename(path, doomed).catch(() => undefined);
    await rm(`${path}.meta`, { force: true });
    await rm(doomed, { recursive: true, force: true });
  }

  /** Builds `final` once: concurrent callers share the build, and an existing tree is reused. */
  private once(final: string, build: (tmp: string) => Promise<Omit<Entry, "lastUsed">>): Promise<string> {
    const known = this.entries.get(final);
    if (known) {
      known.lastUsed = Date.now();
    }
    const pending = this.building.get(final);
    if (pending) {
      return pending;
    }
    const promise = (async () => {
      if (known && existsSync(final)) {
        return final;
      }
      const tmp = join(this.tmpDir, randomUUID());
      try {
        const entry = await build(tmp);
        await mkdir(join(final, ".."), { recursive: true });
        await rm(final, { recursive: true, force: true });
        // The size first: a tree under its final name without one is removed at the next start.
        await writeFile(`${final}.meta`, JSON.stringify({ bytes: entry.bytes, layers: entry.layers }));
        await rename(tmp, final);
        this.entries.set(final, { ...entry, lastUsed: Date.now() });
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      return final;
    })().finally(() => this.building.delete(final));
    this.building.set(final, promise);
    return promise;
  }
}

/** A folder that code or a layer is served from is not there (deleted after the function was created). */
export class FolderGoneError extends Error {
  constructor(readonly folder: string) {
    super(`folder ${folder} does not exist`);
  }
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hardlinks `source` into `dest`, replacing what is there: the later layer's file wins. */
async function overlay(source: string, dest: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(dest, entry.name);
    const existing = await lstat(to).catch(() => undefined);
    if (entry.isDirectory()) {
      if (existing && !existing.isDirectory()) {
        await unlink(to);
      }
      if (!existing?.isDirectory()) {
        await mkdir(to);
      }
      await overlay(from, to);
      continue;
    }
    if (existing) {
      await rm(to, { recursive: true, force: true });
    }
    if (entry.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else {
      // A folder layer may be on another file system than the cache: then its file is copied.
      await link(from, to).catch((err: NodeJS.ErrnoException) =>
        err.code === "EXDEV" ? copyFile(from, to) : Promise.reject(err),
      );
    }
  }
}
