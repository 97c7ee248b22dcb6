/** The handler of an operation of the model that lamina does not serve yet: a clear 501 naming it. */
import { NotImplementedException } from "../../errors.js";
import type { OperationName } from "./operations.js";
import type { Handler } from "./types.js";

/** A 501 handler for `operation`. */
export function notImplemented(operation: OperationName): Handler {
  return () => {
    throw new NotImplementedException(operation);
  };
}
