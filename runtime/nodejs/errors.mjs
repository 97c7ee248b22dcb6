// lamina Node.js runtime: the Runtime.* error classes and the error bodies posted to the Runtime API.

import util from "node:util";

class RuntimeError extends Error {}
function runtimeErrorClass(shortName) {
  const ErrorClass = { [shortName]: class extends RuntimeError {} }[shortName];
  ErrorClass.prototype.name = `Runtime.${shortName}`;
  return ErrorClass;
}
export const ImportModuleError = runtimeErrorClass("ImportModuleError");
export const HandlerNotFound = runtimeErrorClass("HandlerNotFound");
export const MalformedHandlerName = runtimeErrorClass("MalformedHandlerName");
export const UserCodeSyntaxError = runtimeErrorClass("UserCodeSyntaxError");
// lamina's own: LAMINA_DEBUG_PORT is set and the inspector cannot listen there (debugger.mjs).
export const DebuggerUnavailable = runtimeErrorClass("DebuggerUnavailable");
const NodeJsExitBase = runtimeErrorClass("NodeJsExit");
export class NodeJsExit extends NodeJsExitBase {
  constructor() {
    super(
      "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
    );
  }
}
const UnhandledPromiseRejectionBase = runtimeErrorClass("UnhandledPromiseRejection");
export class UnhandledPromiseRejection extends UnhandledPromiseRejectionBase {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}

function looksLikeError(value) {
  return Boolean(
    value &&
    typeof value.name === "string" &&
    value.name &&
    typeof value.message === "string" &&
    value.message &&
    typeof value.stack === "string" &&
    value.stack,
  );
}

const DEL = /\x7f/g;

/** The body posted to /invocation/<id>/error and /init/error. */
export function errorBody(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: typeof error.name === "string" ? error.name.replace(DEL, "%7F") : error.name,
        errorMessage: typeof error.message === "string" ? error.message.replace(DEL, "%7F") : error.message,
        trace: error.stack.replace(DEL, "%7F").split("\n"),
      };
    }
    // A thrown string, number, plain object…: its type and text, no trace. (null and undefined have
    // no toString and land in the fallback below, as with AWS.)
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

export function asError(value) {
  return value instanceof Error ? value : new Error(value);
}

/** Error objects as they appear in a log line: name, message, code, own fields, stack as lines. */
function logFields(_key, value) {
  if (!(value instanceof Error)) {
    return value;
  }
  const fields = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === "string") {
    fields.stack = value.stack.split("\n");
  }
  return fields;
}

/** The tab-led JSON that follows "Uncaught Exception" or "Invoke Error" in a text log line. */
export function formatForLog(error) {
  try {
    return "\t" + JSON.stringify(error, logFields);
  } catch {
    return "\t" + JSON.stringify(errorBody(error));
  }
}
