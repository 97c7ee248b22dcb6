/**
 * Reserved concurrency (`docs/reference/aws-deploy-api.md` §8) and GetAccountSettings (§7): the account's limits
 * are AWS's defaults for an established account, its usage and unreserved pool are counted from what is stored.
 */
import { LATEST } from "../../arn.js";
import {
  InvalidParameterValueException,
  ResourceNotFoundException,
  UntypedInvalidParameterValueException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { arnIn, findFunction, resolveTarget } from "./lookup.js";
import { FUNCTION_LOOKUP_MESSAGES, type FunctionChange } from "./service.js";

/** AWS's default account limits (§7, from the documented GetAccountSettings answer). */
export const ACCOUNT_LIMITS = {
  totalCodeSize: 80_530_636_800,
  codeSizeUnzipped: 262_144_000,
  codeSizeZipped: 52_428_800,
  concurrentExecutions: 1000,
} as const;

/** What reservations must leave unreserved in an account (§8 #65). */
export const MINIMUM_UNRESERVED = 100;

/** AWS's texts for reserved concurrency (§8). */
export const CONCURRENCY_MESSAGES = {
  /** #64. */
  qualified:
    "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
  /** #65 (the body carries no `Type`). */
  belowMinimum: `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MINIMUM_UNRESERVED}].`,
} as const;

/** GetAccountSettings' answer, in AWS's terms. */
export interface AccountSettings {
  readonly accountLimit: typeof ACCOUNT_LIMITS & { readonly unreservedConcurrentExecutions: number };
  readonly accountUsage: { readonly totalCodeSize: number; readonly functionCount: number };
}

/** Reserved concurrency over the store. */
export class ConcurrencyService {
  constructor(
    private readonly storage: Storage,
    /** Told when a function's reservation changes (its idle environments retire, so the cap holds at once). */
    private readonly changed: (fn: FunctionChange) => void = () => undefined,
  ) {}

  /** The unqualified function, or AWS's 404 (with `:$LATEST` when `latestInMessage`, as Put says it, §8 #63). */
  private async unqualified(
    ctx: RequestContext,
    functionName: string,
    latestInMessage: boolean,
  ): Promise<FunctionVersion> {
    const target = resolveTarget(ctx, functionName);
    if (target.qualifier !== undefined) {
      throw new InvalidParameterValueException(CONCURRENCY_MESSAGES.qualified);
    }
    const fn = await findFunction(this.storage, ctx, target.name);
    if (!fn) {
      const arn = arnIn(ctx, target.name, latestInMessage ? LATEST : undefined);
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(arn));
    }
    return fn;
  }

  /** PutFunctionConcurrency: reserves `value`, leaving at least 100 unreserved; 0 always works (#65). */
  async put(ctx: RequestContext, functionName: string, value: number): Promise<number> {
    const fn = await this.storage.transaction(async () => {
      const fn = await this.unqualified(ctx, functionName, true);
      const others = await this.storage.functionSettings.totalReserved(ctx.accountId, ctx.region, fn.id);
      if (value > 0 && ACCOUNT_LIMITS.concurrentExecutions - others - value < MINIMUM_UNRESERVED) {
        throw new UntypedInvalidParameterValueException(CONCURRENCY_MESSAGES.belowMinimum);
      }
      await this.storage.functionSettings.setReservedConcurrency(fn.id, value);
      return fn;
    });
    // The reservation is function-wide: every version's environments retire (no qualifier).
    this.changed({ accountId: fn.accountId, region: fn.region, name: fn.name });
    return value;
  }

  /** GetFunctionConcurrency: the reservation, undefined when none is set (#61). */
  async get(ctx: RequestContext, functionName: string): Promise<number | undefined> {
    const fn = await this.unqualified(ctx, functionName, false);
    return this.storage.functionSettings.reservedConcurrency(fn.id);
  }

  /** DeleteFunctionConcurrency (a missing function's text is not recorded: Get's is used). */
  async delete(ctx: RequestContext, functionName: string): Promise<void> {
    const fn = await this.storage.transaction(async () => {
      const fn = await this.unqualified(ctx, functionName, false);
      await this.storage.functionSettings.setReservedConcurrency(fn.id, undefined);
      return fn;
    });
    // The reservation is function-wide: every version's environments retire (no qualifier).
    this.changed({ accountId: fn.accountId, region: fn.region, name: fn.name });
  }

  /** The reservation of a function the caller already holds (GetFunction's `Concurrency`, Invoke's gate). */
  reservedFor(fn: FunctionVersion): Promise<number | undefined> {
    return this.storage.functionSettings.reservedConcurrency(fn.id);
  }

  /** GetAccountSettings for the caller's account in its region. */
  async accountSettings(ctx: RequestContext): Promise<AccountSettings> {
    const reserved = await this.storage.functionSettings.totalReserved(ctx.accountId, ctx.region);
    const usage = await this.storage.functionSettings.usage(ctx.accountId, ctx.region);
    return {
      accountLimit: {
        ...ACCOUNT_LIMITS,
        unreservedConcurrentExecutions: ACCOUNT_LIMITS.concurrentExecutions - reserved,
      },
      accountUsage: usage,
    };
  }
}
