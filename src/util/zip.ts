/** Reads a zip's central directory to check it is a zip Lambda would accept, and to learn its unzipped size. */
import yauzl from "yauzl";

/** What lamina needs to know of an uploaded zip. */
export interface ZipSummary {
  readonly entries: number;
  /** Sum of the entries' uncompressed sizes, as Lambda's 250 MB limit counts them. */
  readonly unzippedSize: number;
}

/** Reads the zip's directory; rejects when the bytes are not a readable zip. */
export function summarizeZip(bytes: Buffer): Promise<ZipSummary> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err) {
        reject(err);
        return;
      }
      let entries = 0;
      let unzippedSize = 0;
      zip.on("error", reject);
      zip.on("entry", (entry: yauzl.Entry) => {
        entries++;
        unzippedSize += entry.uncompressedSize;
        zip.readEntry();
      });
      zip.on("end", () => resolve({ entries, unzippedSize }));
      zip.readEntry();
    });
  });
}
