/**
 * LAMINA_DEBUG_PORT (lamina's own; Lambda has nothing like it): a function with it runs with a debugger listening
 * on 127.0.0.1:<port>, really attached here. Node.js: the V8 inspector over the Chrome DevTools Protocol;
 * Python: debugpy over the Debug Adapter Protocol, when this machine can import it (its own python, or Debian's
 * python3-debugpy), else the function's log says how to get it. A debug environment waits for the debugger, runs
 * without time-outs, and is the only one of its port.
 */
import { execFileSync } from "node:child_process";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { CdpSession, DapSession, freePort } from "../helpers/debuggers.js";
import { createFunction, invoke, lineOf, readFunctionLog } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";

const INDEX_MJS = `export const handler = async (event) => {
  const doubled = event.value * 2;
  return { doubled, pid: process.pid };
};
`;
const BREAK_LINE = lineOf(INDEX_MJS, "const doubled");

const MAIN_PY = `import os


def handler(event, context):
    doubled = event["value"] * 2
    return {"doubled": doubled, "pid": os.getpid(), "remaining": context.get_remaining_time_in_millis()}
`;
const PY_BREAK_LINE = lineOf(MAIN_PY, "doubled =");

/** The notices a debug environment's runtime writes in the function's log. */
const listening = (port: number, debuggerName: string) =>
  `LAMINA_NOTICE debugger listening on 127.0.0.1:${port} (${debuggerName}); waiting for it to attach`;
const waitingAgain = (port: number) => `LAMINA_NOTICE waiting for a debugger to attach on 127.0.0.1:${port}`;

/**
 * Whether this machine's Python can import debugpy as lamina's runtime does: from its own path, else from
 * Debian's python3-debugpy (`/usr/lib/python3/dist-packages`).
 */
function debugpyImportable(): boolean {
  for (const python of ["python3.12", "python3"]) {
    try {
      execFileSync(
        python,
        ["-s", "-S", "-c", "import sys; sys.path.append('/usr/lib/python3/dist-packages'); import debugpy"],
        { stdio: "ignore" },
      );
      return true;
    } catch {
      // Not this one.
    }
  }
  return false;
}
const DEBUGPY = debugpyImportable();

const lamina = await startTestServer({ sandbox: "bwrap" });
const client: LambdaClient = lambdaClient(lamina.url, A);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets a breakpoint in the handler, lets the waiting runtime go on, and returns the session. */
async function attachNode(port: number): Promise<CdpSession> {
  const cdp = await CdpSession.attach(port);
  await cdp.send("Debugger.enable");
  await cdp.send("Debugger.setBreakpointByUrl", {
    urlRegex: "/var/task/index\\.mjs$",
    lineNumber: BREAK_LINE - 1,
  });
  await cdp.send("Runtime.runIfWaitingForDebugger");
  return cdp;
}

interface PausedFrame {
  readonly callFrameId: string;
  readonly location: { readonly scriptId: string; readonly lineNumber: number };
}

/** Waits for the pause at the breakpoint and returns the value of `event.value` there. */
async function pausedValue(
  cdp: CdpSession,
): Promise<{ line: number; url: string | undefined; value: unknown }> {
  const paused = (await cdp.event("Debugger.paused")) as { callFrames: PausedFrame[] };
  const frame = paused.callFrames[0] as PausedFrame;
  const evaluated = (await cdp.send("Debugger.evaluateOnCallFrame", {
    callFrameId: frame.callFrameId,
    expression: "event.value",
    returnByValue: true,
  })) as { result: { value: unknown } };
  return {
    line: frame.location.lineNumber + 1,
    url: cdp.scriptUrl(frame.location.scriptId),
    value: evaluated.result.value,
  };
}

describe("Node.js: the V8 inspector", () => {
  const name = randomName("node-debug");
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    await createFunction(client, A, name, {
      runtime: "nodejs20.x",
      handler: "index.handler",
      files: { "index.mjs": INDEX_MJS },
      timeout: 3,
      environment: { LAMINA_DEBUG_PORT: String(port) },
    });
  });

  it("stops at a breakpoint in the handler, evaluates there, and a 3 s time-out does not fire during a 5 s pause", async () => {
    const answer = invoke(client, name, { value: 21 });
    const cdp = await attachNode(port);
    const paused = await pausedValue(cdp);
    expect(paused).toEqual({ line: BREAK_LINE, url: "file:///var/task/index.mjs", value: 21 });
    await sleep(5000);
    await cdp.send("Debugger.resume");
    const out = await answer;
    expect(out.functionError).toBeUndefined();
    const body = JSON.parse(out.payload) as { doubled: number; pid: number };
    expect(body.doubled).toBe(42);

    // A second invoke with the debugger still attached does not wait for it: it stops at the breakpoint again.
    const again = invoke(client, name, { value: 5 });
    expect((await pausedValue(cdp)).value).toBe(5);
    await cdp.send("Debugger.resume");
    const second = JSON.parse((await again).payload) as { doubled: number; pid: number };
    expect(second).toEqual({ doubled: 10, pid: body.pid });

    // Detached: the next invoke waits until a debugger attaches again, in the same environment. (Attaching at
    // once could win the race with the invoke, which then finds a debugger and does not wait.)
    await cdp.close();
    let settled = false;
    const third = invoke(client, name, { value: 7 }).finally(() => (settled = true));
    await sleep(2000);
    expect(settled).toBe(false);
    const cdp2 = await attachNode(port);
    expect((await pausedValue(cdp2)).value).toBe(7);
    await cdp2.send("Debugger.resume");
    expect(JSON.parse((await third).payload)).toEqual({ doubled: 14, pid: body.pid });
    await cdp2.close();

    const log = readFunctionLog(lamina, A, name);
    expect(log).toContain(listening(port, "node inspector"));
    expect(log).toContain(waitingAgain(port));
    expect(log).not.toContain("Task timed out");
  });

  it("runs one environment for the port: concurrent invokes wait their turn and stop in the same debugger", async () => {
    const cdp = await attachNode(port);
    const first = invoke(client, name, { value: 1 });
    const second = invoke(client, name, { value: 2 });
    const values = [(await pausedValue(cdp)).value];
    await cdp.send("Debugger.resume");
    values.push((await pausedValue(cdp)).value);
    await cdp.send("Debugger.resume");
    const answers = [JSON.parse((await first).payload), JSON.parse((await second).payload)] as {
      pid: number;
    }[];
    expect(values.sort()).toEqual([1, 2]);
    expect(answers[0]?.pid).toBe(answers[1]?.pid);
    await cdp.close();
  });
});

describe("a LAMINA_DEBUG_PORT that is not a port", () => {
  for (const value of ["80", "65536", "92x9", ""]) {
    it(`${JSON.stringify(value)} answers Runtime.InvalidDebugPort and says why in the log, starting nothing`, async () => {
      const name = randomName("bad-port");
      await createFunction(client, A, name, {
        runtime: "nodejs20.x",
        handler: "index.handler",
        files: { "index.mjs": INDEX_MJS },
        environment: { LAMINA_DEBUG_PORT: value },
      });
      const out = await invoke(client, name, { value: 1 }, { LogType: "Tail" });
      const message =
        `LAMINA_DEBUG_PORT must be a port number from 1024 to 65535 for the debugger to listen on 127.0.0.1, ` +
        `not ${JSON.stringify(value)}. Change it with update-function-configuration, or remove it to run ` +
        `without a debugger.`;
      expect(out.status).toBe(200);
      expect(out.functionError).toBe("Unhandled");
      expect(JSON.parse(out.payload)).toEqual({
        errorMessage: `RequestId: ${out.requestId} Error: ${message}`,
        errorType: "Runtime.InvalidDebugPort",
      });
      expect(out.log).toContain(`[ERROR] Runtime.InvalidDebugPort: ${message}\n`);
      expect(out.log).toContain("Status: error\tError Type: Runtime.InvalidDebugPort");
    });
  }
});

describe("Python: debugpy", () => {
  const name = randomName("py-debug");
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "main.handler",
      files: { "main.py": MAIN_PY },
      timeout: 3,
      environment: { LAMINA_DEBUG_PORT: String(port) },
    });
  });

  it.skipIf(!DEBUGPY)(
    "stops at a breakpoint in the handler over the Debug Adapter Protocol, and evaluates there",
    async () => {
      const answer = invoke(client, name, { value: 21 });
      const dap = await DapSession.connect(port);
      await dap.call("initialize", { adapterID: "debugpy", clientID: "lamina-test", pathFormat: "path" });
      const attached = dap.request("attach", { justMyCode: true });
      await dap.event("initialized");
      const set = (await dap.call("setBreakpoints", {
        source: { path: "/var/task/main.py" },
        breakpoints: [{ line: PY_BREAK_LINE }],
      })) as { breakpoints: { verified: boolean }[] };
      expect(set.breakpoints[0]?.verified).toBe(true);
      await dap.call("configurationDone");
      await dap.response(attached);

      const stopped = (await dap.event("stopped")) as { reason: string; threadId: number };
      expect(stopped.reason).toBe("breakpoint");
      const trace = (await dap.call("stackTrace", { threadId: stopped.threadId })) as {
        stackFrames: { id: number; line: number; source: { path: string } }[];
      };
      const frame = trace.stackFrames[0];
      expect({ line: frame?.line, path: frame?.source.path }).toEqual({
        line: PY_BREAK_LINE,
        path: "/var/task/main.py",
      });
      const evaluated = (await dap.call("evaluate", {
        expression: "event['value']",
        frameId: frame?.id,
        context: "repl",
      })) as { result: string };
      expect(evaluated.result).toBe("21");
      await dap.call("continue", { threadId: stopped.threadId });

      const out = await answer;
      expect(out.functionError).toBeUndefined();
      const body = JSON.parse(out.payload) as { doubled: number; remaining: number };
      expect(body.doubled).toBe(42);
      // The deadline a debugged function sees is Lambda's largest, 900 s, not its own 3 s (debug.ts).
      expect(body.remaining).toBeGreaterThan(3000);
      expect(body.remaining).toBeLessThanOrEqual(900_000);

      // With the client still attached, the next invoke does not wait for one: it stops at the breakpoint again.
      const again = invoke(client, name, { value: 5 });
      const second = (await dap.event("stopped")) as { threadId: number };
      await dap.call("continue", { threadId: second.threadId });
      expect(JSON.parse((await again).payload)).toMatchObject({ doubled: 10 });
      dap.close();
      expect(readFunctionLog(lamina, A, name)).toContain(listening(port, "debugpy"));
    },
  );

  it.runIf(!DEBUGPY)(
    "without debugpy on this machine, the invoke fails with Runtime.DebuggerUnavailable and the log says how to get it (attaching is skipped: debugpy is not installed)",
    async () => {
      const out = await invoke(client, name, { value: 21 }, { LogType: "Tail" });
      expect(out.functionError).toBe("Unhandled");
      expect(JSON.parse(out.payload)).toMatchObject({ errorType: "Runtime.DebuggerUnavailable" });
      expect(out.log).toMatch(
        /\[ERROR\] Runtime\.DebuggerUnavailable: LAMINA_DEBUG_PORT is set but debugpy cannot be imported \(No module named '?debugpy'?\)\. Add debugpy to the function's code or a layer \(pip install debugpy -t python\/\), or install the host's python3-debugpy \(apt-get install python3-debugpy\), or remove LAMINA_DEBUG_PORT\./,
      );
    },
  );
});
