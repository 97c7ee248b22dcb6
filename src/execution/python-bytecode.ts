/**
 * Bytecode for lamina's Python runtime client. Its folder is mounted read-only at `/var/runtime` and the runtime
 * writes no bytecode, so without this every cold start would compile the client's modules again: about 11 ms of
 * a Python cold start on a 2-core machine. Once per interpreter (per lamina process), the folder is copied into
 * the cache, keyed by its content, and the interpreter compiles it there (`compileall`, which also skips what is
 * up to date from an earlier run); environments mount that copy from then on. Until the first compile has
 * finished, and if it fails, they mount the shipped folder: nothing waits for it.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cp, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";

const execFileAsync = promisify(execFile);

/** Compiles one folder's modules; exits 1 when one does not compile. Python 3.6 has these arguments too. */
const COMPILE =
  "import compileall, sys; sys.exit(0 if compileall.compile_dir(sys.argv[1], maxlevels=0, quiet=1) else 1)";

/** The runtime client folder to mount for each interpreter, compiled in the background on first use. */
export class PythonBytecode {
  private readonly compiled = new Map<string, string>();
  private readonly compiles = new Map<string, Promise<void>>();
  private copy: Promise<string> | undefined;
  /** Stops running compiles at close: one still writing into the data dir would race whoever removes it next. */
  private readonly stop = new AbortController();

  /** `source`: the shipped runtime client folder; `cacheDir`: where compiled copies live (`<data>/cache/runtime`). */
  constructor(
    private readonly source: string,
    private readonly cacheDir: string,
    private readonly log: Logger,
  ) {}

  /** The folder to mount for `python` (an interpreter's executable): the compiled copy once it is ready. */
  folderFor(python: string): string {
    const compiled = this.compiled.get(python);
    if (compiled !== undefined) {
      return compiled;
    }
    if (!this.compiles.has(python) && !this.stop.signal.aborted) {
      this.compiles.set(python, this.compile(python));
    }
    return this.source;
  }

  private async compile(python: string): Promise<void> {
    try {
      const dir = await (this.copy ??= this.copyOfSource());
      await execFileAsync(python, ["-s", "-S", "-c", COMPILE, dir], {
        timeout: 60_000,
        signal: this.stop.signal,
      });
      this.compiled.set(python, dir);
      this.log.debug({ python, dir }, "compiled the Python runtime client");
    } catch (err) {
      if (!this.stop.signal.aborted) {
        this.log.warn({ err, python }, "could not compile the Python runtime client; it runs from source");
      }
    }
  }

  /** Stops the compiles still running and waits for them to end (an unfinished copy is recompiled next start). */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.compiles.values());
  }

  /** The cache's copy of the source folder, named by its content so that another lamina's copy is never used. */
  private async copyOfSource(): Promise<string> {
    const names = (await readdir(this.source)).filter((n) => n.endsWith(".py")).sort();
    const hash = createHash("sha256");
    for (const name of names) {
      hash.update(`${name}\0`).update(await readFile(join(this.source, name)));
    }
    const name = `python-${hash.digest("hex").slice(0, 16)}`;
    const dir = join(this.cacheDir, name);
    const existing = await readdir(this.cacheDir).catch(() => [] as string[]);
    if (existing.includes(name)) {
      return dir;
    }
    // Copied whole under a temporary name, then renamed: a copy that is there is complete.
    const tmp = join(this.cacheDir, `.tmp-${randomBytes(6).toString("hex")}`);
    await cp(this.source, tmp, { recursive: true, filter: (from) => !from.includes("__pycache__") });
    try {
      await rename(tmp, dir);
    } catch {
      await rm(tmp, { recursive: true, force: true }); // another process made it first
    }
    // Copies for older versions of the client are of no use now.
    for (const old of existing.filter((n) => n !== name)) {
      await rm(join(this.cacheDir, old), { recursive: true, force: true });
    }
    return dir;
  }
}
