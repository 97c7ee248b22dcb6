// Bundles the explorer's pages (ui/src, Preact + htm) into dist/ui/app.js and app.css with esbuild: one step of
// `npm run build`, so the npm package carries the bundle and lamina serves it offline.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "ui/src/app.ts")],
  outdir: join(root, "dist/ui"),
  entryNames: "app",
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
