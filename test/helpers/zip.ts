/** Builds real zip archives in memory for uploads. */
import { createHash } from "node:crypto";
import yazl from "yazl";

/** A zip of the given files (path → content). */
export function makeZip(files: Readonly<Record<string, string | Buffer>>, compress = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [path, content] of Object.entries(files)) {
      zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), path, {
        compress,
        mtime: new Date(0),
      });
    }
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

/** Lambda's CodeSha256 of some bytes: base64 of the raw SHA-256. */
export function codeSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}
