// lamina Node.js runtime: ESM resolve hook that makes `import` search NODE_PATH.
//
// Stock Node ignores NODE_PATH for ES modules; Lambda's Node.js runtimes (18 and later) do not: a bare
// `import x from "pkg"` in /var/task also finds /opt/nodejs/node_modules/pkg (a layer). This hook gives
// the same result. When Node's own resolution of a bare specifier fails with ERR_MODULE_NOT_FOUND,
// it retries the default resolver once per NODE_PATH directory, in order, as if the import came from
// a file inside that directory. Anything else (relative paths, URLs, `#imports`, builtins, or an error
// other than "not found") is left to Node unchanged.
//
// How it is loaded:
// - Node >= 20.6 and >= 18.19: bootstrap.mjs calls module.register() on this file before it imports
//   any user code, passing NODE_PATH as `data` (the hooks run on a separate thread). It does so only
//   when some NODE_PATH entry other than the task root has a node_modules folder.
// - Node 18.0 to 18.18 (no module.register): start node with
//   `--experimental-loader <dir>/resolve-hook.mjs`; `initialize` is then never called and the hook
//   reads process.env.NODE_PATH itself.
//
// One difference from CommonJS NODE_PATH: Node's ESM resolver looks for `node_modules/<pkg>` next to
// the importing file and in each parent folder, so a NODE_PATH entry D is searched as D/node_modules,
// then D itself only when D is a node_modules folder, then D's parents' node_modules. For the entries
// Lambda sets (…/node_modules folders, /var/runtime, /var/task) this finds what CommonJS finds.

import path from "node:path";
import { pathToFileURL } from "node:url";

/** @type {string[] | undefined} */
let searchDirs;

/** @param {string | undefined} value */
function parseNodePath(value) {
  if (!value) {
    return [];
  }
  return value
    .split(path.delimiter)
    .filter((entry) => entry.length > 0)
    .map((entry) => path.resolve(entry));
}

/**
 * Called once by module.register() with the `data` bootstrap.mjs passed.
 * @param {{ nodePath?: string } | undefined} data
 */
export function initialize(data) {
  searchDirs = parseNodePath(data?.nodePath ?? process.env.NODE_PATH);
}

/** A bare specifier names a package: not relative, not absolute, not a URL, not a `#` import. */
function isBareSpecifier(specifier) {
  if (specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..") {
    return false;
  }
  if (specifier.startsWith("/") || specifier.startsWith("#")) {
    return false;
  }
  return !/^[a-zA-Z][a-zA-Z\d+\-.]*:/.test(specifier);
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions?: string[], importAttributes?: object }} context
 * @param {(specifier: string, context?: object) => Promise<object>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !isBareSpecifier(specifier)) {
      throw error;
    }
    searchDirs ??= parseNodePath(process.env.NODE_PATH);
    for (const dir of searchDirs) {
      // The file need not exist: the resolver only uses its folder as the starting point.
      const parentURL = pathToFileURL(path.join(dir, "__lamina_node_path__.mjs")).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (retryError) {
        if (retryError?.code !== "ERR_MODULE_NOT_FOUND") {
          // Found in this directory but broken (bad exports map, …): that is the real error.
          throw retryError;
        }
      }
    }
    // Not found anywhere: keep Node's original message ("… imported from /var/task/index.mjs").
    throw error;
  }
}
