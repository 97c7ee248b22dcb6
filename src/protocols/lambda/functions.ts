/** The function operations on the wire: decode and validate members, call the service, shape the reply. */
import {
  blobMember,
  booleanMember,
  integerMember,
  maxItemsOf,
  stringListMember,
  stringMapMember,
  stringMember,
  structureMember,
} from "./members.js";
import type { Call, Handler } from "./types.js";
import { Constraint, Violations } from "../../validation.js";
import { checkLayerList } from "../../domain/functions/layer-resolution.js";
import type { CodeInput, FunctionService, FunctionView } from "../../domain/functions/service.js";
import { toConfigurationWire } from "./function-shapes.js";
import {
  checkArchitectures,
  checkConfiguration,
  checkCreateFunctionName,
  checkFunctionName,
  checkNamespacedFunctionName,
  FUNCTION_MESSAGES,
  type ConfigurationInput,
} from "../../domain/functions/validate.js";
import { LATEST } from "../../arn.js";
import { InvalidParameterValueException } from "../../errors.js";
import type { FunctionPermissionService } from "../../domain/functions/permissions.js";
import type { ConcurrencyService } from "../../domain/functions/concurrency.js";
import { checkTagCount } from "../../domain/functions/tags.js";

/** The operations this module serves. */
export type FunctionOperation =
  | "CreateFunction"
  | "GetFunction"
  | "GetFunctionConfiguration"
  | "ListFunctions"
  | "UpdateFunctionCode"
  | "UpdateFunctionConfiguration"
  | "DeleteFunction";

const S3_BUCKET_PATTERN = "[0-9A-Za-z\\.\\-_]*(?<!\\.)";
const MASTER_REGION_PATTERN = "ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}";

type Body = Call["body"];

/** Code members (CreateFunction's `Code`, or UpdateFunctionCode's body), checked into `v`. */
function readCode(v: Violations, body: Body | undefined, prefix: string): CodeInput {
  const s3Bucket = body && stringMember(body, "S3Bucket");
  const s3Key = body && stringMember(body, "S3Key");
  const s3ObjectVersion = body && stringMember(body, "S3ObjectVersion");
  v.string(s3Bucket, `${prefix}s3Bucket`, { max: 63, min: 3, pattern: S3_BUCKET_PATTERN });
  v.string(s3Key, `${prefix}s3Key`, { max: 1024, min: 1 });
  v.string(s3ObjectVersion, `${prefix}s3ObjectVersion`, { max: 1024, min: 1 });
  return { zipFile: body && blobMember(body, "ZipFile"), s3Bucket, s3Key, s3ObjectVersion };
}

/** The configuration members CreateFunction and UpdateFunctionConfiguration share. */
function readConfiguration(body: Body): ConfigurationInput & {
  readonly layers: string[] | undefined;
  readonly loggingConfig: Record<string, string> | undefined;
} {
  const environment = structureMember(body, "Environment");
  const loggingConfig = structureMember(body, "LoggingConfig");
  return {
    role: stringMember(body, "Role"),
    handler: stringMember(body, "Handler"),
    description: stringMember(body, "Description"),
    timeout: integerMember(body, "Timeout"),
    memorySize: integerMember(body, "MemorySize"),
    // Environment without Variables means "no variables" (AWS answers `{"Variables":{}}`).
    environment: environment && (stringMapMember(environment, "Variables") ?? {}),
    runtime: stringMember(body, "Runtime"),
    tracingMode: stringMember(structureMember(body, "TracingConfig") ?? {}, "Mode"),
    ephemeralStorage: integerMember(structureMember(body, "EphemeralStorage") ?? {}, "Size"),
    architectures: stringListMember(body, "Architectures"),
    layers: stringListMember(body, "Layers"),
    loggingConfig:
      loggingConfig &&
      Object.fromEntries(
        ["LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"].flatMap((k) => {
          const value = stringMember(loggingConfig, k);
          return value === undefined ? [] : [[k, value]];
        }),
      ),
  };
}

/** Handlers for the function operations. */
export function functionHandlers(
  functions: FunctionService,
  permissions: FunctionPermissionService,
  concurrency?: ConcurrencyService,
): Record<FunctionOperation, Handler> {
  const configuration = (view: FunctionView, moment: "created" | "updated" | "read") =>
    toConfigurationWire(view.fn, moment, view.qualifier);

  const namespaced = (call: Call) => {
    const name = call.params.FunctionName ?? "";
    const qualifier = call.query.get("Qualifier") ?? undefined;
    const v = new Violations();
    checkNamespacedFunctionName(v, name, qualifier);
    v.throwIfAny();
    return { name, qualifier };
  };

  return {
    CreateFunction: async (call) => {
      const v = new Violations();
      const functionName = stringMember(call.body, "FunctionName");
      checkCreateFunctionName(v, functionName);
      const config = readConfiguration(call.body);
      v.required(config.role, "role");
      const codeBody = structureMember(call.body, "Code");
      v.required(codeBody, "code");
      const code = readCode(v, codeBody, "code.");
      checkConfiguration(v, config);
      checkLayerList(v, config.layers);
      const publish = booleanMember(call.body, "Publish") ?? false;
      const packageType = stringMember(call.body, "PackageType");
      if (packageType !== undefined && packageType !== "Zip" && packageType !== "Image") {
        v.add(packageType, "packageType", Constraint.enumSet(["Zip", "Image"]));
      }
      v.throwIfAny();
      if (packageType === "Image") {
        throw new InvalidParameterValueException(FUNCTION_MESSAGES.imageUnsupported);
      }
      const tags = stringMapMember(call.body, "Tags");
      checkTagCount(tags);
      const view = await functions.create(call.ctx, {
        ...config,
        functionName: functionName ?? "",
        role: config.role ?? "",
        code,
        tags,
        publish,
      });
      return { body: configuration(view, "created") };
    },

    GetFunction: async (call) => {
      const { name, qualifier } = namespaced(call);
      const ctx = await permissions.contextFor(call.ctx, name, qualifier, "lambda:GetFunction");
      const view = await functions.get(ctx, name, qualifier);
      const tags = view.fn.tags;
      // Reserved concurrency is function-wide: every qualifier shows it while it is set (§8 #62 of the deploy API).
      const reserved = await concurrency?.reservedFor(view.fn);
      return {
        body: {
          Configuration: configuration(view, "read"),
          Code: { RepositoryType: "S3", Location: call.codeLocation(view.fn.sha256Hex) },
          ...(tags && Object.keys(tags).length > 0 && { Tags: tags }),
          ...(reserved !== undefined && { Concurrency: { ReservedConcurrentExecutions: reserved } }),
        },
      };
    },

    GetFunctionConfiguration: async (call) => {
      const { name, qualifier } = namespaced(call);
      const ctx = await permissions.contextFor(call.ctx, name, qualifier, "lambda:GetFunctionConfiguration");
      return { body: configuration(await functions.get(ctx, name, qualifier), "read") };
    },

    ListFunctions: async (call) => {
      const v = new Violations();
      v.string(call.query.get("MasterRegion") ?? undefined, "masterRegion", {
        pattern: MASTER_REGION_PATTERN,
      });
      const functionVersion = call.query.get("FunctionVersion") ?? undefined;
      if (functionVersion !== undefined && functionVersion !== "ALL") {
        v.add(functionVersion, "functionVersion", Constraint.enumSet(["ALL"]));
      }
      const maxItems = maxItemsOf(v, call);
      v.throwIfAny();
      const page = await functions.list(call.ctx, call.query.get("Marker") ?? undefined, maxItems);
      // With FunctionVersion=ALL every version is listed after its $LATEST, each qualified (§3.3 #16 of
      // aws-deploy-api.md); a page holds whole functions.
      const items =
        functionVersion === "ALL"
          ? (
              await Promise.all(page.items.map(async (f) => [f, ...(await functions.versions.published(f))]))
            ).flat()
          : page.items;
      return {
        body: {
          Functions: items.map((f) =>
            toConfigurationWire(f, "listed", functionVersion === "ALL" ? f.qualifier : undefined),
          ),
          NextMarker: page.nextMarker,
        },
      };
    },

    UpdateFunctionConfiguration: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkFunctionName(v, name);
      const config = readConfiguration(call.body);
      checkConfiguration(v, config);
      checkLayerList(v, config.layers);
      v.throwIfAny();
      const view = await functions.updateConfiguration(call.ctx, name, {
        ...config,
        revisionId: stringMember(call.body, "RevisionId"),
      });
      return { body: configuration(view, "updated") };
    },

    UpdateFunctionCode: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkFunctionName(v, name);
      const code = readCode(v, call.body, "");
      const architectures = stringListMember(call.body, "Architectures");
      checkArchitectures(v, architectures);
      const publish = booleanMember(call.body, "Publish") ?? false;
      v.throwIfAny();
      const view = await functions.updateCode(call.ctx, name, {
        code,
        architectures,
        dryRun: booleanMember(call.body, "DryRun") ?? false,
        revisionId: stringMember(call.body, "RevisionId"),
        publish,
      });
      // §3.2 #11: with Publish, the new version answers as just created (Pending), under its qualified ARN.
      return { body: configuration(view, view.fn.qualifier === LATEST ? "updated" : "created") };
    },

    DeleteFunction: async (call) => {
      const { name, qualifier } = namespaced(call);
      await functions.delete(call.ctx, name, qualifier);
      // botocore's model says 200, but AWS answers 204 with no body (research §11).
      return { status: 204 };
    },
  };
}
