// lamina Node.js runtime: response streaming (awslambda.streamifyResponse). lamina has no streaming
// invoke yet: the stream is collected and posted as one ordinary response when the handler has finished
// and ended the stream.

import { Writable } from "node:stream";
import { logError } from "./console.mjs";
import { buildContext, isPromiseLike } from "./context.mjs";
import { NodeJsExit } from "./errors.mjs";
import { invocationState } from "./process-events.mjs";
import { apiRequest, fatal, invocationPath, postError } from "./runtime-api.mjs";

export const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
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

/** The awslambda global, unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA turns it off. */
export function installAwslambdaGlobal() {
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
}

export function startStreamingInvocation(handler, invocation, next) {
  const { invokeId, headers, body } = invocation;
  const highWaterMark = handler[HIGH_WATER_MARK];
  const stream = createCollectingStream(typeof highWaterMark === "number" ? highWaterMark : undefined);
  let finished = false;
  const fail = (error) => {
    if (finished) {
      return;
    }
    finished = true;
    invocationState.onEmptyEventLoop = () => {};
    logError("Invoke Error", error);
    postError(invocationPath(invokeId, "error"), error).then(next, fatal);
  };
  invocationState.onEmptyEventLoop = () => fail(new NodeJsExit());

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
    invocationState.onEmptyEventLoop = () => {};
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
