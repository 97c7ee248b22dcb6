/**
 * What a function's process looks like from the machine and from inside: its environment variables are in its
 * environment and not on any command line (where `ps` shows them to every user), and inside the sandbox
 * `/bin/sh` is bash, as on Amazon Linux 2023, so AWS's own custom-runtime tutorial runs unchanged.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { REPO_ROOT } from "../helpers/project-copy.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";
const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);

/** Every process's command line on this machine, as `ps -ef` would print it. */
function commandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe("environment variables", () => {
  it("reach the runtime through its environment, never through a command line", async () => {
    const secret = `s3cr3t-${randomBytes(8).toString("hex")}`;
    const name = randomName("env");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      environment: { DB_PASSWORD: secret },
      files: {
        "app.py": "import os\n\ndef handler(event, context):\n    return os.environ['DB_PASSWORD']\n",
      },
    });
    expect((await invoke(client, name, {})).payload).toBe(JSON.stringify(secret));
    // The environment is warm now: its bwrap and runtime processes are running.
    expect(commandLines().filter((c) => c.includes(secret))).toEqual([]);
  });
});

describe("/bin/sh inside the sandbox", () => {
  it("is bash, so AWS's custom-runtime tutorial runs as published", async () => {
    const tutorial = join(REPO_ROOT, "test/fixtures/aws-tutorial");
    const name = randomName("tutorial");
    await createFunction(client, A, name, {
      runtime: "provided.al2023",
      handler: "function.handler",
      files: {
        bootstrap: readFileSync(join(tutorial, "bootstrap")),
        "function.sh": readFileSync(join(tutorial, "function.sh")),
      },
      modes: { bootstrap: 0o755 },
    });
    const out = await invoke(client, name, { key1: "value1" });
    expect([out.status, out.functionError, out.payload]).toEqual([
      200,
      undefined,
      '{"statusCode": 200, "body": "Hello from Lambda!"}',
    ]);
  });
});
