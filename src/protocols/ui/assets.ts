/**
 * The explorer's pages: one HTML shell for every path under `/_lamina/ui/` (the app routes in the browser, so deep
 * links and reloads work) and the bundle esbuild built into `dist/ui/` (`npm run build`). Nothing from a CDN:
 * lamina works offline.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle's files, by the name the shell asks for. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** The package root: the nearest folder above this module with a package.json (from src/ or dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
}

/** Where the built bundle lives. */
export const UI_DIST = join(packageRoot(), "dist", "ui");

/** A served asset: its type and bytes. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const cache = new Map<string, Asset>();

/** A bundle file, or undefined when it is not one (or was not built). */
export function asset(name: string): Asset | undefined {
  const type = ASSET_TYPES[name];
  if (type === undefined) {
    return undefined;
  }
  let found = cache.get(name);
  if (!found) {
    const file = join(UI_DIST, name);
    if (!existsSync(file)) {
      return undefined;
    }
    found = { type, body: readFileSync(file) };
    cache.set(name, found);
  }
  return found;
}

/** The HTML every page path answers; the app reads the path. */
export function shell(version: string): string {
  const built = existsSync(join(UI_DIST, "app.js"));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>lamina explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/_lamina/ui/assets/app.css">
</head>
<body>
<div id="app" data-version="${version}">${
    built ? "" : "<p>The explorer's bundle is missing: run <code>npm run build</code>.</p>"
  }</div>
<script type="module" src="/_lamina/ui/assets/app.js"></script>
</body>
</html>
`;
}
