/**
 * `node dist/bench/profile-top.js <file.cpuprofile> [N]`: the functions a V8 CPU profile (from `--cpu-prof`,
 * e.g. `npm run bench -- --cpu-prof`) spent most time in, by self time and by total (inclusive) time.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|dist)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
}

process.stdout.on("error", () => process.exit(0)); // e.g. piped into head
const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node dist/bench/profile-top.js <file.cpuprofile> [N]\n");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  for (const c of n.children ?? []) {
    parent.set(c, n.id);
  }
}
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) {
    continue;
  }
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur) as ProfileNode);
    if (!seen.has(l)) {
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
}
const idle = self.get("(idle)") ?? 0;
const busy = totalUs - idle;
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
process.stdout.write(
  `${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (not idle); % of busy\n\n`,
);
process.stdout.write("self time\n");
for (const [l, us] of [...self]
  .filter(([l]) => l !== "(idle)")
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  process.stdout.write(`${ms(us)} ${pct(us)}  ${l}\n`);
}
process.stdout.write("\ntotal time (including callees)\n");
for (const [l, us] of [...inclusive]
  .filter(([l]) => l !== "(idle)" && l !== "(root)")
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  process.stdout.write(`${ms(us)} ${pct(us)}  ${l}\n`);
}
