/**
 * The directories functions run in: each zip extracted once per CodeSha256 (`cache/code/<sha>`), and one merged
 * `/opt` per ordered list of layers (`cache/opt/<hash of the list>`), built with hardlinks so no byte is copied
 * and shared by every function with the same list. Later layers win, as Lambda merges them
 * (`docs/reference/aws-lambda-execution.md` §A1). Everything is built in a temp directory and renamed
 * into place, so a crash never leaves a half-built tree under its final name.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { BlobIntegrity } from "../storage/integrity.js";
import { extractZip } from "./extract.js";

/** Builds and caches the code and layer trees functions run with. */
export class CodeCache {
  private readonly building = new Map<string, Promise<string>>();
  private readonly tmpDir: string;

  constructor(
    private readonly root: string,
    private readonly blobs: BlobIntegrity,
  ) {
    this.tmpDir = join(root, "tmp");
  }

  /** Removes half-built trees a crash left behind; call before serving. */
  async clean(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /**
   * The extracted tree of a stored zip (function code or one layer). The zip is checked against its SHA-256 first,
   * so a rotten blob never populates the cache (DamagedBlobError); a tree already built is trusted as it is.
   */
  extracted(sha256Hex: string): Promise<string> {
    return this.once(join(this.root, "code", sha256Hex), async (tmp) =>
      extractZip(await this.blobs.verifiedPath(sha256Hex), tmp),
    );
  }

  /** The merged `/opt` for these layers, in this order; an empty directory for none. */
  async merged(layerSha256s: readonly string[]): Promise<string> {
    const key = createHash("sha256").update(layerSha256s.join(",")).digest("hex");
    const sources = await Promise.all(layerSha256s.map((sha) => this.extracted(sha)));
    return this.once(join(this.root, "opt", key), async (tmp) => {
      await mkdir(tmp, { recursive: true });
      for (const source of sources) {
        await overlay(source, tmp);
      }
    });
  }

  /** Builds `final` once: concurrent callers share the build, and an existing tree is reused. */
  private once(final: string, build: (tmp: string) => Promise<void>): Promise<string> {
    const pending = this.building.get(final);
    if (pending) {
      return pending;
    }
    const promise = (async () => {
      if (existsSync(final)) {
        return final;
      }
      const tmp = join(this.tmpDir, randomUUID());
      try {
        await build(tmp);
        await mkdir(join(final, ".."), { recursive: true });
        await rename(tmp, final);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        if (!existsSync(final)) {
          throw err;
        }
      }
      return final;
    })().finally(() => this.building.delete(final));
    this.building.set(final, promise);
    return promise;
  }
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
      await link(from, to);
    }
  }
}
