/**
 * Code and layers served from host folders (the development loop, `docs/reference/aws-deploy-api.md` §14). Where
 * stored code is named by the hex SHA-256 of its zip, folder code is named by a key holding the folder's absolute
 * path: the same columns, reference counts and snapshots carry it, and every place that would read a zip asks
 * `folderOf` first. A folder has no bytes of lamina's, so nothing is copied, hashed or collected.
 */

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
