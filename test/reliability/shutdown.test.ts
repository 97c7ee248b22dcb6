/**
 * SIGTERM while invocations are in flight: each one is answered before lamina exits — with its result when it
 * ends within `--shutdown-timeout`, else with the error of a stopped environment — and the exit code is 0.
 */
import { expect, it } from "vitest";
import { spawnLamina } from "../helpers/child.js";
import { lambdaClient } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { tmpDir } from "../helpers/server.js";

const A = "123456789012";

it("answers every invocation in flight, then exits 0", async () => {
  const server = await spawnLamina(tmpDir(), ["--shutdown-timeout", "4"]);
  const client = lambdaClient(server.url, A);
  const sleeper = (seconds: number) => ({
    runtime: "python3.12" as const,
    handler: "app.handler",
    timeout: 120,
    files: {
      "app.py": `import time\n\ndef handler(event, context):\n    print("started")\n    time.sleep(${seconds})\n    return "slept ${seconds}"\n`,
    },
  });
  await createFunction(client, A, "short", sleeper(1.5));
  await createFunction(client, A, "long", sleeper(90));
  // Warm the short one, so the SIGTERM below meets its handler running and not a cold start.
  await invoke(client, "short", {});

  const short = invoke(client, "short", {});
  const long = invoke(client, "long", {});
  await new Promise((r) => setTimeout(r, 700));
  const exit = server.stop();

  expect(await short).toMatchObject({ status: 200, functionError: undefined, payload: '"slept 1.5"' });
  const stopped = await long;
  expect([stopped.status, stopped.functionError]).toEqual([200, "Unhandled"]);
  expect(JSON.parse(stopped.payload)).toEqual({
    errorType: "Runtime.ExitError",
    errorMessage: `RequestId: ${stopped.requestId} Error: Runtime exited with error: signal: killed`,
  });
  expect(await exit).toBe(0);
  expect(server.log()).toContain('"msg":"lamina stopped"');
}, 60_000);
