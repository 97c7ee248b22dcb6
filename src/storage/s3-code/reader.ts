/**
 * Reads the objects CreateFunction, UpdateFunctionCode and PublishLayerVersion name by `S3Bucket`/`S3Key`
 * (`docs/reference/aws-deploy-api.md` §13) from an S3-compatible endpoint: AWS's own for the caller's region, or
 * `--s3-endpoint` (moto, MinIO, Ceph). Signed with the credentials handed in (the caller's, when lamina knows its
 * secret), else with the standard AWS credential chain of the lamina process, else, when that chain has none,
 * unsigned (public buckets, moto). The S3 client is imported on first use: a lamina that never reads code from S3
 * does not pay for loading it at start-up.
 */
import type { Readable } from "node:stream";
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";

/** An object to read. */
export interface S3ObjectAddress {
  readonly bucket: string;
  readonly key: string;
  /** The S3 `versionId` (Lambda's `S3ObjectVersion`). */
  readonly versionId?: string | undefined;
  /** The region the bucket is asked in (Lambda reads from its own region). */
  readonly region: string;
}

/** Credentials to sign the GetObject with. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** S3 answered with an error: its code and message, as Lambda wraps them. */
export class S3ObjectError extends Error {
  constructor(
    readonly s3Code: string,
    readonly s3Message: string,
    readonly status: number | undefined,
  ) {
    super(`S3 ${s3Code}: ${s3Message}`);
  }
}

/** The endpoint did not answer (refused, unresolvable, or silent past the time-outs). */
export class S3UnreachableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: string,
  ) {
    super(`S3 endpoint ${endpoint} unreachable: ${reason}`);
  }
}

/** The object is larger than the caller allows (read no further). */
export class S3ObjectTooLargeError extends Error {}

/** How long a connection may take to open, and an answer may stay silent, before the endpoint counts as down. */
const CONNECTION_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 30_000;
/** How long "the chain has no credentials" is believed before the chain is asked again. */
const NO_CREDENTIALS_TTL_MS = 60_000;

/** Reads code objects from S3. */
export class S3ObjectReader {
  /** Clients signing with the process's chain (or unsigned), by region. */
  private readonly shared = new Map<string, S3Client>();
  /** When the chain last had nothing (0: not known to be empty). */
  private chainEmptySince = 0;
  private sdk: Promise<typeof S3Sdk> | undefined;

  constructor(
    /** The S3 API endpoint; undefined for AWS's own. */
    private readonly endpoint: string | undefined,
  ) {}

  /** The endpoint's name for messages. */
  get endpointName(): string {
    return this.endpoint ?? "AWS S3";
  }

  private load(): Promise<typeof S3Sdk> {
    this.sdk ??= import("@aws-sdk/client-s3");
    return this.sdk;
  }

  /** A client for `region`; `owned` ones are the caller's to destroy after the request. */
  private async client(
    region: string,
    credentials: S3Credentials | undefined,
  ): Promise<{ client: S3Client; owned: boolean }> {
    const { S3Client } = await this.load();
    const make = (auth: Partial<ConstructorParameters<typeof S3Client>[0]>) =>
      new S3Client({
        region,
        endpoint: this.endpoint,
        // Custom endpoints (MinIO, moto, Ceph) rarely serve virtual-hosted bucket names.
        forcePathStyle: this.endpoint !== undefined,
        maxAttempts: 2,
        requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS },
        responseChecksumValidation: "WHEN_REQUIRED",
        ...auth,
      });
    if (credentials) {
      return { client: make({ credentials }), owned: true };
    }
    const cached = this.shared.get(region);
    if (cached) {
      return { client: cached, owned: false };
    }
    if (Date.now() - this.chainEmptySince >= NO_CREDENTIALS_TTL_MS) {
      const chained = make({});
      if (await hasCredentials(chained)) {
        this.shared.set(region, chained);
        return { client: chained, owned: false };
      }
      chained.destroy();
      this.chainEmptySince = Date.now();
    }
    // No credentials anywhere: the request goes unsigned, as the AWS CLI's --no-sign-request sends it.
    // The SDK resolves an identity before signing, so it gets an empty one that the no-op signer never uses.
    const unsigned = make({
      credentials: { accessKeyId: "", secretAccessKey: "" },
      signer: { sign: (request) => Promise.resolve(request) },
    });
    return { client: unsigned, owned: true };
  }

  /**
   * The object's bytes; throws S3ObjectError for S3's refusals, S3UnreachableError when the endpoint does not
   * answer, S3ObjectTooLargeError past `maxBytes`.
   */
  async read(
    address: S3ObjectAddress,
    credentials: S3Credentials | undefined,
    maxBytes: number,
  ): Promise<Buffer> {
    const { GetObjectCommand } = await this.load();
    const { client, owned } = await this.client(address.region, credentials);
    try {
      const out = await client.send(
        new GetObjectCommand({ Bucket: address.bucket, Key: address.key, VersionId: address.versionId }),
      );
      const body = out.Body as Readable | undefined;
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        body?.destroy();
        throw new S3ObjectTooLargeError(`${out.ContentLength} bytes`);
      }
      return await collect(body, maxBytes);
    } catch (err) {
      throw this.classify(err);
    } finally {
      if (owned) {
        client.destroy();
      }
    }
  }

  private classify(err: unknown): unknown {
    if (err instanceof S3ObjectTooLargeError || !(err instanceof Error)) {
      return err;
    }
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined) {
      // An answer without an error body (a 403 some S3 servers send to unsigned requests) has no code of its own:
      // it is named as S3 names the status.
      const bare = err.name === "Unknown" || err.name === "UnknownError";
      return bare && status === 403
        ? new S3ObjectError("AccessDenied", "Access Denied", status)
        : new S3ObjectError(bare ? `${status}` : err.name, bare ? "" : err.message, status);
    }
    const code = (err as { code?: string }).code;
    return new S3UnreachableError(this.endpointName, code ? `${code}: ${err.message}` : err.message);
  }

  /** Ends the shared clients' connections. */
  close(): void {
    for (const client of this.shared.values()) {
      client.destroy();
    }
    this.shared.clear();
  }
}

async function hasCredentials(client: S3Client): Promise<boolean> {
  try {
    const found = await client.config.credentials();
    return found.accessKeyId !== "";
  } catch {
    return false;
  }
}

/** Reads a body to its end, refusing it once it passes `maxBytes`. */
async function collect(body: Readable | undefined, maxBytes: number): Promise<Buffer> {
  if (!body) {
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new S3ObjectTooLargeError(`more than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
