import { describe, expect, it } from "vitest";
import { layerPaths } from "../../src/execution/merge-order.js";
import { hostPathOf, planOpt } from "../../src/execution/opt-plan.js";

/** A layer's paths from file names (directories are implied, as in a zip). */
function layer(...files: string[]) {
  return layerPaths(files.map((path) => ({ path, kind: path.endsWith("/") ? "directory" : "file" })));
}

describe("planOpt: /opt assembled from mounts of whole layer subtrees", () => {
  it("binds one layer at /opt itself, and none gives an empty /opt", () => {
    expect(planOpt([layer("python/a.py")])).toEqual([{ kind: "bind", layer: 0, path: "" }]);
    expect(planOpt([])).toEqual([]);
  });

  it("binds disjoint package folders of several layers under one shared directory", () => {
    const plan = planOpt([
      layer("python/requests/__init__.py", "python/requests/api.py"),
      layer("python/numpy/__init__.py", "bin/tool"),
      layer("python/yaml/__init__.py"),
    ]);
    expect(plan).toEqual([
      { kind: "bind", layer: 1, path: "bin" },
      { kind: "dir", path: "python" },
      { kind: "bind", layer: 1, path: "python/numpy" },
      { kind: "bind", layer: 0, path: "python/requests" },
      { kind: "bind", layer: 2, path: "python/yaml" },
    ]);
  });

  it("lets the later layer's file win, and merges only the directories after the last file", () => {
    const plan = planOpt([
      layer("python/shared.py", "python/pkg/old.py"),
      layer("python/shared.py", "python/pkg"), // a file named pkg replaces the first layer's folder
      layer("python/pkg/new.py"),
    ]);
    expect(plan).toEqual([
      { kind: "dir", path: "python" },
      { kind: "bind", layer: 2, path: "python/pkg" },
      { kind: "bind", layer: 1, path: "python/shared.py" },
    ]);
  });

  it("gives up past the mount budget, so the caller builds the merged tree on disk", () => {
    const a = layer(...Array.from({ length: 30 }, (_, i) => `python/a${i}.py`));
    const b = layer(...Array.from({ length: 30 }, (_, i) => `python/b${i}.py`));
    expect(planOpt([a, b], 48)).toBeUndefined();
    expect(planOpt([a, b], 61)).toHaveLength(61);
  });

  it("finds the host file behind a path of /opt through the deepest mount", () => {
    const view = {
      kind: "mounts" as const,
      trees: [],
      mounts: [
        { kind: "dir" as const, path: "python" },
        { kind: "bind" as const, source: "/cache/l1/python/pkg", path: "python/pkg" },
        { kind: "bind" as const, source: "/cache/l2/bootstrap", path: "bootstrap" },
      ],
    };
    expect(hostPathOf(view, "bootstrap")).toBe("/cache/l2/bootstrap");
    expect(hostPathOf(view, "python/pkg/x.py")).toBe("/cache/l1/python/pkg/x.py");
    expect(hostPathOf(view, "python/other.py")).toBeUndefined();
    expect(hostPathOf({ kind: "tree", dir: "/cache/opt/k" }, "bootstrap")).toBe("/cache/opt/k/bootstrap");
  });
});
