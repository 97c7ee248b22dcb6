// lamina Node.js runtime: console methods that write one log entry per line, as text or JSON
// (AWS_LAMBDA_LOG_FORMAT), filtered by AWS_LAMBDA_LOG_LEVEL.

import util from "node:util";
import { asError, formatForLog } from "./errors.mjs";

export const REQUEST_ID = Symbol.for("aws.lambda.runtime.requestId");
export const TENANT_ID = Symbol.for("aws.lambda.runtime.tenantId");
const LEVELS = {
  TRACE: 1,
  DEBUG: 2,
  INFO: 3,
  WARN: 4,
  ERROR: 5,
  FATAL: 6,
};
const useJsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT ?? "").toUpperCase() === "JSON";

function writeLine(line) {
  process.stdout.write(line.replace(/\n/g, "\r") + "\n");
}

function textLine(level, args) {
  return `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${util.format(...args)}`;
}

function jsonErrorFields(_key, value) {
  if (!(value instanceof Error)) {
    return value;
  }
  return Object.assign(
    {
      errorType: value?.constructor?.name ?? "UnknownError",
      errorMessage: value.message,
      stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
    },
    value,
  );
}

function jsonLine(level, args) {
  const entry = { timestamp: new Date().toISOString(), level, requestId: globalThis[REQUEST_ID] };
  const tenantId = globalThis[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) {
    entry.tenantId = tenantId;
  }
  if (args.length === 1) {
    entry.message = args[0];
    try {
      return JSON.stringify(entry, jsonErrorFields);
    } catch {
      entry.message = util.format(entry.message);
      return JSON.stringify(entry);
    }
  }
  entry.message = util.format(...args);
  const firstError = args.find((arg) => arg instanceof Error);
  if (firstError) {
    entry.errorType = firstError?.constructor?.name ?? "UnknownError";
    entry.errorMessage = firstError.message;
    entry.stackTrace = typeof firstError.stack === "string" ? firstError.stack.split("\n") : [];
  }
  return JSON.stringify(entry);
}

export function patchConsole() {
  const threshold = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? "").toUpperCase()] ?? LEVELS.TRACE;
  const format = useJsonLogs ? jsonLine : textLine;
  const method = (level) =>
    LEVELS[level] >= threshold
      ? (message, ...params) => writeLine(format(level, [message, ...params]))
      : () => {};
  console.trace = method("TRACE");
  console.debug = method("DEBUG");
  console.info = method("INFO");
  console.log = console.info;
  console.warn = method("WARN");
  console.error = method("ERROR");
  console.fatal = (message, ...params) => writeLine(format("FATAL", [message, ...params]));
}

/** "Uncaught Exception", "Invoke Error", …: the runtime's own error lines, at level ERROR. */
export function logError(label, error) {
  if (useJsonLogs) {
    console.error(asError(error));
  } else {
    console.error(label, formatForLog(asError(error)));
  }
}
