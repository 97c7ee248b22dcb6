/**
 * Where a request's code comes from: the uploaded `ZipFile`, or an object named by `S3Bucket` + `S3Key`
 * (+ `S3ObjectVersion`) read from S3 before any transaction (`docs/reference/aws-deploy-api.md` §13). Shared by
 * CreateFunction, UpdateFunctionCode and PublishLayerVersion; the bytes then go through the same zip checks and
 * ingestion whatever their source. `chooseSource` is the one place a source is chosen from the bucket name.
 */
import { statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { AccessDeniedException, InvalidParameterValueException } from "../errors.js";
import type { RequestContext } from "../identity/context.js";
import {
  S3ObjectError,
  S3ObjectTooLargeError,
  S3UnreachableError,
  type S3ObjectReader,
} from "../storage/s3-code/reader.js";
import { MAX_UNZIPPED_SIZE, ZIP_MESSAGES } from "./code.js";

/** The code members of a request (CreateFunction's `Code`, UpdateFunctionCode's body, a layer's `Content`). */
export interface CodeSourceInput {
  readonly zipFile: Buffer | undefined;
  readonly s3Bucket: string | undefined;
  readonly s3Key?: string | undefined;
  readonly s3ObjectVersion?: string | undefined;
}

/**
 * The bucket of the development loop (§14, LocalStack's convention): `S3Key` names a host folder, never an S3
 * object. `--hot-reload-bucket` names another.
 */
export const HOT_RELOAD_BUCKET = "hot-reload";

/** The texts of §13.3: S3's error code and message, wrapped. */
export const CODE_SOURCE_MESSAGES = {
  /** Any S3 refusal but access: `NoSuchBucket` (S3's text has no final period), `NoSuchKey`, `NoSuchVersion`, … */
  getObject: (s3Code: string, s3Message: string) =>
    `Error occurred while GetObject. S3 Error Code: ${s3Code}. S3 Error Message: ${s3Message}`,
  /** S3 refused access (403 AccessDeniedException, [FIELD] in §13.3). */
  accessDenied: (bucket: string, key: string, s3Code: string, s3Message: string) =>
    `Your access has been denied by S3, please make sure your request credentials have permission to GetObject for ${bucket}/${key}. S3 Error Code: ${s3Code}. S3 Error Message: ${s3Message}`,
  /** The bucket AWS names when it does not exist (§13.3). */
  noSuchBucket:
    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
  /** §14, LocalStack's text for a key that is not an absolute path. */
  relativeFolder: (key: string) =>
    `When using hot reloading, the archive key has to be an absolute path! Your archive key: ${key}`,
  /** lamina's own: the folder a hot-reload key names is not there (nothing is stored). */
  missingFolder: (path: string) =>
    `When using hot reloading, the archive key has to be a folder on lamina's machine: ${path} does not exist.`,
  /** lamina's own: the key names a file, not a folder. */
  notAFolder: (path: string) =>
    `When using hot reloading, the archive key has to be a folder on lamina's machine: ${path} is not a folder.`,
  /** lamina's own: the endpoint did not answer (AWS's own S3 always does; not recorded). */
  unreachable: (endpoint: string, reason: string) =>
    `Error occurred while GetObject. The S3 endpoint ${endpoint} could not be reached (${reason}); check lamina's --s3-endpoint.`,
} as const;

/**
 * The largest object read from S3: no zip bigger than this can be within the unzipped limit (zip's own headers
 * add at most a few bytes per entry). INFERRED bound, so large objects are refused before they fill memory.
 */
export const MAX_S3_OBJECT_SIZE = MAX_UNZIPPED_SIZE + 16 * 1024 * 1024;

/** Where the bytes come from, as chosen from the request's members. */
export type CodeSource =
  | { readonly kind: "upload"; readonly zip: Buffer }
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly key: string;
      readonly version: string | undefined;
    }
  | { readonly kind: "folder"; readonly path: string }
  | { readonly kind: "none" };

/**
 * Chooses the source a request names: an uploaded zip wins; then a bucket and key. The bucket name decides how
 * the object is read; a bucket that is not S3's (the development loop's `hot-reload`) is told apart here.
 */
export function chooseSource(input: CodeSourceInput, hotReloadBucket = HOT_RELOAD_BUCKET): CodeSource {
  if (input.zipFile) {
    return { kind: "upload", zip: input.zipFile };
  }
  if (input.s3Bucket === undefined || input.s3Key === undefined) {
    return { kind: "none" };
  }
  if (input.s3Bucket === hotReloadBucket) {
    return { kind: "folder", path: checkFolder(input.s3Key) };
  }
  return { kind: "s3", bucket: input.s3Bucket, key: input.s3Key, version: input.s3ObjectVersion };
}

/** A hot-reload key as the folder it names: absolute, there, and a folder (else 400 naming the path). */
function checkFolder(key: string): string {
  if (!isAbsolute(key)) {
    throw new InvalidParameterValueException(CODE_SOURCE_MESSAGES.relativeFolder(key));
  }
  const path = resolve(key);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new InvalidParameterValueException(CODE_SOURCE_MESSAGES.missingFolder(path));
  }
  if (!stats.isDirectory()) {
    throw new InvalidParameterValueException(CODE_SOURCE_MESSAGES.notAFolder(path));
  }
  return path;
}

/** Reads code from S3 as Lambda does, with Lambda's errors. */
export class S3CodeFetcher {
  constructor(
    private readonly reader: S3ObjectReader,
    /** The development loop's bucket (`--hot-reload-bucket`): its keys are host folders, never read from S3. */
    readonly hotReloadBucket: string = HOT_RELOAD_BUCKET,
  ) {}

  /**
   * The object's bytes, read with the caller's own credentials when lamina verified them (strict mode), else
   * with lamina's (the process's AWS credential chain; see `S3ObjectReader`). Never call inside a transaction.
   */
  async fetch(
    ctx: RequestContext,
    bucket: string,
    key: string,
    version: string | undefined,
  ): Promise<Buffer> {
    try {
      return await this.reader.read(
        { bucket, key, versionId: version, region: ctx.region },
        ctx.signingCredentials?.(),
        MAX_S3_OBJECT_SIZE,
      );
    } catch (err) {
      if (err instanceof S3ObjectError) {
        if (err.status === 403) {
          throw new AccessDeniedException(
            CODE_SOURCE_MESSAGES.accessDenied(bucket, key, err.s3Code, err.s3Message),
          );
        }
        throw new InvalidParameterValueException(CODE_SOURCE_MESSAGES.getObject(err.s3Code, err.s3Message));
      }
      if (err instanceof S3UnreachableError) {
        throw new InvalidParameterValueException(CODE_SOURCE_MESSAGES.unreachable(err.endpoint, err.reason));
      }
      if (err instanceof S3ObjectTooLargeError) {
        throw new InvalidParameterValueException(ZIP_MESSAGES.tooLarge);
      }
      throw err;
    }
  }
}
