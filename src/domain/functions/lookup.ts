/**
 * Finding the function a settings operation names (tags, concurrency, event-invoke configs and the read-only
 * configs): the FunctionName rules of `docs/reference/aws-deploy-api.md` §1.5, as `FunctionService` applies them,
 * and the one place that says which qualifiers exist.
 */
import { functionArn } from "../../arn.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { FunctionResolver } from "./resolve.js";

/** What a FunctionName addresses in the caller's account and region (`resolve.ts` is the one place that says). */
export type { FunctionTarget } from "./resolve.js";
export { resolveTarget } from "./resolve.js";

/** The ARN of `name` in the caller's account and region, qualified when `qualifier` is given. */
export function arnIn(ctx: RequestContext, name: string, qualifier?: string): string {
  return functionArn(
    { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId, name },
    qualifier,
  );
}

/** The function (its `$LATEST`) named `name` in the caller's account and region, if it exists. */
export function findFunction(
  storage: Storage,
  ctx: RequestContext,
  name: string,
): Promise<FunctionVersion | undefined> {
  return storage.functions.get(ctx.accountId, ctx.region, name);
}

/** Whether `qualifier` names something of `fn`: `$LATEST`, a published version or an alias (`FunctionResolver`). */
export function qualifierExists(storage: Storage, fn: FunctionVersion, qualifier: string): Promise<boolean> {
  return new FunctionResolver(storage).qualifierExists(fn, qualifier);
}
