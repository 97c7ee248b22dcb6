/** The event-invoke config operations on the wire (`docs/reference/aws-deploy-api.md` §9). */
import type {
  DestinationInput,
  EventInvokeConfigInput,
  EventInvokeConfigService,
  EventInvokeConfigView,
} from "../../domain/functions/event-invoke-configs.js";
import { checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import { Violations } from "../../validation.js";
import { arnOf } from "./function-shapes.js";
import { integerMember, maxItemsOf, stringMember, structureMember } from "./members.js";
import type { Call, Handler } from "./types.js";

/** The operations this module serves. */
export type EventInvokeConfigOperation =
  | "PutFunctionEventInvokeConfig"
  | "GetFunctionEventInvokeConfig"
  | "UpdateFunctionEventInvokeConfig"
  | "DeleteFunctionEventInvokeConfig"
  | "ListFunctionEventInvokeConfigs";

/** The server's DestinationArn pattern (§9 #73). */
const DESTINATION_ARN_PATTERN =
  "$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";

/** The model's FunctionEventInvokeConfig, members in its order; `LastModified` in epoch seconds (§1.2). */
function toWire({ fn, config }: EventInvokeConfigView): Record<string, unknown> {
  const side = (s: { destination: string | undefined } | undefined) =>
    s?.destination === undefined ? {} : { Destination: s.destination };
  return {
    LastModified: config.lastModified / 1000,
    FunctionArn: arnOf(fn, config.qualifier),
    ...(config.maximumRetryAttempts !== undefined && { MaximumRetryAttempts: config.maximumRetryAttempts }),
    ...(config.maximumEventAgeInSeconds !== undefined && {
      MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds,
    }),
    DestinationConfig: { OnSuccess: side(config.onSuccess), OnFailure: side(config.onFailure) },
  };
}

/** The FunctionName label and Qualifier query, checked into `v`. */
function addressed(v: Violations, call: Call): { name: string; qualifier: string | undefined } {
  const name = call.params.FunctionName ?? "";
  const qualifier = call.query.get("Qualifier") ?? undefined;
  checkNamespacedFunctionName(v, name, qualifier);
  return { name, qualifier };
}

/** One destination side of the body, checked into `v`. */
function destination(
  v: Violations,
  config: Call["body"] | undefined,
  key: "OnSuccess" | "OnFailure",
): DestinationInput {
  const side = config && structureMember(config, key);
  if (!side) {
    return undefined;
  }
  const arn = stringMember(side, "Destination");
  const member = key === "OnSuccess" ? "onSuccess" : "onFailure";
  v.string(arn, `destinationConfig.${member}.destination`, {
    max: 350,
    min: 0,
    pattern: DESTINATION_ARN_PATTERN,
  });
  // An empty Destination is no destination.
  return { destination: arn === "" ? undefined : arn };
}

/** Put and Update's members, checked into `v`. */
function readInput(v: Violations, body: Call["body"]): EventInvokeConfigInput {
  const maximumRetryAttempts = integerMember(body, "MaximumRetryAttempts");
  const maximumEventAgeInSeconds = integerMember(body, "MaximumEventAgeInSeconds");
  v.range(maximumRetryAttempts, "maximumRetryAttempts", 0, 2);
  v.range(maximumEventAgeInSeconds, "maximumEventAgeInSeconds", 60, 21_600);
  const config = structureMember(body, "DestinationConfig");
  const onSuccess = destination(v, config, "OnSuccess");
  const onFailure = destination(v, config, "OnFailure");
  return {
    maximumRetryAttempts,
    maximumEventAgeInSeconds,
    destinationConfig: config && { onSuccess, onFailure },
  };
}

/** Handlers for the event-invoke config operations. */
export function eventInvokeConfigHandlers(
  configs: EventInvokeConfigService,
): Record<EventInvokeConfigOperation, Handler> {
  const write = (kind: "put" | "update") => async (call: Call) => {
    const v = new Violations();
    const { name, qualifier } = addressed(v, call);
    const input = readInput(v, call.body);
    v.throwIfAny();
    return { body: toWire(await configs[kind](call.ctx, name, qualifier, input)) };
  };

  return {
    PutFunctionEventInvokeConfig: write("put"),
    UpdateFunctionEventInvokeConfig: write("update"),

    GetFunctionEventInvokeConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      v.throwIfAny();
      return { body: toWire(await configs.get(call.ctx, name, qualifier)) };
    },

    DeleteFunctionEventInvokeConfig: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(v, call);
      v.throwIfAny();
      await configs.delete(call.ctx, name, qualifier);
      return { status: 204 };
    },

    ListFunctionEventInvokeConfigs: async (call) => {
      const v = new Violations();
      const name = call.params.FunctionName ?? "";
      checkNamespacedFunctionName(v, name, undefined);
      const maxItems = maxItemsOf(v, call, 50);
      v.throwIfAny();
      const page = await configs.list(call.ctx, name, call.query.get("Marker") ?? undefined, maxItems);
      return {
        body: { FunctionEventInvokeConfigs: page.items.map(toWire), NextMarker: page.nextMarker },
      };
    },
  };
}
