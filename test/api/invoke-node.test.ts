/**
 * Invoke with Node.js and custom-runtime functions, through the AWS SDK v3, against
 * `docs/reference/aws-lambda-execution.md` (§ numbers below): CommonJS and ES module handlers, packages from a
 * layer's nodejs/node_modules (also for `import`, §A4), error payloads (§A4), and `provided.al2023` functions whose
 * bootstrap comes from a layer or is missing (§A5).
 */
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidEntrypoint } from "../helpers/aws-texts.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke, publishLayer } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";

/** A CommonJS handler with a callback, requiring a package that only the layer has. */
const CJS_INDEX = `const dep = require("cjsdep");

exports.handler = function (event, context, callback) {
  callback(null, {
    cjs: typeof module === "object",
    dep: dep.name,
    echo: event,
    requestId: context.awsRequestId,
    executionEnv: process.env.AWS_EXECUTION_ENV,
    nodePath: process.env.NODE_PATH,
  });
};
`;

/** An async ES module handler importing a package that only the layer has. */
const ESM_INDEX = `import { pad } from "lefty";

export const handler = async (event) => {
  if (event.action === "throw") {
    throw new Error("boom");
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { esm: typeof require === "undefined", padded: pad(event.s), url: import.meta.url };
};
`;

/** §A1: Node packages in a layer live under nodejs/node_modules. */
const NODE_LAYER = {
  files: {
    "nodejs/node_modules/lefty/package.json": JSON.stringify({
      name: "lefty",
      version: "1.0.0",
      type: "module",
      exports: "./index.js",
    }),
    "nodejs/node_modules/lefty/index.js": 'export const pad = (s) => `[${String(s).padStart(5, ".")}]`;\n',
    "nodejs/node_modules/cjsdep/index.js": 'module.exports = { name: "cjsdep from the layer" };\n',
  },
};

/** A custom runtime: a Node script speaking the Runtime API (§A6), reporting where and how it runs. */
const BOOTSTRAP = `#!/usr/bin/node
const http = require("node:http");
const base = "http://" + process.env.AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime";

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

(async () => {
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const answer = {
      script: process.argv[1],
      cwd: process.cwd(),
      handler: process.env._HANDLER,
      taskRoot: process.env.LAMBDA_TASK_ROOT,
      executionEnv: process.env.AWS_EXECUTION_ENV ?? null,
      requestId: id,
      event: JSON.parse(next.body),
    };
    await call("POST", "/invocation/" + id + "/response", JSON.stringify(answer));
  }
})();
`;
const BOOTSTRAP_LAYER = { files: { bootstrap: BOOTSTRAP }, modes: { bootstrap: 0o755 } };

const lamina = await startTestServer({ sandbox: "bwrap" });
const client: LambdaClient = lambdaClient(lamina.url, A);
let nodeLayer = "";
let bootstrapLayer = "";

beforeAll(async () => {
  [nodeLayer, bootstrapLayer] = await Promise.all([
    publishLayer(client, randomName("node-layer"), NODE_LAYER),
    publishLayer(client, randomName("bootstrap-layer"), BOOTSTRAP_LAYER),
  ]);
});

describe("Node.js handlers (§A4)", () => {
  it("a CommonJS callback handler requires a layer package through NODE_PATH", async () => {
    const name = randomName("node-cjs");
    await createFunction(client, A, name, {
      runtime: "nodejs20.x",
      handler: "index.handler",
      files: { "index.js": CJS_INDEX },
      layers: [nodeLayer],
    });
    const out = await invoke(client, name, { hello: "cjs" });
    expect(out).toMatchObject({ status: 200, functionError: undefined, executedVersion: "$LATEST" });
    expect(JSON.parse(out.payload)).toEqual({
      cjs: true,
      dep: "cjsdep from the layer",
      echo: { hello: "cjs" },
      requestId: out.requestId,
      executionEnv: "AWS_Lambda_nodejs20.x",
      // §A2: only set because the function did not set NODE_PATH itself.
      nodePath:
        "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task",
    });
  });

  describe("an async ES module handler", () => {
    const name = randomName("node-esm");
    beforeAll(async () => {
      await createFunction(client, A, name, {
        runtime: "nodejs20.x",
        handler: "index.handler",
        files: { "index.mjs": ESM_INDEX },
        layers: [nodeLayer],
      });
    });

    it("imports a package that exists only in the layer", async () => {
      const out = await invoke(client, name, { s: "ab" });
      expect(out).toMatchObject({ status: 200, functionError: undefined });
      expect(JSON.parse(out.payload)).toEqual({
        esm: true,
        padded: "[...ab]",
        url: "file:///var/task/index.mjs",
      });
    });

    it("a thrown Error gives errorType, errorMessage and trace, and no requestId", async () => {
      const out = await invoke(client, name, { action: "throw" });
      expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
      const body = JSON.parse(out.payload) as { errorType: string; errorMessage: string; trace: unknown };
      expect(Object.keys(body)).toEqual(["errorType", "errorMessage", "trace"]);
      expect(body.errorType).toBe("Error");
      expect(body.errorMessage).toBe("boom");
      expect(Array.isArray(body.trace)).toBe(true);
      expect((body.trace as string[])[0]).toBe("Error: boom");
      expect((body.trace as string[]).some((line) => line.includes("/var/task/index.mjs"))).toBe(true);
    });
  });

  it("a missing export is Runtime.HandlerNotFound", async () => {
    const name = randomName("node-nope");
    await createFunction(client, A, name, {
      runtime: "nodejs20.x",
      handler: "index.nope",
      files: { "index.js": "exports.handler = async () => 1;\n" },
    });
    const out = await invoke(client, name, {});
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    const body = JSON.parse(out.payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect({ errorType: body.errorType, errorMessage: body.errorMessage }).toEqual({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.nope is undefined or not exported",
    });
    expect(body.trace[0]).toBe("Runtime.HandlerNotFound: index.nope is undefined or not exported");
  });
});

describe("custom runtimes (§A5)", () => {
  it("runs a layer's bootstrap from /opt/bootstrap, which answers through the Runtime API", async () => {
    const name = randomName("provided-layer");
    await createFunction(client, A, name, {
      runtime: "provided.al2023",
      handler: "function.handler",
      files: { "function.sh": "echo unused\n" },
      layers: [bootstrapLayer],
    });
    for (const n of [1, 2]) {
      const out = await invoke(client, name, { n });
      expect(out).toMatchObject({ status: 200, functionError: undefined });
      expect(JSON.parse(out.payload)).toEqual({
        script: "/opt/bootstrap",
        cwd: "/var/task",
        handler: "function.handler",
        taskRoot: "/var/task",
        // §A2: AWS_EXECUTION_ENV is not set for provided runtimes.
        executionEnv: null,
        requestId: out.requestId,
        event: { n },
      });
    }
  });

  it("prefers /var/task/bootstrap over the layer's", async () => {
    const name = randomName("provided-own");
    await createFunction(client, A, name, {
      runtime: "provided.al2023",
      handler: "function.handler",
      files: { bootstrap: BOOTSTRAP },
      modes: { bootstrap: 0o755 },
      layers: [bootstrapLayer],
    });
    const out = await invoke(client, name, {});
    expect(out.functionError, out.payload).toBeUndefined();
    expect(JSON.parse(out.payload)).toMatchObject({ script: "/var/task/bootstrap" });
  });

  it("without any bootstrap: Runtime.InvalidEntrypoint naming both places", async () => {
    const name = randomName("provided-none");
    await createFunction(client, A, name, {
      runtime: "provided.al2023",
      handler: "function.handler",
      files: { "function.sh": "echo unused\n" },
    });
    const out = await invoke(client, name, {});
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(out.payload).toBe(invalidEntrypoint(out.requestId ?? ""));
  });
});
