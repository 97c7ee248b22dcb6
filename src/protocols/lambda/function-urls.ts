/** The function URL config operations on the wire (`docs/reference/aws-deploy-api.md` §11). */
import { functionUrlOf } from "../../domain/urls/address.js";
import {
  URL_QUALIFIER_PATTERN,
  type FunctionUrlInput,
  type FunctionUrlService,
  type FunctionUrlView,
} from "../../domain/urls/configs.js";
import { checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import type { FunctionUrlCors } from "../../storage/types.js";
import { Constraint, Violations } from "../../validation.js";
import { arnOf } from "./function-shapes.js";
import {
  booleanMember,
  integerMember,
  maxItemsOf,
  stringListMember,
  stringMember,
  structureMember,
} from "./members.js";
import type { Call, Handler } from "./types.js";

/** The operations this module serves. */
export type FunctionUrlOperation =
  | "CreateFunctionUrlConfig"
  | "GetFunctionUrlConfig"
  | "UpdateFunctionUrlConfig"
  | "DeleteFunctionUrlConfig"
  | "ListFunctionUrlConfigs";

const AUTH_TYPES = ["NONE", "AWS_IAM"] as const;
/** In the order AWS's enum text lists them (#86). */
const INVOKE_MODES = ["RESPONSE_STREAM", "BUFFERED"] as const;

/** Which members an answer carries: Create's, Update's, or Get's and List's (#78–#80). */
type Shape = "created" | "updated" | "read";

/** The model's Cors, only the members that were given. */
function corsWire(cors: FunctionUrlCors): Record<string, unknown> {
  return {
    ...(cors.allowCredentials !== undefined && { AllowCredentials: cors.allowCredentials }),
    ...(cors.allowHeaders !== undefined && { AllowHeaders: cors.allowHeaders }),
    ...(cors.allowMethods !== undefined && { AllowMethods: cors.allowMethods }),
    ...(cors.allowOrigins !== undefined && { AllowOrigins: cors.allowOrigins }),
    ...(cors.exposeHeaders !== undefined && { ExposeHeaders: cors.exposeHeaders }),
    ...(cors.maxAge !== undefined && { MaxAge: cors.maxAge }),
  };
}

/**
 * A config as AWS answers it, members in the model's order: Create has no LastModifiedTime; InvokeMode is in
 * Create's and Update's answers only once it was set explicitly, and Get/List say BUFFERED by default (#78–#80).
 */
function toWire({ fn, config }: FunctionUrlView, shape: Shape, endpoint: string): Record<string, unknown> {
  const invokeMode = shape === "read" ? (config.invokeMode ?? "BUFFERED") : config.invokeMode;
  return {
    FunctionUrl: functionUrlOf(config.urlId, fn.region, endpoint),
    FunctionArn: arnOf(fn, config.qualifier),
    AuthType: config.authType,
    ...(config.cors !== undefined && { Cors: corsWire(config.cors) }),
    CreationTime: config.creationTime,
    ...(shape !== "created" && { LastModifiedTime: config.lastModifiedTime }),
    ...(invokeMode !== undefined && { InvokeMode: invokeMode }),
  };
}

/** The FunctionName label and the Qualifier query (an alias name only, #83), checked into `v`. */
function addressed(v: Violations, call: Call): { name: string; qualifier: string | undefined } {
  const name = call.params.FunctionName ?? "";
  const qualifier = call.query.get("Qualifier") ?? undefined;
  checkNamespacedFunctionName(v, name, undefined);
  v.string(qualifier, "qualifier", { max: 128, min: 1, pattern: URL_QUALIFIER_PATTERN });
  return { name, qualifier };
}

/** A list member's item count and its items' lengths, checked into `v` as the model's constraints. */
function checkList(
  v: Violations,
  list: readonly string[] | undefined,
  member: string,
  max: number,
  item: { min: number; max: number },
): void {
  v.listLength(list, member, 0, max);
  const inner: string[] = [];
  if (list?.some((x) => [...x].length > item.max)) {
    inner.push(Constraint.maxLength(item.max));
  }
  if (list?.some((x) => [...x].length < item.min)) {
    inner.push(Constraint.minLength(item.min));
  }
  if (inner.length > 0) {
    v.add(list, member, Constraint.members(inner));
  }
}

/** The Cors member, checked into `v` against the model (header lists ≤ 100, methods ≤ 6 of ≤ 6 characters). */
function readCors(v: Violations, body: Call["body"]): FunctionUrlCors | undefined {
  const cors = structureMember(body, "Cors");
  if (!cors) {
    return undefined;
  }
  const out: FunctionUrlCors = {
    allowCredentials: booleanMember(cors, "AllowCredentials"),
    allowHeaders: stringListMember(cors, "AllowHeaders"),
    allowMethods: stringListMember(cors, "AllowMethods"),
    allowOrigins: stringListMember(cors, "AllowOrigins"),
    exposeHeaders: stringListMember(cors, "ExposeHeaders"),
    maxAge: integerMember(cors, "MaxAge"),
  };
  checkList(v, out.allowHeaders, "cors.allowHeaders", 100, { min: 0, max: 1024 });
  checkList(v, out.allowMethods, "cors.allowMethods", 6, { min: 0, max: 6 });
  checkList(v, out.allowOrigins, "cors.allowOrigins", 100, { min: 1, max: 253 });
  checkList(v, out.exposeHeaders, "cors.exposeHeaders", 100, { min: 0, max: 1024 });
  v.range(out.maxAge, "cors.maxAge", 0, 86_400);
  return out;
}

/** Create's and Update's members, checked into `v`. */
function readInput(v: Violations, body: Call["body"]): FunctionUrlInput {
  const authType = stringMember(body, "AuthType");
  const cors = readCors(v, body);
  const invokeMode = stringMember(body, "InvokeMode");
  if (authType !== undefined && !(AUTH_TYPES as readonly string[]).includes(authType)) {
    v.add(authType, "authType", Constraint.enumSet(AUTH_TYPES));
  }
  if (invokeMode !== undefined && !(INVOKE_MODES as readonly string[]).includes(invokeMode)) {
    v.add(invokeMode, "invokeMode", Constraint.enumSet(INVOKE_MODES));
  }
  return { authType, cors, invokeMode };
}

/** Handlers for the URL config operations; `endpoint` is the URL lamina serves at (scheme and port of URLs). */
export function functionUrlHandlers(
  urls: FunctionUrlService,
  endpoint: () => string,
): Record<FunctionUrlOperation, Handler> {
  return {
    CreateFunctionUrlConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      const input = readInput(v, call.body);
      v.required(input.authType, "authType");
      v.throwIfAny();
      const view = await urls.create(call.ctx, name, qualifier, { ...input, authType: input.authType ?? "" });
      return { body: toWire(view, "created", endpoint()) };
    },

    UpdateFunctionUrlConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      const input = readInput(v, call.body);
      v.throwIfAny();
      return { body: toWire(await urls.update(call.ctx, name, qualifier, input), "updated", endpoint()) };
    },

    GetFunctionUrlConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      v.throwIfAny();
      return { body: toWire(await urls.get(call.ctx, name, qualifier), "read", endpoint()) };
    },

    DeleteFunctionUrlConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      v.throwIfAny();
      await urls.delete(call.ctx, name, qualifier);
      return { status: 204 };
    },

    ListFunctionUrlConfigs: async (call) => {
      const v = new Violations();
      const name = call.params.FunctionName ?? "";
      checkNamespacedFunctionName(v, name, undefined);
      const maxItems = maxItemsOf(v, call, 50);
      v.throwIfAny();
      const page = await urls.list(call.ctx, name, call.query.get("Marker") ?? undefined, maxItems);
      return {
        body: {
          FunctionUrlConfigs: page.items.map((item) => toWire(item, "read", endpoint())),
          NextMarker: page.nextMarker,
        },
      };
    },
  };
}
