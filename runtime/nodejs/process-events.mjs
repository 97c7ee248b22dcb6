// lamina Node.js runtime: process-level errors and the empty event loop. Before the first invoke they
// are init errors; afterwards they belong to the invoke in progress.

import { logError } from "./console.mjs";
import { UnhandledPromiseRejection } from "./errors.mjs";
import { API_PREFIX, invocationPath, postError } from "./runtime-api.mjs";

/** What the process-level handlers need to know about the invoke in progress; the invoke code updates it. */
export const invocationState = {
  currentInvokeId: undefined,
  // Set once a fatal error is being reported: no further invocation is started or handled.
  exiting: false,
  // The event loop ran empty while an invoke was open: what happens depends on how the handler ended.
  onEmptyEventLoop: () => {},
};

function reportAndExit(error, exitCode) {
  invocationState.exiting = true;
  const urlPath =
    invocationState.currentInvokeId === undefined
      ? `${API_PREFIX}/init/error`
      : invocationPath(invocationState.currentInvokeId, "error");
  postError(urlPath, error).then(
    () => process.exit(exitCode),
    () => process.exit(exitCode),
  );
}

export function installProcessHandlers() {
  process.on("uncaughtException", (error) => {
    logError("Uncaught Exception", error);
    reportAndExit(error, 129);
  });

  process.on("unhandledRejection", (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError("Unhandled Promise Rejection", error);
    reportAndExit(error, 128);
  });

  process.on("beforeExit", () => invocationState.onEmptyEventLoop());
}
