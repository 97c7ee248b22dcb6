/**
 * Event-invoke configs: how `Event` invocations of one qualifier are retried, how old an event may get, and where
 * results would go (`docs/reference/aws-deploy-api.md` §9). Destinations are checked and stored; lamina sends
 * nothing to them.
 */
import { LATEST, parseFunctionName } from "../../arn.js";
import { InvalidParameterValueException, ResourceNotFoundException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { EventInvokeConfig, FunctionVersion, Storage } from "../../storage/types.js";
import type { Clock } from "../../util/clock.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { arnIn, findFunction, qualifierExists, resolveTarget, type FunctionTarget } from "./lookup.js";

/** AWS's texts for event-invoke configs (§9). */
export const EVENT_INVOKE_CONFIG_MESSAGES = {
  /** #70. */
  nothingToSet: "You must specify at least one of error handling or destination setting.",
  /** #71: Put, Update and List on a missing function, Put on a missing qualifier. */
  noFunction: "The function doesn't exist.",
  /** #72. */
  noConfig: (qualifiedArn: string) => `The function ${qualifiedArn} doesn't have an EventInvokeConfig`,
  /** #73: a Lambda destination that does not exist. */
  invalidDestination: (arn: string) => `The destination ARN ${arn} is invalid.`,
  /** #73. */
  selfDestination: "You can't specify the function as a destination for itself.",
  /** #73: a service that cannot be a destination (recorded for OnSuccess; the OnFailure form is INFERRED). */
  invalidConfig: (onSuccess: string, onFailure: string) =>
    `The provided destination config DestinationConfig(onSuccess=${onSuccess}, onFailure=${onFailure}) is invalid.`,
} as const;

/** The services Lambda sends asynchronous results to (S3 only for failures), per the developer guide. */
const DESTINATION_SERVICES = {
  onSuccess: ["sqs", "sns", "lambda", "events"],
  onFailure: ["sqs", "sns", "lambda", "events", "s3"],
};

/** One destination side as a request gives it: present (maybe without a Destination) or absent. */
export type DestinationInput = { readonly destination: string | undefined } | undefined;

/** The members of Put/UpdateFunctionEventInvokeConfig after validation. */
export interface EventInvokeConfigInput {
  readonly maximumRetryAttempts: number | undefined;
  readonly maximumEventAgeInSeconds: number | undefined;
  /** Undefined when DestinationConfig was not given. */
  readonly destinationConfig:
    { readonly onSuccess: DestinationInput; readonly onFailure: DestinationInput } | undefined;
}

/** A config with the function it belongs to, for its wire shape. */
export interface EventInvokeConfigView {
  readonly fn: FunctionVersion;
  readonly config: EventInvokeConfig;
}

/** Event-invoke configs over the store. */
export class EventInvokeConfigService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** The function and the qualifier a config call names; without a qualifier it is `$LATEST` (#67). */
  private target(ctx: RequestContext, functionName: string, qualifier: string | undefined) {
    const target: FunctionTarget = resolveTarget(ctx, functionName, qualifier);
    return { name: target.name, qualifier: target.qualifier ?? LATEST };
  }

  /** The function, when it exists with that qualifier. */
  private async existing(
    ctx: RequestContext,
    name: string,
    qualifier: string,
  ): Promise<FunctionVersion | undefined> {
    const fn = await findFunction(this.storage, ctx, name);
    return fn && (await qualifierExists(this.storage, fn, qualifier)) ? fn : undefined;
  }

  /** PutFunctionEventInvokeConfig: replaces the qualifier's whole config (#68). */
  async put(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    input: EventInvokeConfigInput,
  ): Promise<EventInvokeConfigView> {
    requireSomething(input);
    const t = this.target(ctx, functionName, qualifier);
    return this.storage.transaction(async () => {
      const fn = await this.existing(ctx, t.name, t.qualifier);
      if (!fn) {
        throw new ResourceNotFoundException(EVENT_INVOKE_CONFIG_MESSAGES.noFunction);
      }
      await this.checkDestinations(ctx, fn, input);
      const config = this.record(t.qualifier, input);
      await this.storage.functionSettings.putEventInvokeConfig(fn.id, config);
      return { fn, config };
    });
  }

  /** UpdateFunctionEventInvokeConfig: changes only the members given (#68). */
  async update(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    input: EventInvokeConfigInput,
  ): Promise<EventInvokeConfigView> {
    requireSomething(input);
    const t = this.target(ctx, functionName, qualifier);
    return this.storage.transaction(async () => {
      const fn = await findFunction(this.storage, ctx, t.name);
      if (!fn) {
        throw new ResourceNotFoundException(EVENT_INVOKE_CONFIG_MESSAGES.noFunction);
      }
      const before = await this.stored(ctx, fn, t.name, t.qualifier);
      await this.checkDestinations(ctx, fn, input);
      const config = this.record(t.qualifier, {
        maximumRetryAttempts: input.maximumRetryAttempts ?? before.maximumRetryAttempts,
        maximumEventAgeInSeconds: input.maximumEventAgeInSeconds ?? before.maximumEventAgeInSeconds,
        destinationConfig: input.destinationConfig ?? {
          onSuccess: before.onSuccess,
          onFailure: before.onFailure,
        },
      });
      await this.storage.functionSettings.putEventInvokeConfig(fn.id, config);
      return { fn, config };
    });
  }

  /** GetFunctionEventInvokeConfig. */
  async get(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
  ): Promise<EventInvokeConfigView> {
    const t = this.target(ctx, functionName, qualifier);
    const fn = await findFunction(this.storage, ctx, t.name);
    if (!fn) {
      throw new ResourceNotFoundException(
        EVENT_INVOKE_CONFIG_MESSAGES.noConfig(arnIn(ctx, t.name, t.qualifier)),
      );
    }
    return { fn, config: await this.stored(ctx, fn, t.name, t.qualifier) };
  }

  /** DeleteFunctionEventInvokeConfig. */
  async delete(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<void> {
    const t = this.target(ctx, functionName, qualifier);
    await this.storage.transaction(async () => {
      const fn = await findFunction(this.storage, ctx, t.name);
      if (!fn || !(await this.storage.functionSettings.deleteEventInvokeConfig(fn.id, t.qualifier))) {
        throw new ResourceNotFoundException(
          EVENT_INVOKE_CONFIG_MESSAGES.noConfig(arnIn(ctx, t.name, t.qualifier)),
        );
      }
    });
  }

  /** ListFunctionEventInvokeConfigs: every qualifier's config, by qualifier, at most 50 a page (#74). */
  async list(
    ctx: RequestContext,
    functionName: string,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ items: EventInvokeConfigView[]; nextMarker: string | undefined }> {
    const t = resolveTarget(ctx, functionName);
    const fn = await findFunction(this.storage, ctx, t.name);
    if (!fn) {
      throw new ResourceNotFoundException(EVENT_INVOKE_CONFIG_MESSAGES.noFunction);
    }
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = Math.min(maxItems ?? 50, 50);
    const found = await this.storage.functionSettings.listEventInvokeConfigs(fn.id, after, limit + 1);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((config) => ({ fn, config })),
      nextMarker: found.length > limit && last ? encodeMarker(last.qualifier) : undefined,
    };
  }

  /** The config an `Event` invocation of `qualifier` runs under, if one is set. */
  configFor(fn: FunctionVersion, qualifier: string): Promise<EventInvokeConfig | undefined> {
    return this.storage.functionSettings.eventInvokeConfig(fn.id, qualifier);
  }

  private async stored(
    ctx: RequestContext,
    fn: FunctionVersion,
    name: string,
    qualifier: string,
  ): Promise<EventInvokeConfig> {
    const config = await this.storage.functionSettings.eventInvokeConfig(fn.id, qualifier);
    if (!config) {
      throw new ResourceNotFoundException(EVENT_INVOKE_CONFIG_MESSAGES.noConfig(arnIn(ctx, name, qualifier)));
    }
    return config;
  }

  private record(qualifier: string, input: EventInvokeConfigInput): EventInvokeConfig {
    return {
      qualifier,
      maximumRetryAttempts: input.maximumRetryAttempts,
      maximumEventAgeInSeconds: input.maximumEventAgeInSeconds,
      onSuccess: input.destinationConfig?.onSuccess,
      onFailure: input.destinationConfig?.onFailure,
      lastModified: this.clock().getTime(),
    };
  }

  /** The destinations' checks of #73, OnSuccess first. */
  private async checkDestinations(
    ctx: RequestContext,
    fn: FunctionVersion,
    input: EventInvokeConfigInput,
  ): Promise<void> {
    const sides = input.destinationConfig;
    if (!sides) {
      return;
    }
    for (const side of ["onSuccess", "onFailure"] as const) {
      const arn = sides[side]?.destination;
      if (arn === undefined) {
        continue;
      }
      const service = /^arn:[^:]+:([^:]+):/.exec(arn)?.[1];
      if (service === undefined || !DESTINATION_SERVICES[side].includes(service)) {
        const shown = (s: "onSuccess" | "onFailure", type: string) =>
          sides[s] === undefined ? "null" : `${type}(destination=${sides[s]?.destination ?? "null"})`;
        throw new InvalidParameterValueException(
          EVENT_INVOKE_CONFIG_MESSAGES.invalidConfig(
            shown("onSuccess", "OnSuccess"),
            shown("onFailure", "OnFailure"),
          ),
        );
      }
      if (service === "lambda") {
        await this.checkLambdaDestination(ctx, fn, arn);
      }
    }
  }

  private async checkLambdaDestination(ctx: RequestContext, fn: FunctionVersion, arn: string): Promise<void> {
    const parts = parseFunctionName(arn);
    const accountId = parts?.accountId ?? ctx.accountId;
    const region = parts?.region ?? ctx.region;
    if (parts && parts.name === fn.name && accountId === fn.accountId && region === fn.region) {
      throw new InvalidParameterValueException(EVENT_INVOKE_CONFIG_MESSAGES.selfDestination);
    }
    if (!parts || !(await this.storage.functions.get(accountId, region, parts.name))) {
      throw new InvalidParameterValueException(EVENT_INVOKE_CONFIG_MESSAGES.invalidDestination(arn));
    }
  }
}

/** #70: a config call must set something. */
function requireSomething(input: EventInvokeConfigInput): void {
  if (
    input.maximumRetryAttempts === undefined &&
    input.maximumEventAgeInSeconds === undefined &&
    input.destinationConfig === undefined
  ) {
    throw new InvalidParameterValueException(EVENT_INVOKE_CONFIG_MESSAGES.nothingToSet);
  }
}
