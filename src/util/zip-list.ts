/** Lists a stored zip's entries (names and sizes) from its central directory, without inflating anything. */
import yauzl from "yauzl";

/** One entry of a zip. */
export interface ZipEntryInfo {
  /** The entry's path, without a trailing `/` for directories. */
  readonly path: string;
  readonly size: number;
  readonly kind: "file" | "directory" | "link";
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Every entry of the zip at `file`, in archive order. */
export function listZip(file: string): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) {
        reject(err);
        return;
      }
      const out: ZipEntryInfo[] = [];
      zip.on("error", reject);
      zip.on("entry", (entry: yauzl.Entry) => {
        const dir = entry.fileName.endsWith("/");
        const link = ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
        out.push({
          path: dir ? entry.fileName.slice(0, -1) : entry.fileName,
          size: dir ? 0 : entry.uncompressedSize,
          kind: dir ? "directory" : link ? "link" : "file",
        });
        zip.readEntry();
      });
      zip.on("end", () => resolve(out));
      zip.readEntry();
    });
  });
}
