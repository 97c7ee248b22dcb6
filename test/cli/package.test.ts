/**
 * lamina as another project's dependency: the package `npm pack` makes, installed into a fresh project, gives
 * `npx lamina serve` and `import { startLamina } from "lamina-lambda"`, and functions run from it (so the runtime
 * clients ship in the package).
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaClient } from "../helpers/clients.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { REPO_ROOT, runShell, startShell, userShellEnv } from "../helpers/project-copy.js";
import { tmpDir } from "../helpers/server.js";

const run = promisify(execFile);
const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const ACCOUNT = "111111111111";

let consumer: string;
let packed: string[];

beforeAll(async () => {
  const out = tmpDir("lamina-pack-");
  // dist/ is built by `npm test`'s pretest; packing without scripts leaves the tree other tests use alone.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], {
    cwd: REPO_ROOT,
  });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = info?.files.map((f) => f.path) ?? [];
  consumer = tmpDir("lamina-consumer-");
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const install = await runShell(
    `npm install --no-audit --no-fund ${join(out, info?.filename ?? "")}`,
    consumer,
    userShellEnv(),
  );
  expect(install.code, install.output).toBe(0);
}, 600_000);

describe(`the ${PACKAGE.name} package`, () => {
  it("holds the built server and the runtime clients, and nothing of the tests", () => {
    expect(PACKAGE.name).toBe("lamina-lambda");
    expect(packed).toEqual(
      expect.arrayContaining([
        "dist/src/main.js",
        "dist/src/index.js",
        "dist/src/index.d.ts",
        "dist/ui/app.js",
        "dist/ui/app.css",
      ]),
    );
    expect(packed).toEqual(
      expect.arrayContaining(["runtime/python/bootstrap.py", "runtime/nodejs/bootstrap.mjs"]),
    );
    expect(packed.filter((p) => p.startsWith("test/") || p.startsWith("src/"))).toEqual([]);
  });

  it("gives the project `npx lamina serve`, which runs functions", async () => {
    const version = await runShell("npx lamina --version", consumer, userShellEnv());
    expect(version).toEqual({ code: 0, output: `${PACKAGE.version}\n` });

    const server = startShell("npx lamina serve --port 0 --data-dir data", consumer, userShellEnv());
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const found = /"url":"([^"]+)"/.exec(server.output())?.[1];
          if (found) {
            clearInterval(timer);
            resolve(found);
          } else if (server.child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(server.output()));
          }
        }, 50);
      });
      expect(server.output()).toContain(`"dataDir":"${join(consumer, "data")}"`);
      const client = lambdaClient(url, ACCOUNT);
      await createFunction(client, ACCOUNT, "from-package", {
        runtime: "python3.12",
        handler: "app.handler",
        files: { "app.py": "def handler(event, context):\n    return {'ok': event['n'] + 1}\n" },
      });
      expect((await invoke(client, "from-package", { n: 41 })).payload).toBe('{"ok": 42}');
    } finally {
      await server.interrupt();
    }
  });

  it("gives the project `import { startLamina }`", async () => {
    const script = [
      `import { startLamina } from "${PACKAGE.name}";`,
      `const lamina = await startLamina({ port: 0, dataDir: "lib-data", logLevel: "silent" });`,
      `const health = await fetch(lamina.url + "/_lamina/health").then((r) => r.json());`,
      `console.log(JSON.stringify({ health, dataDir: lamina.config.dataDir }));`,
      `await lamina.close();`,
    ].join("\n");
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({
      health: { status: "ok", version: PACKAGE.version },
      dataDir: join(consumer, "lib-data"),
    });
  });
});
