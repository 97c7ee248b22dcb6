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
// AWS_LAMBDA_LOG_FORMAT (TEXT | JSON) and AWS_LAMBDA_LOG_LEVEL.
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

import * as nodeModule from "node:module";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import util from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const RUNTIME_DIR = path.dirname(fileURLToPath(import.meta.url));
const API_PREFIX = "/2018-06-01/runtime";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";

// CommonJS loading goes through a require rooted at "<runtime dir>/index.mjs", the file name AWS's
// runtime has, so a missing module reads "Require stack:\n- /var/task/index.js\n- /var/runtime/index.mjs"
// when lamina mounts this folder at /var/runtime. The file itself need not exist.
const runtimeRequire = nodeModule.createRequire(path.join(RUNTIME_DIR, "index.mjs"));

// ---------------------------------------------------------------------------------------------------
// Errors

class RuntimeError extends Error {}
function runtimeErrorClass(shortName) {
  const ErrorClass = { [shortName]: class extends RuntimeError {} }[shortName];
  ErrorClass.prototype.name = `Runtime.${shortName}`;
  return ErrorClass;
}
const ImportModuleError = runtimeErrorClass("ImportModuleError");
const HandlerNotFound = runtimeErrorClass("HandlerNotFound");
const MalformedHandlerName = runtimeErrorClass("MalformedHandlerName");
const UserCodeSyntaxError = runtimeErrorClass("UserCodeSyntaxError");
const NodeJsExitBase = runtimeErrorClass("NodeJsExit");
class NodeJsExit extends NodeJsExitBase {
  constructor() {
    super(
      "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
    );
  }
}
const UnhandledPromiseRejectionBase = runtimeErrorClass("UnhandledPromiseRejection");
class UnhandledPromiseRejection extends UnhandledPromiseRejectionBase {
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
function errorBody(error) {
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

function asError(value) {
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
function formatForLog(error) {
  try {
    return "\t" + JSON.stringify(error, logFields);
  } catch {
    return "\t" + JSON.stringify(errorBody(error));
  }
}

// ---------------------------------------------------------------------------------------------------
// Console

const REQUEST_ID = Symbol.for("aws.lambda.runtime.requestId");
const TENANT_ID = Symbol.for("aws.lambda.runtime.tenantId");
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

function patchConsole() {
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
function logError(label, error) {
  if (useJsonLogs) {
    console.error(asError(error));
  } else {
    console.error(label, formatForLog(asError(error)));
  }
}

// ---------------------------------------------------------------------------------------------------
// Runtime API client

function parseRuntimeApi(value) {
  if (!value) {
    throw new Error("AWS_LAMBDA_RUNTIME_API is not set");
  }
  const url = new URL(`http://${value}`);
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port || 80) };
}

const api = parseRuntimeApi(process.env.AWS_LAMBDA_RUNTIME_API);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One request to the Runtime API; resolves with status, headers and the body as a string. */
function apiRequest(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { hostname: api.hostname, port: api.port, method, path: urlPath, agent, headers },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

function headerValue(value, fallback) {
  const text = value === undefined || value === null ? fallback : String(value);
  return /^[\x20-\x7e]*$/.test(text) ? text : fallback;
}

function serializeResult(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error("Unable to stringify response body");
  }
}

async function postJson(urlPath, bodyString, headers = {}) {
  const response = await apiRequest("POST", urlPath, bodyString, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(bodyString),
    ...headers,
  });
  if (response.status !== 202) {
    process.stderr.write(`lamina runtime: POST ${urlPath} answered ${response.status}: ${response.body}\n`);
  }
  return response;
}

function postError(urlPath, error) {
  const body = errorBody(error);
  return postJson(urlPath, JSON.stringify(body), {
    [ERROR_TYPE_HEADER]: headerValue(body.errorType, "Runtime.Unknown"),
  });
}

const invocationPath = (id, what) => `${API_PREFIX}/invocation/${encodeURIComponent(id)}/${what}`;

/** Give up on the Runtime API (lamina has gone or answers nonsense): nothing more can be reported. */
function fatal(error) {
  process.stderr.write(`lamina runtime: ${error?.stack ?? error}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------
// Process-level errors. Before the first invoke they are init errors; afterwards they belong to the
// invoke in progress.

let currentInvokeId;
// Set once a fatal error is being reported: no further invocation is started or handled.
let exiting = false;

function reportAndExit(error, exitCode) {
  exiting = true;
  const urlPath =
    currentInvokeId === undefined ? `${API_PREFIX}/init/error` : invocationPath(currentInvokeId, "error");
  postError(urlPath, error).then(
    () => process.exit(exitCode),
    () => process.exit(exitCode),
  );
}

process.on("uncaughtException", (error) => {
  logError("Uncaught Exception", error);
  reportAndExit(error, 129);
});

process.on("unhandledRejection", (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError("Unhandled Promise Rejection", error);
  reportAndExit(error, 128);
});

// The event loop ran empty while an invoke was open: what happens depends on how the handler ended.
let onEmptyEventLoop = () => {};
process.on("beforeExit", () => onEmptyEventLoop());

// ---------------------------------------------------------------------------------------------------
// Handler loading (AWS's rules for "dir/module.nested.fn")

function hasTypeModule(folder) {
  if (folder.endsWith("/node_modules")) {
    return false;
  }
  const packageJson = path.join(folder, "package.json");
  if (fs.existsSync(packageJson)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(packageJson, "utf8"));
      if (parsed) {
        return parsed.type === "module";
      }
    } catch (error) {
      console.warn(
        `${packageJson} cannot be read, it will be ignored for ES module detection purposes.`,
        error,
      );
      return false;
    }
  }
  if (folder === "/" || path.dirname(folder) === folder) {
    return false;
  }
  return hasTypeModule(path.resolve(folder, ".."));
}

function requireIfExists(file) {
  return fs.existsSync(file) ? runtimeRequire(file) : undefined;
}

async function importIfExists(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  // 1. A file with exactly that name, no extension, is CommonJS.
  const extensionless = requireIfExists(base);
  if (extensionless) {
    return extensionless;
  }
  // 2. <name>.js through require, unless the nearest package.json says "type": "module".
  const jsIsModule = fs.existsSync(base + ".js") ? hasTypeModule(path.dirname(base + ".js")) : false;
  if (!jsIsModule) {
    const loaded = requireIfExists(base + ".js");
    if (loaded) {
      return loaded;
    }
  }
  // 3. import() of <name>.js (module type) then <name>.mjs; 4. require of <name>.cjs.
  const loaded =
    (jsIsModule && (await importIfExists(base + ".js"))) ||
    (await importIfExists(base + ".mjs")) ||
    requireIfExists(base + ".cjs");
  if (loaded) {
    return loaded;
  }
  // 5. Node's own lookup of the bare name from the task root (node_modules, package "main", …).
  return runtimeRequire(runtimeRequire.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes("..")) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(moduleAndHandler));
  const match = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!match) {
    throw new MalformedHandlerName("Bad handler");
  }
  const [, moduleName, handlerPath] = match;

  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserCodeSyntaxError(error);
    }
    if (error?.code === "MODULE_NOT_FOUND") {
      throw new ImportModuleError(error);
    }
    // ES module errors (ERR_MODULE_NOT_FOUND, …) and errors thrown by the module itself pass unchanged.
    throw error;
  }

  const handler = handlerPath.split(".").reduce((object, key) => object && object[key], userModule);
  if (!handler) {
    throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new HandlerNotFound(`${fullHandler} is not a function`);
  }
  return handler;
}

// ---------------------------------------------------------------------------------------------------
// Response streaming (awslambda.streamifyResponse). lamina has no streaming invoke yet: the stream is
// collected and posted as one ordinary response when the handler has finished and ended the stream.

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HIGH_WATER_MARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";

function createCollectingStream(highWaterMark) {
  const chunks = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  stream.contentType = "application/octet-stream";
  stream.setContentType = (contentType) => {
    stream.contentType = contentType;
  };
  stream.collected = () => Buffer.concat(chunks);
  return stream;
}

class HttpResponseStream {
  static from(stream, prelude) {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    stream.write(JSON.stringify(prelude));
    stream.write(new Uint8Array(8));
    return stream;
  }
}

if (
  process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== "1" &&
  process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== "true"
) {
  globalThis.awslambda = {
    streamifyResponse(handler, options) {
      handler[STREAMING] = "response";
      if (typeof options?.highWaterMark === "number") {
        handler[HIGH_WATER_MARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

// ---------------------------------------------------------------------------------------------------
// Invocations

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
function createCompletion(invokeId, next) {
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
    onEmptyEventLoop = () => {};
    if (error !== undefined && error !== null) {
      reportError(error);
    } else if (!waitForEmptyEventLoop) {
      reportResult(result);
    } else {
      onEmptyEventLoop = () => {
        onEmptyEventLoop = () => {};
        setImmediate(() => reportResult(result));
      };
    }
  };
  const done = (error, result) => {
    onEmptyEventLoop = () => {};
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

function buildContext(base, headers) {
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

function isPromiseLike(value) {
  return Boolean(value && typeof value.then === "function");
}

async function nextInvocation() {
  const response = await apiRequest("GET", `${API_PREFIX}/invocation/next`);
  if (response.status !== 200) {
    throw new Error(`GET ${API_PREFIX}/invocation/next answered ${response.status}: ${response.body}`);
  }
  const invokeId = response.headers["lambda-runtime-aws-request-id"];
  if (!invokeId) {
    throw new Error("invocation id is missing or invalid");
  }
  return { invokeId, headers: response.headers, body: response.body };
}

function startInvocation(handler, invocation, next) {
  const { invokeId, headers, body } = invocation;
  currentInvokeId = invokeId;
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
  onEmptyEventLoop = () => {
    onEmptyEventLoop = () => {};
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

function startStreamingInvocation(handler, invocation, next) {
  const { invokeId, headers, body } = invocation;
  const highWaterMark = handler[HIGH_WATER_MARK];
  const stream = createCollectingStream(typeof highWaterMark === "number" ? highWaterMark : undefined);
  let finished = false;
  const fail = (error) => {
    if (finished) {
      return;
    }
    finished = true;
    onEmptyEventLoop = () => {};
    logError("Invoke Error", error);
    postError(invocationPath(invokeId, "error"), error).then(next, fatal);
  };
  onEmptyEventLoop = () => fail(new NodeJsExit());

  const run = async () => {
    const context = buildContext(
      {
        get callbackWaitsForEmptyEventLoop() {
          return false;
        },
        set callbackWaitsForEmptyEventLoop(_value) {},
      },
      headers,
    );
    const result = handler(JSON.parse(body), stream, context);
    if (!isPromiseLike(result)) {
      fail("Streaming does not support non-async handlers.");
      return;
    }
    if ((await result) !== undefined) {
      console.warn("Streaming handlers ignore return values.");
    }
    if (!stream.writableFinished) {
      await new Promise((resolve, reject) => {
        stream.once("finish", resolve);
        stream.once("error", reject);
      });
    }
    if (finished) {
      return;
    }
    finished = true;
    onEmptyEventLoop = () => {};
    const payload = stream.collected();
    const response = await apiRequest("POST", invocationPath(invokeId, "response"), payload, {
      "Content-Type": stream.contentType,
      "Content-Length": payload.length,
    });
    if (response.status !== 202) {
      process.stderr.write(`lamina runtime: POST response answered ${response.status}: ${response.body}\n`);
    }
    next();
  };
  run().catch(fail);
}

function runLoop(handler) {
  const next = () => {
    if (exiting) {
      return;
    }
    setImmediate(() => {
      nextInvocation().then((invocation) => {
        if (!exiting) {
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
try {
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
runLoop(userHandler);
