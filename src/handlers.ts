/**
 * The route table's handlers: every operation of the model maps to one. `HandlerTable` requires a key per
 * operation, so adding an operation to the model without deciding its handler does not compile.
 */
import type { HandlerTable } from "./http/types.js";
import { notImplemented } from "./http/not-implemented.js";
import { functionHandlers } from "./functions/routes.js";
import type { FunctionService } from "./functions/service.js";
import { layerHandlers } from "./layers/routes.js";
import { invokeHandlers } from "./invoke/routes.js";
import type { AsyncInvokeQueue } from "./invoke/async-queue.js";
import type { Executor } from "./execution/executor.js";
import type { LayerPermissionService } from "./layers/permissions.js";
import type { LayerService } from "./layers/service.js";

/** Operations of the model that answer 501 until an issue implements them. */
const NOT_YET_IMPLEMENTED = [
  "AddPermission",
  "CheckpointDurableExecution",
  "CreateAlias",
  "CreateCapacityProvider",
  "CreateCodeSigningConfig",
  "CreateEventSourceMapping",
  "CreateFunctionUrlConfig",
  "DeleteAlias",
  "DeleteCapacityProvider",
  "DeleteCodeSigningConfig",
  "DeleteEventSourceMapping",
  "DeleteFunctionCodeSigningConfig",
  "DeleteFunctionConcurrency",
  "DeleteFunctionEventInvokeConfig",
  "DeleteFunctionUrlConfig",
  "DeleteProvisionedConcurrencyConfig",
  "GetAccountSettings",
  "GetAlias",
  "GetCapacityProvider",
  "GetCodeSigningConfig",
  "GetDurableExecution",
  "GetDurableExecutionHistory",
  "GetDurableExecutionState",
  "GetEventSourceMapping",
  "GetFunctionCodeSigningConfig",
  "GetFunctionConcurrency",
  "GetFunctionEventInvokeConfig",
  "GetFunctionRecursionConfig",
  "GetFunctionScalingConfig",
  "GetFunctionUrlConfig",
  "GetPolicy",
  "GetProvisionedConcurrencyConfig",
  "GetRuntimeManagementConfig",
  "InvokeAsync",
  "InvokeWithResponseStream",
  "ListAliases",
  "ListCapacityProviders",
  "ListCodeSigningConfigs",
  "ListDurableExecutionsByFunction",
  "ListEventSourceMappings",
  "ListFunctionEventInvokeConfigs",
  "ListFunctionUrlConfigs",
  "ListFunctionVersionsByCapacityProvider",
  "ListFunctionsByCodeSigningConfig",
  "ListProvisionedConcurrencyConfigs",
  "ListTags",
  "ListVersionsByFunction",
  "PublishVersion",
  "PutFunctionCodeSigningConfig",
  "PutFunctionConcurrency",
  "PutFunctionEventInvokeConfig",
  "PutFunctionRecursionConfig",
  "PutFunctionScalingConfig",
  "PutProvisionedConcurrencyConfig",
  "PutRuntimeManagementConfig",
  "RemovePermission",
  "SendDurableExecutionCallbackFailure",
  "SendDurableExecutionCallbackHeartbeat",
  "SendDurableExecutionCallbackSuccess",
  "StopDurableExecution",
  "TagResource",
  "UntagResource",
  "UpdateAlias",
  "UpdateCapacityProvider",
  "UpdateCodeSigningConfig",
  "UpdateEventSourceMapping",
  "UpdateFunctionEventInvokeConfig",
  "UpdateFunctionUrlConfig",
] as const;

/** The services handlers call. */
export interface Services {
  readonly layers: LayerService;
  readonly layerPermissions: LayerPermissionService;
  readonly functions: FunctionService;
  readonly executor: Executor;
  readonly events: AsyncInvokeQueue;
}

/** Builds the complete handler table. */
export function buildHandlers(services: Services): HandlerTable {
  return {
    ...layerHandlers(services.layers, services.layerPermissions),
    ...functionHandlers(services.functions),
    ...invokeHandlers(services.functions, services.executor, services.events),
    ...notImplemented(NOT_YET_IMPLEMENTED),
  };
}
