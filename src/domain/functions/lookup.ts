/**
 * Finding the function a settings operation names (tags, concurrency, event-invoke configs and the read-only
 * configs): the FunctionName rules of `docs/reference/aws-deploy-api.md` §1.5, as `FunctionService` applies them,
 * and the one place that says which qualifiers exist.
 */
import { functionArn, LATEST, parseFunctionName } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { FUNCTION_LOOKUP_MESSAGES } from "./service.js";

/** What a FunctionName addresses in the caller's account and region. */
export interface FunctionTarget {
  readonly name: string;
  /** The qualifier from the name or the query; undefined when neither gave one. */
  readonly qualifier: string | undefined;
}

/** The ARN of `name` in the caller's account and region, qualified when `qualifier` is given. */
export function arnIn(ctx: RequestContext, name: string, qualifier?: string): string {
  return functionArn(
    { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId, name },
    qualifier,
  );
}

/**
 * Resolves a FunctionName: another region's ARN is unreachable (404), another account's is denied with AWS's null
 * message; a qualifier may come from the name or the query, and they must agree (§1.5).
 */
export function resolveTarget(
  ctx: RequestContext,
  functionName: string,
  queryQualifier?: string,
): FunctionTarget {
  const parts = parseFunctionName(functionName);
  if (!parts) {
    throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(arnIn(ctx, functionName)));
  }
  if (parts.region !== undefined && parts.region !== ctx.region) {
    throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.otherRegion(parts.region, ctx.region));
  }
  if (parts.accountId !== undefined && parts.accountId !== ctx.accountId) {
    throw new AccessDeniedException(null);
  }
  if (parts.qualifier !== undefined && queryQualifier !== undefined && parts.qualifier !== queryQualifier) {
    throw new InvalidParameterValueException(FUNCTION_LOOKUP_MESSAGES.qualifierMismatch);
  }
  return { name: parts.name, qualifier: parts.qualifier ?? queryQualifier };
}

/** The function (its `$LATEST`) named `name` in the caller's account and region, if it exists. */
export function findFunction(
  storage: Storage,
  ctx: RequestContext,
  name: string,
): Promise<FunctionVersion | undefined> {
  return storage.functions.get(ctx.accountId, ctx.region, name);
}

/**
 * Whether `qualifier` names a version or alias of `fn`. Only `$LATEST` exists until lamina publishes versions and
 * aliases; this is the one function to change when they land (a version number or an alias of the function).
 */
export function qualifierExists(_fn: FunctionVersion, qualifier: string): Promise<boolean> {
  return Promise.resolve(qualifier === LATEST);
}
