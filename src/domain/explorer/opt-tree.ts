/**
 * The merged `/opt` a function sees, listed from its layers' zips in snapshot order: a later layer's entry
 * replaces an earlier one at the same path, as `execution/filesystem.ts` merges the extracted trees. Reading the
 * zips' directories (not the cache) answers for functions that never ran and costs no extraction.
 */
import type { BlobStore, FunctionLayer } from "../../storage/types.js";
import { folderOf, listFolder } from "../../util/code-folder.js";
import { listZip } from "../../util/zip-list.js";
import type { OptFile, OptTree } from "./views.js";

export type { OptFile, OptTree };

/** Lists the merged `/opt` of a layer snapshot. */
export async function mergedOpt(blobs: BlobStore, layers: readonly FunctionLayer[]): Promise<OptTree> {
  const byPath = new Map<string, OptFile>();
  for (const layer of layers) {
    const folder = folderOf(layer.sha256Hex);
    const entries =
      folder === undefined ? await listZip(await blobs.localPath(layer.sha256Hex)) : listFolder(folder);
    for (const e of entries) {
      if (e.kind === "directory") {
        dropFileAt(byPath, e.path);
        continue;
      }
      // A file replaces whatever was there, a directory's whole subtree included, and any file on its way.
      for (const key of [...byPath.keys()]) {
        if (key.startsWith(`${e.path}/`)) {
          byPath.delete(key);
        }
      }
      dropFileAt(byPath, e.path.split("/").slice(0, -1).join("/"));
      byPath.set(e.path, { path: e.path, size: e.size, kind: e.kind, layerArn: layer.arn });
    }
  }
  const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, fileCount: files.length, totalSize: files.reduce((n, f) => n + f.size, 0) };
}

/** A directory at `dir` (or below it) replaces files standing at `dir` or any of its parents. */
function dropFileAt(byPath: Map<string, OptFile>, dir: string): void {
  const parts = dir.split("/");
  for (let i = 1; i <= parts.length; i++) {
    byPath.delete(parts.slice(0, i).join("/"));
  }
}
