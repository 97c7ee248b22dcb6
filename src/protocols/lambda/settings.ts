/**
 * Reserved concurrency, GetAccountSettings and the read-only function configs on the wire
 * (`docs/reference/aws-deploy-api.md` §7, §8, §10).
 */
import type { ConcurrencyService } from "../../domain/functions/concurrency.js";
import type { ReadOnlyConfigs } from "../../domain/functions/read-only-configs.js";
import { checkFunctionName, checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import { Violations } from "../../validation.js";
import { arnOf } from "./function-shapes.js";
import { integerMember } from "./members.js";
import type { Call, Handler } from "./types.js";

/** The operations this module serves. */
export type SettingsOperation =
  | "GetAccountSettings"
  | "PutFunctionConcurrency"
  | "GetFunctionConcurrency"
  | "DeleteFunctionConcurrency"
  | "GetFunctionCodeSigningConfig"
  | "GetRuntimeManagementConfig"
  | "GetFunctionRecursionConfig";

// UnqualifiedFunctionName, the label of GetFunctionRecursionConfig [MODEL].
const UNQUALIFIED_FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

/** The FunctionName label of an operation taking the FunctionName shape, checked. */
function functionName(call: Call): string {
  const name = call.params.FunctionName ?? "";
  const v = new Violations();
  checkFunctionName(v, name);
  v.throwIfAny();
  return name;
}

/** Handlers for the settings operations. */
export function settingsHandlers(
  concurrency: ConcurrencyService,
  configs: ReadOnlyConfigs,
): Record<SettingsOperation, Handler> {
  return {
    GetAccountSettings: async (call) => {
      const { accountLimit: limit, accountUsage: usage } = await concurrency.accountSettings(call.ctx);
      return {
        body: {
          AccountLimit: {
            TotalCodeSize: limit.totalCodeSize,
            CodeSizeUnzipped: limit.codeSizeUnzipped,
            CodeSizeZipped: limit.codeSizeZipped,
            ConcurrentExecutions: limit.concurrentExecutions,
            UnreservedConcurrentExecutions: limit.unreservedConcurrentExecutions,
          },
          AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
        },
      };
    },

    PutFunctionConcurrency: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkFunctionName(v, name);
      const value = integerMember(call.body, "ReservedConcurrentExecutions");
      if (v.required(value, "reservedConcurrentExecutions")) {
        v.range(value, "reservedConcurrentExecutions", 0, Number.MAX_SAFE_INTEGER);
      }
      v.throwIfAny();
      const reserved = await concurrency.put(call.ctx, name, value ?? 0);
      return { body: { ReservedConcurrentExecutions: reserved } };
    },

    GetFunctionConcurrency: async (call) => {
      const reserved = await concurrency.get(call.ctx, functionName(call));
      // §8 #61: `{}` when nothing is reserved.
      return { body: reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved } };
    },

    DeleteFunctionConcurrency: async (call) => {
      await concurrency.delete(call.ctx, functionName(call));
      return { status: 204 };
    },

    GetFunctionCodeSigningConfig: async (call) => {
      await configs.addressed(call.ctx, functionName(call), undefined);
      // §10 #76: a function without a code-signing config gets neither member.
      return { body: {} };
    },

    GetRuntimeManagementConfig: async (call) => {
      const name = call.params.FunctionName ?? "";
      const qualifier = call.query.get("Qualifier") ?? undefined;
      const v = new Violations();
      checkNamespacedFunctionName(v, name, qualifier);
      v.throwIfAny();
      const { fn, qualifier: asked } = await configs.addressed(call.ctx, name, qualifier);
      // §10 #77: lamina runs each function on the runtime the host has, i.e. AWS's default `Auto` mode, for which
      // the RuntimeVersionArn is null (left out).
      return { body: { UpdateRuntimeOn: "Auto", FunctionArn: arnOf(fn, asked) } };
    },

    GetFunctionRecursionConfig: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      v.string(name, "functionName", { max: 140, min: 1, pattern: UNQUALIFIED_FUNCTION_NAME_PATTERN });
      v.throwIfAny();
      await configs.addressed(call.ctx, name, undefined);
      // The model: "By default, Lambda sets your function's configuration to Terminate."
      return { body: { RecursiveLoop: "Terminate" } };
    },
  };
}
