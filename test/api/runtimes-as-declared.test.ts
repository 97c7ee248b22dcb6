/**
 * Runtimes as declared: a function runs on the interpreter its runtime names when this machine has it, and when
 * it does not, it runs on the nearest one and its own log says so on every cold start (Tail), naming what really
 * runs, as does the INIT_START line. `--runtime-path` names an interpreter; an arm64 function on x86_64 says so too.
 */
import { UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";
const lamina = await startTestServer({ runtimePaths: { "nodejs22.x": process.execPath } });
const client = lambdaClient(lamina.url, A);

/** What the host's `/usr/bin/python3` is: the fallback for a Python version this machine lacks. */
const HOST_PYTHON = execFileSync(
  "/usr/bin/python3",
  ["-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"],
  { encoding: "utf8" },
).split("\n");
const HOST_PYTHON_EXE = realpathSync(HOST_PYTHON[0] ?? "");
const HOST_PYTHON_VERSION = HOST_PYTHON[1] ?? "";
const NODE_VERSION = process.version.slice(1);

const pythonVersionFunction = {
  handler: "app.handler",
  files: { "app.py": "import sys\n\ndef handler(e, c):\n    return '%d.%d' % sys.version_info[:2]\n" },
};
const nodeVersionFunction = {
  handler: "index.handler",
  files: { "index.mjs": "export const handler = async () => process.versions.node;\n" },
};

/** A cold invoke's payload, its log lines, and its LAMINA_WARNING lines (other notices may stand beside them). */
async function coldTail(name: string): Promise<{ payload: string; lines: string[]; warnings: string[] }> {
  const out = await invoke(client, name, {}, { LogType: "Tail" });
  const lines = (out.log ?? "").split("\n");
  return { payload: out.payload, lines, warnings: lines.filter((l) => l.startsWith("LAMINA_WARNING")) };
}

describe("runtimes as declared", () => {
  it("runs python3.13 on Python 3.13 where the machine has it, and says nothing", async () => {
    const name = randomName("py313");
    await createFunction(client, A, name, { runtime: "python3.13", ...pythonVersionFunction });
    const { payload, lines } = await coldTail(name);
    expect(payload).toBe('"3.13"');
    expect(lines[0]).toMatch(/^INIT_START Runtime Version: python:3\.13\.v1\t/);
    expect(lines.filter((l) => l.startsWith("LAMINA_WARNING"))).toEqual([]);
  });

  it("runs python3.14 on the host's python3 when it has no 3.14, and says so on every cold start", async () => {
    const name = randomName("py314");
    await createFunction(client, A, name, { runtime: "python3.14", ...pythonVersionFunction });
    const warning =
      `LAMINA_WARNING python3.14 is not installed on this machine: this function runs on Python ${HOST_PYTHON_VERSION} ` +
      `(${HOST_PYTHON_EXE}). Install Python 3.14, or name one with --runtime-path python3.14=<path>.`;
    const first = await coldTail(name);
    expect(first.payload).toBe(JSON.stringify(HOST_PYTHON_VERSION.split(".").slice(0, 2).join(".")));
    expect(first.lines[0]).toMatch(
      new RegExp(
        `^INIT_START Runtime Version: python:${HOST_PYTHON_VERSION.split(".").slice(0, 2).join("\\.")}\\.v1\\t`,
      ),
    );
    expect(first.warnings).toEqual([warning]);
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "cold again" }),
    );
    expect((await coldTail(name)).warnings).toEqual([warning]);
  });

  it("runs nodejs18.x on lamina's Node.js when the machine has no 18, and says so", async () => {
    const name = randomName("node18");
    await createFunction(client, A, name, { runtime: "nodejs18.x", ...nodeVersionFunction });
    const { payload, lines, warnings } = await coldTail(name);
    expect(payload).toBe(JSON.stringify(NODE_VERSION));
    expect(lines[0]).toMatch(
      new RegExp(`^INIT_START Runtime Version: nodejs:${NODE_VERSION.split(".")[0]}\\.v1\\t`),
    );
    expect(warnings).toEqual([
      `LAMINA_WARNING nodejs18.x is not installed on this machine: this function runs on Node.js ${NODE_VERSION} ` +
        `(${realpathSync(process.execPath)}). Install Node.js 18, or name one with --runtime-path nodejs18.x=<path>.`,
    ]);
  });

  it("uses --runtime-path, and says when the interpreter named there is another version", async () => {
    const name = randomName("node22");
    await createFunction(client, A, name, { runtime: "nodejs22.x", ...nodeVersionFunction });
    const { payload, warnings } = await coldTail(name);
    expect(payload).toBe(JSON.stringify(NODE_VERSION));
    expect(warnings).toEqual([
      `LAMINA_WARNING --runtime-path nodejs22.x=${process.execPath} is Node.js ${NODE_VERSION}, not Node.js 22: this function runs on it.`,
    ]);
  });

  it("says that an arm64 function runs on this machine's x86_64", async () => {
    const name = randomName("arm");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      architectures: ["arm64"],
      ...pythonVersionFunction,
    });
    const { payload, lines } = await coldTail(name);
    expect(payload).toBe('"3.12"');
    expect(lines.filter((l) => l.startsWith("LAMINA_WARNING"))).toEqual(
      process.arch === "x64"
        ? [
            "LAMINA_WARNING this function's architecture is arm64; this machine is x86_64, so it runs as x86_64.",
          ]
        : [],
    );
  });
});
