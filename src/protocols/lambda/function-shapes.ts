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

/** The state members of each moment but "listed", in the model's order (§10). */
const STATE_MEMBERS: Record<Exclude<ConfigurationView, "listed">, Partial<FunctionConfigurationWire>> = {
  created: { State: "Pending", StateReason: "The function is being created.", StateReasonCode: "Creating" },
  updated: {
    State: "Active",
    LastUpdateStatus: "InProgress",
    // sic: AWS says "being created" on updates too (§10).
    LastUpdateStatusReason: "The function is being created.",
    LastUpdateStatusReasonCode: "Creating",
  },
  read: { State: "Active", LastUpdateStatus: "Successful" },
};

/**
 * FunctionConfiguration as AWS shows it at the given moment. Members are added one by one in the model's order
 * (the state members after Layers), so the object is built once, in its final order.
 */
export function toConfigurationWire(
  fn: FunctionVersion,
  view: ConfigurationView,
  qualifier?: string,
): FunctionConfigurationWire {
  const out = { FunctionName: fn.name, FunctionArn: arnOf(fn, qualifier) } as FunctionConfigurationWire;
  if (fn.runtime !== undefined) {
    out.Runtime = fn.runtime;
  }
  out.Role = fn.role;
  if (fn.handler !== undefined) {
    out.Handler = fn.handler;
  }
  out.CodeSize = fn.codeSize;
  out.Description = fn.description;
  out.Timeout = fn.timeout;
  out.MemorySize = fn.memorySize;
  out.LastModified = fn.lastModified;
  out.CodeSha256 = codeSha256Of(fn.sha256Hex);
  out.Version = fn.qualifier;
  if (fn.environment !== undefined) {
    out.Environment = { Variables: { ...fn.environment } };
  }
  out.TracingConfig = { Mode: fn.tracingMode };
  out.RevisionId = fn.revisionId;
  if (fn.layers.length > 0) {
    out.Layers = fn.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  }
  if (view !== "listed") {
    Object.assign(out, STATE_MEMBERS[view]);
  }
  out.PackageType = "Zip";
  out.Architectures = [...fn.architectures];
  out.EphemeralStorage = { Size: fn.ephemeralStorage };
  out.SnapStart = { ApplyOn: "None", OptimizationStatus: "Off" };
  if (view !== "listed" && fn.runtime !== undefined) {
    out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersionArn(fn.region, fn.runtime) };
  }
  out.LoggingConfig = { ...fn.loggingConfig };
  return out;
}
