/**
 * `lamina serve --layer-source <layer version ARN>=<zip or folder>`: at start, each configured vendor ARN is made
 * to exist with the bytes of its source, readable by every account (`vendor.ts`). A changed zip replaces the
 * version at the next start; the same bytes change nothing. A folder is served in place and watched, as layers
 * published from a hot-reload folder are: an edit is seen by the next invoke.
 */
import { readFile, stat } from "node:fs/promises";
import { parseLayerVersionArn } from "../../arn.js";
import type { VendorLayers, VendorVersionResult } from "./vendor.js";

/** One configured source. */
export interface LayerSource {
  readonly arn: string;
  /** An absolute path: a zip file or a folder. */
  readonly path: string;
}

/** Where each source came from and what storing it did, for the start-up log. */
export interface AppliedLayerSource {
  readonly arn: string;
  readonly path: string;
  readonly kind: "zip" | "folder";
  readonly outcome: VendorVersionResult["outcome"];
}

/** Stores every source under its ARN; the first that cannot be read or is not a layer zip stops the start. */
export async function applyLayerSources(
  vendor: VendorLayers,
  sources: readonly LayerSource[],
): Promise<AppliedLayerSource[]> {
  const applied: AppliedLayerSource[] = [];
  for (const source of sources) {
    const ref = parseLayerVersionArn(source.arn);
    if (!ref) {
      throw new Error(`--layer-source ${source.arn}: not a layer version ARN`);
    }
    const kind = await sourceKind(source);
    // A folder is served in place and reloaded on change, like any hot-reload layer (docs: Develop locally).
    const content = kind === "zip" ? { zip: await readFile(source.path) } : { folder: source.path };
    let result: VendorVersionResult;
    try {
      result = await vendor.put({ ref, content, whenDifferent: "replace", public: true });
    } catch (err) {
      throw new Error(`--layer-source ${source.arn}: ${source.path}: ${(err as Error).message}`);
    }
    applied.push({ arn: source.arn, path: source.path, kind, outcome: result.outcome });
  }
  return applied;
}

async function sourceKind(source: LayerSource): Promise<"zip" | "folder"> {
  try {
    const s = await stat(source.path);
    if (s.isDirectory()) {
      return "folder";
    }
    if (s.isFile()) {
      return "zip";
    }
  } catch {
    throw new Error(`--layer-source ${source.arn}: ${source.path} does not exist`);
  }
  throw new Error(`--layer-source ${source.arn}: ${source.path} is neither a zip file nor a folder`);
}
