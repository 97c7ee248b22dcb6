/**
 * Input constraints of the nine layer operations, with the texts AWS's server prints
 * (`docs/reference/aws-layer-semantics.md` §1.4, §2.2 and §3). Each function validates one operation's
 * members in the model's member order and throws one ValidationException naming every failure.
 */
import { LAYER_NAME_PATTERN, LAYER_VERSION_ARN_PATTERN } from "../../arn.js";
import { InvalidParameterValueException } from "../../errors.js";
import { Constraint, Violations, matchesPattern } from "../../validation.js";

/** Runtimes AWS accepts in CompatibleRuntimes and as a filter: the server's enum of January 2026, §3 #27. */
export const LAYER_RUNTIME_ENUM = [
  "ruby3.5",
  "ruby2.6",
  "dotnetcore1.0",
  "python3.7",
  "nodejs8.10",
  "nasa",
  "ruby2.7",
  "python2.7-greengrass",
  "dotnetcore2.0",
  "python3.8",
  "java21",
  "dotnet6",
  "dotnetcore2.1",
  "python3.9",
  "java11",
  "nodejs6.10",
  "provided",
  "dotnetcore3.1",
  "dotnet8",
  "java25",
  "java17",
  "nodejs",
  "nodejs4.3",
  "java8.al2",
  "go1.x",
  "dotnet10",
  "nodejs20.x",
  "go1.9",
  "byol",
  "nodejs10.x",
  "provided.al2023",
  "nodejs22.x",
  "python3.10",
  "java8",
  "nodejs12.x",
  "python3.11",
  "nodejs24.x",
  "nodejs8.x",
  "python3.12",
  "nodejs14.x",
  "nodejs8.9",
  "nodejs26.x",
  "python3.13",
  "python3.14",
  "nodejs16.x",
  "python3.15",
  "provided.al2",
  "nodejs4.3-edge",
  "nodejs18.x",
  "ruby3.2",
  "python3.4",
  "ruby3.3",
  "ruby3.4",
  "ruby2.5",
  "python3.6",
  "python2.7",
] as const;

/**
 * The list PublishLayerVersion's message quotes for a bad CompatibleRuntimes value (§3 #7, January 2026).
 * It is not the accepted set: deprecated runtimes are accepted (§3 #9).
 */
export const PUBLISH_RUNTIME_MESSAGE_ENUM = [
  "nodejs20.x",
  "python3.14",
  "provided.al2023",
  "python3.12",
  "python3.13",
  "nodejs24.x",
  "nodejs22.x",
  "java25",
  "python3.10",
  "python3.11",
  "java21",
  "ruby3.3",
  "ruby3.4",
  "ruby3.2",
  "python3.8",
  "python3.9",
  "java17",
  "nodejs16.x",
  "dotnet10",
  "dotnet8",
  "java11",
  "dotnet6",
  "nodejs18.x",
  "provided.al2",
  "java8.al2",
] as const;

/** The Architecture enum (botocore model). */
export const ARCHITECTURE_ENUM = ["x86_64", "arm64"] as const;

/** §3 #20 and #36: the server's own check of version numbers, an InvalidParameterValueException. */
export const VERSION_TOO_LOW_MESSAGE = "Layer Version Cannot be less than 1";

const STATEMENT_ID_PATTERN = "([a-zA-Z0-9-_]+)";
const PRINCIPAL_PATTERN = "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root";
const ORGANIZATION_ID_PATTERN = "o-[a-z0-9]{10,32}";
const S3_BUCKET_PATTERN = "[0-9A-Za-z\\.\\-_]*(?<!\\.)";
const runtimeSet = new Set<string>(LAYER_RUNTIME_ENUM);
const architectureSet = new Set<string>(ARCHITECTURE_ENUM);

/** Adds the LayerName (URI label) checks. */
export function checkLayerName(v: Violations, name: string): void {
  v.string(name, "layerName", { max: 140, min: 1, pattern: LAYER_NAME_PATTERN });
}

/**
 * Parses a VersionNumber URI label. Below 1 is AWS's InvalidParameterValueException; text that is not an
 * integer cannot be deserialized into the model's `long` (INFERRED: reported as a constraint failure).
 */
export function parseVersionNumber(raw: string): number {
  if (!/^-?\d{1,18}$/.test(raw)) {
    const v = new Violations();
    v.add(raw, "versionNumber", "Member must be a number");
    v.throwIfAny();
  }
  const version = Number(raw);
  if (version < 1) {
    throw new InvalidParameterValueException(VERSION_TOO_LOW_MESSAGE);
  }
  return version;
}

/** PublishLayerVersion's body members, already type-checked. */
export interface PublishInput {
  readonly layerName: string;
  readonly description: string | undefined;
  readonly content:
    | {
        readonly s3Bucket: string | undefined;
        readonly s3Key: string | undefined;
        readonly s3ObjectVersion: string | undefined;
        readonly zipFile: Buffer | undefined;
      }
    | undefined;
  readonly compatibleRuntimes: readonly string[] | undefined;
  readonly licenseInfo: string | undefined;
  readonly compatibleArchitectures: readonly string[] | undefined;
}

/** PublishLayerVersion, §2.2 and §3 #7–#11. */
export function validatePublish(input: PublishInput): void {
  const v = new Violations();
  checkLayerName(v, input.layerName);
  v.string(input.description, "description", { max: 256, min: 0 });
  if (v.required(input.content, "content")) {
    v.string(input.content.s3Bucket, "content.s3Bucket", { max: 63, min: 3, pattern: S3_BUCKET_PATTERN });
    v.string(input.content.s3Key, "content.s3Key", { max: 1024, min: 1 });
    v.string(input.content.s3ObjectVersion, "content.s3ObjectVersion", { max: 1024, min: 1 });
  }
  const runtimes = input.compatibleRuntimes;
  if (runtimes) {
    v.listLength(runtimes, "compatibleRuntimes", 0, 15);
    if (!runtimes.every((r) => runtimeSet.has(r))) {
      v.add(runtimes, "compatibleRuntimes", Constraint.enumSet(PUBLISH_RUNTIME_MESSAGE_ENUM));
    }
  }
  v.string(input.licenseInfo, "licenseInfo", { max: 512, min: 0 });
  const archs = input.compatibleArchitectures;
  if (archs) {
    v.listLength(archs, "compatibleArchitectures", 0, 2);
    if (!archs.every((a) => architectureSet.has(a))) {
      v.add(
        archs,
        "compatibleArchitectures",
        Constraint.members([Constraint.enumSet(ARCHITECTURE_ENUM), Constraint.notNull]),
      );
    }
  }
  v.throwIfAny();
}

/** ListLayers / ListLayerVersions query members. */
export interface ListQuery {
  readonly compatibleRuntime: string | undefined;
  readonly compatibleArchitecture: string | undefined;
  readonly marker: string | undefined;
  readonly maxItems: number | undefined;
}

/** Reads and validates the list operations' query members (§3 #27, #28, #32). */
export function parseListQuery(query: URLSearchParams, v: Violations): ListQuery {
  const compatibleRuntime = query.get("CompatibleRuntime") ?? undefined;
  const compatibleArchitecture = query.get("CompatibleArchitecture") ?? undefined;
  const rawMaxItems = query.get("MaxItems") ?? undefined;
  let maxItems: number | undefined;
  if (compatibleRuntime !== undefined && !runtimeSet.has(compatibleRuntime)) {
    v.add(compatibleRuntime, "compatibleRuntime", Constraint.enumSet(LAYER_RUNTIME_ENUM));
  }
  if (rawMaxItems !== undefined) {
    if (/^-?\d{1,10}$/.test(rawMaxItems)) {
      maxItems = Number(rawMaxItems);
      v.range(maxItems, "maxItems", 1, 50);
    } else {
      v.add(rawMaxItems, "maxItems", "Member must be a number");
    }
  }
  if (compatibleArchitecture !== undefined && !architectureSet.has(compatibleArchitecture)) {
    v.add(compatibleArchitecture, "compatibleArchitecture", Constraint.enumSet(ARCHITECTURE_ENUM));
  }
  return { compatibleRuntime, compatibleArchitecture, marker: query.get("Marker") ?? undefined, maxItems };
}

/** GetLayerVersionByArn's `Arn` (§3 #21): the server's pattern, the model's length. */
export function validateLayerVersionArn(arn: string | undefined): asserts arn is string {
  const v = new Violations();
  if (v.required(arn, "arn")) {
    v.string(arn, "arn", { max: 140, min: 1 });
    if (!matchesPattern(arn, LAYER_VERSION_ARN_PATTERN)) {
      v.add(arn, "arn", Constraint.pattern(LAYER_VERSION_ARN_PATTERN));
    }
  }
  v.throwIfAny();
}

/** AddLayerVersionPermission's members (§2.2, §3 #41, #50, #52, #53). */
export interface AddPermissionInput {
  readonly statementId: string | undefined;
  readonly action: string | undefined;
  readonly principal: string | undefined;
  readonly organizationId: string | undefined;
}

/** AddLayerVersionPermission, after LayerName was checked into `v`. */
export function validateAddPermission(v: Violations, input: AddPermissionInput): void {
  if (v.required(input.statementId, "statementId")) {
    v.string(input.statementId, "statementId", { max: 100, min: 1, pattern: STATEMENT_ID_PATTERN });
  }
  if (v.required(input.action, "action")) {
    v.string(input.action, "action", { max: 22, min: 0, pattern: "lambda:GetLayerVersion" });
  }
  if (v.required(input.principal, "principal")) {
    v.string(input.principal, "principal", { pattern: PRINCIPAL_PATTERN });
  }
  v.string(input.organizationId, "organizationId", { max: 34, min: 0, pattern: ORGANIZATION_ID_PATTERN });
}

/** RemoveLayerVersionPermission's StatementId URI label. */
export function checkStatementId(v: Violations, statementId: string): void {
  v.string(statementId, "statementId", { max: 100, min: 1, pattern: STATEMENT_ID_PATTERN });
}
