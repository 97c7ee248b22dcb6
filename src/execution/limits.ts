/**
 * A process limit per execution environment, as Lambda has (1,024 processes and threads): each environment's
 * process tree goes into its own cgroup of the `pids` controller, so a fork bomb stops at the limit instead of
 * taking the machine. Best effort: where no writable `pids` hierarchy exists (cgroup v1 at
 * `/sys/fs/cgroup/pids`, or v2 with the controller enabled), environments run without the limit.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Lambda's quota of processes and threads per execution environment. */
export const MAX_PROCESSES = 1024;

function pidsRoot(): string | undefined {
  const v1 = "/sys/fs/cgroup/pids";
  if (existsSync(join(v1, "cgroup.procs"))) {
    return v1;
  }
  const v2 = "/sys/fs/cgroup";
  try {
    if (readFileSync(join(v2, "cgroup.subtree_control"), "utf8").split(/\s+/).includes("pids")) {
      return v2;
    }
  } catch {
    // no cgroup v2 here
  }
  return undefined;
}

const root = pidsRoot();

/** A cgroup holding one environment's processes; `release` removes it once they are gone. */
export interface ProcessLimit {
  release(): void;
}

/** Puts `pid` (and what it starts) under a fresh cgroup limited to MAX_PROCESSES; undefined when unsupported. */
export function limitProcesses(pid: number, name: string): ProcessLimit | undefined {
  if (!root) {
    return undefined;
  }
  const dir = join(root, "lamina", name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "pids.max"), String(MAX_PROCESSES));
    writeFileSync(join(dir, "cgroup.procs"), String(pid));
  } catch {
    return undefined;
  }
  return {
    // A killed tree takes a moment to exit; an empty cgroup can only be removed then, so try a few times.
    release: () => {
      const attempt = (delays: readonly number[]) => {
        try {
          rmdirSync(dir);
        } catch {
          const [next, ...rest] = delays;
          if (next !== undefined) {
            setTimeout(() => attempt(rest), next).unref();
          }
        }
      };
      attempt([100, 1000, 5000, 30_000]);
    },
  };
}
