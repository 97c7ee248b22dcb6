/**
 * How an environment's process is isolated. With bubblewrap: a private root where `/usr` and `/etc` are the host's,
 * read-only; `/var/task`, `/opt` and `/var/runtime` are read-only binds; `/tmp` is a private tmpfs; lamina's data
 * dir and other functions are not there at all; the network is shared so the runtime reaches its Runtime API on
 * the host's loopback (`docs/reference/aws-lambda-execution.md` §A9). Without it: a plain child process in
 * its own process group, run from the host folders, with the same variables.
 */
import { execFileSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import type { OptMount, OptView } from "./opt-plan.js";
import type { LaunchSpec } from "./runtimes.js";

/** The isolation in use. */
export type SandboxKind = "bwrap" | "none";

/** Host folders an environment is built from. */
export interface HostFolders {
  readonly task: string;
  /** Without a sandbox always a tree on disk; with one, mounts when a few assemble it. */
  readonly opt: OptView;
  /** The environment's own scratch folder, `/tmp` without a sandbox. */
  readonly tmp: string;
}

/** A program and its arguments, ready for `spawn`. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Under bubblewrap, `args` in two parts: its options, then the command it runs (`launcher.ts` needs them apart). */
  readonly bwrap?: { readonly options: readonly string[]; readonly command: readonly string[] };
}

/** What the bubblewrap probe found: it works, it is not installed, or it is installed but cannot run here. */
export type BwrapProbe =
  | { readonly status: "works" }
  | { readonly status: "missing" }
  | { readonly status: "blocked"; readonly detail: string };

/** Runs bubblewrap once with the namespaces an environment needs (it may be installed yet blocked, e.g. in Docker). */
export function probeBwrap(): BwrapProbe {
  try {
    // prettier-ignore
    execFileSync("bwrap", [
      "--ro-bind", "/usr", "/usr",
      "--symlink", "usr/bin", "/bin",
      "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64",
      "--proc", "/proc",
      "--dev", "/dev",
      "--unshare-all",
      "--die-with-parent",
      "/usr/bin/true",
    ], { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
    return { status: "works" };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT") {
      return { status: "missing" };
    }
    const said = e.stderr?.toString("utf8").trim().split("\n")[0];
    return { status: "blocked", detail: said || e.message };
  }
}

/** What running without a sandbox changes for a function, said once at start and in each function's log. */
export const NO_SANDBOX_EFFECTS =
  "functions run as plain processes, without a sandbox: their layers are on the module path (Python's " +
  "sys.path, NODE_PATH) and PATH, but nothing is at /opt or /var/task, and a function can read this machine's files";

/** Why there is no sandbox, in words, or undefined when bubblewrap is in use. */
export function noSandboxReason(requested: "auto" | "bwrap" | "none", probe: BwrapProbe): string | undefined {
  if (requested === "none") {
    return "--sandbox none was chosen";
  }
  switch (probe.status) {
    case "works":
      return undefined;
    case "missing":
      return "bubblewrap is not installed (apt-get install bubblewrap)";
    case "blocked":
      return `bubblewrap is installed but cannot run here (${probe.detail}); a container without user namespaces does this`;
  }
}

/** The folders a function sees, by sandbox kind. */
export function functionPaths(kind: SandboxKind, host: HostFolders, runtimeDir: string | undefined) {
  return kind === "bwrap"
    ? { task: "/var/task", opt: "/opt", runtime: "/var/runtime", tmp: "/tmp" }
    : { task: host.task, opt: treeOf(host.opt), runtime: runtimeDir ?? "/var/runtime", tmp: host.tmp };
}

function treeOf(view: OptView): string {
  if (view.kind !== "tree") {
    throw new Error("an environment without a sandbox needs its /opt as one tree on disk");
  }
  return view.dir;
}

/** bubblewrap's arguments that make `/opt`: one bind, or mounts on a tmpfs made read-only once assembled. */
function optArgs(view: OptView): string[] {
  if (view.kind === "tree") {
    return ["--ro-bind", view.dir, "/opt"];
  }
  const [only] = view.mounts;
  if (view.mounts.length === 1 && only?.kind === "bind" && only.path === "") {
    return ["--ro-bind", only.source, "/opt"];
  }
  return ["--tmpfs", "/opt", ...view.mounts.flatMap(mountArgs), "--remount-ro", "/opt"];
}

function mountArgs(mount: OptMount): string[] {
  const at = `/opt/${mount.path}`;
  switch (mount.kind) {
    case "dir":
      return ["--dir", at];
    case "bind":
      return ["--ro-bind", mount.source, at];
    case "symlink":
      return ["--symlink", mount.target, at];
  }
}

/** Builds the command that starts `spec` under the sandbox. */
export function spawnPlan(
  kind: SandboxKind,
  host: HostFolders,
  spec: LaunchSpec,
  env: Readonly<Record<string, string>>,
): SpawnPlan {
  if (kind === "none") {
    return { file: spec.command, args: spec.args, env, cwd: host.task };
  }
  // prettier-ignore
  const options = [
    "--ro-bind", "/usr", "/usr",
    "--ro-bind", "/etc", "/etc",
    "--symlink", "usr/bin", "/bin",
    "--symlink", "usr/sbin", "/sbin",
    "--symlink", "usr/lib", "/lib",
    "--symlink", "usr/lib64", "/lib64",
    "--dev", "/dev",
    "--proc", "/proc",
    "--tmpfs", "/tmp",
    "--tmpfs", "/var",
    "--ro-bind", host.task, "/var/task",
    ...optArgs(host.opt),
    ...(spec.runtimeDir ? ["--ro-bind", spec.runtimeDir, "/var/runtime"] : []),
    ...spec.binds.flatMap((dir) => ["--ro-bind", dir, dir]),
    "--chdir", "/var/task",
    "--unshare-all",
    "--share-net",
    "--die-with-parent",
    "--new-session",
    ...shellAsBash(),
  ];
  const command = [spec.command, ...spec.args];
  // The function's variables go through the process environment, which bubblewrap hands on to the runtime: as
  // `--setenv` arguments they would be on the command line, which every user of the machine can read in `ps`.
  return { file: "bwrap", args: [...options, ...command], env, cwd: "/", bwrap: { options, command } };
}

let bashOverSh: readonly string[] | undefined;

/**
 * On Amazon Linux 2023 `/bin/sh` is bash, and AWS's own custom-runtime tutorial relies on it (`set -euo pipefail`
 * in a `#!/bin/sh` bootstrap). Where the host's `sh` is another shell (Debian's dash) and bash exists, bash is
 * mounted over the file `sh` points to, inside the sandbox only.
 */
function shellAsBash(): readonly string[] {
  if (bashOverSh === undefined) {
    let sh: string | undefined;
    try {
      sh = realpathSync("/usr/bin/sh");
    } catch {
      sh = undefined;
    }
    const bash = "/usr/bin/bash";
    bashOverSh =
      sh !== undefined && existsSync(bash) && sh !== realpathSync(bash) ? ["--ro-bind", bash, sh] : [];
  }
  return bashOverSh;
}
