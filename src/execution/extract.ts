/**
 * Unzips a stored zip into a directory, safely: entry names are checked (no absolute paths, no `..`), file modes
 * keep their executable bits (a custom runtime's `bootstrap` must stay executable), and symbolic links are
 * created only after every regular file, so no write can ever pass through a link out of the directory.
 */
import { createWriteStream } from "node:fs";
import { chmod, mkdir, symlink } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { isSafeEntryName } from "../util/zip.js";

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** A zip entry lamina refuses to extract. */
export class UnsafeZipEntryError extends Error {}

function safeRelative(name: string): string {
  // Uploads were checked already; this guards archives stored before that check existed.
  if (!isSafeEntryName(name)) {
    throw new UnsafeZipEntryError(`unsafe entry name in zip: ${JSON.stringify(name)}`);
  }
  return normalize(name);
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

/** Extracts the zip at `zipFile` into the (new, empty) directory `dest`. */
export async function extractZip(zipFile: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const zip = await openZip(zipFile);
  const links: { path: string; target: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    zip.on("error", fail);
    zip.on("end", () => resolve());
    zip.on("entry", (entry: yauzl.Entry) => {
      void (async () => {
        const relative = safeRelative(entry.fileName);
        const target = join(dest, relative);
        const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
        const kind = unixMode & S_IFMT;
        if (entry.fileName.endsWith("/") || kind === S_IFDIR) {
          await mkdir(target, { recursive: true });
        } else if (kind === S_IFLNK) {
          links.push({ path: target, target: await readAll(await openEntry(zip, entry)) });
        } else {
          await mkdir(dirname(target), { recursive: true });
          await pipeline(await openEntry(zip, entry), createWriteStream(target, { flags: "wx" }));
          // Keep the permission bits the zip recorded (0644 when it recorded none).
          const perms = unixMode & 0o777;
          await chmod(target, perms === 0 ? 0o644 : perms | 0o400);
        }
        zip.readEntry();
      })().catch(fail);
    });
    zip.readEntry();
  });
  for (const link of links) {
    await mkdir(dirname(link.path), { recursive: true });
    await symlink(link.target, link.path);
  }
}
