/**
 * The Invoke operation: invocation types, log tails, payload limits and the function-error headers of
 * `docs/reference/aws-lambda-execution.md` §A7.
 */
import {
  InvalidRequestContentException,
  RequestEntityTooLargeException,
  TooManyRequestsException,
} from "../../errors.js";
import { LATEST } from "../../arn.js";
import { logTail } from "../../execution/logs.js";
import type { FunctionService, FunctionView } from "../../domain/functions/service.js";
import { checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import type { Call, Handler, Reply } from "./types.js";
import { Constraint, Violations } from "../../validation.js";
import { EVENT_DEFAULTS, type AsyncInvokeQueue, type EventOutcome } from "../../domain/invoke/async-queue.js";
import type { Invoker } from "../../domain/invoke/invoker.js";
import type { ConcurrencyService } from "../../domain/functions/concurrency.js";
import type { EventInvokeConfigService } from "../../domain/functions/event-invoke-configs.js";
import type { FunctionPermissionService } from "../../domain/functions/permissions.js";

/** What Invoke asks besides the function: its reservation and its event-invoke config. */
export interface InvokeSettings {
  readonly concurrency: ConcurrencyService;
  readonly eventConfigs: EventInvokeConfigService;
  /** Lets a caller of another account invoke a function whose policy allows it. */
  readonly permissions: FunctionPermissionService;
}

/** §A7: asynchronous payloads are limited to 1 MB (the message's byte count is INFERRED from that). */
export const MAX_EVENT_PAYLOAD = 1_048_576;
/** §A7: the client context header holds at most 3583 bytes of base64. */
const MAX_CLIENT_CONTEXT = 3583;
const INVOCATION_TYPES = ["Event", "RequestResponse", "DryRun"] as const;
const LOG_TYPES = ["None", "Tail"] as const;

function header(call: Call, name: string): string | undefined {
  const v = call.headers[name];
  return typeof v === "string" ? v : undefined;
}

/** The payload as the runtime receives it: the body, `{}` when empty; not JSON → InvalidRequestContentException. */
function payloadOf(body: Buffer): Buffer {
  if (body.length === 0) {
    return Buffer.from("{}");
  }
  try {
    JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new InvalidRequestContentException(
      `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
    );
  }
  return body;
}

/** Handler for Invoke. */
export function invokeHandlers(
  functions: FunctionService,
  invoker: Invoker,
  events: AsyncInvokeQueue,
  settings: InvokeSettings,
): { Invoke: Handler } {
  /** Runs one invocation through the shared path (reserved concurrency, executor, AWS's runtime errors). */
  const run = (view: FunctionView, requestId: string, payload: Buffer, clientContext?: string) =>
    invoker.run(view.fn, view.qualifier, requestId, payload, clientContext);

  /** One attempt of an Event invocation: refused outright at reservation 0, throttled beyond it (§8 #66). */
  const attempt = async (
    view: FunctionView,
    requestId: string,
    payload: Buffer,
    clientContext: string | undefined,
  ): Promise<EventOutcome> => {
    if ((await settings.concurrency.reservedFor(view.fn)) === 0) {
      return "refused";
    }
    try {
      return (await run(view, requestId, payload, clientContext)).functionError ? "failed" : "succeeded";
    } catch (err) {
      if (err instanceof TooManyRequestsException) {
        return "throttled";
      }
      throw err;
    }
  };

  return {
    Invoke: async (call): Promise<Reply> => {
      const name = call.params.FunctionName ?? "";
      const qualifier = call.query.get("Qualifier") ?? undefined;
      const invocationType = header(call, "x-amz-invocation-type") ?? "RequestResponse";
      const logType = header(call, "x-amz-log-type") ?? "None";
      const clientContextB64 = header(call, "x-amz-client-context");
      const v = new Violations();
      checkNamespacedFunctionName(v, name, qualifier);
      if (!(INVOCATION_TYPES as readonly string[]).includes(invocationType)) {
        v.add(invocationType, "invocationType", Constraint.enumSet(INVOCATION_TYPES));
      }
      if (!(LOG_TYPES as readonly string[]).includes(logType)) {
        v.add(logType, "logType", Constraint.enumSet(LOG_TYPES));
      }
      v.string(clientContextB64, "clientContext", { max: MAX_CLIENT_CONTEXT });
      v.throwIfAny();
      if (invocationType === "Event" && call.rawBody.length > MAX_EVENT_PAYLOAD) {
        throw new RequestEntityTooLargeException(
          `Request must be smaller than ${MAX_EVENT_PAYLOAD} bytes for the InvokeFunction operation`,
          "Message",
        );
      }
      const payload = payloadOf(call.rawBody);
      const ctx = await settings.permissions.contextFor(call.ctx, name, qualifier, "lambda:InvokeFunction");
      // A version, $LATEST, or the version an alias's routing draws for this invoke.
      const view = await functions.forInvoke(ctx, name, qualifier);
      const clientContext =
        clientContextB64 === undefined ? undefined : Buffer.from(clientContextB64, "base64").toString("utf8");
      if (invocationType === "DryRun") {
        return { status: 204 };
      }
      if (invocationType === "Event") {
        // The event runs under the request id the 202 answer carries, as on AWS.
        const requestId = call.ctx.requestId;
        const config = await settings.eventConfigs.configFor(view.fn, view.qualifier ?? LATEST);
        events.push({
          requestId,
          maximumRetryAttempts: config?.maximumRetryAttempts ?? EVENT_DEFAULTS.maximumRetryAttempts,
          maximumEventAgeInSeconds:
            config?.maximumEventAgeInSeconds ?? EVENT_DEFAULTS.maximumEventAgeInSeconds,
          run: () => attempt(view, requestId, payload, clientContext),
        });
        return { status: 202, headers: { "X-Amz-Executed-Version": view.fn.qualifier } };
      }
      const result = await run(view, call.ctx.requestId, payload, clientContext);
      return {
        status: 200,
        rawBody: result.payload,
        headers: {
          "X-Amz-Executed-Version": view.fn.qualifier,
          ...(result.functionError && { "X-Amz-Function-Error": "Unhandled" }),
          ...(logType === "Tail" && { "X-Amz-Log-Result": logTail(result.log) }),
        },
      };
    },
  };
}
