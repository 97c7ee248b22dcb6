/**
 * The README, exactly as written, as a new user runs it: a copy of the repository, its set-up commands with every
 * default (`npm install`, `npm start` with no flags, so the data dir is the relative `./.lamina`), then every
 * command of "Share a layer across accounts" through the real `aws` CLI, each answer checked against what the
 * README prints under it; then a restart and another invoke; then all of it again with `LAMINA_SANDBOX=none`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyWorkingTree,
  REPO_ROOT,
  runShell,
  startShell,
  userShellEnv,
  waitForHealth,
  type BackgroundShell,
} from "../helpers/project-copy.js";
import {
  expectsError,
  matchesExpected,
  readmeBlock,
  readmeSteps,
  setsState,
  type ReadmeStep,
} from "../helpers/readme.js";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const SET_UP = readmeSteps(readmeBlock(README, "Set up"));
const WALKTHROUGH = readmeSteps(readmeBlock(README, "Share a layer across accounts"));
/** The README's default endpoint: `npm start` with no flags listens here. */
const HEALTH = "http://127.0.0.1:4580/_lamina/health";

let project: string;

beforeAll(async () => {
  project = copyWorkingTree("lamina-readme-");
  // The set-up block is two commands: the install, then the server. Anything else needs this test to grow.
  expect(SET_UP.map((s) => s.command.split("#")[0]?.trim())).toEqual(["npm install", "npm start"]);
  const install = await runShell(SET_UP[0]?.command ?? "", project, userShellEnv());
  expect(install.code, install.output).toBe(0);
}, 600_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

/** Runs `npm start` as the README writes it, with `env` added, and waits until it answers. */
async function start(env: Record<string, string>): Promise<BackgroundShell> {
  await expectPortFree();
  const server = startShell(SET_UP[1]?.command ?? "", project, userShellEnv(env));
  await waitForHealth(HEALTH, 30_000, () => server.output());
  return server;
}

async function expectPortFree(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answered = await fetch(HEALTH).then(
      () => true,
      () => false,
    );
    if (!answered) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("something already serves 127.0.0.1:4580; the README test needs the default port");
}

/** Runs one step after the state-setting lines before it (exports and variables), and checks its answer. */
async function runStep(step: ReadmeStep, state: readonly string[], cwd: string): Promise<void> {
  const { code, output } = await runShell([...state, step.command].join("\n"), cwd, userShellEnv());
  const where = `README command:\n${step.command}\nprinted (exit ${code}):\n${output}`;
  expect(code === 0, where).toBe(!expectsError(step));
  if (step.expected !== undefined) {
    expect(matchesExpected(output, step.expected), `${where}\nexpected:\n${step.expected}`).toBe(true);
  }
}

/** Every walkthrough command in a fresh folder, in order; returns the state lines and the folder. */
async function walkThrough(): Promise<{ state: string[]; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "lamina-readme-user-"));
  const state: string[] = [];
  for (const step of WALKTHROUGH) {
    if (setsState(step.command)) {
      state.push(step.command);
    } else {
      await runStep(step, state, cwd);
    }
  }
  return { state, cwd };
}

const firstInvoke = () => {
  const step = WALKTHROUGH.find((s) => s.command.includes("lambda invoke"));
  if (step === undefined) {
    throw new Error("the README's walkthrough has no invoke");
  }
  return step;
};

describe.each<{ sandbox: string; env: Record<string, string> }>([
  { sandbox: "default (bubblewrap when it works)", env: {} },
  { sandbox: "LAMINA_SANDBOX=none", env: { LAMINA_SANDBOX: "none" } },
])("README walkthrough, $sandbox", ({ env }) => {
  it("runs every command as written, and invokes again after a restart", async () => {
    rmSync(join(project, ".lamina"), { recursive: true, force: true });
    let server = await start(env);
    const { state, cwd } = await walkThrough().catch(async (err: unknown) => {
      await server.interrupt();
      throw err;
    });
    await server.interrupt();
    // The relative default is resolved once, at start, and the log names the absolute folder.
    expect(server.output()).toContain(`"dataDir":"${join(project, ".lamina")}"`);

    server = await start(env);
    try {
      await runStep(firstInvoke(), state, cwd);
    } finally {
      await server.interrupt();
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 300_000);
});
