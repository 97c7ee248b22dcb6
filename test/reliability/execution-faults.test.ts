/**
 * Functions that misbehave: endless loops, memory hogs, fork bombs, log floods, runtimes that never ask for work,
 * and reads of what the sandbox hides. Each is stopped with Lambda's error, and the next invoke works.
 * Texts: docs/reference/aws-lambda-execution.md §A5–§A7.
 */
import { UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { readdirSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, functionLogPath, invoke, pollFor, readFunctionLog } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const lamina = await startTestServer({ sandbox: "bwrap" });
const client = lambdaClient(lamina.url, A);

/** §A7: the payload of a time-out. */
const timedOut = (requestId: string | undefined, seconds: number) => ({
  errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`,
  errorType: "Sandbox.Timedout",
});

/** A Python function whose handler does `body` for events with `{"mode": "fault"}` and answers "fine" otherwise. */
async function pythonFunction(body: string, timeout = 3, memory?: number): Promise<string> {
  const name = randomName("fault");
  const source = [
    "import os, sys, time",
    "def handler(event, context):",
    "    if event.get('mode') != 'fault':",
    "        return 'fine'",
    ...body.split("\n").map((line) => `    ${line}`),
  ].join("\n");
  await createFunction(client, A, name, {
    runtime: "python3.12",
    handler: "main.handler",
    files: { "main.py": `${source}\n` },
    timeout,
  });
  if (memory !== undefined) {
    const { UpdateFunctionConfigurationCommand } = await import("@aws-sdk/client-lambda");
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: memory }));
  }
  return name;
}

function processCount(): number {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).length;
}

describe("execution faults", () => {
  it("an endless loop times out, its environment is killed, and the next invoke works", async () => {
    const name = await pythonFunction("while True:\n    pass", 1);
    const out = await invoke(client, name, { mode: "fault" });
    expect([out.status, out.functionError, JSON.parse(out.payload)]).toEqual([
      200,
      "Unhandled",
      timedOut(out.requestId, 1),
    ]);
    expect((await invoke(client, name, {})).payload).toBe('"fine"');
  });

  it("a handler past its MemorySize is stopped with Runtime.OutOfMemory, and the next invoke works", async () => {
    const name = await pythonFunction("hog = bytearray(400 * 1024 * 1024)\nreturn len(hog)", 10, 128);
    const out = await invoke(client, name, { mode: "fault" });
    expect([out.status, out.functionError, JSON.parse(out.payload)]).toEqual([
      200,
      "Unhandled",
      {
        errorMessage: `RequestId: ${out.requestId} Error: Runtime exited with error: signal: killed`,
        errorType: "Runtime.OutOfMemory",
      },
    ]);
    expect((await invoke(client, name, {})).payload).toBe('"fine"');
  });

  it("a fork bomb is held to the process limit and ends with its time-out; the machine keeps its head", async () => {
    const before = processCount();
    const name = await pythonFunction(
      "while True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)",
      2,
    );
    const out = await invoke(client, name, { mode: "fault" });
    expect([out.status, out.functionError]).toEqual([200, "Unhandled"]);
    expect(JSON.parse(out.payload)).toEqual(timedOut(out.requestId, 2));
    // Everything the bomb started dies with its environment (killing a thousand processes takes a moment).
    const until = Date.now() + 10_000;
    while (processCount() >= before + 50 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processCount()).toBeLessThan(before + 50);
    expect((await fetch(`${lamina.url}/_lamina/health`)).status).toBe(200);
    expect((await invoke(client, name, {})).payload).toBe('"fine"');
  });

  it("100 MB written to stdout: the invoke answers, the tail and the log stay bounded, memory stays flat", async () => {
    const name = await pythonFunction(
      "chunk = 'x' * (1024 * 1024)\nfor _ in range(100):\n    sys.stdout.write(chunk)\nreturn 'done'",
      30,
    );
    const rssBefore = process.memoryUsage().rss;
    const out = await invoke(client, name, { mode: "fault" }, { LogType: "Tail" });
    expect([out.status, out.functionError, out.payload]).toEqual([200, undefined, '"done"']);
    expect(Buffer.byteLength(out.log ?? "")).toBeLessThanOrEqual(4096);
    expect(out.log).toMatch(/REPORT RequestId: /);
    // Log files are appended after the answer (as CloudWatch receives logs after it), so wait for the REPORT line.
    await pollFor(
      () => readFunctionLog(lamina, A, name),
      (log) => log.includes("REPORT RequestId: "),
    );
    expect(statSync(functionLogPath(lamina, A, name)).size).toBeLessThan(1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it("a runtime that never asks for work is stopped after Lambda's 10 s init limit", async () => {
    const name = randomName("silent");
    await createFunction(client, A, name, {
      runtime: "provided.al2023",
      handler: "unused",
      files: { bootstrap: "#!/bin/sh\nsleep 60\n" },
      modes: { bootstrap: 0o755 },
      timeout: 30,
    });
    const started = Date.now();
    const out = await invoke(client, name, {});
    expect(Date.now() - started).toBeLessThan(20_000);
    expect([out.status, out.functionError, JSON.parse(out.payload)]).toEqual([
      200,
      "Unhandled",
      timedOut(out.requestId, 10),
    ]);
    // Fixed code starts normally.
    const zip = await makeZip(
      {
        bootstrap:
          "#!/usr/bin/python3\nimport http.client, os\napi = os.environ['AWS_LAMBDA_RUNTIME_API']\n" +
          "while True:\n    c = http.client.HTTPConnection(api)\n    c.request('GET', '/2018-06-01/runtime/invocation/next')\n" +
          "    r = c.getresponse(); rid = r.getheader('Lambda-Runtime-Aws-Request-Id'); r.read()\n" +
          "    c.request('POST', '/2018-06-01/runtime/invocation/%s/response' % rid, body=b'\"up\"')\n    c.getresponse().read()\n",
      },
      true,
      { bootstrap: 0o755 },
    );
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
    expect((await invoke(client, name, {})).payload).toBe('"up"');
  }, 60_000);

  it("under the sandbox a function sees neither lamina's data nor other functions' code", async () => {
    const name = await pythonFunction(
      "out = {}\nfor path in event['paths']:\n    try:\n        out[path] = sorted(os.listdir(path))\n" +
        "    except OSError as e:\n        out[path] = type(e).__name__\nreturn out",
    );
    const dataDir = lamina.config.dataDir;
    const paths = [dataDir, `${dataDir}/cache/code`, `${dataDir}/blobs`];
    const out = await invoke(client, name, { mode: "fault", paths });
    expect(JSON.parse(out.payload)).toEqual(Object.fromEntries(paths.map((p) => [p, "FileNotFoundError"])));
  });
});
