/**
 * Lambda ARNs: building and parsing, with the patterns AWS's server quotes in its messages.
 * Sources: botocore's model (LayerName, LayerVersionArn shapes) and `../shared/reference/aws-layer-semantics.md`
 * §1.1 and §1.4.
 */

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
