/**
 * `lamina serve --layer-source <layer version ARN>=<zip or folder>`: at start, each configured vendor ARN is made
 * to exist with the bytes of its source, readable by every account (`vendor.ts`). A changed zip replaces the
 * version at the next start; the same bytes change nothing.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import yazl from "yazl";
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
    const zip = kind === "zip" ? await readFile(source.path) : await zipFolderOnce(source.path);
    let result: VendorVersionResult;
    try {
      result = await vendor.put({ ref, zip, whenDifferent: "replace", public: true });
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

// One fixed time for every entry (zip's DOS times start in 1980): the same folder always gives the same bytes,
// so a restart finds the same CodeSha256 and leaves the version as it was.
const FIXED_MTIME = new Date(Date.UTC(1980, 0, 2));

/**
 * A folder source, for now: the folder's current contents zipped once, at start (files sorted, modes kept, fixed
 * times). A folder-backed layer that follows the folder's changes replaces this; until then an edit is seen at the
 * next start.
 */
export async function zipFolderOnce(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const file of await filesUnder(folder)) {
    const s = await stat(file);
    const name = relative(folder, file).split(sep).join("/");
    zip.addBuffer(await readFile(file), name, { mtime: FIXED_MTIME, mode: s.mode & 0o777 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Every regular file under `dir` (symbolic links followed), sorted by path. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir)).sort();
  for (const name of entries) {
    const path = join(dir, name);
    const s = await stat(path);
    if (s.isDirectory()) {
      out.push(...(await filesUnder(path)));
    } else if (s.isFile()) {
      out.push(path);
    }
  }
  return out;
}
