/**
 * Code and layers served from host folders (the development loop, `docs/reference/aws-deploy-api.md` §14). Where
 * stored code is named by the hex SHA-256 of its zip, folder code is named by a key holding the folder's absolute
 * path: the same columns, reference counts and snapshots carry it, and every place that would read a zip asks
 * `folderOf` first. A folder has no bytes of lamina's, so nothing is copied, hashed or collected.
 */

import { lstatSync, readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { ZipEntryInfo } from "./zip-list.js";

const PREFIX = "folder:";

/** The key that stands for a host folder (an absolute, normalized path) where a zip's SHA-256 would be. */
export function folderKey(absolutePath: string): string {
  return `${PREFIX}${absolutePath}`;
}

/** The folder a code key names, or undefined for a zip's SHA-256. */
export function folderOf(key: string): string | undefined {
  return key.startsWith(PREFIX) ? key.slice(PREFIX.length) : undefined;
}

/** `CodeSha256` of folder code: no zip, no hash (the value LocalStack's hot reloading answers, §14). */
export const FOLDER_CODE_SHA256 = "hot-reloading-hash-not-available";

/** Entries of a folder listed at most (a development folder, not a package cache). */
const MAX_LISTED = 200_000;

/**
 * A folder's entries as a zip's listing gives them (paths with `/`, parents before children; symlinks not
 * followed): what the explorer lists and what `/opt` is planned from.
 */
export function listFolder(root: string): ZipEntryInfo[] {
  const out: ZipEntryInfo[] = [];
  const pending = [""];
  while (pending.length > 0 && out.length < MAX_LISTED) {
    const dir = pending.shift() ?? "";
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      continue; // gone, or not readable: listed as far as it can be
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        out.push({ path, size: 0, kind: "directory" });
        pending.push(path);
      } else {
        const size = entry.isFile() ? (lstatSync(join(root, path), { throwIfNoEntry: false })?.size ?? 0) : 0;
        out.push({ path, size, kind: entry.isSymbolicLink() ? "link" : "file" });
      }
    }
  }
  return out;
}
