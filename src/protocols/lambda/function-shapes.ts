/**
 * Function rows as wire shapes: FunctionConfiguration (members in the model's order), GetFunction's answer and
 * ListFunctions items. What AWS shows in each answer follows `docs/reference/aws-function-api.md` §10–§11:
 * CreateFunction answers while the function is Pending, the updates while LastUpdateStatus is InProgress, and
 * reads once it is Active and Successful; list items carry no state members.
 */
import { functionArn, partitionOf, runtimeVersionArn } from "../../arn.js";
import { codeSha256Of } from "../../domain/code.js";
import type { FunctionVersion } from "../../storage/types.js";

/** Which moment of the function's life an answer describes. */
export type ConfigurationView = "created" | "updated" | "read" | "listed";

/** The model's FunctionConfiguration, for what lamina stores. */
export interface FunctionConfigurationWire {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  TracingConfig: { Mode: string };
  RevisionId: string;
  Layers?: { Arn: string; CodeSize: number }[];
  State?: string;
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: string;
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
  PackageType: "Zip";
  Architectures: string[];
  EphemeralStorage: { Size: number };
  SnapStart: { ApplyOn: string; OptimizationStatus: string };
  RuntimeVersionConfig?: { RuntimeVersionArn: string };
  LoggingConfig: Record<string, string>;
}

/** The function's unqualified ARN, or qualified when the caller named a qualifier. */
export function arnOf(fn: FunctionVersion, qualifier?: string): string {
  return functionArn(
    { partition: partitionOf(fn.region), region: fn.region, accountId: fn.accountId, name: fn.name },
    qualifier,
  );
}

/** FunctionConfiguration as AWS shows it at the given moment. */
export function toConfigurationWire(
  fn: FunctionVersion,
  view: ConfigurationView,
  qualifier?: string,
): FunctionConfigurationWire {
  const out: FunctionConfigurationWire = {
    FunctionName: fn.name,
    FunctionArn: arnOf(fn, qualifier),
    ...(fn.runtime !== undefined && { Runtime: fn.runtime }),
    Role: fn.role,
    ...(fn.handler !== undefined && { Handler: fn.handler }),
    CodeSize: fn.codeSize,
    Description: fn.description,
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: fn.lastModified,
    CodeSha256: codeSha256Of(fn.sha256Hex),
    Version: fn.qualifier,
    ...(fn.environment !== undefined && { Environment: { Variables: { ...fn.environment } } }),
    TracingConfig: { Mode: fn.tracingMode },
    RevisionId: fn.revisionId,
    ...(fn.layers.length > 0 && { Layers: fn.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize })) }),
    PackageType: "Zip",
    Architectures: [...fn.architectures],
    EphemeralStorage: { Size: fn.ephemeralStorage },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    ...(view !== "listed" &&
      fn.runtime !== undefined && {
        RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(fn.region, fn.runtime) },
      }),
    LoggingConfig: { ...fn.loggingConfig },
  };
  return withState(out, view);
}

/** Inserts the state members where the model puts them (after Layers). */
function withState(config: FunctionConfigurationWire, view: ConfigurationView): FunctionConfigurationWire {
  if (view === "listed") {
    return config;
  }
  const state: Partial<FunctionConfigurationWire> =
    view === "created"
      ? { State: "Pending", StateReason: "The function is being created.", StateReasonCode: "Creating" }
      : view === "updated"
        ? {
            State: "Active",
            LastUpdateStatus: "InProgress",
            // sic: AWS says "being created" on updates too (§10).
            LastUpdateStatusReason: "The function is being created.",
            LastUpdateStatusReasonCode: "Creating",
          }
        : { State: "Active", LastUpdateStatus: "Successful" };
  const entries = Object.entries(config);
  const at = entries.findIndex(([k]) => k === "PackageType");
  return Object.fromEntries([
    ...entries.slice(0, at),
    ...Object.entries(state),
    ...entries.slice(at),
  ]) as unknown as FunctionConfigurationWire;
}
