/**
 * Which orders of the same layers give the same merged `/opt`. Later layers win only where two layers hold the
 * same path (and not both as directories), so only the relative order of such overlapping pairs matters. The
 * canonical order keeps those pairs as given and sorts everything else by hash: two lists with one canonical order
 * merge to identical trees, and share one.
 */

/** A layer's paths: `true` for directories (those named in the zip and every parent of an entry). */
export type LayerPaths = ReadonlyMap<string, boolean>;

/** The paths of a layer from its entries (`path` without a trailing slash, `directory` when it is one). */
export function layerPaths(entries: readonly { path: string; kind: string }[]): LayerPaths {
  const paths = new Map<string, boolean>();
  for (const entry of entries) {
    paths.set(entry.path, entry.kind === "directory");
    for (let i = entry.path.lastIndexOf("/"); i > 0; i = entry.path.lastIndexOf("/", i - 1)) {
      paths.set(entry.path.slice(0, i), true);
    }
  }
  return paths;
}

/** Whether merging `a` and `b` depends on their order: a path both hold where one of them is no directory. */
export function overlaps(a: LayerPaths, b: LayerPaths): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [path, isDir] of small) {
    const other = large.get(path);
    if (other !== undefined && !(isDir && other)) {
      return true;
    }
  }
  return false;
}

/**
 * The canonical order of a list of layer hashes. A hash listed twice keeps only its last place (its second copy
 * overwrites all the first wrote). Then the smallest hash whose overlapping predecessors are all placed goes next.
 */
export function canonicalOrder(
  list: readonly string[],
  pathsOf: (sha256Hex: string) => LayerPaths,
): string[] {
  const deduped = list.filter((sha, i) => list.lastIndexOf(sha) === i);
  if (deduped.length < 2) {
    return deduped;
  }
  const paths = deduped.map(pathsOf);
  // before[j]: indexes that overlap j and come first in the given list, so must stay before it.
  const before = deduped.map((_, j) =>
    deduped.flatMap((_, i) => (i < j && overlaps(paths[i] ?? new Map(), paths[j] ?? new Map()) ? [i] : [])),
  );
  const placed = new Set<number>();
  const out: string[] = [];
  while (out.length < deduped.length) {
    let pick: number | undefined;
    deduped.forEach((sha, j) => {
      const ready = !placed.has(j) && (before[j] ?? []).every((i) => placed.has(i));
      if (ready && (pick === undefined || sha < (deduped[pick] ?? ""))) {
        pick = j;
      }
    });
    if (pick === undefined) {
      break; // unreachable: the constraints follow the list's order, so there is no cycle
    }
    placed.add(pick);
    out.push(deduped[pick] ?? "");
  }
  return out;
}
