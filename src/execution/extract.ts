/**
 * Unzips a stored zip into a directory, safely and fast. Entry names are checked (no absolute paths, no `..`),
 * file modes keep their executable bits (a custom runtime's `bootstrap` must stay executable), and symbolic links
 * are created only after every regular file, so no write can ever pass through a link out of the directory.
 *
 * Speed (the cache is rebuildable, so nothing here is fsynced): the zip is read into memory once (the caller has
 * just hashed those bytes anyway), yauzl only reads the central directory, each directory is created once, parents
 * first, and each file is written whole with one `open(wx, mode)` + write + close, several at a time so the thread
 * pool overlaps inflating and writing. Only entries too big to hold in memory at once are streamed.
 */
import { chmodSync, createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createInflateRaw, inflateRaw, inflateRawSync } from "node:zlib";
import { promisify } from "node:util";
import yauzl from "yauzl";
import { isSafeEntryName } from "../util/zip.js";

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const LOCAL_HEADER = 0x04034b50;
/** Files written at once: enough to keep libuv's four threads busy while inflating on the main one. */
const CONCURRENCY = 16;
/** Entries below this are inflated on the main thread: a hop to the thread pool costs more than they do. */
const SYNC_INFLATE_BYTES = 64 * 1024;
/** Entries above this are streamed to disk rather than inflated whole into memory. */
const STREAM_BYTES = 16 * 1024 * 1024;
const inflateRawAsync = promisify(inflateRaw);

/** A zip entry lamina refuses to extract. */
export class UnsafeZipEntryError extends Error {}

/** The process's umask, read once: a mode it would strip needs a chmod after the open. */
const UMASK = (() => {
  try {
    const match = /^Umask:\s*([0-7]+)/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match?.[1] === undefined ? 0o022 : parseInt(match[1], 8);
  } catch {
    return 0o022;
  }
})();

function safeRelative(name: string): string {
  // Uploads were checked already; this guards archives stored before that check existed.
  if (!isSafeEntryName(name)) {
    throw new UnsafeZipEntryError(`unsafe entry name in zip: ${JSON.stringify(name)}`);
  }
  return normalize(name);
}

/** Every entry of the zip, from its central directory only. */
function entriesOf(zip: Buffer): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, file) => {
      if (err) {
        reject(err);
        return;
      }
      const out: yauzl.Entry[] = [];
      file.on("error", reject);
      file.on("entry", (entry: yauzl.Entry) => {
        out.push(entry);
        file.readEntry();
      });
      file.on("end", () => resolve(out));
      file.readEntry();
    });
  });
}

/** The entry's stored (maybe compressed) bytes, found through its local header. */
function rawBytes(zip: Buffer, entry: yauzl.Entry): Buffer {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_HEADER) {
    throw new Error(`zip entry ${JSON.stringify(entry.fileName)}: bad local header`);
  }
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) {
    throw new Error(`zip entry ${JSON.stringify(entry.fileName)}: data runs past the end of the archive`);
  }
  return zip.subarray(start, end);
}

/** The entry's uncompressed bytes, checked against the size the central directory declares. */
async function contentOf(zip: Buffer, entry: yauzl.Entry): Promise<Buffer> {
  if ((entry.generalPurposeBitFlag & 1) !== 0) {
    throw new Error(`zip entry ${JSON.stringify(entry.fileName)} is encrypted`);
  }
  const raw = rawBytes(zip, entry);
  let data: Buffer;
  if (entry.compressionMethod === 0) {
    data = raw;
  } else if (entry.compressionMethod === 8) {
    data = entry.uncompressedSize < SYNC_INFLATE_BYTES ? inflateRawSync(raw) : await inflateRawAsync(raw);
  } else {
    throw new Error(
      `zip entry ${JSON.stringify(entry.fileName)}: compression method ${entry.compressionMethod}`,
    );
  }
  if (data.length !== entry.uncompressedSize) {
    throw new Error(`zip entry ${JSON.stringify(entry.fileName)}: size does not match the central directory`);
  }
  return data;
}

/** The mode a file gets: the zip's permission bits (0644 when it recorded none), always owner-readable. */
function fileMode(unixMode: number): number {
  const perms = unixMode & 0o777;
  return perms === 0 ? 0o644 : perms | 0o400;
}

/** Small files are written synchronously: three syscalls, no thread-pool hops, no promise per step. */
function writeSmall(zip: Buffer, entry: yauzl.Entry, target: string, mode: number): boolean {
  if (entry.uncompressedSize >= SYNC_INFLATE_BYTES || (entry.generalPurposeBitFlag & 1) !== 0) {
    return false;
  }
  const raw = rawBytes(zip, entry);
  const data =
    entry.compressionMethod === 8 ? inflateRawSync(raw) : entry.compressionMethod === 0 ? raw : undefined;
  if (data === undefined) {
    return false;
  }
  if (data.length !== entry.uncompressedSize) {
    throw new Error(`zip entry ${JSON.stringify(entry.fileName)}: size does not match the central directory`);
  }
  writeFileSync(target, data, { flag: "wx", mode });
  if ((mode & UMASK) !== 0) {
    chmodSync(target, mode);
  }
  return true;
}

/** How long synchronous writing may hold the event loop before it lets requests through. */
const SLICE_MS = 8;

async function writeEntry(zip: Buffer, entry: yauzl.Entry, target: string, mode: number): Promise<void> {
  if (entry.uncompressedSize > STREAM_BYTES && entry.compressionMethod === 8) {
    const raw = rawBytes(zip, entry);
    await pipeline(
      Readable.from([raw]),
      createInflateRaw(),
      createWriteStream(target, { flags: "wx", mode }),
    );
  } else {
    await writeFile(target, await contentOf(zip, entry), { flag: "wx", mode });
  }
  if ((mode & UMASK) !== 0) {
    // open() applied the umask; the zip's bits are what the function expects to see.
    await chmod(target, mode);
  }
}

/** Runs `work` over `items`, `limit` at a time; the first failure stops handing out more. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What an extraction wrote: each entry's path (no trailing slash) and kind, and the bytes of its files. */
export interface Extracted {
  readonly entries: { path: string; kind: "file" | "directory" | "link" }[];
  readonly bytes: number;
}

/** Extracts the zip at `zipFile` into the (new, empty) directory `dest`. */
export async function extractZip(zipFile: string, dest: string): Promise<Extracted> {
  return extractZipBuffer(await readFile(zipFile), dest);
}

/** Extracts a zip held in memory into the (new, empty) directory `dest`. */
export async function extractZipBuffer(zip: Buffer, dest: string): Promise<Extracted> {
  const entries = await entriesOf(zip);
  const dirs = new Set<string>([""]);
  const files: { entry: yauzl.Entry; target: string; mode: number }[] = [];
  const links: { entry: yauzl.Entry; path: string }[] = [];
  const listed: Extracted["entries"] = [];
  let bytes = 0;
  const addDir = (relative: string) => {
    for (let d = relative; d !== "." && d !== "" && !dirs.has(d); d = dirname(d)) {
      dirs.add(d);
    }
  };
  for (const entry of entries) {
    const relative = safeRelative(entry.fileName);
    const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
    const kind = unixMode & S_IFMT;
    if (entry.fileName.endsWith("/") || kind === S_IFDIR) {
      addDir(relative.replace(/\/$/, ""));
      listed.push({ path: relative.replace(/\/$/, ""), kind: "directory" });
    } else {
      addDir(dirname(relative));
      const target = join(dest, relative);
      bytes += entry.uncompressedSize;
      if (kind === S_IFLNK) {
        links.push({ entry, path: target });
        listed.push({ path: relative, kind: "link" });
      } else {
        files.push({ entry, target, mode: fileMode(unixMode) });
        listed.push({ path: relative, kind: "file" });
      }
    }
  }
  // Parents before children: one mkdir per directory, each level at once.
  const byDepth = new Map<number, string[]>();
  for (const d of dirs) {
    const depth = d === "" ? 0 : d.split("/").length;
    const level = byDepth.get(depth);
    if (level) {
      level.push(d);
    } else {
      byDepth.set(depth, [d]);
    }
  }
  await mkdir(dest, { recursive: true });
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b).filter((n) => n > 0)) {
    await eachLimited(byDepth.get(depth) ?? [], CONCURRENCY, (d) =>
      mkdir(join(dest, d)).then(() => undefined),
    );
  }
  const large: typeof files = [];
  let slice = performance.now();
  for (const f of files) {
    if (!writeSmall(zip, f.entry, f.target, f.mode)) {
      large.push(f);
    }
    if (performance.now() - slice > SLICE_MS) {
      // Unpacking runs in the background of a serving lamina: let other work in between slices.
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
  await eachLimited(large, CONCURRENCY, (f) => writeEntry(zip, f.entry, f.target, f.mode));
  for (const link of links) {
    await symlink((await contentOf(zip, link.entry)).toString("utf8"), link.path);
  }
  return { entries: listed, bytes };
}
