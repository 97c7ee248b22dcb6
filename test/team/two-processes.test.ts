/**
 * Two `lamina serve` processes on one PostgreSQL database and one bucket (the team server): version numbers stay
 * unique and gap-free under concurrent publishes through both, a grant or revoke made through one holds on the
 * other at the next request, a function created through one runs on the other (its code and layer fetched from
 * the bucket), and a SIGKILL under load loses nothing acknowledged and reuses no number.
 */
import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnLamina, type ChildLamina } from "../helpers/child.js";
import { expectLambdaError, lambdaClient } from "../helpers/clients.js";
import { download } from "../helpers/download.js";
import { createFunction, invoke } from "../helpers/invoke.js";
import { teamBackend, tmpDir } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const OWNER = "111111111111";
const OTHER = "222222222222";

let args: string[] = [];
let a: ChildLamina;
let b: ChildLamina;

/** A third process started by a test, killed after the file. */
const extra: ChildLamina[] = [];

beforeAll(async () => {
  const team = await teamBackend();
  args = [
    "--database-url",
    team.databaseUrl ?? "",
    "--blob-store",
    team.blobStore ?? "",
    "--s3-endpoint",
    team.s3Endpoint ?? "",
  ];
  // One data dir for both: team processes take an instance slot each instead of refusing the second.
  const dataDir = tmpDir();
  a = await spawnLamina(dataDir, args);
  b = await spawnLamina(dataDir, args);
});

afterAll(async () => {
  await Promise.all([a, b, ...extra].map((p) => p.stop()));
});

const client = (p: ChildLamina, account = OWNER): LambdaClient => lambdaClient(p.url, account);

async function publish(p: ChildLamina, name: string, content: string) {
  const zip = await makeZip({ "nodejs/value.txt": content });
  const out = await client(p).send(
    new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
  );
  return { version: out.Version ?? 0, sha: out.Content?.CodeSha256 ?? "", zipSha: codeSha256(zip) };
}

async function versionsOf(p: ChildLamina, name: string): Promise<number[]> {
  const out = await client(p).send(new ListLayerVersionsCommand({ LayerName: name, MaxItems: 50 }));
  return (out.LayerVersions ?? []).map((v) => v.Version ?? 0).sort((x, y) => x - y);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("two lamina processes on one database and one bucket", () => {
  it("answers health 200 on both, from two instance slots of one data dir", async () => {
    const [ha, hb] = await Promise.all([a, b].map((p) => fetch(`${p.url}/_lamina/health`)));
    expect([ha?.status, hb?.status]).toEqual([200, 200]);
  });

  it("numbers 40 concurrent publishes through both 1 to 40, each once", async () => {
    const name = "shared-numbering";
    const results = await Promise.all(range(40).map((i) => publish(i % 2 ? a : b, name, `v${i}`)));
    expect(results.map((r) => r.version).sort((x, y) => x - y)).toEqual(range(40));
    expect(await versionsOf(a, name)).toEqual(range(40));
    expect(await versionsOf(b, name)).toEqual(range(40));
  });

  it("sees a grant made through one process on the other, and its revocation", async () => {
    const name = "shared-grant";
    const { version } = await publish(a, name, "granted");
    const get = (p: ChildLamina) =>
      client(p, OTHER).send(
        new GetLayerVersionCommand({
          LayerName: `arn:aws:lambda:eu-central-1:${OWNER}:layer:${name}`,
          VersionNumber: version,
        }),
      );
    const denied = {
      name: "AccessDeniedException",
      status: 403,
      message: `User: arn:aws:iam::${OTHER}:root is not authorized to perform: lambda:GetLayerVersion on resource: arn:aws:lambda:eu-central-1:${OWNER}:layer:${name}:${version} because no resource-based policy allows the lambda:GetLayerVersion action`,
    };
    await expectLambdaError(get(b), denied);
    await client(a).send(
      new AddLayerVersionPermissionCommand({
        LayerName: name,
        VersionNumber: version,
        StatementId: "other",
        Action: "lambda:GetLayerVersion",
        Principal: OTHER,
      }),
    );
    expect((await get(b)).Version).toBe(version);
    await client(b).send(
      new RemoveLayerVersionPermissionCommand({
        LayerName: name,
        VersionNumber: version,
        StatementId: "other",
      }),
    );
    await expectLambdaError(get(a), denied);
  });

  it("runs on one process a function created through the other, with its layer from the bucket", async () => {
    const layer = await publish(a, "shared-runtime", "from the layer");
    await createFunction(client(a), OWNER, "shared-fn", {
      runtime: "nodejs20.x",
      handler: "index.handler",
      layers: [`arn:aws:lambda:eu-central-1:${OWNER}:layer:shared-runtime:${layer.version}`],
      files: {
        "index.mjs":
          'import { readFileSync } from "node:fs";\n' +
          'export const handler = async () => readFileSync("/opt/nodejs/value.txt", "utf8");\n',
      },
    });
    const out = await invoke(client(b), "shared-fn", {});
    expect([out.status, out.functionError, out.payload]).toEqual([200, undefined, '"from the layer"']);
  });

  it("loses nothing acknowledged and reuses no number when one process is SIGKILLed under load", async () => {
    const name = "shared-kill";
    const victim = await spawnLamina(tmpDir(), args);
    extra.push(victim);
    const acknowledged: { version: number; zipSha: string }[] = [];
    let stop = false;
    const load = (p: ChildLamina, tag: string) =>
      (async () => {
        for (let i = 0; !stop; i++) {
          try {
            acknowledged.push(await publish(p, name, `${tag}-${i}`));
          } catch {
            // The victim's requests in flight at the kill fail; what they did may or may not have committed.
          }
        }
      })();
    const loops = [load(victim, "victim"), load(victim, "victim2"), load(b, "survivor")];
    while (acknowledged.length < 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await victim.kill();
    // The survivor keeps publishing for a moment after the kill.
    const atKill = acknowledged.length;
    while (acknowledged.length < atKill + 5) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stop = true;
    await Promise.all(loops);

    const listed = await versionsOf(b, name);
    // Unique and gap-free: every number taken by a committed publish, none twice, none skipped.
    expect(listed).toEqual(range(listed.length));
    const numbers = acknowledged.map((r) => r.version);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.every((n) => listed.includes(n))).toBe(true);
    // Every acknowledged version still downloads its own bytes, through the survivor.
    for (const { version, zipSha } of acknowledged) {
      const got = await client(b).send(
        new GetLayerVersionCommand({ LayerName: name, VersionNumber: version }),
      );
      const body = await download(got.Content?.Location ?? "");
      expect([body.status, codeSha256(body.bytes)]).toEqual([200, zipSha]);
    }
    // The next number follows the last committed one.
    expect((await publish(b, name, "after")).version).toBe(listed.length + 1);
  });
});
