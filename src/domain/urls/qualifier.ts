/**
 * Which function version a URL serves. A URL belongs to the function itself (no qualifier: `$LATEST`) or to one of
 * its aliases (`docs/reference/aws-deploy-api.md` §11); this is the one place that turns a URL's qualifier into
 * the version to run, through the function resolver every other operation uses.
 */
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { FunctionResolver } from "../functions/resolve.js";

/** Whether the URL target exists: the function itself, or an alias of it that points at a version. */
export async function urlTargetExists(
  storage: Storage,
  latest: FunctionVersion,
  qualifier: string | undefined,
): Promise<boolean> {
  return (
    qualifier === undefined || (await new FunctionResolver(storage).alias(latest, qualifier)) !== undefined
  );
}

/**
 * The version one request to a URL with `qualifier` runs: `$LATEST` for the function's own URL; for an alias, its
 * version, or one of its weighted versions as the alias's routing draws (as Invoke does); undefined when the alias
 * is gone.
 */
export async function resolveUrlQualifier(
  storage: Storage,
  latest: FunctionVersion,
  qualifier: string | undefined,
): Promise<FunctionVersion | undefined> {
  if (qualifier === undefined) {
    return latest;
  }
  const resolver = new FunctionResolver(storage);
  const resolved = await resolver.alias(latest, qualifier);
  return resolved && resolver.route(resolved);
}
