/**
 * Input constraints of the function operations, with the texts AWS's server prints. Sources:
 * `docs/reference/aws-function-api.md` (research notes quoting LocalStack's AWS-recorded snapshots and field
 * reports; section numbers below) and botocore's model.
 */
import { InvalidParameterValueException } from "../../errors.js";
import { Constraint, Violations, matchesPattern } from "../../validation.js";
import { ARCHITECTURE_ENUM } from "../layers/validate.js";

/** Every Runtime value of botocore's model: what lamina accepts under the default, lenient runtime policy. */
export const MODEL_RUNTIMES = [
  "nodejs",
  "nodejs4.3",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "java8",
  "java8.al2",
  "java11",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet6",
  "dotnet8",
  "nodejs4.3-edge",
  "go1.x",
  "ruby2.5",
  "ruby2.7",
  "provided",
  "provided.al2",
  "nodejs18.x",
  "python3.10",
  "java17",
  "ruby3.2",
  "ruby3.3",
  "ruby3.4",
  "python3.11",
  "nodejs20.x",
  "provided.al2023",
  "python3.12",
  "java21",
  "python3.13",
  "nodejs22.x",
  "nodejs24.x",
  "python3.14",
  "java25",
  "dotnet10",
  "ruby4.0",
] as const;

/**
 * The runtimes AWS still lets functions be created with, in the order its invalid-runtime message lists them
 * (§4b, LocalStack's newest copy of the recorded list). Under `--runtime-policy aws` the others are refused.
 */
export const CREATABLE_RUNTIMES = [
  "nodejs20.x",
  "python3.14",
  "provided.al2023",
  "python3.12",
  "python3.13",
  "nodejs24.x",
  "nodejs22.x",
  "java17",
  "nodejs16.x",
  "java25",
  "dotnet8",
  "python3.10",
  "java11",
  "python3.11",
  "dotnet6",
  "java21",
  "nodejs18.x",
  "provided.al2",
  "ruby3.3",
  "ruby3.4",
  "java8.al2",
  "ruby3.2",
  "python3.8",
  "python3.9",
] as const;

const modelRuntimes = new Set<string>(MODEL_RUNTIMES);
const creatableRuntimes = new Set<string>(CREATABLE_RUNTIMES);

/** AWS's texts for function requests. */
export const FUNCTION_MESSAGES = {
  /** §4b: an InvalidParameterValueException, unquoted value, no "validation error" prefix. */
  invalidRuntime: (runtime: string) =>
    `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${CREATABLE_RUNTIMES.join(", ")}] or be a valid ARN`,
  /** §4a, the generic wording AWS uses today. */
  deprecatedRuntime: (runtime: string) =>
    `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
  /** §9. */
  runtimeAndHandlerRequired:
    "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
  /** §9 (emulators' consensus; not recorded from AWS). */
  noCodeSource: "Please provide a source for function code.",
  /** §8. */
  environmentTooLarge: (measured: string) =>
    `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
  /** §8. */
  reservedKeys: (keys: readonly string[]) =>
    `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${keys.join(", ")}`,
  /** lamina runs zip packages only. */
  imageUnsupported:
    "lamina does not support container image functions (PackageType Image); use a .zip package.",
} as const;

/** The FunctionName pattern the server quotes for CreateFunction and the update operations (§6). */
export const FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
/** The pattern of NamespacedFunctionName (Get, GetConfiguration, Delete), botocore's model. */
export const NAMESPACED_FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
const QUALIFIER_PATTERN = "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";
const ROLE_PATTERN = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
const HANDLER_PATTERN = "[^\\s]+";
const ENV_KEY_PATTERN = "[a-zA-Z]([a-zA-Z0-9_])+";
const architectureSet = new Set<string>(ARCHITECTURE_ENUM);

/**
 * Environment variables Lambda sets itself; a function may not define them (§8, the AWS docs' reserved list).
 */
export const RESERVED_ENVIRONMENT_KEYS = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/** How strictly runtimes are checked: every model runtime (lenient), or only those AWS still allows (aws). */
export type RuntimePolicy = "lenient" | "aws";

/**
 * CreateFunction's FunctionName: a bare name is limited to 64 characters with an InvalidParameterValueException
 * (sic, §6), an ARN to 140 with a ValidationException; the pattern failure is a ValidationException.
 */
export function checkCreateFunctionName(v: Violations, name: string | undefined): void {
  if (!v.required(name, "functionName")) {
    return;
  }
  if (!name.includes(":") && [...name].length > 64 && matchesPattern(name, FUNCTION_NAME_PATTERN)) {
    const one = new Violations();
    one.add(name, "functionName", Constraint.maxLength(64));
    try {
      one.throwIfAny();
    } catch (err) {
      throw new InvalidParameterValueException((err as Error).message);
    }
  }
  v.string(name, "functionName", { max: 140, min: 1, pattern: FUNCTION_NAME_PATTERN });
}

/** A FunctionName URI label of the update operations (FunctionName shape). */
export function checkFunctionName(v: Violations, name: string): void {
  v.string(name, "functionName", { max: 140, min: 1, pattern: FUNCTION_NAME_PATTERN });
}

/** A FunctionName URI label of Get/GetConfiguration/Delete (NamespacedFunctionName) and its Qualifier. */
export function checkNamespacedFunctionName(
  v: Violations,
  name: string,
  qualifier: string | undefined,
): void {
  v.string(name, "functionName", { max: 256, min: 1, pattern: NAMESPACED_FUNCTION_NAME_PATTERN });
  v.string(qualifier, "qualifier", { max: 128, min: 1, pattern: QUALIFIER_PATTERN });
}

/** The configuration members CreateFunction and UpdateFunctionConfiguration share. */
export interface ConfigurationInput {
  readonly role: string | undefined;
  readonly handler: string | undefined;
  readonly description: string | undefined;
  readonly timeout: number | undefined;
  readonly memorySize: number | undefined;
  readonly environment: Readonly<Record<string, string>> | undefined;
  readonly runtime: string | undefined;
  readonly tracingMode: string | undefined;
  readonly ephemeralStorage: number | undefined;
  readonly architectures: readonly string[] | undefined;
}

/** Model constraints of the shared configuration members, in the model's member order. */
export function checkConfiguration(v: Violations, input: ConfigurationInput): void {
  v.string(input.role, "role", { pattern: ROLE_PATTERN });
  v.string(input.handler, "handler", { max: 128, min: 0, pattern: HANDLER_PATTERN });
  v.string(input.description, "description", { max: 256, min: 0 });
  // AWS's server enforces 900 s and 10240 MB for zip functions (§5), tighter than the model.
  v.range(input.timeout, "timeout", 1, 900);
  v.range(input.memorySize, "memorySize", 128, 10240);
  if (input.environment) {
    const bad = Object.keys(input.environment).filter((k) => !matchesPattern(k, ENV_KEY_PATTERN));
    if (bad.length > 0) {
      v.add(
        bad,
        "environment.variables",
        `Map keys must satisfy constraint: [${Constraint.pattern(ENV_KEY_PATTERN)}]`,
      );
    }
  }
  if (
    input.tracingMode !== undefined &&
    input.tracingMode !== "Active" &&
    input.tracingMode !== "PassThrough"
  ) {
    v.add(input.tracingMode, "tracingConfig.mode", Constraint.enumSet(["Active", "PassThrough"]));
  }
  v.range(input.ephemeralStorage, "ephemeralStorage.size", 512, 10240);
  checkArchitectures(v, input.architectures);
}

/** The `architectures` list: exactly one known value (§9). */
export function checkArchitectures(v: Violations, architectures: readonly string[] | undefined): void {
  if (!architectures) {
    return;
  }
  v.listLength(architectures, "architectures", 1, 1);
  if (!architectures.every((a) => architectureSet.has(a))) {
    v.add(
      architectures,
      "architectures",
      Constraint.members([Constraint.enumSet(ARCHITECTURE_ENUM), Constraint.notNull]),
    );
  }
}

/** Runtime checks that come after the model's: unknown values, then the deprecation policy (§4). */
export function checkRuntime(runtime: string | undefined, policy: RuntimePolicy): void {
  if (runtime === undefined) {
    return;
  }
  if (!modelRuntimes.has(runtime)) {
    throw new InvalidParameterValueException(FUNCTION_MESSAGES.invalidRuntime(runtime));
  }
  if (policy === "aws" && !creatableRuntimes.has(runtime)) {
    throw new InvalidParameterValueException(FUNCTION_MESSAGES.deprecatedRuntime(runtime));
  }
}

/** Environment rules AWS checks after the model's: reserved keys, then the 4 KB limit (§8). */
export function checkEnvironment(variables: Readonly<Record<string, string>> | undefined): void {
  if (!variables) {
    return;
  }
  const reserved = Object.keys(variables).filter((k) => RESERVED_ENVIRONMENT_KEYS.has(k));
  if (reserved.length > 0) {
    throw new InvalidParameterValueException(FUNCTION_MESSAGES.reservedKeys(reserved));
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > 4096) {
    throw new InvalidParameterValueException(FUNCTION_MESSAGES.environmentTooLarge(measured));
  }
}
