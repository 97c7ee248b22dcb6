// lamina Node.js runtime: the context object handed to the handler, and the callback and legacy
// context.succeed/fail/done that report an invoke's outcome.

import { logError } from "./console.mjs";
import { fatal, invocationPath, postError, postJson } from "./runtime-api.mjs";
import { invocationState } from "./process-events.mjs";

function serializeResult(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error("Unable to stringify response body");
  }
}

function parseJsonHeader(value, name) {
  if (value === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${error.toString()}`);
  }
}

/**
 * The callback, the legacy context.succeed/fail/done, and callbackWaitsForEmptyEventLoop for one invoke.
 * Whichever of callback/succeed/fail/done is called first decides the outcome; later calls do nothing.
 */
export function createCompletion(invokeId, next) {
  let waitForEmptyEventLoop = true;
  let reported = false;
  let settled = false;

  const reportError = (error) => {
    logError("Invoke Error", error);
    postError(invocationPath(invokeId, "error"), error).then(next, fatal);
  };
  const reportResult = (result) => {
    if (reported) {
      console.error(
        "Invocation has already been reported as done. Cannot call complete more than once per invocation.",
      );
      return;
    }
    reported = true;
    const body = serializeResult(result);
    postJson(invocationPath(invokeId, "response"), body).then(next, fatal);
  };

  const callback = (error, result) => {
    invocationState.onEmptyEventLoop = () => {};
    if (error !== undefined && error !== null) {
      reportError(error);
    } else if (!waitForEmptyEventLoop) {
      reportResult(result);
    } else {
      invocationState.onEmptyEventLoop = () => {
        invocationState.onEmptyEventLoop = () => {};
        setImmediate(() => reportResult(result));
      };
    }
  };
  const done = (error, result) => {
    invocationState.onEmptyEventLoop = () => {};
    if (error !== undefined && error !== null) {
      reportError(error);
    } else {
      reportResult(result);
    }
  };
  const succeed = (result) => done(null, result);
  const fail = (error) => (error === undefined || error === null ? done("handled") : done(error, null));

  const firstOnly = (fn) =>
    function () {
      if (!settled) {
        fn.apply(null, arguments);
        settled = true;
      }
    };

  return {
    callback: firstOnly(callback),
    context: {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed: firstOnly(succeed),
      fail: firstOnly(fail),
      done: firstOnly(done),
    },
    markReported() {
      reported = true;
    },
    reportResult,
    reportError,
  };
}

export function buildContext(base, headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return Object.assign(
    base,
    {
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    {
      clientContext: parseJsonHeader(headers["lambda-runtime-client-context"], "ClientContext"),
      identity: parseJsonHeader(headers["lambda-runtime-cognito-identity"], "CognitoIdentity"),
      invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
      awsRequestId: headers["lambda-runtime-aws-request-id"],
      tenantId: headers["lambda-runtime-aws-tenant-id"],
      getRemainingTimeInMillis: function getRemainingTimeInMillis() {
        return deadline - Date.now();
      },
    },
  );
}

export function isPromiseLike(value) {
  return Boolean(value && typeof value.then === "function");
}
