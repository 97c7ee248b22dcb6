/**
 * What a function's process looks like from the machine and from inside: its environment variables are in its
 * environment and not on any command line (where `ps` shows them to every user), also when a spare bubblewrap
 * started ahead runs the cold start; inside the sandbox `/bin/sh` is bash, as on Amazon Linux 2023, so AWS's own
 * custom-runtime tutorial runs unchanged; and the Python runtime client runs from bytecode lamina compiled.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke, pollFor, pollForAsync } from "../helpers/invoke.js";
import { REPO_ROOT } from "../helpers/project-copy.js";
import { startTestServer } from "../helpers/server.js";

const A = "123456789012";
const lamina = await startTestServer();
const client = lambdaClient(lamina.url, A);

/** Every process on this machine: its id, its parent's, and its command line as `ps -ef` would print it. */
function processes(): { pid: number; ppid: number; cmdline: string }[] {
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      out.push({ pid: Number(pid), ppid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const commandLines = () => processes().map((p) => p.cmdline);

/** Changes the function's configuration, so that its next invoke is a cold start. */
async function retire(name: string, tag: string): Promise<void> {
  await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: tag }));
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

describe("cold starts from a spare bubblewrap (launcher.ts)", () => {
  it("a spare started ahead runs the next cold start, with the environment a direct start gives", async () => {
    const secret = `s3cr3t-${randomBytes(8).toString("hex")}`;
    const name = randomName("spare");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      environment: { DB_PASSWORD: secret },
      files: {
        // The environment as the runtime started with it; two values are new for every environment.
        "app.py": [
          "import os",
          "AT_INIT = dict(os.environ)",
          "for key in ('AWS_LAMBDA_RUNTIME_API', 'AWS_LAMBDA_LOG_STREAM_NAME'):",
          "    AT_INIT.pop(key)",
          "",
          "def handler(event, context):",
          "    return AT_INIT",
          "",
        ].join("\n"),
      },
    });
    const first = JSON.parse((await invoke(client, name, {})).payload) as Record<string, string>;
    expect(first.DB_PASSWORD).toBe(secret);
    const isSpare = (c: { cmdline: string }) =>
      c.cmdline.startsWith("bwrap --args 3 -- ") && c.cmdline.endsWith(" /var/runtime/bootstrap.py ");
    // The processes this test process started (lamina runs in it).
    const ownChildren = () => processes().filter((p) => p.ppid === process.pid);
    const spares = (await pollFor(ownChildren, (children) => children.some(isSpare))).filter(isSpare);
    expect(spares.length).toBeGreaterThan(0);
    await retire(name, "second");
    const second = JSON.parse((await invoke(client, name, {})).payload) as Record<string, string>;
    expect(second).toEqual(first);
    // A spare seen waiting now runs the environment (bubblewrap has started the runtime under it)...
    const parents = new Set(processes().map((p) => p.ppid));
    expect(spares.some((s) => parents.has(s.pid))).toBe(true);
    // ...and its options and variables came through a pipe, not its command line.
    expect(commandLines().filter((c) => c.includes(secret))).toEqual([]);
  });
});

describe("the Python runtime client's bytecode (python-bytecode.ts)", () => {
  it("is compiled once into the cache and mounted at /var/runtime from then on", async () => {
    const name = randomName("pyc");
    await createFunction(client, A, name, {
      runtime: "python3.12",
      handler: "app.handler",
      files: {
        "app.py": [
          "import os, sys",
          "",
          "def handler(event, context):",
          "    tag = sys.implementation.cache_tag",
          "    return os.path.exists('/var/runtime/__pycache__/_lamina_main.%s.pyc' % tag)",
          "",
        ].join("\n"),
      },
    });
    let round = 0;
    // The compile runs in the background after the first cold start of an interpreter: later ones mount it.
    const compiled = await pollForAsync(
      async () => {
        await retire(name, `round-${++round}`);
        return (await invoke(client, name, {})).payload;
      },
      (payload) => payload === "true",
    );
    expect(compiled).toBe("true");
    const copies = readdirSync(join(lamina.config.dataDir, "cache", "runtime"));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^python-[0-9a-f]{16}$/);
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
