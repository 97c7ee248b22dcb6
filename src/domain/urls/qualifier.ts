/**
 * Which function version a URL serves. A URL belongs to the function itself (no qualifier: `$LATEST`) or to one of
 * its aliases (`docs/reference/aws-deploy-api.md` §11); this is the one place that turns a URL's qualifier into
 * the version to run, for the config operations (does the alias exist?) and for serving (what runs now?).
 */
import type { FunctionVersion, Storage } from "../../storage/types.js";

/**
 * The version a URL with `qualifier` runs, or undefined when the alias does not exist. lamina has no aliases yet
 * (they arrive with versions), so only the unqualified URL resolves; when aliases land this reads the alias and
 * returns its target version.
 */
export function resolveUrlQualifier(
  _storage: Storage,
  fn: FunctionVersion,
  qualifier: string | undefined,
): Promise<FunctionVersion | undefined> {
  return Promise.resolve(qualifier === undefined ? fn : undefined);
}
