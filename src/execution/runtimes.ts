/**
 * How each runtime starts: which interpreter on this host, which of lamina's runtime clients (`runtime/`), and the
 * variables that runtime adds (`docs/reference/aws-lambda-execution.md` §A2–§A5). Interpreters are found
 * once and cached; a Python function whose exact version the host lacks runs on `python3`, with one warning.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { PACKAGE_ROOT } from "../util/version.js";

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
  /** Host folders behind `task` and `opt`, to look for a custom runtime's bootstrap. */
  readonly hostTask: string;
  readonly hostOpt: string;
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

interface Interpreter {
  readonly executable: string;
  readonly prefix: string;
  readonly version: string;
}

const RUNTIME_CLIENTS = join(PACKAGE_ROOT, "runtime");
const execFileAsync = promisify(execFile);

/** The folder of lamina's runtime client for a runtime (mounted at `/var/runtime`), if it has one. */
export function runtimeClientDir(runtime: string): string | undefined {
  if (/^python3\.\d+$/.test(runtime)) {
    return join(RUNTIME_CLIENTS, "python");
  }
  return /^nodejs\d+\.x$/.test(runtime) ? join(RUNTIME_CLIENTS, "nodejs") : undefined;
}

/** Finds and caches interpreters. */
export class RuntimeCatalog {
  private readonly pythons = new Map<string, Promise<Interpreter | undefined>>();
  private readonly warned = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** The launch spec for a function's runtime, or RuntimeUnavailableError. */
  async launch(runtime: string, paths: EnvironmentPaths): Promise<LaunchSpec> {
    const python = /^python(3\.\d+)$/.exec(runtime)?.[1];
    if (python) {
      return this.python(runtime, python, paths);
    }
    const node = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
    if (node) {
      return nodeSpec(runtime, node, paths);
    }
    if (runtime === "provided" || runtime.startsWith("provided.")) {
      return providedSpec(paths);
    }
    throw new RuntimeUnavailableError(
      "Runtime.InvalidRuntime",
      `lamina cannot run ${runtime} functions: it runs python3.x, nodejs and provided runtimes.`,
    );
  }

  private async python(runtime: string, version: string, paths: EnvironmentPaths): Promise<LaunchSpec> {
    const interpreter = await this.findPython(version);
    if (!interpreter) {
      throw new RuntimeUnavailableError(
        "Runtime.InvalidRuntime",
        "No python3 interpreter was found on this host.",
      );
    }
    if (interpreter.version !== version && !this.warned.has(version)) {
      this.warned.add(version);
      this.log.warn(
        { runtime, interpreter: interpreter.executable, version: interpreter.version },
        `python${version} is not installed here; ${runtime} functions run on python${interpreter.version}`,
      );
    }
    return {
      command: interpreter.executable,
      // -s -S: the host interpreter's own site-packages are not part of a Lambda environment.
      args: ["-u", "-s", "-S", `${paths.runtime}/bootstrap.py`],
      env: { AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}` },
      runtimeDir: runtimeClientDir(runtime),
      binds: outsideUsr(interpreter.prefix),
    };
  }

  /** `python3.X` if the host has it, else `python3`; undefined when neither exists. */
  private findPython(version: string): Promise<Interpreter | undefined> {
    let found = this.pythons.get(version);
    if (!found) {
      const pyenv = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
      const pyenvVersions = existsSync(join(pyenv, "versions"))
        ? readdirSync(join(pyenv, "versions"))
            .filter((v) => v.startsWith(`${version}.`))
            .sort()
            .reverse()
            .map((v) => join(pyenv, "versions", v, "bin", `python${version}`))
        : [];
      const exact = [
        `/usr/bin/python${version}`,
        `/usr/local/bin/python${version}`,
        ...pyenvVersions,
        `python${version}`,
      ];
      found = (async () => {
        for (const candidate of exact) {
          const p = await probePython(candidate);
          if (p?.version === version) {
            return p;
          }
        }
        return (await probePython("/usr/bin/python3")) ?? (await probePython("python3"));
      })();
      this.pythons.set(version, found);
    }
    return found;
  }
}

/** Asks an interpreter where it really lives (pyenv shims resolve to the real binary). */
async function probePython(candidate: string): Promise<Interpreter | undefined> {
  if (candidate.startsWith("/") && !existsSync(candidate)) {
    return undefined;
  }
  try {
    const { stdout } = await execFileAsync(
      candidate,
      ["-c", "import sys; print(sys.executable); print(sys.prefix); print('%d.%d' % sys.version_info[:2])"],
      { encoding: "utf8", timeout: 10_000 },
    );
    const out = stdout.split("\n");
    const [executable = "", prefix = "", version = ""] = out;
    if (!executable || !existsSync(executable)) {
      return undefined;
    }
    return { executable: realpathSync(executable), prefix: realpathSync(prefix), version };
  } catch {
    return undefined;
  }
}

function outsideUsr(dir: string): string[] {
  return dir === "/usr" || dir.startsWith("/usr/") ? [] : [dir];
}

function nodeSpec(runtime: string, major: string, paths: EnvironmentPaths): LaunchSpec {
  const node = realpathSync(process.execPath);
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
    : existsSync(join(paths.hostOpt, "bootstrap"))
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
