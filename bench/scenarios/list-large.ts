/**
 * Listing over many layer versions: 10 accounts, 1,000 layers of 100 versions each (100,000 versions; quick:
 * 100 layers of 10). Targets: ListLayerVersions / ListLayers p50 of one page ≤ 3 ms, and GetLayerVersion p50
 * within 1.2× of its figure on the empty data dir (`get-layer-version`). Latency rows use one connection, so they
 * are free of queueing; each request picks a random account, layer and version.
 */
import type { Api, Reply } from "../lib/api.js";
import type { Server } from "../lib/servers.js";
import { round } from "../lib/stats.js";
import { pythonModuleZip } from "../lib/zip.js";
import {
  ACCOUNT,
  api,
  checkRatio,
  checkValue,
  measureRow,
  newResult,
  newRow,
  publishBody,
  publishTiny,
  servers,
  type Scenario,
} from "../lib/context.js";

const EMPTY = "lamina, empty data dir";
const ACCOUNTS = Array.from({ length: 10 }, (_, k) => String(210_000_000_000 + k));

/** A small deterministic PRNG (mulberry32), so every server gets the same sequence of picks. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function listed(key: string, min: number) {
  return (reply: Reply): string | undefined => {
    const items = (JSON.parse(reply.body.toString("utf8")) as Record<string, unknown[] | undefined>)[key];
    return items && items.length >= min ? undefined : `fewer than ${min} ${key}`;
  };
}

export const listLarge: Scenario = {
  id: "list-large",
  title: "Lists over 100,000 layer versions (10 accounts)",
  async run(ctx) {
    const result = newResult(this.id, this.title);
    const layersPerAccount = ctx.quick ? 5 : 100;
    const versions = ctx.quick ? 4 : 100;
    const total = ACCOUNTS.length * layersPerAccount * versions;
    const bodies = Array.from({ length: layersPerAccount }, (_, l) =>
      publishBody(pythonModuleZip(`big${l}`, `X = ${l}\n`)),
    );
    const name = (l: number) => `bench-big-${String(l).padStart(4, "0")}`;
    const clients = (server: Server): Api[] => ACCOUNTS.map((a) => api(server, a));
    const duration = ctx.quick ? 600 : 5_000;
    const warm = ctx.quick ? 100 : 300;

    const seed = newRow(
      "seed-publish-32",
      `PublishLayerVersion, small zips (seeding ${total.toLocaleString("en-US")} versions)`,
      "undici ×32",
    );
    await measureRow(
      ctx,
      seed,
      { connections: 32, count: total },
      (server) => {
        const cs = clients(server);
        return {
          make: (i: number) => {
            const a = i % ACCOUNTS.length;
            const l = Math.floor(i / ACCOUNTS.length) % layersPerAccount;
            const client = cs[a] as Api;
            return client.request("POST", `/2018-10-31/layers/${name(l)}/versions`, { body: bodies[l] });
          },
        };
      },
      servers(ctx, false),
    );
    seed.notes.push(
      `${ACCOUNTS.length} accounts × ${layersPerAccount} layers × ${versions} versions, round-robin; each layer's versions share one small zip`,
    );
    result.rows.push(seed);

    const page = Math.min(50, versions);
    const lv = newRow(
      "list-layer-versions-1",
      `ListLayerVersions, first page (${versions} versions)`,
      "undici ×1",
    );
    await measureRow(ctx, lv, { connections: 1, durationMs: duration, warmupMs: warm }, (server) => {
      const cs = clients(server);
      const rnd = prng(1);
      return {
        make: () => {
          const client = cs[Math.floor(rnd() * ACCOUNTS.length)] as Api;
          return client.request(
            "GET",
            `/2018-10-31/layers/${name(Math.floor(rnd() * layersPerAccount))}/versions`,
          );
        },
        check: listed("LayerVersions", page),
      };
    });
    checkValue(lv, "lamina p50", lv.lamina?.p50Ms, "≤", 3, " ms");
    lv.notes.push(
      `lamina answers at most 50 per page (AWS's default and maximum) with NextMarker; moto ignores paging and answers all ${versions} in one`,
    );
    result.rows.push(lv);

    const ll = newRow(
      "list-layers-1",
      `ListLayers, first page (${layersPerAccount} layers per account)`,
      "undici ×1",
    );
    await measureRow(ctx, ll, { connections: 1, durationMs: duration, warmupMs: warm }, (server) => {
      const cs = clients(server);
      const rnd = prng(2);
      return {
        make: () => (cs[Math.floor(rnd() * ACCOUNTS.length)] as Api).request("GET", "/2018-10-31/layers"),
        check: listed("Layers", Math.min(50, layersPerAccount)),
      };
    });
    checkValue(ll, "lamina p50", ll.lamina?.p50Ms, "≤", 3, " ms");
    ll.notes.push(
      `each item carries the layer's LatestMatchingVersion; lamina pages by 50, moto answers all ${layersPerAccount} layers in one page`,
    );
    result.rows.push(ll);

    const getRequests = (server: Server, seedNo: number) => {
      const cs = clients(server);
      const rnd = prng(seedNo);
      return {
        make: () => {
          const client = cs[Math.floor(rnd() * ACCOUNTS.length)] as Api;
          const l = Math.floor(rnd() * layersPerAccount);
          const v = 1 + Math.floor(rnd() * versions);
          return client.request("GET", `/2018-10-31/layers/${name(l)}/versions/${v}`);
        },
      };
    };
    // The same GetLayerVersion load on a second lamina whose data dir holds one layer version, in the same
    // rounds, so both figures see the same machine.
    const empty = await ctx.startAnotherLamina("lamina-empty");
    const emptyVersion = (
      await publishTiny(empty, ACCOUNT, "bench-get", pythonModuleZip("benchget", "X = 1\n"))
    ).Version;
    const get1 = newRow(
      "get-big-1",
      `GetLayerVersion, latency (${total.toLocaleString("en-US")} versions)`,
      "undici ×1",
    );
    try {
      await measureRow(
        ctx,
        get1,
        { connections: 1, durationMs: duration, warmupMs: warm },
        (s) =>
          s === empty
            ? {
                make: () =>
                  api(empty).request("GET", `/2018-10-31/layers/bench-get/versions/${emptyVersion}`),
              }
            : getRequests(s, 3),
        [ctx.lamina, { server: empty, as: EMPTY }, ...servers(ctx).slice(1)],
      );
    } finally {
      await empty.stop();
    }
    const emptyP50 = get1.others?.[EMPTY]?.p50Ms;
    if (get1.lamina && emptyP50 !== undefined) {
      const factor = round(get1.lamina.p50Ms / emptyP50, 2);
      checkValue(get1, `lamina p50 / p50 on an empty data dir (${emptyP50} ms)`, factor, "≤", 1.2, "×");
    }
    const earlier = ctx.shared.get("getP50Empty");
    get1.notes.push(
      `empty data dir: a second lamina holding one layer version, measured in the same rounds (p50 ${emptyP50 ?? "?"} ms, p99 ${get1.others?.[EMPTY]?.p99Ms ?? "?"} ms)` +
        (earlier === undefined ? "" : `; at the start of the run this lamina's p50 was ${earlier} ms`),
    );
    result.rows.push(get1);

    const get32 = newRow(
      "get-big-32",
      `GetLayerVersion (${total.toLocaleString("en-US")} versions)`,
      "undici ×32",
    );
    await measureRow(ctx, get32, { connections: 32, durationMs: duration, warmupMs: warm }, (s) =>
      getRequests(s, 4),
    );
    checkRatio(get32, 10);
    result.rows.push(get32);
    return result;
  },
};
