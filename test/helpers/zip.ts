/** Builds real zip archives in memory for uploads. */
import { createHash } from "node:crypto";
import yazl from "yazl";

/**
 * A zip of the given files (path → content). `modes` gives some files unix permission bits (e.g. `0o755` for an
 * executable `bootstrap`); the others get yazl's default `0o664`.
 */
export function makeZip(
  files: Readonly<Record<string, string | Buffer>>,
  compress = true,
  modes: Readonly<Record<string, number>> = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [path, content] of Object.entries(files)) {
      const mode = modes[path];
      zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), path, {
        compress,
        mtime: new Date(0),
        ...(mode !== undefined && { mode: 0o100000 | mode }),
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
