/**
 * Invoke with Python functions, through the AWS SDK v3, against `docs/reference/aws-lambda-execution.md`
 * (§ numbers below): invocation types and log tails (§A7), the runtime's error payloads (§A3), layers at /opt and
 * the variables of §A2, warm reuse, the client context and the bubblewrap sandbox (§A1, §A9).
 */
import {
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { pythonError } from "../helpers/aws-texts.js";
import { lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import {
  createFunction,
  functionLogPath,
  invoke,
  lineOf,
  pollFor,
  publishLayer,
  readFunctionLog,
} from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";

/** One module for most tests: the event's `action` picks the behaviour, so one warm environment serves them. */
const MAIN_PY = `import json
import os
import sys
import uuid

TOKEN = uuid.uuid4().hex


def fail(message):
    raise ValueError(message)


def handler(event, context):
    action = event.get("action")
    if action == "echo":
        print("echo " + json.dumps(event["value"]))
        return {"echo": event["value"]}
    if action == "print":
        print("x" * event["bytes"])
        return "printed"
    if action == "token":
        return TOKEN
    if action == "raise":
        fail("bad thing")
    if action == "marshal":
        return {"s": {1}}
    if action == "client_context":
        return context.client_context.custom
    if action == "sandbox":
        out = {"cwd": os.getcwd(), "task": sorted(os.listdir("/var/task"))}
        try:
            out["data_dir"] = os.listdir(event["dataDir"])
        except Exception as e:
            out["data_dir"] = type(e).__name__
        try:
            with open("/var/task/new.txt", "w") as f:
                f.write("x")
            out["task_write"] = "ok"
        except OSError as e:
            out["task_write"] = "%s errno %d" % (type(e).__name__, e.errno)
        with open("/tmp/scratch.txt", "w") as f:
            f.write("tmp ok")
        with open("/tmp/scratch.txt") as f:
            out["tmp"] = f.read()
        return out
    return {"unknown": action}
`;

/** §A3: the import error of the reference's example. */
const IMPORT_REQUESTS_PY = `import requests


def handler(event, context):
    return "ok"
`;
const OK_PY = `def handler(event, context):
    return "ok"
`;
const SYNTAX_PY = "def handler(event, context) return 1\n";

/** Reports where things were found and the variables of §A2. */
const LAYERS_PY = `import os
import subprocess
import sys

import conf
import requests
import sitepkg

NAMES = [
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    "_HANDLER", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "LANG", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "MY_VAR",
]


def handler(event, context):
    return {
        "requests": [requests.__file__, requests.VERSION],
        "conf": [conf.__file__, conf.VALUE],
        "sitepkg": sitepkg.__file__,
        "sys_path": sys.path[:3],
        "env": {name: os.environ.get(name) for name in NAMES},
        "log_stream": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME"),
        "runtime_api": os.environ.get("AWS_LAMBDA_RUNTIME_API"),
        "layer_tool": subprocess.run(["layer-tool"], stdout=subprocess.PIPE).stdout.decode(),
    }
`;

/** §A1: the layer paths a Python function searches, plus a tool on PATH; the second layer overrides conf.py. */
const LAYER_1 = {
  files: {
    "python/requests/__init__.py": 'VERSION = "2.99.0-from-layer"\n',
    "python/conf.py": 'VALUE = "first"\n',
    "python/lib/python3.12/site-packages/sitepkg.py": "X = 1\n",
    "bin/layer-tool": "#!/bin/sh\necho tool from /opt/bin\n",
  },
  modes: { "bin/layer-tool": 0o755 },
};
const LAYER_2 = { files: { "python/conf.py": 'VALUE = "second"\n' } };

const lamina = await startTestServer({ sandbox: "bwrap" });
const client: LambdaClient = lambdaClient(lamina.url, A);
const MAIN = randomName("py-main");

beforeAll(async () => {
  await createFunction(client, A, MAIN, {
    runtime: "python3.12",
    handler: "test.handler",
    files: { "test.py": MAIN_PY },
  });
});

describe("invocation types", () => {
  it("RequestResponse answers 200 with the handler's JSON and ExecutedVersion $LATEST", async () => {
    const out = await invoke(client, MAIN, { action: "echo", value: { a: [1, "two"] } });
    expect(out).toMatchObject({ status: 200, functionError: undefined, executedVersion: "$LATEST" });
    expect(out.payload).toBe('{"echo": {"a": [1, "two"]}}');
  });

  it("Event answers 202 with no body, and the function runs under the request's id", async () => {
    const out = await invoke(client, MAIN, { action: "echo", value: "event" }, { InvocationType: "Event" });
    expect(out.status).toBe(202);
    expect(out.payload).toBe("");
    // The event's output, and the START line just before it, appear in the function's log within 10 s.
    const log = await pollFor(
      () => readFunctionLog(lamina, A, MAIN),
      (text) => text.includes('echo "event"\n'),
    );
    const lines = log.split("\n");
    const start = lines[lines.indexOf('echo "event"') - 1];
    expect(start).toBe(`START RequestId: ${out.requestId} Version: $LATEST`);
  });

  it("DryRun answers 204 and runs nothing", async () => {
    const name = randomName("py-dry");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": MAIN_PY },
    });
    const out = await invoke(client, name, { action: "echo", value: 1 }, { InvocationType: "DryRun" });
    expect(out).toMatchObject({ status: 204, functionError: undefined, payload: "" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(functionLogPath(lamina, A, name))).toBe(false);
  });
});

describe("LogType Tail (§A7)", () => {
  it("gives START, the function's output, END and REPORT, with Init Duration only on the cold invoke", async () => {
    const name = randomName("py-log");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": MAIN_PY },
    });
    const report = (id: string, cold: boolean) =>
      new RegExp(
        `REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\t` +
          `Max Memory Used: \\d+ MB\\t${cold ? "Init Duration: \\d+\\.\\d{2} ms\\t" : ""}\\n$`,
      );
    for (const cold of [true, false]) {
      const out = await invoke(client, name, { action: "echo", value: cold }, { LogType: "Tail" });
      const id = out.requestId ?? "";
      expect(out.status).toBe(200);
      const log = out.log ?? "";
      expect(log).toContain(`START RequestId: ${id} Version: $LATEST\n`);
      expect(log).toContain(`echo ${String(cold)}\n`);
      expect(log).toContain(`END RequestId: ${id}\n`);
      expect(log).toMatch(report(id, cold));
      expect(log.includes("Init Duration:")).toBe(cold);
      if (cold) {
        expect(log).toMatch(
          new RegExp(
            `^INIT_START Runtime Version: python:3\\.12\\.v\\d+\\tRuntime Version ARN: arn:aws:lambda:${TEST_REGION}::runtime:[0-9a-f]{64}\\n`,
          ),
        );
      }
    }
  });

  it("keeps only the last 4096 bytes", async () => {
    const out = await invoke(client, MAIN, { action: "print", bytes: 10_000 }, { LogType: "Tail" });
    const tail = Buffer.from(out.log ?? "", "utf8");
    expect(tail.length).toBe(4096);
    expect(tail.toString()).toMatch(/^x+\nEND RequestId: \S+\nREPORT RequestId: [^\n]+\n$/);
  });

  it("is absent without LogType Tail", async () => {
    const out = await invoke(client, MAIN, { action: "echo", value: 0 });
    expect(out.log).toBeUndefined();
  });
});

describe("Python error payloads (§A3)", () => {
  it("Runtime.ImportModuleError on every invoke until the code is fixed", async () => {
    const name = randomName("py-import");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": IMPORT_REQUESTS_PY },
    });
    const expected = pythonError(
      "Unable to import module 'test': No module named 'requests'",
      "Runtime.ImportModuleError",
    );
    expect(expected).toBe(
      `{"errorMessage": "Unable to import module 'test': No module named 'requests'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}`,
    );
    for (let i = 0; i < 2; i++) {
      const out = await invoke(client, name, {});
      expect({ status: out.status, functionError: out.functionError, payload: out.payload }).toEqual({
        status: 200,
        functionError: "Unhandled",
        payload: expected,
      });
    }
    await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await makeZip({ "test.py": OK_PY }) }),
    );
    const fixed = await invoke(client, name, {});
    expect(fixed).toMatchObject({ status: 200, functionError: undefined, payload: '"ok"' });
  });

  it("Runtime.HandlerNotFound", async () => {
    const name = randomName("py-nohandler");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.nope",
      files: { "test.py": MAIN_PY },
    });
    const out = await invoke(client, name, {});
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(out.payload).toBe(
      pythonError("Handler 'nope' missing on module 'test'", "Runtime.HandlerNotFound"),
    );
  });

  it("Runtime.UserCodeSyntaxError, with the file and line", async () => {
    const name = randomName("py-syntax");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": SYNTAX_PY },
    });
    const out = await invoke(client, name, {});
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(out.payload).toBe(
      pythonError(
        "Syntax error in module 'test': expected ':' (test.py, line 1)",
        "Runtime.UserCodeSyntaxError",
        "",
        [`  File "/var/task/test.py" Line 1\n    ${SYNTAX_PY}`],
      ),
    );
  });

  it("a handler exception: its class, message, the invoke's request id and the user frames", async () => {
    const out = await invoke(client, MAIN, { action: "raise" });
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(out.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.payload).toBe(
      pythonError("bad thing", "ValueError", out.requestId, [
        `  File "/var/task/test.py", line ${lineOf(MAIN_PY, 'fail("bad thing")')}, in handler\n    fail("bad thing")\n`,
        `  File "/var/task/test.py", line ${lineOf(MAIN_PY, "raise ValueError")}, in fail\n    raise ValueError(message)\n`,
      ]),
    );
    // The environment survives a handler exception.
    const next = await invoke(client, MAIN, { action: "echo", value: "after" });
    expect(next).toMatchObject({ functionError: undefined, payload: '{"echo": "after"}' });
  });

  it("Runtime.MarshalError for a result JSON cannot hold", async () => {
    const out = await invoke(client, MAIN, { action: "marshal" });
    expect(out).toMatchObject({ status: 200, functionError: "Unhandled" });
    expect(out.payload).toBe(
      pythonError(
        "Unable to marshal response: Object of type set is not JSON serializable",
        "Runtime.MarshalError",
        out.requestId,
      ),
    );
  });
});

/** aws-lambda-execution.md §A6: the managed runtime's `logging` format (tab-separated, UTC, the request id). */
const LOG_LINE = /^\[(INFO|WARNING)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t([0-9a-f-]*)\t(.*)$/;

/** The Python runtime's init-error warning (aws-lambda-execution.md §A3). */
const UNHANDLED_WARNING_START =
  "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.";

describe("logging in the managed runtime's format (§A6)", () => {
  it("formats records logged at import and in the handler, whenever the function imports logging", async () => {
    const name = randomName("py-logging");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: {
        "app.py": [
          "import logging",
          "logger = logging.getLogger()",
          "logger.setLevel(logging.INFO)",
          "logger.info('at import')",
          "def handler(event, context):",
          "    logger.info('in the handler %s', context.aws_request_id)",
          "    logging.getLogger('child').warning('from a child')",
          "    return 'ok'",
          "",
        ].join("\n"),
      },
    });
    const out = await invoke(client, name, {}, { LogType: "Tail" });
    expect(out.payload).toBe('"ok"');
    const records = (out.log ?? "")
      .split("\n")
      .map((line) => LOG_LINE.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2], m[3]]);
    const requestId = records[1]?.[2]?.split(" ")[3] ?? "missing";
    expect(records).toEqual([
      ["INFO", "", "at import"],
      ["INFO", requestId, `in the handler ${requestId}`],
      ["WARNING", requestId, "from a child"],
    ]);
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("warns through logging when the handler cannot be loaded", async () => {
    const name = randomName("py-init-warning");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: { "app.py": "raise RuntimeError('boom at import')\n" },
    });
    const out = await invoke(client, name, {}, { LogType: "Tail" });
    expect(out.functionError).toBe("Unhandled");
    const warning = (out.log ?? "").split("\n").find((line) => line.startsWith("[WARNING]"));
    const m = LOG_LINE.exec(warning ?? "");
    expect([m?.[1], m?.[2], m?.[3]?.slice(0, UNHANDLED_WARNING_START.length)]).toEqual([
      "WARNING",
      "",
      UNHANDLED_WARNING_START,
    ]);
  });
});

describe("layers and variables (§A1–§A3)", () => {
  it("imports from the layers' python dirs, later layers win, PATH/LD_LIBRARY_PATH and §A2's variables", async () => {
    const layer1 = await publishLayer(client, randomName("py-l1"), LAYER_1);
    const layer2 = await publishLayer(client, randomName("py-l2"), LAYER_2);
    const name = randomName("py-layers");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": LAYERS_PY },
      layers: [layer1, layer2],
      environment: { MY_VAR: "hello" },
    });
    const out = await invoke(client, name, {});
    expect(out.functionError, out.payload).toBeUndefined();
    const got = JSON.parse(out.payload) as Record<string, unknown>;
    expect(got).toEqual({
      requests: ["/opt/python/requests/__init__.py", "2.99.0-from-layer"],
      conf: ["/opt/python/conf.py", "second"],
      sitepkg: "/opt/python/lib/python3.12/site-packages/sitepkg.py",
      sys_path: ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python"],
      env: {
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_REGION: TEST_REGION,
        AWS_DEFAULT_REGION: TEST_REGION,
        LAMBDA_TASK_ROOT: "/var/task",
        LAMBDA_RUNTIME_DIR: "/var/runtime",
        _HANDLER: "test.handler",
        AWS_EXECUTION_ENV: "AWS_Lambda_python3.12",
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
        LANG: "en_US.UTF-8",
        PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        LD_LIBRARY_PATH:
          "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        PYTHONPATH: "/var/runtime",
        MY_VAR: "hello",
      },
      log_stream: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/) as unknown,
      runtime_api: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
      layer_tool: "tool from /opt/bin\n",
    });
  });
});

describe("context, warm reuse and the sandbox", () => {
  it("passes ClientContext's custom member to context.client_context.custom", async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { k: "v" } })).toString("base64");
    const out = await invoke(client, MAIN, { action: "client_context" }, { ClientContext: clientContext });
    expect(out).toMatchObject({ status: 200, functionError: undefined, payload: '{"k": "v"}' });
  });

  it("reuses a warm environment, and a configuration change retires it", async () => {
    const name = randomName("py-warm");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "test.handler",
      files: { "test.py": MAIN_PY },
    });
    const first = await invoke(client, name, { action: "token" });
    const second = await invoke(client, name, { action: "token" });
    expect(first.payload).toMatch(/^"[0-9a-f]{32}"$/);
    expect(second.payload).toBe(first.payload);
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Environment: { Variables: { GENERATION: "2" } },
      }),
    );
    const third = await invoke(client, name, { action: "token" });
    expect(third.payload).toMatch(/^"[0-9a-f]{32}"$/);
    expect(third.payload).not.toBe(first.payload);
  });

  it("the runtime imports neither json, re nor socket before the handler (a cold start does not pay for them)", async () => {
    const name = randomName("py-lean");
    const code = [
      "import sys",
      'LOADED = sorted(m for m in ("json", "re", "socket", "encodings.idna", "http.client") if m in sys.modules)',
      "import decimal",
      "",
      "def handler(event, context):",
      '    return {"loaded": LOADED, "event": event, "price": decimal.Decimal("12.50"), "text": "caf\\u00e9"}',
      "",
    ].join("\n");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: { "app.py": code },
    });
    const out = await invoke(client, name, { k: ["v", 1.5, null] });
    expect(out.functionError, out.payload).toBeUndefined();
    // python3.12 writes UTF-8 and Decimals as bare numbers (docs/reference/aws-lambda-execution.md §A3).
    expect(out.payload).toBe(
      '{"loaded": [], "event": {"k": ["v", 1.5, null]}, "price": 12.50, "text": "café"}',
    );
  });

  it("under bwrap: no view of the data dir, /var/task read-only, /tmp writable, cwd /var/task", async () => {
    const out = await invoke(client, MAIN, { action: "sandbox", dataDir: lamina.config.dataDir });
    expect(out.functionError, out.payload).toBeUndefined();
    expect(JSON.parse(out.payload)).toEqual({
      cwd: "/var/task",
      task: ["test.py"],
      data_dir: "FileNotFoundError",
      task_write: "OSError errno 30",
      tmp: "tmp ok",
    });
  });
});
