/**
 * The route table's handlers. Each resource module serves the operations it implements; every other operation
 * of the model answers 501 NotImplementedException. The not-implemented set is derived (whatever has no handler),
 * so implementing an operation is adding its handler, nothing else, and a handler can never be shadowed.
 */
import type { Invoker } from "../../domain/invoke/invoker.js";
import type { AsyncInvokeQueue } from "../../domain/invoke/async-queue.js";
import type { FunctionService } from "../../domain/functions/service.js";
import type { LayerPermissionService } from "../../domain/layers/permissions.js";
import type { LayerService } from "../../domain/layers/service.js";
import { aliasHandlers } from "./aliases.js";
import type { ConcurrencyService } from "../../domain/functions/concurrency.js";
import type { EventInvokeConfigService } from "../../domain/functions/event-invoke-configs.js";
import type { ReadOnlyConfigs } from "../../domain/functions/read-only-configs.js";
import type { TagService } from "../../domain/functions/tags.js";
import type { FunctionPermissionService } from "../../domain/functions/permissions.js";
import { permissionHandlers } from "./permissions.js";
import { eventInvokeConfigHandlers } from "./event-invoke-configs.js";
import { functionUrlHandlers } from "./function-urls.js";
import type { FunctionUrlService } from "../../domain/urls/configs.js";
import { settingsHandlers } from "./settings.js";
import { tagHandlers } from "./tags.js";
import { functionHandlers } from "./functions.js";
import { invokeHandlers } from "./invoke.js";
import { layerHandlers } from "./layers.js";
import { notImplemented } from "./not-implemented.js";
import { versionHandlers } from "./versions.js";
import { OPERATIONS, type OperationName } from "./operations.js";
import type { Handler, HandlerTable } from "./types.js";

/** The services handlers call. */
export interface Services {
  readonly layers: LayerService;
  readonly layerPermissions: LayerPermissionService;
  readonly functions: FunctionService;
  readonly invoker: Invoker;
  readonly events: AsyncInvokeQueue;
  readonly tags: TagService;
  readonly concurrency: ConcurrencyService;
  readonly eventConfigs: EventInvokeConfigService;
  readonly readOnlyConfigs: ReadOnlyConfigs;
  readonly functionUrls: FunctionUrlService;
  /** The URL lamina serves at: the scheme and port of the function URLs it hands out. */
  readonly endpoint: () => string;
  readonly permissions: FunctionPermissionService;
}

/** The operations lamina implements, each with its handler. */
export function implementedHandlers(services: Services): Partial<Record<OperationName, Handler>> {
  return {
    ...layerHandlers(services.layers, services.layerPermissions),
    ...functionHandlers(services.functions, services.permissions, services.concurrency),
    ...versionHandlers(services.functions),
    ...aliasHandlers(services.functions.aliases),
    ...invokeHandlers(services.functions, services.invoker, services.events, services),
    ...permissionHandlers(services.permissions),
    ...tagHandlers(services.tags),
    ...settingsHandlers(services.concurrency, services.readOnlyConfigs),
    ...eventInvokeConfigHandlers(services.eventConfigs),
    ...functionUrlHandlers(services.functionUrls, services.endpoint),
  };
}

/** The complete table: the implemented handlers, and a 501 for every other operation of the model. */
export function buildHandlers(services: Services): HandlerTable {
  const implemented = implementedHandlers(services);
  const table = {} as Record<OperationName, Handler>;
  for (const operation of Object.keys(OPERATIONS) as OperationName[]) {
    table[operation] = implemented[operation] ?? notImplemented(operation);
  }
  return table;
}
