/**
 * Persistence across restarts (docs/reference/identity.md §1 "data", §3): layers, versions, deletions and grants written by one
 * server are served unchanged by a new server on the same data dir; numbering continues; zips stay downloadable;
 * start-up removes temp files and unreferenced blobs but keeps referenced ones.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type LambdaClient,
  type PublishLayerVersionCommandInput,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLamina, type Lamina } from "../../src/index.js";
import { expectLambdaError, lambdaClient } from "../helpers/clients.js";
import { accessDenied, NO_POLICY, RESOURCE_NOT_FOUND } from "../helpers/aws-texts.js";
import { tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const OWNER_A = "111111111111";
const OWNER_B = "222222222222";
const GRANTEE = "333333333333";
const ORG_MEMBER = "444444444444";
const STRANGER = "555555555555";
const ORG_ID = "o-abcdefghij";
const R1 = "eu-central-1";
const R2 = "us-east-1";

/** One published version as the test remembers it. */
interface Published {
  readonly account: string;
  readonly region: string;
  readonly name: string;
  readonly version: number;
  readonly zip: Buffer;
  deleted: boolean;
}

/** The observable state of one (account, region): what the restart must not change. */
interface Snapshot {
  readonly listLayers: unknown;
  readonly listVersions: Record<string, unknown>;
  readonly versions: Record<string, unknown>;
  readonly policies: Record<string, unknown>;
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A response without `$metadata` (request ids differ per call). */
function body<T extends object>(res: T): Omit<T, "$metadata"> {
  return Object.fromEntries(Object.entries(res).filter(([k]) => k !== "$metadata")) as Omit<T, "$metadata">;
}

/** The outcome of a call: its body, or the error's name, status and message. */
async function outcome(call: Promise<object>): Promise<unknown> {
  try {
    return body(await call);
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { error: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
}

/** A GetLayerVersion outcome with `Content.Location` taken out (it names the server's port). */
function withoutLocation(value: unknown): unknown {
  const v = value as { Content?: { Location?: string } };
  if (v.Content === undefined) {
    return value;
  }
  const content = Object.fromEntries(Object.entries(v.Content).filter(([k]) => k !== "Location"));
  return { ...v, Content: content };
}

describe("persistence across a restart on the same data dir", () => {
  const dataDir = tmpDir("lamina-persist-");
  const organizations = { [ORG_ID]: [ORG_MEMBER] };
  const published: Published[] = [];
  const revisionIds = new Map<string, string>();
  const before = new Map<string, Snapshot>();
  const after = new Map<string, Snapshot>();
  const scopes = [
    [OWNER_A, R1],
    [OWNER_A, R2],
    [OWNER_B, R1],
    [OWNER_B, R2],
  ] as const;
  let second: Lamina | undefined;
  let orphanPath = "";
  let tempPath = "";

  const client = (server: Lamina, account: string, region: string) =>
    lambdaClient(server.url, account, region);
  const key = (p: { account: string; region: string; name: string; version?: number }) =>
    `${p.account}/${p.region}/${p.name}${p.version === undefined ? "" : `:${p.version}`}`;
  const arnOf = (account: string, region: string, name: string, version: number) =>
    `arn:aws:lambda:${region}:${account}:layer:${name}:${version}`;

  async function publish(
    server: Lamina,
    account: string,
    region: string,
    input: Omit<PublishLayerVersionCommandInput, "Content"> & { LayerName: string },
    zip: Buffer,
  ): Promise<number> {
    const res = await client(server, account, region).send(
      new PublishLayerVersionCommand({ ...input, Content: { ZipFile: zip } }),
    );
    const version = res.Version ?? -1;
    published.push({ account, region, name: input.LayerName, version, zip, deleted: false });
    return version;
  }

  async function snapshot(server: Lamina): Promise<Map<string, Snapshot>> {
    const out = new Map<string, Snapshot>();
    for (const [account, region] of scopes) {
      const c = client(server, account, region);
      const names = [
        ...new Set(published.filter((p) => p.account === account && p.region === region).map((p) => p.name)),
      ];
      const listVersions: Record<string, unknown> = {};
      for (const name of names) {
        listVersions[name] = body(await c.send(new ListLayerVersionsCommand({ LayerName: name })));
      }
      const versions: Record<string, unknown> = {};
      const policies: Record<string, unknown> = {};
      for (const p of published.filter((q) => q.account === account && q.region === region)) {
        const ref = { LayerName: p.name, VersionNumber: p.version };
        versions[key(p)] = await outcome(c.send(new GetLayerVersionCommand(ref)));
        policies[key(p)] = await outcome(c.send(new GetLayerVersionPolicyCommand(ref)));
      }
      out.set(`${account}/${region}`, {
        listLayers: body(await c.send(new ListLayersCommand({}))),
        listVersions,
        versions,
        policies,
      });
    }
    return out;
  }

  beforeAll(async () => {
    const first = await startLamina({ port: 0, dataDir, logLevel: "silent", organizations });
    try {
      const zips = await Promise.all(
        Array.from({ length: 8 }, (_, i) => makeZip({ [`python/mod${i}.py`]: `VALUE = ${i}\n` })),
      );
      const z = (i: number) => zips[i] ?? Buffer.alloc(0);
      // Account A, region 1: "alpha" v1..v3 (v2 deleted), "beta" v1.
      await publish(
        first,
        OWNER_A,
        R1,
        {
          LayerName: "alpha",
          Description: "first alpha",
          LicenseInfo: "MIT",
          CompatibleRuntimes: ["python3.12", "python3.13"],
          CompatibleArchitectures: ["arm64", "x86_64"],
        },
        z(0),
      );
      await publish(first, OWNER_A, R1, { LayerName: "alpha" }, z(1));
      await publish(
        first,
        OWNER_A,
        R1,
        { LayerName: "alpha", CompatibleRuntimes: [], CompatibleArchitectures: [] },
        z(2),
      );
      await publish(first, OWNER_A, R1, { LayerName: "beta", CompatibleRuntimes: ["nodejs20.x"] }, z(3));
      // Account A, region 2: the same name "alpha", numbered on its own; identical bytes to A/R1 alpha v1.
      await publish(first, OWNER_A, R2, { LayerName: "alpha", Description: "alpha in region 2" }, z(0));
      await publish(first, OWNER_A, R2, { LayerName: "alpha" }, z(4));
      // Account B, region 1: "gamma" v1, v2 (the newest, v2, is deleted). Region 2: "delta" v1.
      await publish(first, OWNER_B, R1, { LayerName: "gamma", CompatibleArchitectures: ["x86_64"] }, z(5));
      await publish(first, OWNER_B, R1, { LayerName: "gamma" }, z(6));
      await publish(first, OWNER_B, R2, { LayerName: "delta", LicenseInfo: "Apache-2.0" }, z(7));

      const a1 = client(first, OWNER_A, R1);
      const grant = async (
        c: LambdaClient,
        name: string,
        version: number,
        sid: string,
        principal: string,
        org?: string,
      ) => {
        const res = await c.send(
          new AddLayerVersionPermissionCommand({
            LayerName: name,
            VersionNumber: version,
            StatementId: sid,
            Action: "lambda:GetLayerVersion",
            Principal: principal,
            OrganizationId: org,
          }),
        );
        revisionIds.set(`${name}:${version}`, res.RevisionId ?? "");
      };
      await grant(a1, "alpha", 1, "grantee", GRANTEE);
      await grant(a1, "alpha", 1, "org", "*", ORG_ID);
      await grant(a1, "alpha", 3, "everyone", "*");
      await grant(a1, "beta", 1, "org-only", "*", ORG_ID);
      await grant(client(first, OWNER_B, R1), "gamma", 1, "grantee-b", `arn:aws:iam::${GRANTEE}:root`);

      await a1.send(new DeleteLayerVersionCommand({ LayerName: "alpha", VersionNumber: 2 }));
      await client(first, OWNER_B, R1).send(
        new DeleteLayerVersionCommand({ LayerName: "gamma", VersionNumber: 2 }),
      );
      for (const p of published) {
        if (
          (p.name === "alpha" && p.region === R1 && p.version === 2) ||
          (p.name === "gamma" && p.version === 2)
        ) {
          p.deleted = true;
        }
      }
      for (const [k, v] of await snapshot(first)) {
        before.set(k, v);
      }
    } finally {
      await first.close();
    }

    // What a crash could leave behind: a half-written upload and a blob no row references.
    tempPath = join(dataDir, "blobs", "tmp", "interrupted-upload");
    writeFileSync(tempPath, "partial bytes");
    const orphan = sha256Hex(Buffer.from("nobody references this blob"));
    mkdirSync(join(dataDir, "blobs", orphan.slice(0, 2)), { recursive: true });
    orphanPath = join(dataDir, "blobs", orphan.slice(0, 2), orphan);
    writeFileSync(orphanPath, "nobody references this blob");

    second = await startLamina({ port: 0, dataDir, logLevel: "silent", organizations });
    for (const [k, v] of await snapshot(second)) {
      after.set(k, v);
    }
  });

  afterAll(async () => {
    await second?.close();
  });

  const server = (): Lamina => {
    if (!second) {
      throw new Error("second server not started");
    }
    return second;
  };

  it("recorded a non-trivial state before the restart", () => {
    const a1 = before.get(`${OWNER_A}/${R1}`);
    expect(a1?.listLayers).toEqual({
      Layers: [
        expect.objectContaining({
          LayerName: "alpha",
          LayerArn: `arn:aws:lambda:${R1}:${OWNER_A}:layer:alpha`,
        }),
        expect.objectContaining({
          LayerName: "beta",
          LayerArn: `arn:aws:lambda:${R1}:${OWNER_A}:layer:beta`,
        }),
      ],
    });
    expect(
      (a1?.listVersions.alpha as { LayerVersions: { Version: number }[] }).LayerVersions.map(
        (v) => v.Version,
      ),
    ).toEqual([3, 1]);
    expect(a1?.versions[`${OWNER_A}/${R1}/alpha:2`]).toEqual({
      error: "ResourceNotFoundException",
      status: 404,
      message: RESOURCE_NOT_FOUND,
    });
    expect(a1?.policies[`${OWNER_A}/${R1}/alpha:1`]).toEqual({
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Id: "default",
        Statement: [
          {
            Sid: "grantee",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${GRANTEE}:root` },
            Action: "lambda:GetLayerVersion",
            Resource: arnOf(OWNER_A, R1, "alpha", 1),
          },
          {
            Sid: "org",
            Effect: "Allow",
            Principal: "*",
            Action: "lambda:GetLayerVersion",
            Resource: arnOf(OWNER_A, R1, "alpha", 1),
            Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
          },
        ],
      }),
      RevisionId: revisionIds.get("alpha:1"),
    });
    expect(a1?.policies[`${OWNER_A}/${R1}/beta:1`]).toEqual({
      Policy: expect.stringContaining(
        `"Condition":{"StringEquals":{"aws:PrincipalOrgID":"${ORG_ID}"}}`,
      ) as unknown,
      RevisionId: revisionIds.get("beta:1"),
    });
    expect(a1?.policies[`${OWNER_A}/${R1}/alpha:3`]).toEqual({
      Policy: expect.stringContaining('"Principal":"*"') as unknown,
      RevisionId: revisionIds.get("alpha:3"),
    });
    expect(before.get(`${OWNER_B}/${R2}`)?.policies[`${OWNER_B}/${R2}/delta:1`]).toEqual({
      error: "ResourceNotFoundException",
      status: 404,
      message: NO_POLICY,
    });
  });

  it("serves identical ListLayers and ListLayerVersions in every account and region", () => {
    for (const [account, region] of scopes) {
      const k = `${account}/${region}`;
      expect(after.get(k)?.listLayers, k).toEqual(before.get(k)?.listLayers);
      expect(after.get(k)?.listVersions, k).toEqual(before.get(k)?.listVersions);
    }
  });

  it("serves identical GetLayerVersion responses (apart from the server-specific Location)", () => {
    for (const [account, region] of scopes) {
      const k = `${account}/${region}`;
      const b = before.get(k)?.versions ?? {};
      const a = after.get(k)?.versions ?? {};
      expect(Object.keys(a).sort(), k).toEqual(Object.keys(b).sort());
      for (const version of Object.keys(b)) {
        expect(withoutLocation(a[version]), version).toEqual(withoutLocation(b[version]));
      }
    }
  });

  it("serves identical layer version policies: same Policy string and RevisionId", () => {
    for (const [account, region] of scopes) {
      const k = `${account}/${region}`;
      expect(after.get(k)?.policies, k).toEqual(before.get(k)?.policies);
    }
  });

  it("gives every live version a Location on the new server that downloads the uploaded bytes", async () => {
    const live = published.filter((p) => !p.deleted);
    expect(live).toHaveLength(7);
    for (const p of live) {
      const got = (after.get(`${p.account}/${p.region}`)?.versions[key(p)] ?? {}) as {
        Content?: { Location?: string; CodeSha256?: string; CodeSize?: number };
      };
      expect(got.Content?.CodeSha256, key(p)).toBe(codeSha256(p.zip));
      expect(got.Content?.CodeSize, key(p)).toBe(p.zip.length);
      const location = got.Content?.Location ?? "";
      expect(location.startsWith(`${server().url}/`), location).toBe(true);
      const res = await fetch(location);
      expect(res.status, key(p)).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(sha256Hex(bytes), key(p)).toBe(sha256Hex(p.zip));
    }
  });

  it("still enforces the stored grants: account, '*' and '*' with an organization", async () => {
    const grantee = client(server(), GRANTEE, R1);
    const member = client(server(), ORG_MEMBER, R1);
    const stranger = client(server(), STRANGER, R1);
    const alpha1 = arnOf(OWNER_A, R1, "alpha", 1);
    const alpha3 = arnOf(OWNER_A, R1, "alpha", 3);
    const beta1 = arnOf(OWNER_A, R1, "beta", 1);
    const gamma1 = arnOf(OWNER_B, R1, "gamma", 1);
    expect((await grantee.send(new GetLayerVersionByArnCommand({ Arn: alpha1 }))).Version).toBe(1);
    expect((await member.send(new GetLayerVersionByArnCommand({ Arn: alpha1 }))).Version).toBe(1);
    expect((await stranger.send(new GetLayerVersionByArnCommand({ Arn: alpha3 }))).Version).toBe(3);
    expect((await member.send(new GetLayerVersionByArnCommand({ Arn: beta1 }))).Version).toBe(1);
    expect((await grantee.send(new GetLayerVersionByArnCommand({ Arn: gamma1 }))).Version).toBe(1);
    await expectLambdaError(stranger.send(new GetLayerVersionByArnCommand({ Arn: alpha1 })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(STRANGER, alpha1),
    });
    await expectLambdaError(grantee.send(new GetLayerVersionByArnCommand({ Arn: beta1 })), {
      name: "AccessDeniedException",
      status: 403,
      message: accessDenied(GRANTEE, beta1),
    });
  });

  it("accepts the RevisionId from before the restart as the current one", async () => {
    const a1 = client(server(), OWNER_A, R1);
    const res = await a1.send(
      new AddLayerVersionPermissionCommand({
        LayerName: "alpha",
        VersionNumber: 3,
        StatementId: "after-restart",
        Action: "lambda:GetLayerVersion",
        Principal: STRANGER,
        RevisionId: revisionIds.get("alpha:3"),
      }),
    );
    expect(res.$metadata.httpStatusCode).toBe(201);
    expect(res.RevisionId).not.toBe(revisionIds.get("alpha:3"));
  });

  it("continues version numbering and never reuses deleted numbers", async () => {
    const zip = await makeZip({ "after.txt": "published after the restart" });
    const next = async (account: string, region: string, name: string) =>
      (
        await client(server(), account, region).send(
          new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
        )
      ).Version;
    // A/R1 alpha had 1..3 with 2 deleted; B/R1 gamma had 1..2 with the newest (2) deleted.
    expect(await next(OWNER_A, R1, "alpha")).toBe(4);
    expect(await next(OWNER_A, R2, "alpha")).toBe(3);
    expect(await next(OWNER_A, R1, "beta")).toBe(2);
    expect(await next(OWNER_B, R1, "gamma")).toBe(3);
    expect(await next(OWNER_B, R2, "delta")).toBe(2);
    expect(await next(OWNER_B, R1, "brand-new")).toBe(1);
    const gamma = await client(server(), OWNER_B, R1).send(
      new ListLayerVersionsCommand({ LayerName: "gamma" }),
    );
    expect(gamma.LayerVersions?.map((v) => v.Version)).toEqual([3, 1]);
  });

  it("removes temp files and orphan blobs at start-up, and keeps referenced blobs", () => {
    expect(existsSync(tempPath)).toBe(false);
    expect(existsSync(orphanPath)).toBe(false);
    for (const p of published.filter((q) => !q.deleted)) {
      const hex = sha256Hex(p.zip);
      expect(existsSync(join(dataDir, "blobs", hex.slice(0, 2), hex)), key(p)).toBe(true);
    }
    // Blobs only deleted versions referenced are unreferenced too (docs/reference/identity.md §3).
    for (const p of published.filter((q) => q.deleted)) {
      const hex = sha256Hex(p.zip);
      expect(existsSync(join(dataDir, "blobs", hex.slice(0, 2), hex)), key(p)).toBe(false);
    }
  });
});
