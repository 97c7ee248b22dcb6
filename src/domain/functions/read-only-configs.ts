/**
 * The per-function configs lamina answers but never changes: code signing (none), runtime management (`Auto`) and
 * recursive-loop detection (`Terminate`), each the default AWS reports for a function that never set one
 * (`docs/reference/aws-deploy-api.md` §10; the recursion default from the model's documentation).
 */
import { ResourceNotFoundException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { arnIn, findFunction, qualifierExists, resolveTarget } from "./lookup.js";
import { FUNCTION_LOOKUP_MESSAGES } from "./service.js";

/** The function a read names, with the qualifier the caller gave (404 as GetFunction says it otherwise). */
export interface AddressedFunction {
  readonly fn: FunctionVersion;
  readonly qualifier: string | undefined;
}

/** Reads of the fixed configs. */
export class ReadOnlyConfigs {
  constructor(private readonly storage: Storage) {}

  /** The function and qualifier named, or `Function not found: <arn>` (qualified as asked, §10 #76). */
  async addressed(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
  ): Promise<AddressedFunction> {
    const target = resolveTarget(ctx, functionName, qualifier);
    const fn = await findFunction(this.storage, ctx, target.name);
    if (
      !fn ||
      (target.qualifier !== undefined && !(await qualifierExists(this.storage, fn, target.qualifier)))
    ) {
      throw new ResourceNotFoundException(
        FUNCTION_LOOKUP_MESSAGES.notFound(arnIn(ctx, target.name, target.qualifier)),
      );
    }
    return { fn, qualifier: target.qualifier };
  }
}
