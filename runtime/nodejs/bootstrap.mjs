// lamina's Node.js runtime client: loads the user's handler and serves the Lambda Runtime API
// (2018-06-01) the way AWS's nodejs20.x runtime does. Standard library only; Node 18 or later.
//
// HOW LAMINA STARTS IT (cwd = LAMBDA_TASK_ROOT):
//
//     node --expose-gc --max-http-header-size=81920 --no-experimental-require-module <dir>/bootstrap.mjs
//
// - --expose-gc and --max-http-header-size=81920 are what AWS's own bootstrap passes.
// - --no-experimental-require-module is what AWS passes for nodejs20.x and nodejs22.x. It matters: Node
//   20.19+ and 22.12+ turn require(esm) on by default, and then a CommonJS-looking index.js written with
//   `import` loads instead of failing with AWS's "Runtime.UserCodeSyntaxError: SyntaxError: Cannot use
//   import statement outside a module". Node accepts the flag from 20.17 and 22.0; leave it out below.
// - No --import is needed: this file registers resolve-hook.mjs itself with module.register() (Node
//   >= 20.6 or >= 18.19) before it loads any user code, and only when a NODE_PATH entry other than the
//   task root has a node_modules folder (a layer's nodejs/node_modules): the hook thread costs tens of
//   milliseconds of cold start. On Node 18.0 to 18.18 pass `--experimental-loader <dir>/resolve-hook.mjs`.
//
// Environment it reads: _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_RUNTIME_API, NODE_PATH (set by lamina as
// in AWS when the user did not), AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, and optionally
// AWS_LAMBDA_LOG_FORMAT (TEXT | JSON) and AWS_LAMBDA_LOG_LEVEL; LAMINA_DEBUG_PORT (debugger.mjs).
//
// What lamina sees:
// - init failure (the handler cannot be loaded): one POST /2018-06-01/runtime/init/error, then exit 1;
//   an uncaught exception or rejection before the first invoke also posts /init/error, then exits 129/128;
// - each invoke: GET …/invocation/next, then one POST …/invocation/<id>/response or …/<id>/error
//   (header Lambda-Runtime-Function-Error-Type; body {"errorType","errorMessage","trace"});
// - an uncaught exception during an invoke: POST …/<id>/error, then exit 129 (unhandled rejection: 128);
// - every console line on stdout as `<ISO time>\t<request id>\t<LEVEL>\t<message>`, newlines inside a
//   message turned into \r so that one entry is one line.
//
// Written for lamina from the documented behaviour of AWS's runtime; no code was copied from
// aws-lambda-nodejs-runtime-interface-client.
//
// The other files here: runtime-api.mjs (the Runtime API client), handler.mjs (handler loading),
// context.mjs (context object and callback), streaming.mjs (awslambda.streamifyResponse), console.mjs
// (log lines), errors.mjs (Runtime.* errors and error bodies), process-events.mjs (uncaught errors and
// the empty event loop), resolve-hook.mjs (NODE_PATH for `import`), debugger.mjs (LAMINA_DEBUG_PORT).

import * as nodeModule from "node:module";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { REQUEST_ID, TENANT_ID, logError, patchConsole } from "./console.mjs";
import { buildContext, createCompletion, isPromiseLike } from "./context.mjs";
import { NodeJsExit } from "./errors.mjs";
import { loadHandler } from "./handler.mjs";
import { installProcessHandlers, invocationState } from "./process-events.mjs";
import { API_PREFIX, fatal, invocationPath, nextInvocation, postError, postJson } from "./runtime-api.mjs";
import { STREAMING, installAwslambdaGlobal, startStreamingInvocation } from "./streaming.mjs";

installProcessHandlers();
installAwslambdaGlobal();

// ---------------------------------------------------------------------------------------------------
// Invocations

function startInvocation(handler, invocation, next) {
  const { invokeId, headers, body } = invocation;
  invocationState.currentInvokeId = invokeId;
  globalThis[REQUEST_ID] = invokeId;
  globalThis[TENANT_ID] = headers["lambda-runtime-aws-tenant-id"];
  const traceId = headers["lambda-runtime-trace-id"];
  if (traceId) {
    process.env._X_AMZN_TRACE_ID = traceId;
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }

  if (handler[STREAMING] === "response") {
    startStreamingInvocation(handler, invocation, next);
    return;
  }

  const completion = createCompletion(invokeId, next);
  // Nothing reported and nothing left to run: a plain handler that never called back answers null; an
  // async one whose promise never settled is an error.
  invocationState.onEmptyEventLoop = () => {
    invocationState.onEmptyEventLoop = () => {};
    completion.markReported();
    if (util.types.isAsyncFunction(handler)) {
      const error = new NodeJsExit();
      logError("Invoke Error", error);
      postError(invocationPath(invokeId, "error"), error).then(next, fatal);
    } else {
      postJson(invocationPath(invokeId, "response"), "null").then(next, fatal);
    }
  };

  try {
    const result = handler(JSON.parse(body), buildContext(completion.context, headers), completion.callback);
    if (isPromiseLike(result)) {
      result.then(completion.context.succeed, completion.context.fail).catch(completion.context.fail);
    }
  } catch (error) {
    completion.callback(error);
  }
}

function runLoop(handler, debuggerSession) {
  const next = () => {
    if (invocationState.exiting) {
      return;
    }
    setImmediate(() => {
      nextInvocation().then((invocation) => {
        if (!invocationState.exiting) {
          debuggerSession?.beforeInvoke();
          startInvocation(handler, invocation, next);
        }
      }, fatal);
    });
  };
  next();
}

// ---------------------------------------------------------------------------------------------------
// Init

/**
 * Whether any NODE_PATH entry can supply packages that `import` would not find anyway: an existing
 * node_modules folder that is, or is inside, an entry other than the task root (whose node_modules Node
 * already searches for the function's own files). In lamina's layout that means a layer that ships
 * nodejs/node_modules or nodejs/node20/node_modules.
 */
function nodePathHasPackages(nodePath, taskRoot) {
  const task = path.resolve(taskRoot);
  return nodePath
    .split(path.delimiter)
    .filter((entry) => entry.length > 0)
    .some((entry) => {
      const dir = path.resolve(entry);
      if (dir === task) {
        return false;
      }
      return fs.existsSync(path.basename(dir) === "node_modules" ? dir : path.join(dir, "node_modules"));
    });
}

function registerResolveHook(taskRoot) {
  const nodePath = process.env.NODE_PATH ?? "";
  // The hooks run on a loader thread that costs tens of milliseconds to start: skip it when NODE_PATH
  // has nothing to offer. Without module.register (Node < 18.19) lamina passes
  // --experimental-loader <dir>/resolve-hook.mjs on the command line instead.
  if (typeof nodeModule.register !== "function" || !nodePathHasPackages(nodePath, taskRoot)) {
    return;
  }
  nodeModule.register("./resolve-hook.mjs", { parentURL: import.meta.url, data: { nodePath } });
}

const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
patchConsole();
registerResolveHook(appRoot);

let userHandler;
let debuggerSession;
try {
  // LAMINA_DEBUG_PORT (lamina's own): wait for a debugger before the handler's module runs. Loaded only then,
  // so that other functions' cold starts do not pay for node:inspector.
  if (process.env.LAMINA_DEBUG_PORT) {
    const { startDebugger } = await import("./debugger.mjs");
    debuggerSession = await startDebugger(process.env.LAMINA_DEBUG_PORT);
  }
  userHandler = await loadHandler(appRoot, process.env._HANDLER ?? "");
} catch (error) {
  logError("Uncaught Exception", error);
  try {
    await postError(`${API_PREFIX}/init/error`, error);
  } catch (postFailure) {
    process.stderr.write(`lamina runtime: could not report the init error: ${postFailure}\n`);
  }
  process.exit(1);
}
runLoop(userHandler, debuggerSession);
