/**
 * Function rows as wire shapes: FunctionConfiguration (members in the model's order), GetFunction's answer and
 * ListFunctions items. What AWS shows in each answer follows `docs/reference/aws-function-api.md` §10–§11:
 * CreateFunction answers while the function is Pending, the updates while LastUpdateStatus is InProgress, and
 * reads once it is Active and Successful; list items carry no state members.
 */
import { createHash } from "node:crypto";
import { functionArn, partitionOf } from "../../arn.js";
import { codeSha256Of } from "../../storage/code.js";
import type { FunctionLayerRow, FunctionRow } from "../../storage/sqlite/functions.js";

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

/** The `arn:aws:lambda:<region>::runtime:<hex>` AWS reports for a runtime; stable per runtime and region. */
export function runtimeVersionArn(region: string, runtime: string): string {
  const hex = createHash("sha256").update(`lamina:${runtime}`).digest("hex");
  return `arn:${partitionOf(region)}:lambda:${region}::runtime:${hex}`;
}

/** The function's unqualified ARN, or qualified when the caller named a qualifier. */
export function arnOfRow(row: FunctionRow, qualifier?: string): string {
  return functionArn(
    { partition: partitionOf(row.region), region: row.region, accountId: row.account_id, name: row.name },
    qualifier,
  );
}

/** The default log group Lambda names after the function. */
export function defaultLoggingConfig(name: string): Record<string, string> {
  return { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` };
}

/** FunctionConfiguration as AWS shows it at the given moment. */
export function toConfigurationWire(
  row: FunctionRow,
  layers: readonly FunctionLayerRow[],
  view: ConfigurationView,
  qualifier?: string,
): FunctionConfigurationWire {
  const out: FunctionConfigurationWire = {
    FunctionName: row.name,
    FunctionArn: arnOfRow(row, qualifier),
    ...(row.runtime !== null && { Runtime: row.runtime }),
    Role: row.role,
    ...(row.handler !== null && { Handler: row.handler }),
    CodeSize: row.code_size,
    Description: row.description,
    Timeout: row.timeout,
    MemorySize: row.memory_size,
    LastModified: row.last_modified,
    CodeSha256: codeSha256Of(row.code_sha256),
    Version: "$LATEST",
    ...(row.environment !== null && {
      Environment: { Variables: JSON.parse(row.environment) as Record<string, string> },
    }),
    TracingConfig: { Mode: row.tracing_mode },
    RevisionId: row.revision_id,
    ...(layers.length > 0 && { Layers: layers.map((l) => ({ Arn: l.arn, CodeSize: l.code_size })) }),
    PackageType: "Zip",
    Architectures: JSON.parse(row.architectures) as string[],
    EphemeralStorage: { Size: row.ephemeral_storage },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    ...(view !== "listed" &&
      row.runtime !== null && {
        RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(row.region, row.runtime) },
      }),
    LoggingConfig: JSON.parse(row.logging_config) as Record<string, string>,
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
