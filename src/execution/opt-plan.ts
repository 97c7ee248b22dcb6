/**
 * `/opt` assembled by the sandbox instead of built on disk. Lambda merges layers into `/opt` in the function's
 * order, a later layer's file replacing an earlier one's (`docs/reference/aws-lambda-execution.md` §A1). Most
 * layers hold disjoint subtrees (`python/<package>`, `nodejs/node_modules/<package>`), so the merged view is a few
 * read-only binds of whole layer subtrees onto an empty tmpfs: nothing is linked or copied, and a function's first
 * invoke right after its layers were unpacked costs a few mounts. Only where layers overlap does the plan descend,
 * and when that would take more than a handful of mounts the caller builds the merged tree on disk instead.
 */
import { join } from "node:path";
import type { LayerPaths } from "./merge-order.js";

/** One step of assembling `/opt`; `path` is relative to `/opt` ("" is `/opt` itself). */
export type OptStep =
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "bind"; readonly layer: number; readonly path: string };

/** A step with its host source resolved: what the sandbox mounts. */
export type OptMount =
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "bind"; readonly source: string; readonly path: string }
  | { readonly kind: "symlink"; readonly target: string; readonly path: string };

/** How an environment's `/opt` is made: one host directory, or mounts the sandbox assembles. */
export type OptView =
  | { readonly kind: "tree"; readonly dir: string }
  | {
      readonly kind: "mounts";
      readonly mounts: readonly OptMount[];
      /** The unpacked layer trees the mounts come from (kept by the cache while an environment uses them). */
      readonly trees: readonly string[];
    };

/**
 * Mounts a cold start may spend on `/opt`: each costs bubblewrap about 0.3 ms (measured on 2 cores), so 48 stay
 * within ~15 ms; past that the merged tree on disk is cheaper.
 */
export const MAX_OPT_MOUNTS = 48;

const childIndex = new WeakMap<LayerPaths, Map<string, string[]>>();

/** The names under each directory of a layer, built once per path map. */
function childrenOf(paths: LayerPaths): Map<string, string[]> {
  let index = childIndex.get(paths);
  if (!index) {
    index = new Map();
    for (const path of paths.keys()) {
      const slash = path.lastIndexOf("/");
      const parent = slash < 0 ? "" : path.slice(0, slash);
      const list = index.get(parent);
      if (list) {
        list.push(path.slice(slash + 1));
      } else {
        index.set(parent, [path.slice(slash + 1)]);
      }
    }
    childIndex.set(paths, index);
  }
  return index;
}

/**
 * The steps that assemble the merge of `layers` (in the function's order), or undefined when it takes more than
 * `maxMounts`. Where several layers hold a path, the last one holding it as a file wins and only the directories
 * after it merge, as unpacking the layers one over another would leave it.
 */
export function planOpt(layers: readonly LayerPaths[], maxMounts = MAX_OPT_MOUNTS): OptStep[] | undefined {
  const steps: OptStep[] = [];
  const visit = (prefix: string, holders: readonly number[]): boolean => {
    if (holders.length === 1) {
      steps.push({ kind: "bind", layer: holders[0] ?? 0, path: prefix });
      return steps.length <= maxMounts;
    }
    if (prefix !== "") {
      steps.push({ kind: "dir", path: prefix });
    }
    const names = new Set<string>();
    for (const i of holders) {
      for (const name of childrenOf(layers[i] ?? new Map()).get(prefix) ?? []) {
        names.add(name);
      }
    }
    for (const name of [...names].sort()) {
      const path = prefix === "" ? name : `${prefix}/${name}`;
      const here = holders.filter((i) => layers[i]?.has(path));
      const lastFile = here.findLastIndex((i) => layers[i]?.get(path) === false);
      if (lastFile === here.length - 1) {
        steps.push({ kind: "bind", layer: here[lastFile] ?? 0, path });
      } else if (!visit(path, here.slice(lastFile + 1))) {
        return false;
      }
      if (steps.length > maxMounts) {
        return false;
      }
    }
    return true;
  };
  const holders = layers.map((_, i) => i);
  if (holders.length === 0) {
    return [];
  }
  return visit("", holders) ? steps : undefined;
}

/** The host file behind a path of `/opt` (to look for a custom runtime's `bootstrap` there), if any holds it. */
export function hostPathOf(view: OptView, relative: string): string | undefined {
  if (view.kind === "tree") {
    return join(view.dir, relative);
  }
  let best: OptMount | undefined;
  for (const mount of view.mounts) {
    const covers = mount.path === "" || relative === mount.path || relative.startsWith(`${mount.path}/`);
    if (covers && mount.kind !== "dir" && (!best || mount.path.length >= best.path.length)) {
      best = mount;
    }
  }
  if (best?.kind !== "bind") {
    return undefined;
  }
  return join(best.source, relative.slice(best.path.length));
}
