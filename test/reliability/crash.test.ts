/**
 * Nothing acknowledged is ever lost by a crash (docs/reference/identity.md §1 "data"). lamina runs as a child process on one data
 * dir; eight workers publish layer versions and grant permissions while the server is SIGKILLed at random moments
 * and restarted on the same data dir, again and again. Afterwards every acknowledged version is there with its
 * CodeSha256 and downloadable bytes, every acknowledged statement is in its policy, no version number was given
 * twice, the blob store holds exactly the referenced files (each named by its own SHA-256), no temp file
 * survives a restart, and the database passes SQLite's integrity check.
 */
import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaServiceException,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { spawnLamina, type ChildLamina } from "../helpers/child.js";
import { lambdaClient } from "../helpers/clients.js";
import { blobFiles, misnamedBlobs } from "../helpers/files.js";
import { tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const LAYERS = ["crash-a", "crash-b", "crash-c", "crash-d"];
const WORKERS = 8;
const KILLS = 24;

const dataDir = tmpDir("lamina-crash-");
let server: ChildLamina | undefined;
afterAll(async () => {
  await server?.kill();
});

interface AckedVersion {
  readonly layer: string;
  readonly version: number;
  readonly codeSha256: string;
}
interface AckedGrant {
  readonly layer: string;
  readonly version: number;
  readonly sid: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

/** Files left in `blobs/tmp` (a restart must have cleared them). */
const tempFiles = () => readdirSync(join(dataDir, "blobs", "tmp"));

it("loses nothing it acknowledged across 24 SIGKILLs under load", async () => {
  const versions: AckedVersion[] = [];
  const grants: AckedGrant[] = [];
  const unexpected: string[] = [];
  const zips: Buffer[] = [];
  let sids = 0;

  // The gate: workers wait on `open` while the server is down, then use the current client.
  let current: { client: LambdaClient } | undefined;
  let open!: Promise<void>;
  let release!: () => void;
  const closeGate = () => {
    current = undefined;
    open = new Promise((resolve) => (release = resolve));
  };
  const restart = async () => {
    server = await spawnLamina(dataDir, ["--sandbox", "none"]);
    // lamina clears temp files before it serves; no worker has reached the new server yet.
    expect(tempFiles()).toEqual([]);
    current = { client: lambdaClient(server.url, A) };
    release();
  };
  closeGate();
  await restart();

  let done = false;
  const worker = async () => {
    while (!done) {
      await open;
      const c = current;
      if (!c) {
        continue;
      }
      try {
        if (versions.length === 0 || Math.random() < 0.65) {
          const reuse = zips.length > 0 && Math.random() < 0.1;
          const zip = reuse
            ? (zips[between(0, zips.length)] as Buffer)
            : await makeZip({ "f.txt": randomBytes(between(50, 3000)) });
          const layer = LAYERS[between(0, LAYERS.length)] as string;
          const out = await c.client.send(
            new PublishLayerVersionCommand({ LayerName: layer, Content: { ZipFile: zip } }),
          );
          if (out.Content?.CodeSha256 !== codeSha256(zip)) {
            unexpected.push(
              `${layer}:${out.Version} acknowledged with CodeSha256 ${out.Content?.CodeSha256}`,
            );
          }
          versions.push({ layer, version: out.Version ?? -1, codeSha256: out.Content?.CodeSha256 ?? "" });
          zips.push(zip);
        } else {
          const target = versions[between(0, versions.length)] as AckedVersion;
          const sid = `s${sids++}`;
          await c.client.send(
            new AddLayerVersionPermissionCommand({
              LayerName: target.layer,
              VersionNumber: target.version,
              StatementId: sid,
              Action: "lambda:GetLayerVersion",
              Principal: Math.random() < 0.5 ? "*" : String(between(100000000000, 999999999999)),
            }),
          );
          grants.push({ layer: target.layer, version: target.version, sid });
        }
      } catch (err) {
        // A request cut by the kill is simply not acknowledged; an answer that is an error is a finding.
        if (err instanceof LambdaServiceException && err.$metadata.httpStatusCode !== undefined) {
          unexpected.push(`${err.$metadata.httpStatusCode} ${err.name}: ${err.message}`);
        }
        await sleep(5);
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, () => worker());

  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(between(150, 600));
    closeGate();
    await server?.kill();
    await restart();
  }
  done = true;
  await Promise.all(workers);
  // One last kill while idle, and the restart everything is checked against.
  closeGate();
  await server?.kill();
  await restart();
  const client = current?.client as LambdaClient;

  expect(unexpected).toEqual([]);
  expect(versions.length).toBeGreaterThan(50);
  expect(grants.length).toBeGreaterThan(10);

  // No (layer, version) was acknowledged twice: numbers are never given out again after a crash.
  const keys = versions.map((v) => `${v.layer}:${v.version}`);
  expect(new Set(keys).size).toBe(keys.length);

  // Every acknowledged version is there, with its hash, and its Location serves those very bytes.
  await pool(versions, 16, async (v) => {
    const got = await client.send(
      new GetLayerVersionCommand({ LayerName: v.layer, VersionNumber: v.version }),
    );
    expect(got.Content?.CodeSha256, `${v.layer}:${v.version}`).toBe(v.codeSha256);
    const res = await fetch(got.Content?.Location ?? "");
    expect(res.status, `${v.layer}:${v.version}`).toBe(200);
    expect(codeSha256(Buffer.from(await res.arrayBuffer())), `${v.layer}:${v.version}`).toBe(v.codeSha256);
  });

  // Every acknowledged statement is in its version's policy.
  const byVersion = new Map<string, AckedGrant[]>();
  for (const g of grants) {
    const key = `${g.layer}:${g.version}`;
    byVersion.set(key, [...(byVersion.get(key) ?? []), g]);
  }
  await pool([...byVersion.values()], 16, async (group) => {
    const first = group[0] as AckedGrant;
    const policy = await client.send(
      new GetLayerVersionPolicyCommand({ LayerName: first.layer, VersionNumber: first.version }),
    );
    const sids = (JSON.parse(policy.Policy ?? "{}") as { Statement: { Sid: string }[] }).Statement.map(
      (s) => s.Sid,
    );
    expect(sids, `${first.layer}:${first.version}`).toEqual(expect.arrayContaining(group.map((g) => g.sid)));
    expect(new Set(sids).size).toBe(sids.length);
  });

  // The versions that exist (acknowledged or not): numbers unique, and their blobs are exactly the store's files.
  const stored = new Set<string>();
  for (const layer of LAYERS) {
    const numbers: number[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new ListLayerVersionsCommand({ LayerName: layer, Marker: marker }));
      numbers.push(...(page.LayerVersions ?? []).map((v) => v.Version ?? -1));
      marker = page.NextMarker;
    } while (marker);
    expect(new Set(numbers).size).toBe(numbers.length);
    const acked = versions.filter((v) => v.layer === layer).map((v) => v.version);
    expect(numbers).toEqual(expect.arrayContaining(acked));
    await pool(numbers, 16, async (version) => {
      const got = await client.send(new GetLayerVersionCommand({ LayerName: layer, VersionNumber: version }));
      stored.add(Buffer.from(got.Content?.CodeSha256 ?? "", "base64").toString("hex"));
    });
  }
  expect(misnamedBlobs(dataDir)).toEqual([]);
  expect(
    blobFiles(dataDir)
      .map((f) => f.split("/")[1])
      .sort(),
  ).toEqual([...stored].sort());
  expect(tempFiles()).toEqual([]);

  // A clean stop, then SQLite's own check of the database file.
  expect(await server?.stop()).toBe(0);
  const db = new Database(join(dataDir, "lamina.db"), { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  } finally {
    db.close();
  }
}, 120_000);
