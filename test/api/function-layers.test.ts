/**
 * Functions that use layers, through the AWS SDK v3: the checks at CreateFunction and UpdateFunctionConfiguration
 * (`docs/reference/aws-layer-semantics.md` §3 F and G, §4 "Evaluation order";
 * `docs/reference/aws-function-api.md` §12), the `Layers` member, and the snapshot a function keeps when its layer
 * version's grant is revoked or the version is deleted (`docs/reference/identity.md` §3;
 * `docs/reference/seed-walkthrough.md` steps 8–14).
 */
import { createHash } from "node:crypto";
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accessDenied,
  functionNotFound,
  layerVersionNotFound,
  SERVER_LAYER_VERSION_ARN_PATTERN,
} from "../helpers/aws-texts.js";
import {
  expectLambdaError,
  lambdaClient,
  randomName,
  TEST_REGION,
  type ExpectedError,
} from "../helpers/clients.js";
import { startTestServer, TEAM_BACKEND } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const OWNER = "123456789012"; // A, the layer owner
const CONSUMER = "111111111111"; // B
const ORG_MEMBER = "333333333333";
const STRANGER = "444444444444";
const ORG = "o-1234567890";
const OTHER_REGION = "us-west-2";

/** aws-layer-semantics.md §5, §3 #67: code plus layers, unzipped. */
const MAX_UNZIPPED = 262_144_000;

/** aws-layer-semantics.md §3 #58; docs/reference/aws-function-api.md §12 (SNAP, 20-11-2023). */
const TOO_MANY_LAYERS = "Cannot reference more than 5 layers.";
/** aws-layer-semantics.md §3 #59, #60; docs/reference/aws-function-api.md §12 (SNAP, 10-04-2024). */
const sameLayer = (first: string, second: string) =>
  `Two different versions of the same layer are not allowed to be referenced in the same function. ${first} and ${second} are versions of the same layer.`;
/** aws-layer-semantics.md §3 #63; docs/reference/aws-function-api.md §12 (SNAP). */
const otherRegion = (region: string) =>
  `Layers are not in the same region as the function. Layers are expected to be in region ${region}.`;
/**
 * aws-layer-semantics.md §3 #62 (SNAP; the 2048 / server-pattern form of §1.4): every member constraint listed and
 * the whole list quoted.
 */
const badLayers = (layers: readonly string[]) =>
  `1 validation error detected: Value '[${layers.join(", ")}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${SERVER_LAYER_VERSION_ARN_PATTERN}, Member must not be null]`;
/** aws-layer-semantics.md §3 #67 (FIELD lambci/git-lambda-layer#27, brefphp/bref#450). */
const tooLarge = (actual: number) =>
  `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED} bytes. The actual size is ${actual} bytes.`;

const denied = (caller: string, arn: string): ExpectedError => ({
  name: "AccessDeniedException",
  status: 403,
  message: accessDenied(caller, arn),
});
const invalid = (message: string): ExpectedError => ({
  name: "InvalidParameterValueException",
  status: 400,
  message,
  type: "User",
});
const validation = (message: string): ExpectedError => ({
  name: "ValidationException",
  status: 400,
  message,
});

const lamina = await startTestServer({ organizations: { [ORG]: [ORG_MEMBER] } });

const clients = new Map<string, LambdaClient>();
function client(account: string, region = TEST_REGION): LambdaClient {
  const key = `${account}/${region}`;
  let c = clients.get(key);
  if (!c) {
    c = lambdaClient(lamina.url, account, region);
    clients.set(key, c);
  }
  return c;
}

const layerArnOf = (account: string, name: string, region = TEST_REGION) =>
  `arn:aws:lambda:${region}:${account}:layer:${name}`;
const functionArnOf = (account: string, name: string, region = TEST_REGION) =>
  `arn:aws:lambda:${region}:${account}:function:${name}`;
const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** One published layer version as the test remembers it. */
interface Published {
  readonly account: string;
  readonly name: string;
  readonly version: number;
  /** The LayerVersionArn. */
  readonly arn: string;
  readonly zip: Buffer;
  /** `Content.Location` from the publish answer. */
  readonly location: string;
}

let contentSeq = 0;

/** Publishes a version with content no other version has (so its blob is referenced by it alone). */
async function publish(
  account: string,
  name = randomName(),
  region = TEST_REGION,
  files?: Record<string, string | Buffer>,
): Promise<Published> {
  const zip = await makeZip(files ?? { [`python/${name}.py`]: `NAME = "${name}"\nSEQ = ${contentSeq++}\n` });
  const out = await client(account, region).send(
    new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
  );
  return {
    account,
    name,
    version: out.Version ?? -1,
    arn: out.LayerVersionArn ?? "",
    zip,
    location: out.Content?.Location ?? "",
  };
}

async function grant(layer: Published, principal: string, organizationId?: string, sid = "share") {
  await client(layer.account).send(
    new AddLayerVersionPermissionCommand({
      LayerName: layer.name,
      VersionNumber: layer.version,
      StatementId: sid,
      Action: "lambda:GetLayerVersion",
      Principal: principal,
      OrganizationId: organizationId,
    }),
  );
}

/** What `Layers` must say for these versions, in this order (§3 #56, #76). */
const layersOf = (...layers: Published[]) => layers.map((l) => ({ Arn: l.arn, CodeSize: l.zip.length }));

/** A function's source: unique per name, so its code blob is its own. */
const sourceOf = (name: string) => `def handler(event, context):\n    return "${name}"\n`;
const functionZips = new Map<string, Buffer>();

async function createFunction(
  account: string,
  name: string,
  layers?: string[],
  region = TEST_REGION,
  zip?: Buffer,
) {
  const code = zip ?? (await makeZip({ "index.py": sourceOf(name) }));
  functionZips.set(`${account}/${region}/${name}`, code);
  return client(account, region).send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Role: `arn:aws:iam::${account}:role/lambda-role`,
      Handler: "index.handler",
      Code: { ZipFile: code },
      Layers: layers,
    }),
  );
}

function updateLayers(account: string, name: string, layers: string[], region = TEST_REGION) {
  return client(account, region).send(
    new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: layers }),
  );
}

/** GetFunctionConfiguration without `$metadata`. */
async function configuration(account: string, name: string, region = TEST_REGION) {
  const { $metadata: _m, ...rest } = await client(account, region).send(
    new GetFunctionConfigurationCommand({ FunctionName: name }),
  );
  return rest;
}

async function download(location: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(location);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/**
 * Expects `layers` to be refused with `expected`, both by CreateFunction (no function is left behind) and by
 * UpdateFunctionConfiguration of an existing function (its configuration is left as it was).
 */
async function expectRefused(
  account: string,
  layers: string[],
  expected: ExpectedError,
  region = TEST_REGION,
): Promise<void> {
  const name = randomName("fn");
  await expectLambdaError(createFunction(account, name, layers, region), expected);
  await expectLambdaError(
    client(account, region).send(new GetFunctionConfigurationCommand({ FunctionName: name })),
    {
      name: "ResourceNotFoundException",
      status: 404,
      message: functionNotFound(functionArnOf(account, name, region)),
    },
  );
  const existing = randomName("fn");
  await createFunction(account, existing, undefined, region);
  const before = await configuration(account, existing, region);
  await expectLambdaError(updateLayers(account, existing, layers, region), expected);
  expect(await configuration(account, existing, region)).toEqual(before);
}

// A's layer SHARED: version 1 granted to B; 2 to everyone; 3 to the organization; 4 to nobody (§3 G,
// seed-walkthrough.md steps 7, 10, 11). TOOLS 1 is granted to everyone; B's MINE 1 is B's own, granted to nobody.
const SHARED = randomName("shared");
const sharedArn = (version: number) => `${layerArnOf(OWNER, SHARED)}:${version}`;
const shared: Published[] = [];
let tools: Published;
let mine: Published;

beforeAll(async () => {
  for (let v = 1; v <= 4; v++) {
    shared.push(await publish(OWNER, SHARED));
  }
  const [v1, v2, v3] = shared;
  if (!v1 || !v2 || !v3) {
    throw new Error("publish failed");
  }
  await grant(v1, CONSUMER);
  await grant(v2, "*");
  await grant(v3, "*", ORG);
  tools = await publish(OWNER, randomName("tools"));
  await grant(tools, "*");
  mine = await publish(CONSUMER, randomName("mine"));
});

const sharedVersion = (version: number): Published => {
  const p = shared[version - 1];
  if (!p) {
    throw new Error(`no shared version ${version}`);
  }
  return p;
};

describe("another account's layer version (§3 G; seed-walkthrough.md steps 8–12)", () => {
  it("publishes the fixture versions with the expected ARNs", () => {
    expect(shared.map((p) => p.arn)).toEqual([1, 2, 3, 4].map(sharedArn));
  });

  it.each([
    ["granted to the account", CONSUMER, 1],
    ["granted to '*'", CONSUMER, 2],
    ["granted to '*'", STRANGER, 2],
    ["granted to '*' with the organization, caller a member", ORG_MEMBER, 3],
  ] as const)("%s (%s, version %i): CreateFunction is accepted (§3 #76)", async (_case, account, version) => {
    const layer = sharedVersion(version);
    const name = randomName("fn");
    const out = await createFunction(account, name, [layer.arn]);
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out.Layers).toEqual(layersOf(layer));
    expect((await configuration(account, name)).Layers).toEqual(layersOf(layer));
    const fn = await client(account).send(new GetFunctionCommand({ FunctionName: name }));
    expect(fn.Configuration?.Layers).toEqual(layersOf(layer));
  });

  it.each([
    ["granted to the account", CONSUMER, 1],
    ["granted to '*'", CONSUMER, 2],
    ["granted to '*'", STRANGER, 2],
    ["granted to '*' with the organization, caller a member", ORG_MEMBER, 3],
  ] as const)(
    "%s (%s, version %i): UpdateFunctionConfiguration is accepted (§3 #56, #76)",
    async (_case, account, version) => {
      const layer = sharedVersion(version);
      const name = randomName("fn");
      const created = await createFunction(account, name);
      expect("Layers" in created).toBe(false);
      const out = await updateLayers(account, name, [layer.arn]);
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.Layers).toEqual(layersOf(layer));
      expect(out.RevisionId).not.toBe(created.RevisionId);
      expect((await configuration(account, name)).Layers).toEqual(layersOf(layer));
    },
  );

  it.each([
    ["not granted to anyone", CONSUMER, sharedArn(4)],
    ["granted to another account", STRANGER, sharedArn(1)],
    ["granted to another account", ORG_MEMBER, sharedArn(1)],
    ["granted to an organization the caller is not in", CONSUMER, sharedArn(3)],
    ["granted to an organization the caller is not in", STRANGER, sharedArn(3)],
    ["a version that does not exist (§3 #72)", CONSUMER, sharedArn(9)],
    ["a version that does not exist (§3 #72)", STRANGER, sharedArn(5)],
    ["a layer that does not exist (§3 #72)", CONSUMER, `${layerArnOf(OWNER, "no-such-layer")}:1`],
  ])("%s (%s, %s): 403 on create and on update (§3 #71, #72)", async (_case, account, arn) => {
    await expectRefused(account, [arn], denied(account, arn));
  });

  it.each([
    [CONSUMER, 2],
    [CONSUMER, 1],
    [STRANGER, 2],
    [ORG_MEMBER, 3],
  ])(
    "%s in %s cannot use version %i from eu-central-1, even when granted: the same 403 (§3 #73; step 12)",
    async (account, version) => {
      const arn = sharedArn(version);
      await expectRefused(account, [arn], denied(account, arn), OTHER_REGION);
    },
  );

  it("keeps the order of several layers, own and foreign, on create and on update (§2.3)", async () => {
    const name = randomName("fn");
    const created = await createFunction(CONSUMER, name, [tools.arn, mine.arn, sharedVersion(1).arn]);
    expect(created.Layers).toEqual(layersOf(tools, mine, sharedVersion(1)));
    expect((await configuration(CONSUMER, name)).Layers).toEqual(layersOf(tools, mine, sharedVersion(1)));

    const reordered = await updateLayers(CONSUMER, name, [sharedVersion(2).arn, mine.arn, tools.arn]);
    expect(reordered.Layers).toEqual(layersOf(sharedVersion(2), mine, tools));
    expect((await configuration(CONSUMER, name)).Layers).toEqual(layersOf(sharedVersion(2), mine, tools));

    const other = randomName("fn");
    const reversed = await createFunction(CONSUMER, other, [sharedVersion(1).arn, tools.arn, mine.arn]);
    expect(reversed.Layers).toEqual(layersOf(sharedVersion(1), tools, mine));
  });

  it("refuses a list when any one foreign version is not readable, and names that one (§3 #71)", async () => {
    await expectRefused(
      CONSUMER,
      [mine.arn, sharedVersion(1).arn, sharedVersion(4).arn, tools.arn],
      denied(CONSUMER, sharedArn(4)),
    );
  });
});

describe("checks on the caller's own layers (§3 F #58–#63, #65)", () => {
  const many: Published[] = [];
  const multi: Published[] = [];
  let west: Published;
  let gone: Published;
  const MULTI = randomName("multi");
  const missing = `${layerArnOf(OWNER, "does-not-exist")}:1`;
  const arnOf = (p: Published | undefined) => p?.arn ?? "";

  beforeAll(async () => {
    for (let i = 0; i < 6; i++) {
      many.push(await publish(OWNER, randomName(`l${i}`)));
    }
    for (let v = 1; v <= 3; v++) {
      multi.push(await publish(OWNER, MULTI));
    }
    west = await publish(OWNER, randomName("west"), OTHER_REGION);
    gone = await publish(OWNER, randomName("gone"));
    await client(OWNER).send(new DeleteLayerVersionCommand({ LayerName: gone.name, VersionNumber: 1 }));
  });

  it("six layers: `Cannot reference more than 5 layers.` (§3 #58)", async () => {
    await expectRefused(OWNER, many.map(arnOf), invalid(TOO_MANY_LAYERS));
  });

  it("five layers are accepted", async () => {
    const name = randomName("fn");
    const out = await createFunction(OWNER, name, many.slice(0, 5).map(arnOf));
    expect(out.Layers).toEqual(layersOf(...many.slice(0, 5)));
  });

  it("the count comes first, before any ARN is looked at (§4 step 1)", async () => {
    const layers = [missing, `${layerArnOf(CONSUMER, mine.name)}:1`, arnOf(west), arnOf(many[0])];
    await expectRefused(OWNER, [...layers, arnOf(multi[0]), arnOf(multi[1])], invalid(TOO_MANY_LAYERS));
  });

  it("two versions of one layer (§3 #59)", async () => {
    await expectRefused(
      OWNER,
      [arnOf(multi[0]), arnOf(multi[1])],
      invalid(sameLayer(arnOf(multi[0]), arnOf(multi[1]))),
    );
  });

  it("the same version twice (§3 #60)", async () => {
    await expectRefused(
      OWNER,
      [arnOf(multi[0]), arnOf(multi[0])],
      invalid(sameLayer(arnOf(multi[0]), arnOf(multi[0]))),
    );
  });

  it("three versions of one layer name only the first two (§3 #59)", async () => {
    await expectRefused(OWNER, multi.map(arnOf), invalid(sameLayer(arnOf(multi[0]), arnOf(multi[1]))));
  });

  it("a layer that does not exist: 400, not 404 (§3 #61)", async () => {
    await expectRefused(OWNER, [missing], invalid(layerVersionNotFound(missing)));
  });

  it("a version that does not exist (§3 #61)", async () => {
    const arn = `${layerArnOf(OWNER, MULTI)}:9`;
    await expectRefused(OWNER, [arnOf(many[0]), arn], invalid(layerVersionNotFound(arn)));
  });

  it("a deleted version (§3 #65)", async () => {
    await expectRefused(OWNER, [gone.arn], invalid(layerVersionNotFound(gone.arn)));
  });

  it("the caller's own layer in another region (§3 #63), also in the other direction", async () => {
    expect(west.arn).toBe(`${layerArnOf(OWNER, west.name, OTHER_REGION)}:1`);
    await expectRefused(OWNER, [west.arn], invalid(otherRegion(TEST_REGION)));
    await expectRefused(OWNER, [arnOf(many[0])], invalid(otherRegion(OTHER_REGION)), OTHER_REGION);
  });

  it("the region is checked before existence (§4 step 2)", async () => {
    const arn = `${layerArnOf(OWNER, "nowhere", OTHER_REGION)}:3`;
    await expectRefused(OWNER, [arn], invalid(otherRegion(TEST_REGION)));
  });

  it("a version-less layer ARN: the `layers` ValidationException quoting the whole list (§3 #62)", async () => {
    const versionless = layerArnOf(OWNER, MULTI);
    await expectRefused(OWNER, [versionless], validation(badLayers([versionless])));
    const list = [arnOf(many[0]), versionless, missing];
    await expectRefused(OWNER, list, validation(badLayers(list)));
  });

  it("model constraints come before the count and every lookup (§4)", async () => {
    const list = [...many.map(arnOf), layerArnOf(OWNER, MULTI)];
    await expectRefused(OWNER, list, validation(badLayers(list)));
  });

  it("each ARN in order: the first failing one is reported (§4 step 2)", async () => {
    const foreign = `${layerArnOf(CONSUMER, mine.name)}:1`;
    await expectRefused(OWNER, [arnOf(many[0]), missing, foreign], invalid(layerVersionNotFound(missing)));
    await expectRefused(OWNER, [arnOf(many[0]), foreign, missing], denied(OWNER, foreign));
    await expectRefused(OWNER, [foreign, west.arn], denied(OWNER, foreign));
    await expectRefused(OWNER, [west.arn, foreign], invalid(otherRegion(TEST_REGION)));
  });

  it("existence, region and access come before the two-versions check (§4 step 3)", async () => {
    const two = [arnOf(multi[0]), arnOf(multi[1])];
    await expectRefused(OWNER, [...two, missing], invalid(layerVersionNotFound(missing)));
    await expectRefused(OWNER, [...two, west.arn], invalid(otherRegion(TEST_REGION)));
    const foreign = `${layerArnOf(CONSUMER, mine.name)}:1`;
    await expectRefused(OWNER, [...two, foreign], denied(OWNER, foreign));
  });
});

describe("code plus layers over 250 MB unzipped (§3 #67)", () => {
  const BIG = 140_000_000;
  const SOURCE = 'def handler(event, context):\n    return "ok"\n';
  let fnZip: Buffer;
  let big1: Published;
  let big2: Published;
  let fillExact: Published;
  let fillOver: Published;

  beforeAll(async () => {
    // Zeros deflate about 1000:1: each zip is a few hundred KB however large its content.
    const zeros = Buffer.alloc(BIG);
    fnZip = await makeZip({ "index.py": SOURCE });
    big1 = await publish(OWNER, randomName("big"), TEST_REGION, { "big1.bin": zeros });
    big2 = await publish(OWNER, randomName("big"), TEST_REGION, { "big2.bin": zeros });
    const fill = MAX_UNZIPPED - BIG - Buffer.byteLength(SOURCE);
    fillExact = await publish(OWNER, randomName("fill"), TEST_REGION, {
      "fill.bin": zeros.subarray(0, fill),
    });
    fillOver = await publish(OWNER, randomName("fill"), TEST_REGION, {
      "fill.bin": zeros.subarray(0, fill + 1),
    });
    expect(big1.zip.length).toBeLessThan(1_000_000);
  });

  it("two layers of 140 MB each: refused with the real total, on create", async () => {
    const total = 2 * BIG + Buffer.byteLength(SOURCE);
    await expectLambdaError(
      createFunction(OWNER, randomName("fn"), [big1.arn, big2.arn], TEST_REGION, fnZip),
      invalid(tooLarge(total)),
    );
  });

  it("the same on update; the function keeps its one big layer", async () => {
    const name = randomName("fn");
    const created = await createFunction(OWNER, name, [big1.arn], TEST_REGION, fnZip);
    expect(created.Layers).toEqual(layersOf(big1));
    const before = await configuration(OWNER, name);
    await expectLambdaError(
      updateLayers(OWNER, name, [big1.arn, big2.arn]),
      invalid(tooLarge(2 * BIG + Buffer.byteLength(SOURCE))),
    );
    expect(await configuration(OWNER, name)).toEqual(before);
  });

  it("exactly 262144000 bytes is accepted; one byte more is refused (INFERRED from `exceeds`)", async () => {
    const out = await createFunction(OWNER, randomName("fn"), [big1.arn, fillExact.arn], TEST_REGION, fnZip);
    expect(out.Layers).toEqual(layersOf(big1, fillExact));
    await expectLambdaError(
      createFunction(OWNER, randomName("fn"), [big1.arn, fillOver.arn], TEST_REGION, fnZip),
      invalid(tooLarge(MAX_UNZIPPED + 1)),
    );
  });
});

describe("changing a function's Layers (§3 #64–#66)", () => {
  let x: Published;
  let y: Published;
  let z: Published;

  beforeAll(async () => {
    x = await publish(OWNER);
    y = await publish(OWNER);
    z = await publish(OWNER);
  });

  it("`Layers: []` removes every layer; the key is then absent (§3 #57, #66)", async () => {
    const name = randomName("fn");
    await createFunction(OWNER, name, [x.arn, y.arn]);
    const out = await updateLayers(OWNER, name, []);
    expect("Layers" in out).toBe(false);
    expect("Layers" in (await configuration(OWNER, name))).toBe(false);
    const fn = await client(OWNER).send(new GetFunctionCommand({ FunctionName: name }));
    expect(fn.Configuration && "Layers" in fn.Configuration).toBe(false);
  });

  it("a non-empty list replaces the old one entirely (§3 #66)", async () => {
    const name = randomName("fn");
    await createFunction(OWNER, name, [x.arn, y.arn]);
    expect((await updateLayers(OWNER, name, [z.arn])).Layers).toEqual(layersOf(z));
    expect((await configuration(OWNER, name)).Layers).toEqual(layersOf(z));
  });

  it("an update without Layers leaves them unchanged (§3 #65)", async () => {
    const name = randomName("fn");
    await createFunction(OWNER, name, [x.arn, y.arn]);
    const out = await client(OWNER).send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "changed", Timeout: 7 }),
    );
    expect([out.Description, out.Timeout, out.Layers]).toEqual(["changed", 7, layersOf(x, y)]);
    expect((await configuration(OWNER, name)).Layers).toEqual(layersOf(x, y));
  });

  it("deleting a layer version in use changes nothing in the function, not even its RevisionId (§3 #64)", async () => {
    const used = await publish(OWNER);
    const name = randomName("fn");
    await createFunction(OWNER, name, [x.arn, used.arn]);
    const before = await configuration(OWNER, name);
    const del = await client(OWNER).send(
      new DeleteLayerVersionCommand({ LayerName: used.name, VersionNumber: used.version }),
    );
    expect(del.$metadata.httpStatusCode).toBe(204);
    const after = await configuration(OWNER, name);
    expect(after).toEqual(before);
    expect(after.Layers).toEqual(layersOf(x, used));

    // §3 #65: an update that leaves out Layers keeps the deleted version; one that still lists it is refused.
    const touched = await client(OWNER).send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "after delete" }),
    );
    expect(touched.Layers).toEqual(layersOf(x, used));
    await expectLambdaError(
      updateLayers(OWNER, name, [x.arn, used.arn]),
      invalid(layerVersionNotFound(used.arn)),
    );
    expect((await configuration(OWNER, name)).Layers).toEqual(layersOf(x, used));
    expect((await updateLayers(OWNER, name, [x.arn])).Layers).toEqual(layersOf(x));
  });
});

describe("the snapshot a function keeps (docs/reference/identity.md §3; seed-walkthrough.md steps 13–14; §3 #76)", () => {
  const fnName = randomName("fn");
  let layer: Published;
  let oldLocation = "";
  let before: Awaited<ReturnType<typeof configuration>>;
  let codeLocation = "";
  const fnZip = () => functionZips.get(`${CONSUMER}/${TEST_REGION}/${fnName}`) ?? Buffer.alloc(0);

  it("B creates a function with A's version granted to B (steps 7–8)", async () => {
    layer = await publish(OWNER, randomName("requests"));
    await grant(layer, CONSUMER, undefined, "share-with-dev");
    const out = await createFunction(CONSUMER, fnName, [layer.arn]);
    expect(out.Layers).toEqual(layersOf(layer));
    before = await configuration(CONSUMER, fnName);
    const got = await client(OWNER).send(
      new GetLayerVersionCommand({ LayerName: layer.name, VersionNumber: layer.version }),
    );
    oldLocation = got.Content?.Location ?? "";
    const content = await download(oldLocation);
    expect([content.status, sha256Hex(content.bytes)]).toEqual([200, sha256Hex(layer.zip)]);
  });

  it("after A revokes the grant, B's function is unchanged and a new function is refused (steps 13–14)", async () => {
    const removed = await client(OWNER).send(
      new RemoveLayerVersionPermissionCommand({
        LayerName: layer.name,
        VersionNumber: layer.version,
        StatementId: "share-with-dev",
      }),
    );
    expect(removed.$metadata.httpStatusCode).toBe(204);
    expect(await configuration(CONSUMER, fnName)).toEqual(before);
    await expectRefused(CONSUMER, [layer.arn], denied(CONSUMER, layer.arn));
    // Re-attaching needs the grant too (§3 #71: UpdateFunctionConfiguration); B's function stays as it was.
    await expectLambdaError(updateLayers(CONSUMER, fnName, [layer.arn]), denied(CONSUMER, layer.arn));
    expect(await configuration(CONSUMER, fnName)).toEqual(before);
  });

  it("after A deletes the version, B's function, its code and the layer's content all stay (§3 #64, #76)", async () => {
    const del = await client(OWNER).send(
      new DeleteLayerVersionCommand({ LayerName: layer.name, VersionNumber: layer.version }),
    );
    expect(del.$metadata.httpStatusCode).toBe(204);

    const fn = await client(CONSUMER).send(new GetFunctionCommand({ FunctionName: fnName }));
    expect(fn.Configuration).toEqual(before);
    expect(fn.Configuration?.Layers).toEqual(layersOf(layer));
    codeLocation = fn.Code?.Location ?? "";
    const code = await download(codeLocation);
    expect([code.status, sha256Hex(code.bytes)]).toEqual([200, sha256Hex(fnZip())]);
    const content = await download(oldLocation);
    expect([content.status, sha256Hex(content.bytes)]).toEqual([200, sha256Hex(layer.zip)]);

    // A new function with the deleted version: B is still denied (§3 #72: existence is not revealed), A is told
    // it does not exist (§3 #65).
    await expectRefused(CONSUMER, [layer.arn], denied(CONSUMER, layer.arn));
    await expectRefused(OWNER, [layer.arn], invalid(layerVersionNotFound(layer.arn)));
    expect((await configuration(CONSUMER, fnName)).Layers).toEqual(layersOf(layer));
  });

  it("an update of B's function without Layers keeps the layer (§3 #65)", async () => {
    const out = await client(CONSUMER).send(
      new UpdateFunctionConfigurationCommand({ FunctionName: fnName, Description: "still has requests" }),
    );
    expect(out.Layers).toEqual(layersOf(layer));
    expect(out.RevisionId).not.toBe(before.RevisionId);
    const content = await download(oldLocation);
    expect(content.status).toBe(200);
  });

  it("once B deletes its function, nothing references the layer content: its Location is 404", async () => {
    const out = await client(CONSUMER).send(new DeleteFunctionCommand({ FunctionName: fnName }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await download(oldLocation)).status).toBe(404);
    expect((await download(codeLocation)).status).toBe(404);
  });
});

describe("DeleteLayerVersion racing attaches of the same version (docs/reference/identity.md §3)", () => {
  it("never leaves a function whose layer content is gone", async () => {
    const DELAY_STEP_MS = 3;
    let attached = 0;
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const layer = await publish(OWNER);
      const target = randomName("fn");
      await createFunction(OWNER, target);
      const names = [randomName("fn"), randomName("fn")];
      const zips = await Promise.all(names.map((n) => makeZip({ "index.py": sourceOf(n) })));
      const tasks: { fn?: string; run: () => Promise<unknown> }[] = [
        {
          run: () =>
            client(OWNER).send(new DeleteLayerVersionCommand({ LayerName: layer.name, VersionNumber: 1 })),
        },
        ...names.map((fn, k) => ({
          fn,
          run: () => createFunction(OWNER, fn, [layer.arn], TEST_REGION, zips[k]),
        })),
        { fn: target, run: () => updateLayers(OWNER, target, [layer.arn]) },
      ];
      // Vary who goes first, and start the delete a little later each time, so that both outcomes occur.
      const order = [...tasks.slice(i % tasks.length), ...tasks.slice(0, i % tasks.length)];
      const promises = order.map(async (t) => {
        if (t.fn === undefined) {
          await new Promise((resolve) => setTimeout(resolve, i * DELAY_STEP_MS));
        }
        return t.run();
      });
      const settled = await Promise.allSettled(promises);

      const users: string[] = [];
      for (const [k, task] of order.entries()) {
        const result = settled[k];
        if (task.fn === undefined) {
          expect(result?.status, "DeleteLayerVersion").toBe("fulfilled");
          continue;
        }
        if (result?.status === "fulfilled") {
          attached++;
          users.push(task.fn);
          expect((await configuration(OWNER, task.fn)).Layers, task.fn).toEqual(layersOf(layer));
        } else {
          refused++;
          await expectLambdaError(promises[k] ?? Promise.resolve(), invalid(layerVersionNotFound(layer.arn)));
          if (task.fn === target) {
            expect("Layers" in (await configuration(OWNER, target))).toBe(false);
          }
        }
      }
      const content = await download(layer.location);
      if (users.length > 0) {
        expect([content.status, sha256Hex(content.bytes)], `iteration ${i}`).toEqual([
          200,
          sha256Hex(layer.zip),
        ]);
      } else {
        expect(content.status, `iteration ${i}`).toBe(404);
      }
      // Once the last user lets go, the content goes.
      for (const fn of users) {
        if (fn === target) {
          await updateLayers(OWNER, fn, []);
        } else {
          await client(OWNER).send(new DeleteFunctionCommand({ FunctionName: fn }));
        }
      }
      expect((await download(layer.location)).status, `iteration ${i}`).toBe(404);
    }
    expect(attached + refused).toBe(30);
    // The delays make both outcomes occur on SQLite; otherwise the race above tested nothing. On PostgreSQL a
    // CreateFunction takes several times longer (serializable retries), so the delete may win all 30 rounds: the
    // invariants above still hold for every round, but which side wins is not a property of the backend.
    expect({ attachedSometimes: attached > 0 || TEAM_BACKEND, refusedSometimes: refused > 0 }).toEqual({
      attachedSometimes: true,
      refusedSometimes: true,
    });
  });
});
