/** lamina's version, read from its package.json (found by walking up: the source and `dist/` sit at different depths). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "lamina" && pkg.version) {
        return pkg.version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return "0.0.0";
    }
    dir = parent;
  }
}

/** The version lamina reports in `/_lamina/health` and `--version`. */
export const VERSION = findVersion();
