/**
 * How each runtime starts: which interpreter on this host, which of lamina's runtime clients (`runtime/`), and the
 * variables that runtime adds (`docs/reference/aws-lambda-execution.md` §A2–§A5). Interpreters are found once
 * (`interpreters.ts`) and cached. A runtime whose declared version this machine lacks runs on the nearest one it
 * has (Python: `python3`; Node.js: the one running lamina), and says so: once in lamina's log, and in the
 * function's own log on every cold start; its INIT_START line names the version that really runs.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { PACKAGE_ROOT } from "../util/version.js";
import { PythonBytecode } from "./python-bytecode.js";
import {
  nodeCandidates,
  probeNode,
  probePython,
  pythonCandidates,
  type Interpreter,
} from "./interpreters.js";

/** What a sandbox needs to start one runtime process. */
export interface LaunchSpec {
  /** The program, as a path seen inside the environment. */
  readonly command: string;
  readonly args: readonly string[];
  /** Variables this runtime adds (AWS_EXECUTION_ENV, NODE_PATH, …). */
  readonly env: Readonly<Record<string, string>>;
  /** Host folder mounted read-only at `/var/runtime`, when the runtime has one. */
  readonly runtimeDir: string | undefined;
  /** Host folders the interpreter lives in, mounted read-only at the same path (beyond `/usr`). */
  readonly binds: readonly string[];
}

/** Paths of the environment as the function sees them. */
export interface EnvironmentPaths {
  readonly task: string;
  readonly opt: string;
  readonly runtime: string;
  /** Host folder behind `task`, to look for a custom runtime's bootstrap. */
  readonly hostTask: string;
  /** The host file behind a path of `/opt` (layers may be mounted one by one), if any layer holds it. */
  readonly hostOpt: (relative: string) => string | undefined;
}

/** A runtime lamina cannot start: the caller answers AWS's error for it. */
export class RuntimeUnavailableError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

const RUNTIME_CLIENTS = join(PACKAGE_ROOT, "runtime");

/** Where a sandbox mounts the runtime client's folder. */
const SANDBOX_RUNTIME_DIR = "/var/runtime";

/** The folder of lamina's runtime client for a runtime (mounted at `/var/runtime`), if it has one. */
export function runtimeClientDir(runtime: string): string | undefined {
  if (/^python3\.\d+$/.test(runtime)) {
    return join(RUNTIME_CLIENTS, "python");
  }
  return /^nodejs\d+\.x$/.test(runtime) ? join(RUNTIME_CLIENTS, "nodejs") : undefined;
}

/** What a function really runs on, for its logs. */
export interface RunsOn {
  /** INIT_START's `Runtime Version`, naming the real version: `python:3.11.v1`, `nodejs:20.v1`. */
  readonly runtimeVersion: string;
  /** Said in the function's log on every cold start when it is not what the runtime declares. */
  readonly warning: string | undefined;
}

/** The interpreter chosen for a runtime, and whether it is the version declared. */
interface Choice {
  readonly interpreter: Interpreter;
  readonly exact: boolean;
}

const LANGUAGE = { python: "Python", nodejs: "Node.js" } as const;

/** Finds and caches interpreters, and says when a runtime runs on another version than it declares. */
export class RuntimeCatalog {
  private readonly chosen = new Map<string, Promise<Choice | undefined>>();
  private readonly warned = new Set<string>();
  private readonly bytecode: PythonBytecode | undefined;

  /**
   * `runtimePaths`: interpreters named with `--runtime-path`, by runtime (`nodejs22.x` → a node binary).
   * `bytecodeDir`: where the Python runtime client is compiled for each interpreter (none: it runs from source).
   */
  constructor(
    private readonly log: Logger,
    private readonly runtimePaths: Readonly<Record<string, string>> = {},
    bytecodeDir?: string,
  ) {
    this.bytecode =
      bytecodeDir === undefined
        ? undefined
        : new PythonBytecode(join(RUNTIME_CLIENTS, "python"), bytecodeDir, log);
  }

  /** Stops background work (the runtime client's compiles) and waits for it. */
  async close(): Promise<void> {
    await this.bytecode?.close();
  }

  /** The launch spec for a function's runtime, or RuntimeUnavailableError. */
  async launch(runtime: string, paths: EnvironmentPaths): Promise<LaunchSpec & { runsOn: RunsOn }> {
    const python = /^python(3\.\d+)$/.exec(runtime)?.[1];
    if (python) {
      const choice = await this.choose(runtime, "python", python);
      // The compiled copy only inside a sandbox: without one, paths.runtime (in the arguments) is the shipped
      // folder itself.
      const clientDir =
        paths.runtime === SANDBOX_RUNTIME_DIR && this.bytecode
          ? this.bytecode.folderFor(choice.interpreter.executable)
          : runtimeClientDir(runtime);
      return {
        ...pythonSpec(runtime, choice.interpreter, paths, clientDir),
        runsOn: this.runsOn(runtime, "python", python, choice),
      };
    }
    const node = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
    if (node) {
      const choice = await this.choose(runtime, "nodejs", node);
      return {
        ...nodeSpec(runtime, choice.interpreter, paths),
        runsOn: this.runsOn(runtime, "nodejs", node, choice),
      };
    }
    if (runtime === "provided" || runtime.startsWith("provided.")) {
      return {
        ...providedSpec(paths),
        runsOn: { runtimeVersion: `${runtime.replace(/\./, ":")}.v1`, warning: undefined },
      };
    }
    throw new RuntimeUnavailableError(
      "Runtime.InvalidRuntime",
      `lamina cannot run ${runtime} functions: it runs python3.x, nodejs and provided runtimes.`,
    );
  }

  /** The declared version if this machine has it (a `--runtime-path` first), else the nearest it has. */
  private async choose(runtime: string, language: "python" | "nodejs", declared: string): Promise<Choice> {
    let found = this.chosen.get(runtime);
    if (!found) {
      found = (async () => {
        const probe = language === "python" ? probePython : probeNode;
        const given = this.runtimePaths[runtime];
        if (given !== undefined) {
          const interpreter = await probe(given);
          return interpreter && { interpreter, exact: interpreter.line === declared };
        }
        const candidates = language === "python" ? pythonCandidates(declared) : nodeCandidates(declared);
        for (const candidate of candidates) {
          const interpreter = await probe(candidate);
          if (interpreter?.line === declared) {
            return { interpreter, exact: true };
          }
        }
        const fallback =
          language === "python"
            ? ((await probePython("/usr/bin/python3")) ?? (await probePython("python3")))
            : await probeNode(process.execPath);
        return fallback && { interpreter: fallback, exact: false };
      })();
      this.chosen.set(runtime, found);
    }
    const choice = await found;
    if (!choice) {
      throw new RuntimeUnavailableError(
        "Runtime.InvalidRuntime",
        language === "python"
          ? "No python3 interpreter was found on this host."
          : `No Node.js for ${runtime} was found on this host.`,
      );
    }
    return choice;
  }

  private runsOn(runtime: string, language: "python" | "nodejs", declared: string, choice: Choice): RunsOn {
    const { interpreter, exact } = choice;
    const runtimeVersion = `${language}:${interpreter.line}.v1`;
    if (exact) {
      return { runtimeVersion, warning: undefined };
    }
    const label = LANGUAGE[language];
    const given = this.runtimePaths[runtime];
    const warning =
      given !== undefined
        ? `--runtime-path ${runtime}=${given} is ${label} ${interpreter.version}, not ${label} ${declared}: ` +
          `this function runs on it.`
        : `${runtime} is not installed on this machine: this function runs on ${label} ${interpreter.version} ` +
          `(${interpreter.executable}). Install ${label} ${declared}, or name one with --runtime-path ${runtime}=<path>.`;
    if (!this.warned.has(runtime)) {
      this.warned.add(runtime);
      this.log.warn({ runtime, interpreter: interpreter.executable, version: interpreter.version }, warning);
    }
    return { runtimeVersion, warning: `LAMINA_WARNING ${warning}` };
  }
}

function pythonSpec(
  runtime: string,
  interpreter: Interpreter,
  paths: EnvironmentPaths,
  runtimeDir: string | undefined,
): LaunchSpec {
  return {
    command: interpreter.executable,
    // -s -S: the host interpreter's own site-packages are not part of a Lambda environment.
    args: ["-u", "-s", "-S", `${paths.runtime}/bootstrap.py`],
    env: { AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}` },
    runtimeDir,
    binds: outsideUsr(interpreter.prefix),
  };
}

function outsideUsr(dir: string): string[] {
  return dir === "/usr" || dir.startsWith("/usr/") ? [] : [dir];
}

function nodeSpec(runtime: string, interpreter: Interpreter, paths: EnvironmentPaths): LaunchSpec {
  const node = interpreter.executable;
  // Layers are packaged for the declared runtime (`/opt/nodejs/node22/…`), whatever Node.js runs them here.
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? interpreter.line;
  // §A2: the Node bootstrap sets NODE_PATH only when the function did not.
  const nodePath = [
    `${paths.opt}/nodejs/node${major}/node_modules`,
    `${paths.opt}/nodejs/node_modules`,
    `${paths.runtime}/node_modules`,
    paths.runtime,
    paths.task,
  ].join(":");
  return {
    command: node,
    // As Lambda starts Node (§A2, §A4); without the last flag Node 20.19+ would require() ES modules that AWS
    // refuses with Runtime.UserCodeSyntaxError.
    args: [
      "--expose-gc",
      "--max-http-header-size=81920",
      "--no-experimental-require-module",
      `${paths.runtime}/bootstrap.mjs`,
    ],
    env: { AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`, NODE_PATH: nodePath },
    runtimeDir: runtimeClientDir(runtime),
    binds: outsideUsr(dirname(dirname(node))),
  };
}

/** §A5: `bootstrap` from the function's code, else from a layer. */
function providedSpec(paths: EnvironmentPaths): LaunchSpec {
  const bootstrap = existsSync(join(paths.hostTask, "bootstrap"))
    ? `${paths.task}/bootstrap`
    : existsSync(paths.hostOpt("bootstrap") ?? "")
      ? `${paths.opt}/bootstrap`
      : undefined;
  if (!bootstrap) {
    throw new RuntimeUnavailableError(
      "Runtime.InvalidEntrypoint",
      `Couldn't find valid bootstrap(s): [${paths.task}/bootstrap ${paths.opt}/bootstrap]`,
    );
  }
  return { command: bootstrap, args: [], env: {}, runtimeDir: undefined, binds: [] };
}
