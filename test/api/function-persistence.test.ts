/**
 * Functions that use layers survive a restart on the same data dir (`docs/reference/identity.md` §3): after the grants
 * are revoked and the layer versions deleted, a new server answers identical configurations (Layers, RevisionId,
 * LastModified included), the functions' code and the layers' content still download, and the start-up sweep
 * keeps the blobs that only functions reference.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
  type GetFunctionCommandOutput,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLamina, type Lamina } from "../../src/index.js";
import { accessDenied, layerVersionNotFound } from "../helpers/aws-texts.js";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { tmpDir } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const OWNER_A = "123456789012";
const OWNER_B = "111111111111";
const ORG_MEMBER = "333333333333";
const ORG_ID = "o-1234567890";
const organizations = { [ORG_ID]: [ORG_MEMBER] };

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const layerVersionArn = (account: string, name: string, version: number) =>
  `arn:aws:lambda:${TEST_REGION}:${account}:layer:${name}:${version}`;

/** A layer version as the test remembers it. */
interface Layer {
  readonly account: string;
  readonly name: string;
  readonly arn: string;
  readonly zip: Buffer;
  /** `Content.Location` as the first server gave it. */
  readonly location: string;
}

/** A function as the test remembers it. */
interface Fn {
  readonly account: string;
  readonly name: string;
  readonly zip: Buffer;
  readonly layers: readonly Layer[];
}

/** What the restart must not change about one function. */
interface Observed {
  readonly getFunction: Omit<GetFunctionCommandOutput, "$metadata">;
  readonly configuration: unknown;
}

function body<T extends object>(res: T): Omit<T, "$metadata"> {
  return Object.fromEntries(Object.entries(res).filter(([k]) => k !== "$metadata")) as Omit<T, "$metadata">;
}

async function download(location: string): Promise<{ status: number; sha: string }> {
  const res = await fetch(location);
  return { status: res.status, sha: sha256Hex(Buffer.from(await res.arrayBuffer())) };
}

/** The same Location on another server: lamina's Locations differ between servers only in the origin. */
const moved = (location: string, from: Lamina, to: Lamina) => {
  expect(location.startsWith(`${from.url}/`), location).toBe(true);
  return to.url + location.slice(from.url.length);
};

describe("functions with layers across a restart on the same data dir", () => {
  const dataDir = tmpDir("lamina-fn-persist-");
  const blobPath = (bytes: Uint8Array) => {
    const hex = sha256Hex(bytes);
    return join(dataDir, "blobs", hex.slice(0, 2), hex);
  };
  const layers: Layer[] = [];
  const functions: Fn[] = [];
  const before = new Map<string, Observed>();
  const after = new Map<string, Observed>();
  const listedBefore = new Map<string, unknown>();
  const listedAfter = new Map<string, unknown>();
  let first: Lamina | undefined;
  let second: Lamina | undefined;
  let orphanPath = "";

  const must = (server: Lamina | undefined): Lamina => {
    if (!server) {
      throw new Error("server not started");
    }
    return server;
  };
  const key = (f: Fn) => `${f.account}/${f.name}`;
  const layersOf = (ls: readonly Layer[]) => ls.map((l) => ({ Arn: l.arn, CodeSize: l.zip.length }));

  async function observe(server: Lamina, into: Map<string, Observed>, lists: Map<string, unknown>) {
    for (const f of functions) {
      const c = lambdaClient(server.url, f.account);
      into.set(key(f), {
        getFunction: body(await c.send(new GetFunctionCommand({ FunctionName: f.name }))),
        configuration: body(await c.send(new GetFunctionConfigurationCommand({ FunctionName: f.name }))),
      });
    }
    for (const account of [OWNER_A, OWNER_B, ORG_MEMBER]) {
      lists.set(account, body(await lambdaClient(server.url, account).send(new ListFunctionsCommand({}))));
    }
  }

  beforeAll(async () => {
    first = await startLamina({ port: 0, dataDir, logLevel: "silent", organizations });
    const server = first;
    const client = (account: string): LambdaClient => lambdaClient(server.url, account);

    const publish = async (account: string, name: string): Promise<Layer> => {
      const zip = await makeZip({ [`python/${name}.py`]: `OWNER = "${account}"\nNAME = "${name}"\n` });
      const out = await client(account).send(
        new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
      );
      const layer = {
        account,
        name,
        arn: out.LayerVersionArn ?? "",
        zip,
        location: out.Content?.Location ?? "",
      };
      layers.push(layer);
      return layer;
    };
    const grant = (layer: Layer, sid: string, principal: string, organizationId?: string) =>
      client(layer.account).send(
        new AddLayerVersionPermissionCommand({
          LayerName: layer.name,
          VersionNumber: 1,
          StatementId: sid,
          Action: "lambda:GetLayerVersion",
          Principal: principal,
          OrganizationId: organizationId,
        }),
      );
    const create = async (account: string, name: string, uses: Layer[], viaUpdate = false) => {
      const zip = await makeZip({ "index.py": `def handler(event, context):\n    return "${name}"\n` });
      await client(account).send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "python3.12",
          Role: `arn:aws:iam::${account}:role/lambda-role`,
          Handler: "index.handler",
          Code: { ZipFile: zip },
          Description: `${name} of ${account}`,
          Environment: { Variables: { MODE: "persist" } },
          Tags: { team: "layers" },
          Layers: viaUpdate || uses.length === 0 ? undefined : uses.map((l) => l.arn),
        }),
      );
      if (viaUpdate) {
        await client(account).send(
          new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: uses.map((l) => l.arn) }),
        );
      }
      functions.push({ account, name, zip, layers: uses });
    };

    try {
      const aOwn = await publish(OWNER_A, "a-own");
      const aShared = await publish(OWNER_A, "a-shared");
      const aOrg = await publish(OWNER_A, "a-org");
      const aKept = await publish(OWNER_A, "a-kept");
      const bOwn = await publish(OWNER_B, "b-own");
      await grant(aShared, "to-b", OWNER_B);
      await grant(aOrg, "to-org", "*", ORG_ID);
      await grant(aKept, "everyone", "*");
      await grant(bOwn, "to-a", OWNER_A);

      // Own and foreign layers in both accounts; one function got its layers by UpdateFunctionConfiguration.
      await create(OWNER_A, "a-fn", [aOwn, bOwn]);
      await create(OWNER_A, "a-plain", []);
      await create(OWNER_B, "b-fn", [bOwn, aShared, aKept]);
      await create(OWNER_B, "b-updated", [aShared], true);
      await create(ORG_MEMBER, "org-fn", [aOrg]);

      // Revoke every grant but the public one, then delete every version but a-kept.
      for (const [layer, sid] of [
        [aShared, "to-b"],
        [aOrg, "to-org"],
        [bOwn, "to-a"],
      ] as const) {
        await client(layer.account).send(
          new RemoveLayerVersionPermissionCommand({
            LayerName: layer.name,
            VersionNumber: 1,
            StatementId: sid,
          }),
        );
      }
      for (const layer of [aOwn, aShared, aOrg, bOwn]) {
        await client(layer.account).send(
          new DeleteLayerVersionCommand({ LayerName: layer.name, VersionNumber: 1 }),
        );
      }
      await observe(server, before, listedBefore);
    } finally {
      await first.close();
    }

    // A blob no row references, so that the sweep visibly ran.
    const orphan = Buffer.from("nobody references this blob");
    orphanPath = blobPath(orphan);
    mkdirSync(join(orphanPath, ".."), { recursive: true });
    writeFileSync(orphanPath, orphan);

    second = await startLamina({ port: 0, dataDir, logLevel: "silent", organizations });
    await observe(second, after, listedAfter);
  });

  afterAll(async () => {
    await second?.close();
  });

  it("recorded the layers the functions were given, deleted versions included", () => {
    expect(functions.map((f) => [key(f), f.layers.length])).toEqual([
      [`${OWNER_A}/a-fn`, 2],
      [`${OWNER_A}/a-plain`, 0],
      [`${OWNER_B}/b-fn`, 3],
      [`${OWNER_B}/b-updated`, 1],
      [`${ORG_MEMBER}/org-fn`, 1],
    ]);
    for (const f of functions) {
      const config = before.get(key(f))?.configuration as { Layers?: unknown };
      if (f.layers.length === 0) {
        expect("Layers" in config, key(f)).toBe(false);
      } else {
        expect(config.Layers, key(f)).toEqual(layersOf(f.layers));
      }
    }
  });

  it("answers identical configurations: every member, RevisionId, LastModified and Layers included", () => {
    for (const f of functions) {
      const b = before.get(key(f));
      const a = after.get(key(f));
      expect(a?.configuration, key(f)).toEqual(b?.configuration);
      expect(a?.getFunction.Configuration, key(f)).toEqual(b?.getFunction.Configuration);
      expect(a?.getFunction.Tags, key(f)).toEqual({ team: "layers" });
      expect(a?.getFunction.Code?.RepositoryType, key(f)).toBe("S3");
    }
    for (const account of [OWNER_A, OWNER_B, ORG_MEMBER]) {
      expect(listedAfter.get(account), account).toEqual(listedBefore.get(account));
    }
  });

  it("serves each function's Code.Location under the new URL, with identical bytes", async () => {
    for (const f of functions) {
      const oldLocation = before.get(key(f))?.getFunction.Code?.Location ?? "";
      const newLocation = after.get(key(f))?.getFunction.Code?.Location ?? "";
      expect(newLocation, key(f)).toBe(moved(oldLocation, must(first), must(second)));
      expect(await download(newLocation), key(f)).toEqual({ status: 200, sha: sha256Hex(f.zip) });
    }
  });

  it("still serves the content of every layer version a function uses, deleted or not", async () => {
    for (const layer of layers) {
      const location = moved(layer.location, must(first), must(second));
      expect(await download(location), layer.arn).toEqual({ status: 200, sha: sha256Hex(layer.zip) });
    }
  });

  it("the start-up sweep kept the blobs only functions reference, and removed the orphan", () => {
    expect(existsSync(orphanPath)).toBe(false);
    for (const f of functions) {
      expect(existsSync(blobPath(f.zip)), key(f)).toBe(true);
    }
    for (const layer of layers) {
      expect(existsSync(blobPath(layer.zip)), layer.arn).toBe(true);
    }
  });

  it("still refuses new attachments of the revoked and deleted versions", async () => {
    const server = must(second);
    const zip = await makeZip({ "index.py": "def handler(event, context):\n    return 1\n" });
    const create = (account: string, arn: string) =>
      lambdaClient(server.url, account).send(
        new CreateFunctionCommand({
          FunctionName: "after-restart",
          Runtime: "python3.12",
          Role: `arn:aws:iam::${account}:role/lambda-role`,
          Handler: "index.handler",
          Code: { ZipFile: zip },
          Layers: [arn],
        }),
      );
    const aShared = layerVersionArn(OWNER_A, "a-shared", 1);
    await expectLambdaError(create(OWNER_B, aShared), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(OWNER_B, aShared),
    });
    const aOwn = layerVersionArn(OWNER_A, "a-own", 1);
    await expectLambdaError(create(OWNER_A, aOwn), {
      name: "InvalidParameterValueException",
      status: 400,
      message: layerVersionNotFound(aOwn),
      type: "User",
    });
    const aKept = layerVersionArn(OWNER_A, "a-kept", 1);
    const out = await create(ORG_MEMBER, aKept);
    expect(out.Layers).toEqual(layersOf(layers.filter((l) => l.arn === aKept)));
  });

  it("keeps counting references after the restart: the last user's delete frees the layer content", async () => {
    const server = must(second);
    const aShared = layers.find((l) => l.name === "a-shared");
    const location = moved(aShared?.location ?? "", must(first), server);
    const b = lambdaClient(server.url, OWNER_B);
    await b.send(new DeleteFunctionCommand({ FunctionName: "b-fn" }));
    expect((await download(location)).status).toBe(200);
    await b.send(new DeleteFunctionCommand({ FunctionName: "b-updated" }));
    expect((await download(location)).status).toBe(404);
    expect(existsSync(blobPath(aShared?.zip ?? Buffer.alloc(0)))).toBe(false);
  });
});
