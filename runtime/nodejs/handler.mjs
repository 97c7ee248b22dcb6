// lamina Node.js runtime: loads the user's handler by AWS's rules for "dir/module.nested.fn", and turns
// loading failures into AWS's Runtime.* errors.

import * as nodeModule from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HandlerNotFound, ImportModuleError, MalformedHandlerName, UserCodeSyntaxError } from "./errors.mjs";

const RUNTIME_DIR = path.dirname(fileURLToPath(import.meta.url));

// CommonJS loading goes through a require rooted at "<runtime dir>/index.mjs", the file name AWS's
// runtime has, so a missing module reads "Require stack:\n- /var/task/index.js\n- /var/runtime/index.mjs"
// when lamina mounts this folder at /var/runtime. The file itself need not exist.
const runtimeRequire = nodeModule.createRequire(path.join(RUNTIME_DIR, "index.mjs"));

function hasTypeModule(folder) {
  if (folder.endsWith("/node_modules")) {
    return false;
  }
  const packageJson = path.join(folder, "package.json");
  if (fs.existsSync(packageJson)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(packageJson, "utf8"));
      if (parsed) {
        return parsed.type === "module";
      }
    } catch (error) {
      console.warn(
        `${packageJson} cannot be read, it will be ignored for ES module detection purposes.`,
        error,
      );
      return false;
    }
  }
  if (folder === "/" || path.dirname(folder) === folder) {
    return false;
  }
  return hasTypeModule(path.resolve(folder, ".."));
}

function requireIfExists(file) {
  return fs.existsSync(file) ? runtimeRequire(file) : undefined;
}

async function importIfExists(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  // 1. A file with exactly that name, no extension, is CommonJS.
  const extensionless = requireIfExists(base);
  if (extensionless) {
    return extensionless;
  }
  // 2. <name>.js through require, unless the nearest package.json says "type": "module".
  const jsIsModule = fs.existsSync(base + ".js") ? hasTypeModule(path.dirname(base + ".js")) : false;
  if (!jsIsModule) {
    const loaded = requireIfExists(base + ".js");
    if (loaded) {
      return loaded;
    }
  }
  // 3. import() of <name>.js (module type) then <name>.mjs; 4. require of <name>.cjs.
  const loaded =
    (jsIsModule && (await importIfExists(base + ".js"))) ||
    (await importIfExists(base + ".mjs")) ||
    requireIfExists(base + ".cjs");
  if (loaded) {
    return loaded;
  }
  // 5. Node's own lookup of the bare name from the task root (node_modules, package "main", …).
  return runtimeRequire(runtimeRequire.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

export async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes("..")) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(moduleAndHandler));
  const match = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!match) {
    throw new MalformedHandlerName("Bad handler");
  }
  const [, moduleName, handlerPath] = match;

  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserCodeSyntaxError(error);
    }
    if (error?.code === "MODULE_NOT_FOUND") {
      throw new ImportModuleError(error);
    }
    // ES module errors (ERR_MODULE_NOT_FOUND, …) and errors thrown by the module itself pass unchanged.
    throw error;
  }

  const handler = handlerPath.split(".").reduce((object, key) => object && object[key], userModule);
  if (!handler) {
    throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new HandlerNotFound(`${fullHandler} is not a function`);
  }
  return handler;
}
