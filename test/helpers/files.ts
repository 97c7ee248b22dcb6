/** Looking at a data dir from outside: which files exist, and whether blobs are named by their content. */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";

/**
 * Every non-directory entry under `root` (files and symlinks), as paths relative to it with `/` separators, sorted.
 * Top-level names in `skip` (e.g. `cache`) are not entered.
 */
export function listFiles(root: string, skip: readonly string[] = []): string[] {
  if (!existsSync(root)) {
    return [];
  }
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (rel === "" && skip.includes(entry.name)) {
        continue;
      }
      const full = join(dir, entry.name);
      if (entry.isDirectory() && !lstatSync(full).isSymbolicLink()) {
        walk(full, relPath);
      } else {
        out.push(relPath.split(sep).join("/"));
      }
    }
  };
  walk(root, "");
  return out.sort();
}

/** The blob files of a data dir (`blobs/<aa>/<sha256 hex>`), without the temp directory. */
export function blobFiles(dataDir: string): string[] {
  return listFiles(join(dataDir, "blobs"), ["tmp"]);
}

/** Blob files whose name is not the SHA-256 of their bytes, or that sit in the wrong shard directory. */
export function misnamedBlobs(dataDir: string): string[] {
  return blobFiles(dataDir).filter((rel) => {
    const [shard, name] = rel.split("/");
    if (
      shard === undefined ||
      name === undefined ||
      !/^[0-9a-f]{64}$/.test(name) ||
      !name.startsWith(shard)
    ) {
      return true;
    }
    const digest = createHash("sha256")
      .update(readFileSync(join(dataDir, "blobs", rel)))
      .digest("hex");
    return digest !== name;
  });
}
