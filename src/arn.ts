/**
 * Lambda ARNs: building and parsing, with the patterns AWS's server quotes in its messages.
 * Sources: botocore's model (LayerName, LayerVersionArn shapes) and `docs/reference/aws-layer-semantics.md`
 * §1.1 and §1.4.
 */
import { createHash } from "node:crypto";

/**
 * The qualifier of a function's unpublished, editable version. The one place it is written: every answer, log
 * line and environment variable that names it reads it from here.
 */
export const LATEST = "$LATEST";

/** The pattern AWS's server quotes for layer version ARNs (`arn` of GetLayerVersionByArn, `layers`), §1.4. */
export const LAYER_VERSION_ARN_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";

/** The pattern of a LayerName member: a bare name or a version-less layer ARN (botocore `LayerName`). */
export const LAYER_NAME_PATTERN =
  "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

const LAYER_ARN_RE = /^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$/;
const LAYER_VERSION_ARN_RE =
  /^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;

/** A layer addressed by account, region and name. */
export interface LayerRef {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
}

/** A layer version addressed by account, region, name and version number. */
export interface LayerVersionRef extends LayerRef {
  readonly version: number;
}

/** The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`, `aws-eusc`), §1.1. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) {
    return "aws-cn";
  }
  if (region.startsWith("us-gov-")) {
    return "aws-us-gov";
  }
  if (region.startsWith("eusc-")) {
    return "aws-eusc";
  }
  return "aws";
}

/** `arn:aws:lambda:<region>:<account>:layer:<name>` */
export function layerArn(ref: LayerRef): string {
  return `arn:${ref.partition}:lambda:${ref.region}:${ref.accountId}:layer:${ref.name}`;
}

/** `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` */
export function layerVersionArn(ref: LayerVersionRef): string {
  return `${layerArn(ref)}:${ref.version}`;
}

/** The caller's principal ARN as AccessDeniedException texts name it (`arn:aws:iam::<account>:root`). */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** Parses a version-less layer ARN; undefined when it is not one. */
export function parseLayerArn(arn: string): LayerRef | undefined {
  const m = LAYER_ARN_RE.exec(arn);
  if (!m) {
    return undefined;
  }
  const [, partition = "", region = "", accountId = "", name = ""] = m;
  return { partition, region, accountId, name };
}

/** Parses a layer version ARN; undefined when it is not one. */
export function parseLayerVersionArn(arn: string): LayerVersionRef | undefined {
  const m = LAYER_VERSION_ARN_RE.exec(arn);
  if (!m) {
    return undefined;
  }
  const [, partition = "", region = "", accountId = "", name = "", version = ""] = m;
  return { partition, region, accountId, name, version: Number(version) };
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` */
export function functionArn(
  ref: { partition: string; region: string; accountId: string; name: string },
  qualifier?: string,
): string {
  const base = `arn:${ref.partition}:lambda:${ref.region}:${ref.accountId}:function:${ref.name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

// A FunctionName member: name, `account:function:name` or a full ARN, each with an optional qualifier.
const FUNCTION_NAME_RE =
  /^(?:arn:(aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:(?:-gov)|(?:-iso[a-z]?))?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;

/** The parts of a FunctionName member; absent parts were not given. */
export interface FunctionNameParts {
  readonly partition: string | undefined;
  readonly region: string | undefined;
  readonly accountId: string | undefined;
  readonly name: string;
  readonly qualifier: string | undefined;
}

/** Parses a FunctionName (name, partial ARN or ARN); undefined when it has none of those forms. */
export function parseFunctionName(value: string): FunctionNameParts | undefined {
  const m = FUNCTION_NAME_RE.exec(value);
  if (!m?.[4]) {
    return undefined;
  }
  return { partition: m[1], region: m[2], accountId: m[3], name: m[4], qualifier: m[5] };
}

/** The hash part of each runtime's version ARN, computed once per runtime name (every configuration shows it). */
const RUNTIME_VERSION_IDS = new Map<string, string>();

/** The `arn:aws:lambda:<region>::runtime:<hex>` AWS reports for a runtime; stable per runtime and region. */
export function runtimeVersionArn(region: string, runtime: string): string {
  let hex = RUNTIME_VERSION_IDS.get(runtime);
  if (hex === undefined) {
    hex = createHash("sha256").update(`lamina:${runtime}`).digest("hex");
    RUNTIME_VERSION_IDS.set(runtime, hex);
  }
  return `arn:${partitionOf(region)}:lambda:${region}::runtime:${hex}`;
}
