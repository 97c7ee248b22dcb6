/** Handlers for the operations of the model lamina does not serve yet: a clear 501 naming the operation. */
import { NotImplementedException } from "../errors.js";
import type { OperationName } from "./operations.js";
import type { Handler } from "./types.js";

/** A 501 handler for each named operation. */
export function notImplemented<K extends OperationName>(operations: readonly K[]): Record<K, Handler> {
  const table = {} as Record<K, Handler>;
  for (const operation of operations) {
    table[operation] = () => {
      throw new NotImplementedException(operation);
    };
  }
  return table;
}
