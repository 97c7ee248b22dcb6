/**
 * Reserved concurrency at invoke time (`docs/reference/aws-deploy-api.md` §8 #66): a function with a reservation of
 * N runs at most N invocations at once, in every version, so at most N of its environments are busy; the next
 * one is throttled with AWS's 429, and a reservation of 0 throttles every invocation. The count is this process's
 * own: several team processes sharing one database each allow N.
 */
import { TooManyRequestsException } from "../../errors.js";
import type { FunctionVersion } from "../../storage/types.js";

/** AWS's answer to an invocation over the function's reservation (§8 #66, `Type: User`). */
export const RESERVED_CONCURRENCY_EXCEEDED = {
  message: "Rate Exceeded.",
  reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
} as const;

/** Counts each function's invocations in flight against its reservation. */
export class ConcurrencyGate {
  private readonly inFlight = new Map<string, number>();

  /**
   * Takes one of the function's slots and returns the function that gives it back. Without a reservation it only
   * counts; at the reservation it throws TooManyRequestsException.
   */
  enter(
    fn: Pick<FunctionVersion, "accountId" | "region" | "name">,
    reserved: number | undefined,
  ): () => void {
    const key = `${fn.accountId}/${fn.region}/${fn.name}`;
    const busy = this.inFlight.get(key) ?? 0;
    if (reserved !== undefined && busy >= reserved) {
      throw new TooManyRequestsException(
        RESERVED_CONCURRENCY_EXCEEDED.message,
        RESERVED_CONCURRENCY_EXCEEDED.reason,
      );
    }
    this.inFlight.set(key, busy + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(key, left);
      } else {
        this.inFlight.delete(key);
      }
    };
  }
}
