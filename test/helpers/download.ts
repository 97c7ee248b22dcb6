/** Downloads over plain node:http that show what fetch hides: a body cut short before its Content-Length. */
import { get } from "node:http";

/** One download: status, headers, the bytes received, and whether the body arrived whole. */
export interface Download {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bytes: Buffer;
  /** false when the connection closed before Content-Length bytes arrived. */
  readonly complete: boolean;
}

/** GETs `url`; resolves (never rejects) once the response ends or its connection fails. */
export function download(url: string): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const settle = (complete: boolean) => {
        if (!settled) {
          settled = true;
          const bytes = Buffer.concat(chunks);
          const declared = Number(res.headers["content-length"] ?? bytes.length);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes,
            complete: complete && bytes.length === declared,
          });
        }
      };
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => settle(true));
      res.on("error", () => settle(false));
      res.on("close", () => settle(res.complete));
    });
    req.on("error", reject);
  });
}
