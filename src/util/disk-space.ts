/**
 * Disk space, as lamina meets it. A full disk must never stop lamina from answering, nor from deleting (the way to
 * make room), so uploads are refused while the data dir's file system is below `--min-free-space`: what is left is
 * for the small writes deletes, grants and SQLite's WAL need. When the disk fills anyway (another program wrote to
 * it), requests get an AWS-shaped 500 that says so.
 */
import { statfs } from "node:fs/promises";

/** What a request that failed on a full disk answers (500 ServiceException). lamina's own text. */
export const DISK_FULL_MESSAGE =
  "lamina could not store the change: the disk holding its data dir is full. Nothing was changed. " +
  "Delete layer versions or functions, or free space on the disk, then try again.";

/** Bytes free for an unprivileged writer on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Whether an error is the disk (or SQLite's file) being full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL";
}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `64MiB`, `100 MB`, `1gb` or plain bytes → bytes; undefined when it is none of these. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? "").toLowerCase()];
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : undefined;
}

/** Bytes for people: `12.3 MB`. */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
