/**
 * Where the interpreters of this machine are: the places the usual version managers install Node.js (nvm, fnm,
 * volta, n, asdf) and Python (pyenv, uv, asdf, the system's `pythonX.Y`), plus the paths given with
 * `--runtime-path`. Each candidate is asked its own version, so a runtime runs on what it declares when that is
 * installed, and lamina can say exactly what it runs on when it is not.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** An interpreter that answered: where it really lives and the version it reports. */
export interface Interpreter {
  readonly executable: string;
  /** Python's `sys.prefix`; the folder above `bin/` for Node.js. */
  readonly prefix: string;
  /** `3.12` for Python, `22` for Node.js (what a runtime name declares). */
  readonly line: string;
  /** The full version, `3.12.1` or `22.3.0`. */
  readonly version: string;
}

/** The children of `dir` matching `re`, newest version first (by numeric parts). */
function versionDirs(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => re.test(name))
    .sort((a, b) => compareVersions(b, a));
}

function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+/g)?.map(Number) ?? [];
  const pb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

const home = () => process.env.HOME ?? homedir();

/** Every Node.js binary the version managers hold, newest first, then the system's and lamina's own. */
export function nodeCandidates(major: string): string[] {
  const v = new RegExp(`^v?${major}\\.`);
  const nvm = process.env.NVM_DIR ?? join(home(), ".nvm");
  const fnm = process.env.FNM_DIR ?? join(home(), ".local/share/fnm");
  const volta = process.env.VOLTA_HOME ?? join(home(), ".volta");
  const n = process.env.N_PREFIX ?? "/usr/local";
  const asdf = process.env.ASDF_DATA_DIR ?? join(home(), ".asdf");
  return [
    ...versionDirs(join(nvm, "versions/node"), v).map((d) => join(nvm, "versions/node", d, "bin/node")),
    ...versionDirs(join(fnm, "node-versions"), v).map((d) =>
      join(fnm, "node-versions", d, "installation/bin/node"),
    ),
    ...versionDirs(join(volta, "tools/image/node"), v).map((d) =>
      join(volta, "tools/image/node", d, "bin/node"),
    ),
    ...versionDirs(join(n, "n/versions/node"), v).map((d) => join(n, "n/versions/node", d, "bin/node")),
    ...versionDirs(join(asdf, "installs/nodejs"), v).map((d) => join(asdf, "installs/nodejs", d, "bin/node")),
    "/usr/local/bin/node",
    "/usr/bin/node",
    process.execPath,
  ];
}

/** Every `python<version>` the system and the version managers hold, newest patch first. */
export function pythonCandidates(version: string): string[] {
  const v = new RegExp(`^${version.replace(".", "\\.")}\\.\\d+`);
  const pyenv = process.env.PYENV_ROOT ?? join(home(), ".pyenv");
  const uv = process.env.UV_PYTHON_INSTALL_DIR ?? join(home(), ".local/share/uv/python");
  const asdf = process.env.ASDF_DATA_DIR ?? join(home(), ".asdf");
  const bin = `python${version}`;
  return [
    `/usr/bin/${bin}`,
    `/usr/local/bin/${bin}`,
    ...versionDirs(join(pyenv, "versions"), v).map((d) => join(pyenv, "versions", d, "bin", bin)),
    ...versionDirs(uv, new RegExp(`^cpython-${version.replace(".", "\\.")}\\.`)).map((d) =>
      join(uv, d, "bin", bin),
    ),
    ...versionDirs(join(asdf, "installs/python"), v).map((d) => join(asdf, "installs/python", d, "bin", bin)),
    bin,
  ];
}

/** Asks a Python what it is; undefined when it does not run. */
export async function probePython(candidate: string): Promise<Interpreter | undefined> {
  if (candidate.startsWith("/") && !existsSync(candidate)) {
    return undefined;
  }
  try {
    const { stdout } = await execFileAsync(
      candidate,
      [
        "-c",
        "import sys; print(sys.executable); print(sys.prefix); print('%d.%d.%d' % sys.version_info[:3])",
      ],
      { encoding: "utf8", timeout: 10_000 },
    );
    const [executable = "", prefix = "", version = ""] = stdout.split("\n");
    if (!executable || !existsSync(executable)) {
      return undefined;
    }
    const line = version.split(".").slice(0, 2).join(".");
    return { executable: realpathSync(executable), prefix: realpathSync(prefix), line, version };
  } catch {
    return undefined;
  }
}

/** Asks a Node.js what it is; undefined when it does not run. */
export async function probeNode(candidate: string): Promise<Interpreter | undefined> {
  if (!existsSync(candidate)) {
    return undefined;
  }
  try {
    const { stdout } = await execFileAsync(candidate, ["--version"], { encoding: "utf8", timeout: 10_000 });
    const version = stdout.trim().replace(/^v/, "");
    const executable = realpathSync(candidate);
    return { executable, prefix: join(executable, "../.."), line: version.split(".")[0] ?? "", version };
  } catch {
    return undefined;
  }
}
