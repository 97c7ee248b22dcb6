/**
 * Layer version numbering (aws-layer-semantics.md §1.1, §3 A and D; docs/reference/identity.md §3): numbers start at 1, grow by
 * one per publish, are never reused after deletes, stay distinct and consecutive under concurrent publishes, and
 * are kept per (account, region, name). DeleteLayerVersion is idempotent.
 */
import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { RESOURCE_NOT_FOUND } from "../helpers/aws-texts.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

/** A response without `$metadata` (request ids differ per call). */
function withoutMetadata<T extends object>(res: T): Omit<T, "$metadata"> {
  return Object.fromEntries(Object.entries(res).filter(([k]) => k !== "$metadata")) as Omit<T, "$metadata">;
}

const ACCOUNT = "200000000001";
const OTHER_ACCOUNTS = ["200000000002", "200000000003"] as const;

describe("layer version numbering", async () => {
  const server = await startTestServer();
  const client = lambdaClient(server.url, ACCOUNT);
  const zip = await makeZip({ "python/numbered.py": "N = 1\n" });
  const arnOf = (account: string, name: string, version: number, region = TEST_REGION) =>
    `arn:aws:lambda:${region}:${account}:layer:${name}:${version}`;
  const publish = (name: string, body = zip, c = client) =>
    c.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: body } }));
  const del = (name: string, version: number, c = client) =>
    c.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version }));
  const listVersions = async (name: string, c = client) =>
    withoutMetadata(await c.send(new ListLayerVersionsCommand({ LayerName: name })));

  it("never reuses numbers after every version was deleted (§3 #4, #37)", async () => {
    const name = randomName("renumber");
    expect((await publish(name)).Version).toBe(1);
    expect((await publish(name)).Version).toBe(2);
    expect((await del(name, 1)).$metadata.httpStatusCode).toBe(204);
    expect((await del(name, 2)).$metadata.httpStatusCode).toBe(204);
    expect(await listVersions(name)).toEqual({ LayerVersions: [] });
    const third = await publish(name);
    expect({ Version: third.Version, LayerVersionArn: third.LayerVersionArn }).toEqual({
      Version: 3,
      LayerVersionArn: arnOf(ACCOUNT, name, 3),
    });
    expect((await listVersions(name)).LayerVersions?.map((v) => v.Version)).toEqual([3]);
    for (const gone of [1, 2]) {
      await expectLambdaError(
        client.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: gone })),
        {
          name: "ResourceNotFoundException",
          status: 404,
          message: RESOURCE_NOT_FOUND,
          type: "User",
        },
      );
    }
  });

  it("does not reuse the number of a deleted newest version", async () => {
    const name = randomName("top");
    await publish(name);
    await publish(name);
    await publish(name);
    await del(name, 3);
    expect((await publish(name)).Version).toBe(4);
    await del(name, 2);
    expect((await publish(name)).Version).toBe(5);
    expect((await listVersions(name)).LayerVersions?.map((v) => v.Version)).toEqual([5, 4, 1]);
  });

  it("numbers per account, region and name", async () => {
    const name = randomName("scoped");
    const other = lambdaClient(server.url, OTHER_ACCOUNTS[0]);
    const otherRegion = lambdaClient(server.url, ACCOUNT, "ap-southeast-2");
    expect((await publish(name)).Version).toBe(1);
    expect((await publish(name)).Version).toBe(2);
    const inOther = await publish(name, zip, other);
    expect({ Version: inOther.Version, LayerVersionArn: inOther.LayerVersionArn }).toEqual({
      Version: 1,
      LayerVersionArn: arnOf(OTHER_ACCOUNTS[0], name, 1),
    });
    const inRegion = await publish(name, zip, otherRegion);
    expect({ Version: inRegion.Version, LayerVersionArn: inRegion.LayerVersionArn }).toEqual({
      Version: 1,
      LayerVersionArn: arnOf(ACCOUNT, name, 1, "ap-southeast-2"),
    });
    expect((await publish(`${name}-b`)).Version).toBe(1);
    expect((await publish(name)).Version).toBe(3);
  });

  it("gives 20 concurrent publishes to one fresh layer exactly the versions 1..20", async () => {
    const name = randomName("race");
    const zips = await Promise.all(Array.from({ length: 20 }, (_, i) => makeZip({ [`n${i}.txt`]: `${i}` })));
    const results = await Promise.all(zips.map((z) => publish(name, z)));
    const versions = results.map((r) => r.Version ?? -1);
    expect(new Set(versions).size).toBe(20);
    expect([...versions].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Each response describes its own upload under its own number.
    results.forEach((r, i) => {
      const z = zips[i] ?? Buffer.alloc(0);
      expect({ arn: r.LayerVersionArn, sha: r.Content?.CodeSha256, size: r.Content?.CodeSize }).toEqual({
        arn: arnOf(ACCOUNT, name, r.Version ?? -1),
        sha: codeSha256(z),
        size: z.length,
      });
    });
    const listed = await listVersions(name);
    expect(listed.LayerVersions).toHaveLength(20);
    expect(listed.LayerVersions?.map((v) => v.Version)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(listed.NextMarker).toBeUndefined();
    // And every stored version holds the bytes its publish response named.
    for (const r of results) {
      const got = await client.send(
        new GetLayerVersionCommand({ LayerName: name, VersionNumber: r.Version }),
      );
      expect(got.Content?.CodeSha256).toBe(r.Content?.CodeSha256);
    }
  });

  it("succeeds for 20 concurrent publishes to 20 different layers in 3 accounts", async () => {
    const accounts = [ACCOUNT, ...OTHER_ACCOUNTS];
    const prefix = randomName("many");
    const jobs = Array.from({ length: 20 }, (_, i) => ({
      account: accounts[i % 3] ?? ACCOUNT,
      name: `${prefix}-${String(i).padStart(2, "0")}`,
    }));
    const results = await Promise.all(
      jobs.map((j) => publish(j.name, zip, lambdaClient(server.url, j.account))),
    );
    results.forEach((r, i) => {
      const j = jobs[i];
      expect({ status: r.$metadata.httpStatusCode, version: r.Version, arn: r.LayerVersionArn }).toEqual({
        status: 201,
        version: 1,
        arn: arnOf(j?.account ?? "", j?.name ?? "", 1),
      });
    });
    for (const account of accounts) {
      const layers = await lambdaClient(server.url, account).send(new ListLayersCommand({}));
      const ours = (layers.Layers ?? []).map((l) => l.LayerName).filter((n) => n?.startsWith(prefix));
      expect(ours, account).toEqual(
        jobs
          .filter((j) => j.account === account)
          .map((j) => j.name)
          .sort(),
      );
    }
  });

  it("gives identical content identical CodeSha256 (§3 #2, #3)", async () => {
    const name = randomName("same");
    const first = await publish(name);
    const second = await publish(name);
    expect(first.Version).toBe(1);
    expect(second.Version).toBe(2);
    expect(second.Content?.CodeSha256).toBe(first.Content?.CodeSha256);
    expect(first.Content?.CodeSha256).toBe(codeSha256(zip));
    expect(first.Content?.CodeSize).toBe(zip.length);
    expect(second.Content?.CodeSize).toBe(zip.length);
    const other = await publish(randomName("same-other"));
    expect(other.Content?.CodeSha256).toBe(codeSha256(zip));
  });

  describe("DeleteLayerVersion is idempotent (§3 #33–#35)", () => {
    it("answers 204 for a layer that does not exist", async () => {
      const res = await del(randomName("nolayer"), 1);
      expect(res.$metadata.httpStatusCode).toBe(204);
    });

    it("answers 204 for a version that does not exist", async () => {
      const name = randomName("nover");
      await publish(name);
      expect((await del(name, 2)).$metadata.httpStatusCode).toBe(204);
      expect((await listVersions(name)).LayerVersions?.map((v) => v.Version)).toEqual([1]);
    });

    it("answers 204 twice for the same version, with an empty body", async () => {
      const name = randomName("twice");
      await publish(name);
      await publish(name);
      expect((await del(name, 1)).$metadata.httpStatusCode).toBe(204);
      expect((await del(name, 1)).$metadata.httpStatusCode).toBe(204);
      const raw = await rawRequest(server.url, "DELETE", `/2018-10-31/layers/${name}/versions/1`, {
        accountId: ACCOUNT,
      });
      expect({ status: raw.status, body: raw.body }).toEqual({ status: 204, body: "" });
      expect((await listVersions(name)).LayerVersions?.map((v) => v.Version)).toEqual([2]);
    });
  });
});
