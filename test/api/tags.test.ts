/**
 * TagResource, UntagResource and ListTags, and tags on CreateFunction and GetFunction, through the AWS SDK v3 and
 * the `aws` CLI, against `docs/reference/aws-deploy-api.md` §6 (and §1.3 for RevisionIds).
 */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { startTestServer } from "../helpers/server.js";
import { makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
const arnOf = (name: string) => `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}`;

// ---- AWS texts (docs/reference/aws-deploy-api.md §6) ----

/** #56: a qualified ARN, whether or not the qualifier exists. */
const QUALIFIED = "Tags on function aliases and versions are not supported. Please specify a function ARN.";
/** #57. */
const notFound = (name: string) => `Function not found: ${arnOf(name)}`;
/** #58: the server's pattern for a taggable resource. */
const badResource = (value: string) =>
  `1 validation error detected: Value '${value}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)`;
/** #59. */
const EMPTY_TAGS = "An error occurred and the request cannot be processed.";
/** #59. */
const NULL_TAG_KEYS =
  "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null";
/** #60. */
const TOO_MANY = "Number of tags exceeds resource tag limit.";

let url: string;
let client: LambdaClient;

beforeAll(async () => {
  url = (await startTestServer()).url;
  client = lambdaClient(url, A);
});

async function create(name: string, tags?: Record<string, string>): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "python3.12",
      Handler: "index.handler",
      Role: ROLE,
      Code: { ZipFile: await makeZip({ "index.py": "def handler(e, c):\n    return 1\n" }) },
      ...(tags && { Tags: tags }),
    }),
  );
}

const revisionOf = async (name: string) =>
  (await client.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.RevisionId;

const tagsOf = async (name: string) =>
  (await client.send(new ListTagsCommand({ Resource: arnOf(name) }))).Tags;

describe("tag lifecycle (§6 #54, #55)", () => {
  it("CreateFunction's Tags show in GetFunction and ListTags", async () => {
    const name = randomName("fn");
    await create(name, { team: "layers", env: "dev" });
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Tags).toEqual({ team: "layers", env: "dev" });
    expect(await tagsOf(name)).toEqual({ team: "layers", env: "dev" });
  });

  it("Tag merges and overwrites, Untag removes (absent keys too), each changing $LATEST's RevisionId", async () => {
    const name = randomName("fn");
    await create(name);
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Tags).toBeUndefined();
    expect(await tagsOf(name)).toEqual({});
    const revisions = [got.Configuration?.RevisionId];

    const tagged = await client.send(
      new TagResourceCommand({ Resource: arnOf(name), Tags: { a: "1", b: "2" } }),
    );
    expect(tagged.$metadata.httpStatusCode).toBe(204);
    revisions.push(await revisionOf(name));
    await client.send(new TagResourceCommand({ Resource: arnOf(name), Tags: { b: "3", c: "4" } }));
    revisions.push(await revisionOf(name));
    expect(await tagsOf(name)).toEqual({ a: "1", b: "3", c: "4" });

    const untagged = await client.send(
      new UntagResourceCommand({ Resource: arnOf(name), TagKeys: ["a", "not-there"] }),
    );
    expect(untagged.$metadata.httpStatusCode).toBe(204);
    revisions.push(await revisionOf(name));
    expect(await tagsOf(name)).toEqual({ b: "3", c: "4" });
    expect((await client.send(new GetFunctionCommand({ FunctionName: name }))).Tags).toEqual({
      b: "3",
      c: "4",
    });

    await client.send(new UntagResourceCommand({ Resource: arnOf(name), TagKeys: ["b", "c"] }));
    revisions.push(await revisionOf(name));
    expect(await tagsOf(name)).toEqual({});
    // §6 #55: no Tags key at all once the function has none.
    expect("Tags" in (await client.send(new GetFunctionCommand({ FunctionName: name })))).toBe(false);
    expect(new Set(revisions).size).toBe(5);
  });

  it("50 tags are accepted; a 51st, on create or by TagResource, is refused (#60)", async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    const name = randomName("fn");
    await create(name, fifty);
    expect(Object.keys((await tagsOf(name)) ?? {})).toHaveLength(50);
    await expectLambdaError(
      client.send(new TagResourceCommand({ Resource: arnOf(name), Tags: { extra: "x" } })),
      { name: "InvalidParameterValueException", status: 400, message: TOO_MANY, type: "User" },
    );
    expect(Object.keys((await tagsOf(name)) ?? {})).toHaveLength(50);
    await expectLambdaError(create(randomName("fn"), { ...fifty, extra: "x" }), {
      name: "InvalidParameterValueException",
      status: 400,
      message: TOO_MANY,
    });
  });
});

describe("tag errors (§6 #56–#59)", () => {
  let name: string;
  beforeAll(async () => {
    name = randomName("fn");
    await create(name);
  });

  it.each([`:$LATEST`, ":1", ":live", ":doesnotexist"])(
    "an ARN with the qualifier %s is refused for Tag, Untag and ListTags",
    async (suffix) => {
      const Resource = arnOf(name) + suffix;
      const expected = {
        name: "InvalidParameterValueException",
        status: 400,
        message: QUALIFIED,
        type: "User",
      };
      await expectLambdaError(client.send(new TagResourceCommand({ Resource, Tags: { a: "1" } })), expected);
      await expectLambdaError(client.send(new UntagResourceCommand({ Resource, TagKeys: ["a"] })), expected);
      await expectLambdaError(client.send(new ListTagsCommand({ Resource })), expected);
    },
  );

  it("a function that does not exist (or no longer does) is 404 for all three", async () => {
    const gone = randomName("fn");
    await create(gone);
    await client.send(new DeleteFunctionCommand({ FunctionName: gone }));
    for (const missing of [gone, randomName("never")]) {
      const Resource = arnOf(missing);
      const expected = { name: "ResourceNotFoundException", status: 404, message: notFound(missing) };
      await expectLambdaError(client.send(new TagResourceCommand({ Resource, Tags: { a: "1" } })), expected);
      await expectLambdaError(client.send(new UntagResourceCommand({ Resource, TagKeys: ["a"] })), expected);
      await expectLambdaError(client.send(new ListTagsCommand({ Resource })), expected);
    }
  });

  it("a resource that is not a taggable ARN is a ValidationException quoting the server's pattern", async () => {
    for (const Resource of ["arn:aws:something", name]) {
      await expectLambdaError(client.send(new ListTagsCommand({ Resource })), {
        name: "ValidationException",
        status: 400,
        message: badResource(Resource),
      });
    }
  });

  it("empty Tags and missing TagKeys are refused", async () => {
    await expectLambdaError(client.send(new TagResourceCommand({ Resource: arnOf(name), Tags: {} })), {
      name: "InvalidParameterValueException",
      status: 400,
      message: EMPTY_TAGS,
    });
    await expectLambdaError(client.send(new UntagResourceCommand({ Resource: arnOf(name), TagKeys: [] })), {
      name: "ValidationException",
      status: 400,
      message: NULL_TAG_KEYS,
    });
  });
});

describe("the aws CLI", () => {
  it("tag-resource, list-tags and untag-resource", async () => {
    const name = randomName("fn");
    await create(name);
    const cli = (...args: string[]) => runAws(args, { url, accountId: A });
    const tag = await cli(
      "lambda",
      "tag-resource",
      "--resource",
      arnOf(name),
      "--tags",
      "team=layers,env=dev",
    );
    expect(tag).toMatchObject({ code: 0, stdout: "" });
    const listed = await cli("lambda", "list-tags", "--resource", arnOf(name));
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ Tags: { team: "layers", env: "dev" } });
    const untag = await cli("lambda", "untag-resource", "--resource", arnOf(name), "--tag-keys", "env");
    expect(untag).toMatchObject({ code: 0, stdout: "" });
    expect(JSON.parse((await cli("lambda", "list-tags", "--resource", arnOf(name))).stdout)).toEqual({
      Tags: { team: "layers" },
    });
  });
});
