/**
 * Paging and filtering of ListLayerVersions and ListLayers (aws-layer-semantics.md §1.3, §3 C): page sizes,
 * markers, ordering, validation of MaxItems and Marker, LatestMatchingVersion, and deleted versions.
 */
import {
  DeleteLayerVersionCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type LayerVersionsListItem,
  type ListLayersCommandInput,
  type ListLayerVersionsCommandInput,
  type PublishLayerVersionCommandInput,
  type PublishLayerVersionCommandOutput,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

// aws-layer-semantics.md §3 #32 (INFERRED phrasing): MaxItems above the model's max of 50 (§1.3).
const MAX_ITEMS_51 =
  "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50";
// aws-layer-semantics.md §3 #32 / §1.3: MaxItems below the model's min of 1 (same phrasing as the SNAP
// `provisionedConcurrentExecutions` message quoted there).
const MAX_ITEMS_0 =
  "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1";
// aws-layer-semantics.md §3 #32: a Marker the server did not issue (code and text INFERRED; lamina's chosen text).
const INVALID_MARKER = "Invalid Marker provided.";
// aws-layer-semantics.md §1.3: default page size (INFERRED = the maximum).
const DEFAULT_PAGE = 50;

const PAGING_ACCOUNT = "100000000001";
const LIST_ACCOUNT = "100000000002";
const FILTER_ACCOUNT = "100000000003";
const DELETE_ACCOUNT = "100000000004";

/** A response without `$metadata` (request ids differ per call). */
function withoutMetadata<T extends object>(res: T): Omit<T, "$metadata"> {
  return Object.fromEntries(Object.entries(res).filter(([k]) => k !== "$metadata")) as Omit<T, "$metadata">;
}

/** Runs `task` for 0..count-1 with at most `limit` in flight, returning results by index. */
async function bounded<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/**
 * The LayerVersionsListItem a publish response stands for (§2.3: no LayerArn, no Content). These tests never publish
 * an empty Description explicitly, so the publish answer's `""` means "not given", which list items leave out (§1.2).
 */
function listItemOf(res: PublishLayerVersionCommandOutput): LayerVersionsListItem {
  const item: LayerVersionsListItem = {
    LayerVersionArn: res.LayerVersionArn,
    Version: res.Version,
    CreatedDate: res.CreatedDate,
  };
  if (res.Description !== "") {
    item.Description = res.Description;
  }
  if (res.CompatibleRuntimes !== undefined) {
    item.CompatibleRuntimes = res.CompatibleRuntimes;
  }
  if (res.LicenseInfo !== undefined) {
    item.LicenseInfo = res.LicenseInfo;
  }
  if (res.CompatibleArchitectures !== undefined) {
    item.CompatibleArchitectures = res.CompatibleArchitectures;
  }
  return item;
}

describe("paging and filtering of layer lists", async () => {
  const server = await startTestServer();
  const zip = await makeZip({ "python/tiny.py": "X = 1\n" });
  const layerArnOf = (account: string, name: string) =>
    `arn:aws:lambda:${TEST_REGION}:${account}:layer:${name}`;
  const publish = (account: string, input: Omit<PublishLayerVersionCommandInput, "Content">) =>
    lambdaClient(server.url, account).send(
      new PublishLayerVersionCommand({ ...input, Content: { ZipFile: zip } }),
    );

  describe("ListLayerVersions over 120 versions", () => {
    const client = lambdaClient(server.url, PAGING_ACCOUNT);
    const name = randomName("paged");
    const list = (input: Omit<ListLayerVersionsCommandInput, "LayerName"> = {}) =>
      client.send(new ListLayerVersionsCommand({ LayerName: name, ...input }));

    beforeAll(async () => {
      const versions = await bounded(
        120,
        8,
        async () => (await publish(PAGING_ACCOUNT, { LayerName: name })).Version,
      );
      expect(new Set(versions).size).toBe(120);
    });

    it("pages 50, 50, 20 with MaxItems 50, newest first, NextMarker only while more remain", async () => {
      const sizes: number[] = [];
      const markers: (string | undefined)[] = [];
      const seen: number[] = [];
      let marker: string | undefined;
      do {
        const page = await list({ MaxItems: 50, Marker: marker });
        sizes.push(page.LayerVersions?.length ?? -1);
        seen.push(...(page.LayerVersions ?? []).map((v) => v.Version ?? -1));
        marker = page.NextMarker;
        markers.push(marker);
      } while (marker !== undefined && sizes.length < 10);
      expect(sizes).toEqual([50, 50, 20]);
      expect(typeof markers[0]).toBe("string");
      expect(typeof markers[1]).toBe("string");
      expect(markers[0]).not.toBe("");
      expect(markers[1]).not.toBe("");
      expect(markers[2]).toBeUndefined();
      expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    });

    it("returns 50 items and a NextMarker without MaxItems", async () => {
      const page = await list();
      expect(page.LayerVersions?.map((v) => v.Version)).toEqual(
        Array.from({ length: DEFAULT_PAGE }, (_, i) => 120 - i),
      );
      expect(page.NextMarker).toEqual(expect.any(String));
      const rest = await list({ Marker: page.NextMarker });
      expect(rest.LayerVersions?.map((v) => v.Version)).toEqual(Array.from({ length: 50 }, (_, i) => 70 - i));
      const last = await list({ Marker: rest.NextMarker });
      expect(last.LayerVersions?.map((v) => v.Version)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
      expect(last.NextMarker).toBeUndefined();
    });

    it("list items carry exactly the LayerVersionsListItem members", async () => {
      expect(withoutMetadata(await list({ MaxItems: 1 }))).toEqual({
        LayerVersions: [
          {
            LayerVersionArn: `${layerArnOf(PAGING_ACCOUNT, name)}:120`,
            Version: 120,
            CreatedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/) as unknown,
          },
        ],
        NextMarker: expect.any(String) as unknown,
      });
    });

    it("rejects MaxItems=51 with a ValidationException (raw and SDK)", async () => {
      for (const path of [
        `/2018-10-31/layers/${name}/versions?MaxItems=51`,
        "/2018-10-31/layers?MaxItems=51",
      ]) {
        const res = await rawRequest(server.url, "GET", path, { accountId: PAGING_ACCOUNT });
        expect({
          status: res.status,
          errorType: res.errorType,
          body: JSON.parse(res.body) as unknown,
        }).toEqual({
          status: 400,
          errorType: "ValidationException",
          body: { message: MAX_ITEMS_51 },
        });
      }
      await expectLambdaError(list({ MaxItems: 51 }), {
        name: "ValidationException",
        status: 400,
        message: MAX_ITEMS_51,
      });
      await expectLambdaError(client.send(new ListLayersCommand({ MaxItems: 51 })), {
        name: "ValidationException",
        status: 400,
        message: MAX_ITEMS_51,
      });
    });

    it("rejects MaxItems=0 with a ValidationException (raw)", async () => {
      for (const path of [
        `/2018-10-31/layers/${name}/versions?MaxItems=0`,
        "/2018-10-31/layers?MaxItems=0",
      ]) {
        const res = await rawRequest(server.url, "GET", path, { accountId: PAGING_ACCOUNT });
        expect({
          status: res.status,
          errorType: res.errorType,
          body: JSON.parse(res.body) as unknown,
        }).toEqual({
          status: 400,
          errorType: "ValidationException",
          body: { message: MAX_ITEMS_0 },
        });
      }
    });

    it("rejects a garbage Marker with InvalidParameterValueException", async () => {
      const expected = {
        name: "InvalidParameterValueException",
        status: 400,
        message: INVALID_MARKER,
        type: "User",
      };
      await expectLambdaError(list({ Marker: "garbage" }), expected);
      await expectLambdaError(list({ Marker: "bm90LWpzb24" }), expected);
      await expectLambdaError(client.send(new ListLayersCommand({ Marker: "garbage" })), expected);
      const raw = await rawRequest(server.url, "GET", `/2018-10-31/layers/${name}/versions?Marker=%7B%7D`, {
        accountId: PAGING_ACCOUNT,
      });
      expect({ status: raw.status, errorType: raw.errorType, body: JSON.parse(raw.body) as unknown }).toEqual(
        {
          status: 400,
          errorType: "InvalidParameterValueException",
          body: { Type: "User", message: INVALID_MARKER },
        },
      );
    });
  });

  describe("ListLayers", () => {
    const names = ["kappa", "alpha", "golf", "delta", "bravo", "foxtrot", "echo"].map(
      (n) => `${n}-${randomName("l")}`,
    );
    const published = new Map<string, PublishLayerVersionCommandOutput>();

    beforeAll(async () => {
      for (const n of names) {
        await publish(LIST_ACCOUNT, { LayerName: n, Description: "old" });
        published.set(n, await publish(LIST_ACCOUNT, { LayerName: n, CompatibleRuntimes: ["python3.12"] }));
      }
    });

    it("pages 7 layers 3, 3, 1 in ascending name order with their latest versions", async () => {
      const client = lambdaClient(server.url, LIST_ACCOUNT);
      const pages: { names: string[]; marker: string | undefined }[] = [];
      const items: unknown[] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(new ListLayersCommand({ MaxItems: 3, Marker: marker }));
        marker = page.NextMarker;
        pages.push({ names: (page.Layers ?? []).map((l) => l.LayerName ?? ""), marker });
        items.push(...(page.Layers ?? []));
      } while (marker !== undefined && pages.length < 10);
      const sorted = [...names].sort();
      expect(pages.map((p) => p.names)).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
      expect(pages.map((p) => typeof p.marker)).toEqual(["string", "string", "undefined"]);
      expect(items).toEqual(
        sorted.map((n) => {
          const res = published.get(n);
          if (!res) {
            throw new Error(`not published: ${n}`);
          }
          return {
            LayerName: n,
            LayerArn: layerArnOf(LIST_ACCOUNT, n),
            LatestMatchingVersion: listItemOf(res),
          };
        }),
      );
      const all = await client.send(new ListLayersCommand({}));
      expect(all.Layers?.map((l) => l.LayerName)).toEqual(sorted);
      expect(all.NextMarker).toBeUndefined();
    });

    it("lists only the caller's own layers in the caller's region", async () => {
      const other = await lambdaClient(server.url, LIST_ACCOUNT, "us-west-2").send(new ListLayersCommand({}));
      expect(other.Layers).toEqual([]);
      expect(other.NextMarker).toBeUndefined();
    });
  });

  describe("filters and LatestMatchingVersion", () => {
    const a = `filt-a-${randomName("f")}`;
    const b = `filt-b-${randomName("f")}`;
    const v: Record<string, PublishLayerVersionCommandOutput> = {};
    const client = lambdaClient(server.url, FILTER_ACCOUNT);
    const listLayers = async (input: ListLayersCommandInput) =>
      withoutMetadata(await client.send(new ListLayersCommand(input)));
    const entry = (name: string, key: string) => {
      const res = v[key];
      if (!res) {
        throw new Error(`not published: ${key}`);
      }
      return {
        LayerName: name,
        LayerArn: layerArnOf(FILTER_ACCOUNT, name),
        LatestMatchingVersion: listItemOf(res),
      };
    };

    beforeAll(async () => {
      v.a1 = await publish(FILTER_ACCOUNT, {
        LayerName: a,
        CompatibleRuntimes: ["python3.12"],
        CompatibleArchitectures: ["x86_64"],
        LicenseInfo: "MIT",
      });
      v.a2 = await publish(FILTER_ACCOUNT, {
        LayerName: a,
        CompatibleRuntimes: ["python3.12", "python3.13"],
        CompatibleArchitectures: ["arm64"],
      });
      v.a3 = await publish(FILTER_ACCOUNT, {
        LayerName: a,
        CompatibleRuntimes: ["nodejs20.x"],
        CompatibleArchitectures: ["arm64", "x86_64"],
      });
      v.a4 = await publish(FILTER_ACCOUNT, { LayerName: a, Description: "no compatibility declared" });
      v.b1 = await publish(FILTER_ACCOUNT, {
        LayerName: b,
        CompatibleRuntimes: ["python3.12"],
        CompatibleArchitectures: ["x86_64"],
      });
    });

    it("without a filter, LatestMatchingVersion is the newest version", async () => {
      expect(await listLayers({})).toEqual({ Layers: [entry(a, "a4"), entry(b, "b1")] });
    });

    it("with a runtime filter, it is the newest version that matches", async () => {
      expect(await listLayers({ CompatibleRuntime: "python3.12" })).toEqual({
        Layers: [entry(a, "a2"), entry(b, "b1")],
      });
      expect(await listLayers({ CompatibleRuntime: "nodejs20.x" })).toEqual({ Layers: [entry(a, "a3")] });
      expect(await listLayers({ CompatibleRuntime: "java21" })).toEqual({ Layers: [] });
    });

    it("with an architecture filter, and with both filters", async () => {
      expect(await listLayers({ CompatibleArchitecture: "x86_64" })).toEqual({
        Layers: [entry(a, "a3"), entry(b, "b1")],
      });
      expect(await listLayers({ CompatibleArchitecture: "arm64" })).toEqual({ Layers: [entry(a, "a3")] });
      expect(await listLayers({ CompatibleRuntime: "python3.12", CompatibleArchitecture: "x86_64" })).toEqual(
        {
          Layers: [entry(a, "a1"), entry(b, "b1")],
        },
      );
      expect(await listLayers({ CompatibleRuntime: "python3.13", CompatibleArchitecture: "arm64" })).toEqual({
        Layers: [entry(a, "a2")],
      });
    });

    it("pages a filtered ListLayers", async () => {
      const first = await listLayers({ CompatibleRuntime: "python3.12", MaxItems: 1 });
      expect(first).toEqual({ Layers: [entry(a, "a2")], NextMarker: expect.any(String) as unknown });
      const second = await listLayers({
        CompatibleRuntime: "python3.12",
        MaxItems: 1,
        Marker: first.NextMarker,
      });
      expect(second).toEqual({ Layers: [entry(b, "b1")] });
    });

    it("filters ListLayerVersions the same way", async () => {
      const versions = async (input: Omit<ListLayerVersionsCommandInput, "LayerName">) =>
        (await client.send(new ListLayerVersionsCommand({ LayerName: a, ...input }))).LayerVersions;
      const items = (...keys: string[]) =>
        keys.map((k) => {
          const res = v[k];
          if (!res) {
            throw new Error(`not published: ${k}`);
          }
          return listItemOf(res);
        });
      expect(await versions({ CompatibleRuntime: "python3.12" })).toEqual(items("a2", "a1"));
      expect(await versions({ CompatibleArchitecture: "x86_64" })).toEqual(items("a3", "a1"));
      expect(await versions({ CompatibleRuntime: "python3.12", CompatibleArchitecture: "arm64" })).toEqual(
        items("a2"),
      );
      expect(await versions({})).toEqual(items("a4", "a3", "a2", "a1"));
    });
  });

  describe("deleted versions", () => {
    const client = lambdaClient(server.url, DELETE_ACCOUNT);
    const del = (name: string, version: number) =>
      client.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version }));
    const versionsOf = async (name: string, input: Omit<ListLayerVersionsCommandInput, "LayerName"> = {}) => {
      const page = await client.send(new ListLayerVersionsCommand({ LayerName: name, ...input }));
      return { versions: (page.LayerVersions ?? []).map((x) => x.Version), next: page.NextMarker };
    };

    it("pages across deleted versions without gaps or duplicates", async () => {
      const name = randomName("holes");
      for (let i = 0; i < 12; i++) {
        await publish(DELETE_ACCOUNT, { LayerName: name });
      }
      for (const n of [12, 7, 6, 1]) {
        await del(name, n);
      }
      const seen: (number | undefined)[][] = [];
      let marker: string | undefined;
      do {
        const page = await versionsOf(name, { MaxItems: 3, Marker: marker });
        seen.push(page.versions);
        marker = page.next;
      } while (marker !== undefined && seen.length < 10);
      expect(seen).toEqual([
        [11, 10, 9],
        [8, 5, 4],
        [3, 2],
      ]);
    });

    it("continues after the marker's own version is deleted between pages", async () => {
      const name = randomName("moving");
      for (let i = 0; i < 8; i++) {
        await publish(DELETE_ACCOUNT, { LayerName: name });
      }
      const first = await versionsOf(name, { MaxItems: 3 });
      expect(first.versions).toEqual([8, 7, 6]);
      await del(name, 6);
      await del(name, 5);
      const second = await versionsOf(name, { MaxItems: 3, Marker: first.next });
      expect(second).toEqual({ versions: [4, 3, 2], next: expect.any(String) as unknown });
      const third = await versionsOf(name, { MaxItems: 3, Marker: second.next });
      expect(third).toEqual({ versions: [1], next: undefined });
    });

    it("ListLayers skips a layer whose versions were all deleted and shows the newest remaining version", async () => {
      const gone = `a-gone-${randomName("d")}`;
      const kept = `b-kept-${randomName("d")}`;
      await publish(DELETE_ACCOUNT, { LayerName: gone });
      await publish(DELETE_ACCOUNT, { LayerName: gone });
      const keptV1 = await publish(DELETE_ACCOUNT, { LayerName: kept, Description: "v1" });
      await publish(DELETE_ACCOUNT, { LayerName: kept, Description: "v2" });
      await del(gone, 1);
      await del(gone, 2);
      await del(kept, 2);
      const layers = await client.send(new ListLayersCommand({}));
      const ours = (layers.Layers ?? []).filter((l) => l.LayerName === gone || l.LayerName === kept);
      expect(ours).toEqual([
        {
          LayerName: kept,
          LayerArn: layerArnOf(DELETE_ACCOUNT, kept),
          LatestMatchingVersion: listItemOf(keptV1),
        },
      ]);
      expect(await versionsOf(gone)).toEqual({ versions: [], next: undefined });
      // Paged with MaxItems 1, the first page is the kept layer ("a-gone-…" sorts before every other name here).
      const firstPage = await client.send(new ListLayersCommand({ MaxItems: 1 }));
      expect(firstPage.Layers?.map((l) => l.LayerName)).toEqual([kept]);
    });
  });
});
