/**
 * Reads a zip through, entry by entry, to check it is an archive Lambda would accept and lamina can extract
 * safely, and to learn its unzipped size. Unsafe archives (absolute or `..` entry names, links leading out of the
 * archive, more entries than a classic zip holds) are refused as unreadable, before anything is stored.
 */
import { dirname, normalize, posix } from "node:path";
import yauzl from "yauzl";

/** What lamina needs to know of an uploaded zip. */
export interface ZipSummary {
  readonly entries: number;
  /** Sum of the entries' uncompressed sizes, as Lambda's 250 MB limit counts them. */
  readonly unzippedSize: number;
}

/** At most this many entries (the limit of a zip without zip64 extensions). */
export const MAX_ZIP_ENTRIES = 65_535;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** An archive lamina will not accept. */
export class UnsafeZipError extends Error {}

/** An archive whose declared unzipped size passes the limit (found before anything is inflated). */
export class ZipTooLargeError extends Error {}

/** Whether an entry name stays inside the extraction directory. */
export function isSafeEntryName(name: string): boolean {
  if (name.includes("\0") || name.startsWith("/") || name.includes("\\") || /^[a-zA-Z]:/.test(name)) {
    return false;
  }
  return !normalize(name).split("/").includes("..");
}

/** Whether a link at `name` pointing to `target` stays inside the archive. */
function isSafeLink(name: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\0")) {
    return false;
  }
  return !posix
    .normalize(posix.join(dirname(name), target))
    .split("/")
    .includes("..");
}

/**
 * Inflates an entry into nothing: yauzl checks the bytes against the sizes the headers declare, so an archive
 * whose headers lie (a zip bomb declaring 1 KB) fails here, at upload, without anything being written.
 */
function drain(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      stream.on("data", () => undefined);
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
  });
}

function readLink(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      stream.on("error", reject);
    });
  });
}

/**
 * Reads the zip; rejects when the bytes are not a readable, safe zip, or (ZipTooLargeError) as soon as the sizes
 * its headers declare pass `maxUnzippedSize`.
 */
export function summarizeZip(bytes: Buffer, maxUnzippedSize: number): Promise<ZipSummary> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err) {
        reject(err);
        return;
      }
      if (zip.entryCount > MAX_ZIP_ENTRIES) {
        zip.close();
        reject(new UnsafeZipError(`more than ${MAX_ZIP_ENTRIES} entries`));
        return;
      }
      let entries = 0;
      let unzippedSize = 0;
      zip.on("error", reject);
      zip.on("entry", (entry: yauzl.Entry) => {
        void (async () => {
          if (!isSafeEntryName(entry.fileName)) {
            throw new UnsafeZipError(`unsafe entry name ${JSON.stringify(entry.fileName)}`);
          }
          unzippedSize += entry.uncompressedSize;
          if (unzippedSize > maxUnzippedSize) {
            throw new ZipTooLargeError(`more than ${maxUnzippedSize} bytes unzipped`);
          }
          if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
            const target = await readLink(zip, entry);
            if (!isSafeLink(entry.fileName, target)) {
              throw new UnsafeZipError(`link ${entry.fileName} leads out of the archive`);
            }
          } else if (!entry.fileName.endsWith("/")) {
            await drain(zip, entry);
          }
          entries++;
          zip.readEntry();
        })().catch((e: unknown) => {
          zip.close();
          reject(e instanceof Error ? e : new Error(String(e)));
        });
      });
      zip.on("end", () => resolve({ entries, unzippedSize }));
      zip.readEntry();
    });
  });
}
