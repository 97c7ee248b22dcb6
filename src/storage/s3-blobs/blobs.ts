/**
 * The S3 BlobStore: zips as objects `<prefix>/<sha256 hex>` in a bucket several lamina processes share, and a
 * local per-process cache (`localPath`) that execution extracts from, filled from the bucket by SHA-256.
 *
 * Uploads happen outside the transaction that references them while another process may be collecting the same
 * hash. With PostgreSQL, `CodeStore` takes a database hold before `put` and deletes only through the database's
 * `whenUnused` check, so no process deletes bytes another is about to reference; this store just does as told.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, readdirSync, rmSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { BlobStore } from "../types.js";

/** Where the bucket is and how to reach it. */
export interface S3BlobOptions {
  /** `s3://<bucket>/<prefix>` */
  readonly url: string;
  /** The S3 API endpoint; undefined for AWS's own. */
  readonly endpoint?: string | undefined;
  /** This process's local cache of downloaded blobs. */
  readonly cacheDir: string;
}

/** Splits `s3://bucket/some/prefix/` into the bucket and `some/prefix` (no slashes at either end). */
export function parseBucketUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m?.[1]) {
    throw new Error(`not a bucket URL: ${url} (s3://<bucket>/<prefix>)`);
  }
  return { bucket: m[1], prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

/** Stores zip bytes by their SHA-256 in an S3 bucket. */
export class S3BlobStore implements BlobStore {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly cacheDir: string;
  private readonly tmpDir: string;
  /** Downloads in progress, so concurrent cold starts of one blob fetch it once. */
  private readonly downloading = new Map<string, Promise<string>>();

  constructor(options: S3BlobOptions) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseBucketUrl(options.url));
    this.s3 = new S3Client({
      endpoint: options.endpoint,
      // Custom endpoints (MinIO, moto, Ceph) rarely serve virtual-hosted bucket names.
      forcePathStyle: options.endpoint !== undefined,
      // The SHA-256 is sent by hand (ChecksumSHA256); no second checksum the other servers may not know.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.cacheDir = options.cacheDir;
    this.tmpDir = join(options.cacheDir, "tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  private key(sha256Hex: string): string {
    return this.prefix === "" ? sha256Hex : `${this.prefix}/${sha256Hex}`;
  }

  private cached(sha256Hex: string): string {
    return join(this.cacheDir, sha256Hex.slice(0, 2), sha256Hex);
  }

  /** Uploads the bytes (unless they are there), with their SHA-256 for the server to check. */
  async put(sha256Hex: string, bytes: Uint8Array): Promise<void> {
    if ((await this.head(sha256Hex)) !== undefined) {
      return;
    }
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(sha256Hex),
        Body: bytes,
        ContentType: "application/zip",
        // Servers that know the header refuse bytes that do not match; the PUT only succeeds once they are stored.
        ChecksumSHA256: Buffer.from(sha256Hex, "hex").toString("base64"),
      }),
    );
  }

  /** A stream of the object's bytes; the request starts at once and its failure fails the stream. */
  open(sha256Hex: string): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    this.s3
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(sha256Hex) }))
      .then((res) => {
        const body = res.Body as Readable | undefined;
        if (!body) {
          throw new Error(`object ${this.key(sha256Hex)} has no body`);
        }
        body.on("error", (err) => out.destroy(err));
        body.pipe(out);
      })
      .catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
    return out;
  }

  /** The object's size, or undefined when it is not in the bucket. */
  async size(sha256Hex: string): Promise<number | undefined> {
    return (await this.head(sha256Hex))?.size;
  }

  /** Removes the object and this process's cached copy (unlinked before the first await, as the local store). */
  async delete(sha256Hex: string): Promise<void> {
    rmSync(this.cached(sha256Hex), { force: true });
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha256Hex) }));
  }

  /** The blob in this process's cache, downloaded once (BlobIntegrity checks its SHA-256 before extraction). */
  localPath(sha256Hex: string): Promise<string> {
    const file = this.cached(sha256Hex);
    let pending = this.downloading.get(sha256Hex);
    if (!pending) {
      pending = this.download(sha256Hex, file).finally(() => this.downloading.delete(sha256Hex));
      this.downloading.set(sha256Hex, pending);
    }
    return pending;
  }

  private async download(sha256Hex: string, file: string): Promise<string> {
    if (await exists(file)) {
      return file;
    }
    const tmp = join(this.tmpDir, randomUUID());
    try {
      await pipeline(this.open(sha256Hex), createWriteStream(tmp));
      mkdirSync(join(this.cacheDir, sha256Hex.slice(0, 2)), { recursive: true });
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return file;
  }

  /**
   * Start-up clean-up: the local cache's temp files and the cached blobs nobody references, and every object in
   * the bucket `isReferenced` rejects, each through `guard` when the bucket is shared (another process may be
   * uploading it right now).
   */
  async sweep(
    isReferenced: (sha256Hex: string) => boolean,
    guard: (sha256Hex: string, remove: () => Promise<void>) => Promise<boolean> = async (_sha, remove) => {
      await remove();
      return true;
    },
  ): Promise<{ tempFiles: number; orphans: number }> {
    let tempFiles = 0;
    for (const name of readdirSync(this.tmpDir)) {
      rmSync(join(this.tmpDir, name), { force: true });
      tempFiles++;
    }
    for (const shard of readdirSync(this.cacheDir).filter((s) => s !== "tmp")) {
      for (const name of readdirSync(join(this.cacheDir, shard)).filter((n) => !isReferenced(n))) {
        rmSync(join(this.cacheDir, shard, name), { force: true });
      }
    }
    let orphans = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix === "" ? undefined : `${this.prefix}/`,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const sha = object.Key?.slice(this.prefix === "" ? 0 : this.prefix.length + 1) ?? "";
        if (/^[0-9a-f]{64}$/.test(sha) && !isReferenced(sha) && (await guard(sha, () => this.delete(sha)))) {
          orphans++;
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return { tempFiles, orphans };
  }

  /** Whether the bucket answers now (the health check); throws with S3's reason otherwise. */
  async ping(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // HEAD answers carry no body, so the SDK's own message for a missing bucket is a bare "UnknownError".
      if (statusOf(err) === 404) {
        throw new Error(`bucket ${this.bucket} does not exist`);
      }
      throw err;
    }
  }

  /** Ends the client's connections. */
  close(): void {
    this.s3.destroy();
  }

  private async head(sha256Hex: string): Promise<{ size: number; lastModified: number } | undefined> {
    try {
      const res = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256Hex) }),
      );
      return { size: res.ContentLength ?? 0, lastModified: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (statusOf(err) === 404) {
        return undefined;
      }
      throw err;
    }
  }
}

/** The HTTP status of a failed S3 call, if it got an answer. */
function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
