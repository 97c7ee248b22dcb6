/**
 * Where lamina is installed (the folder of its package.json, found by walking up: the sources and `dist/` sit at
 * different depths), and the version it reports.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** lamina's npm name (the name `lamina` belongs to an unrelated package); the command it installs is `lamina`. */
export const PACKAGE_NAME = "lamina-lambda";

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) {
        return { root: dir, version: pkg.version };
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error("lamina's package.json not found above " + fileURLToPath(import.meta.url));
    }
    dir = parent;
  }
}

const pkg = findPackage();

/** The version lamina reports in `/_lamina/health` and `--version`. */
export const VERSION = pkg.version;

/** The folder lamina is installed in (holds `runtime/`, the runtime clients functions run with). */
export const PACKAGE_ROOT = pkg.root;
