/**
 * Faults of the machine around lamina: a second instance on the same data dir, and a full disk. The small file
 * system is a 48 MB tmpfs mounted in a private mount namespace (`unshare -m`) that only the lamina child sees; the
 * test reaches into it through `/proc/<pid>/root` to fill it up the way another program would.
 */
import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnLamina, type ChildLamina, type Launcher } from "../helpers/child.js";
import { expectLambdaError, lambdaClient, TEST_REGION } from "../helpers/clients.js";
import { tmpDir } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const B = "111111111111";
/** lamina's texts (src/util/disk-space.ts, src/storage/local-blobs/blobs.ts). */
const DISK_FULL_MESSAGE =
  "lamina could not store the change: the disk holding its data dir is full. Nothing was changed. " +
  "Delete layer versions or functions, or free space on the disk, then try again.";
const RESERVE_RE =
  /^lamina keeps 16\.8 MB of its data dir's disk free \(--min-free-space\) and \d+\.\d MB are free: uploads are refused until space is freed\. Deletes, grants and reads still work\.$/;

const running: ChildLamina[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.kill()));
});

async function start(
  dataDir: string,
  args: readonly string[] = [],
  launcher?: Launcher,
): Promise<ChildLamina> {
  const server = await spawnLamina(dataDir, args, launcher);
  running.push(server);
  return server;
}

describe("one lamina per data dir", () => {
  it("refuses a second instance at once, naming the dir and the holder, and the first keeps serving", async () => {
    const dataDir = tmpDir();
    const first = await start(dataDir);
    const second = spawn(
      process.execPath,
      ["dist/src/main.js", "serve", "--port", "0", "--data-dir", dataDir],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    second.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^lamina: the data dir ${dataDir} is in use by process ${first.pid} \\(lamina \\d+\\.\\d+\\.\\d+ since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); stop it, or give this one another --data-dir\\n$`,
      ),
    );
    expect((await fetch(`${first.url}/_lamina/health`)).status).toBe(200);
  });

  it("is free again as soon as the holder dies, even by SIGKILL", async () => {
    const dataDir = tmpDir();
    const first = await start(dataDir);
    await first.kill();
    const second = await start(dataDir);
    expect((await fetch(`${second.url}/_lamina/health`)).status).toBe(200);
  });
});

/** Whether this kernel lets us mount a tmpfs in a private mount namespace (root, or user namespaces). */
function canMountTmpfs(): boolean {
  try {
    execFileSync("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=1m t /mnt"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const TMPFS = canMountTmpfs();
if (!TMPFS) {
  console.warn(
    "machine-faults: skipping the full-disk tests: this kernel does not let unshare -rm mount a tmpfs",
  );
}

/** Runs lamina with its data dir on a private 48 MB tmpfs. */
const onSmallDisk =
  (dir: string): Launcher =>
  (argv) => ({
    file: "unshare",
    args: ["-rm", "sh", "-c", `mount -t tmpfs -o size=48m lamina-small "$0" && exec "$@"`, dir, ...argv],
  });

/** A layer zip of `mb` megabytes that does not compress. */
const bigZip = (mb: number) => makeZip({ "python/blob.bin": randomBytes(mb * 1_000_000) }, false);

const publish = (client: LambdaClient, zip: Buffer) =>
  client.send(new PublishLayerVersionCommand({ LayerName: "big", Content: { ZipFile: zip } }));

/** Writes zeros into `file` until the disk says no. */
function fillUp(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) {
      writeSync(fd, chunk);
    }
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!TMPFS)("a full disk", () => {
  it("keeps a reserve: uploads past it are refused, deletes, grants and reads keep working, then uploads work again", async () => {
    const dir = tmpDir();
    const server = await start(dir, ["--min-free-space", "16MiB"], onSmallDisk(dir));
    const a = lambdaClient(server.url, A);
    // Each upload takes its zip and, once unpacked into cache/, as much again: publish until the reserve says no.
    const acked: number[] = [];
    let refused: unknown;
    while (refused === undefined && acked.length < 5) {
      try {
        acked.push((await publish(a, await bigZip(9))).Version ?? 0);
      } catch (err) {
        refused = err;
      }
    }
    expect(acked.length).toBeGreaterThanOrEqual(1);
    expect(acked).toEqual(acked.map((_, i) => i + 1));
    expect(refused).toMatchObject({ name: "CodeStorageExceededException", Type: "User" });
    expect((refused as Error).message).toMatch(RESERVE_RE);
    expect((refused as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    const last = acked[acked.length - 1] ?? 0;

    await a.send(
      new AddLayerVersionPermissionCommand({
        LayerName: "big",
        VersionNumber: last,
        StatementId: "b",
        Principal: B,
        Action: "lambda:GetLayerVersion",
      }),
    );
    expect(
      (
        await lambdaClient(server.url, B).send(
          new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:${TEST_REGION}:${A}:layer:big:${last}` }),
        )
      ).Version,
    ).toBe(last);
    await a.send(new DeleteLayerVersionCommand({ LayerName: "big", VersionNumber: 1 }));
    // The zip goes at once, its unpacked copy with the cache's next sweep: publishing works again within seconds.
    let again: number | undefined;
    for (let i = 0; i < 40 && again === undefined; i++) {
      again = await publish(a, await bigZip(9)).then(
        (out) => out.Version,
        async () => {
          await new Promise((r) => setTimeout(r, 250));
          return undefined;
        },
      );
    }
    expect(again).toBe(last + 1);
    expect(readdirSync(join(`/proc/${server.pid}/root`, dir, "blobs", "tmp"))).toEqual([]);
  });

  it("filled by another program: every request is answered, nothing acknowledged is lost, no temp file stays", async () => {
    const dir = tmpDir();
    const server = await start(dir, ["--min-free-space", "0"], onSmallDisk(dir));
    const a = lambdaClient(server.url, A);
    expect((await publish(a, await bigZip(5))).Version).toBe(1);
    const disk = join(`/proc/${server.pid}/root`, dir);
    mkdirSync(join(disk, "other"));
    fillUp(join(disk, "other", "filler"));

    await expectLambdaError(publish(a, await bigZip(1)), {
      name: "ServiceException",
      status: 500,
      message: DISK_FULL_MESSAGE,
      type: "Service",
    });
    expect(readdirSync(join(disk, "blobs", "tmp"))).toEqual([]);
    // Reads never need the disk.
    const read = await a.send(new GetLayerVersionCommand({ LayerName: "big", VersionNumber: 1 }));
    expect(read.Version).toBe(1);
    // A write that reaches SQLite is answered too: done, or refused with the same text; never a closed connection.
    const grant = a
      .send(
        new AddLayerVersionPermissionCommand({
          LayerName: "big",
          VersionNumber: 1,
          StatementId: "b",
          Principal: B,
          Action: "lambda:GetLayerVersion",
        }),
      )
      .then(
        () => "granted",
        (err: Error) => `${err.name}: ${err.message}`,
      );
    expect(["granted", `ServiceException: ${DISK_FULL_MESSAGE}`]).toContain(await grant);

    rmSync(join(disk, "other"), { recursive: true });
    expect((await publish(a, await bigZip(1))).Version).toBe(2);
    const versions = await a.send(new ListLayerVersionsCommand({ LayerName: "big" }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([2, 1]);
  });
});
