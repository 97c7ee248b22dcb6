/**
 * Requests no SDK sends: malformed or mistyped JSON, unknown and missing members, invalid UTF-8, oversized and
 * endless bodies, slow and header-stuffed clients, paths that name no operation. lamina runs as its own process
 * (`node dist/src/main.js serve`), so its memory can be read from `/proc/<pid>/status`. Every answer must be
 * AWS-shaped (a 4xx status, `x-amzn-ErrorType`, `x-amzn-RequestId`, AWS's body keys) or, for what Node's HTTP
 * parser refuses before lamina sees it, Node's own 4xx; never a 500, a hang or a crash. Afterwards the server
 * still serves, and its log holds no unexpected error.
 *
 * Texts: `docs/reference/aws-layer-semantics.md` §3 #13 (413), §4 (body keys and the validation-message
 * conventions); `docs/reference/aws-lambda-execution.md` §A7 (`Could not parse request body into json: `).
 */
import {
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requestTooLarge } from "../helpers/aws-texts.js";
import { processMemory, spawnLamina, type ChildLamina } from "../helpers/child.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { rawRequest, type RawResponse } from "../helpers/raw.js";
import { tmpDir } from "../helpers/server.js";
import { exchange, openExchange, sleep, writeAll } from "../helpers/socket.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const A = "123456789012";
const ROLE = `arn:aws:iam::${A}:role/lambda-role`;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** aws-lambda-execution.md §A7: how AWS words a body it cannot deserialize. */
const PARSE_PREFIX = /^Could not parse request body into json: /;
/** §4's message conventions: a required member left out (the Coral form, `Value null`). */
const missing = (...members: string[]) =>
  `${members.length === 1 ? "1 validation error" : `${members.length} validation errors`} detected: ${members
    .map((m) => `Value null at '${m}' failed to satisfy constraint: Member must not be null`)
    .join("; ")}`;

let lamina: ChildLamina;
let zipB64: string;
let fnName: string;

beforeAll(async () => {
  lamina = await spawnLamina(tmpDir());
  const zip = await makeZip({ "index.py": "def handler(event, context):\n    return 1\n" });
  zipB64 = zip.toString("base64");
  fnName = randomName("fn");
  const res = await rawRequest(lamina.url, "POST", "/2015-03-31/functions", {
    accountId: A,
    body: JSON.stringify({
      FunctionName: fnName,
      Runtime: "python3.12",
      Role: ROLE,
      Handler: "index.handler",
      Code: { ZipFile: zipB64 },
    }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await lamina.kill();
});

/** lamina's log lines at level error (50) or fatal (60): what it calls an unexpected error. */
const errorLines = () =>
  lamina
    .log()
    .split("\n")
    .filter((line) => /"level":(50|60)/.test(line));
let errorsBefore = 0;
beforeEach(() => {
  errorsBefore = errorLines().length;
});
// A client's mistake is not lamina's: no test here may make it log an unexpected error.
afterEach(() => {
  expect(errorLines().slice(errorsBefore)).toEqual([]);
});

/** Asserts an error is AWS-shaped: its status, `x-amzn-ErrorType`, a request id, and a JSON body with a message. */
function expectAwsError(res: RawResponse, status: number, errorType: string): Record<string, unknown> {
  expect({ status: res.status, errorType: res.errorType }, res.body).toEqual({ status, errorType });
  expect(res.requestId).toMatch(UUID_RE);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(typeof (body.message ?? body.Message)).toBe("string");
  return body;
}

/** An answer as one comparable value (so a loop reports every case that differs, not only the first). */
function answer(label: string, res: RawResponse): Record<string, unknown> {
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {
    // not JSON: compared as text
  }
  return {
    label,
    status: res.status,
    errorType: res.errorType,
    requestId: UUID_RE.test(res.requestId ?? ""),
    body,
  };
}

/** What `answer` gives for an AWS-shaped error with this status, type and body. */
function awsError(label: string, status: number, errorType: string, body: unknown): Record<string, unknown> {
  return { label, status, errorType, requestId: true, body };
}

/** InvalidRequestContentException's body (§4 key spelling; aws-lambda-execution.md §A7 text). */
const PARSE_ERROR_BODY = { Type: "User", message: expect.stringMatching(PARSE_PREFIX) as unknown };

/** The layer `name` has no versions (a refused publish stored nothing). */
async function expectNoVersions(name: string): Promise<void> {
  const out = await lambdaClient(lamina.url, A).send(new ListLayerVersionsCommand({ LayerName: name }));
  expect(out.LayerVersions).toEqual([]);
}

/** The server still answers the API: a publish and a list. */
async function expectStillServing(): Promise<void> {
  const health = await fetch(`${lamina.url}/_lamina/health`);
  expect(health.status).toBe(200);
  const client = lambdaClient(lamina.url, A);
  const zip = await makeZip({ "alive.txt": randomName() });
  const out = await client.send(
    new PublishLayerVersionCommand({ LayerName: randomName("alive"), Content: { ZipFile: zip } }),
  );
  expect(out.Content?.CodeSha256).toBe(codeSha256(zip));
  expect((await client.send(new ListLayersCommand({}))).$metadata.httpStatusCode).toBe(200);
  expect(lamina.child.exitCode).toBeNull();
}

// Oversized bodies first: the memory peak (VmHWM) they are judged by is the process's peak so far.
describe("oversized bodies: 413 without reading them whole", () => {
  it("answers a declared Content-Length of 80 MB at once, for every code upload (§3 #13)", async () => {
    for (const [operation, method, path] of [
      ["PublishLayerVersion", "POST", "/2018-10-31/layers/huge/versions"],
      ["CreateFunction", "POST", "/2015-03-31/functions"],
      ["UpdateFunctionCode", "PUT", `/2015-03-31/functions/${fnName}/code`],
    ] as const) {
      const res = await exchange(
        lamina.port,
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 80000000\r\n\r\n{"Content":`,
      );
      expect([res.status, res.headers["x-amzn-errortype"], JSON.parse(res.body)]).toEqual([
        413,
        "RequestEntityTooLargeException",
        { message: requestTooLarge(operation) },
      ]);
    }
    await expectNoVersions("huge");
  });

  it("stops a chunked body that streams past 70167211 bytes, with its memory below 200 MB", async () => {
    const total = 200 * 1024 * 1024;
    for (const [operation, method, path] of [
      ["PublishLayerVersion", "POST", "/2018-10-31/layers/endless/versions"],
      ["CreateFunction", "POST", "/2015-03-31/functions"],
    ] as const) {
      const ex = await openExchange(lamina.port);
      await writeAll(
        ex.socket,
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      const piece = Buffer.alloc(1 << 20, 0x41);
      const chunk = Buffer.concat([
        Buffer.from(`${piece.length.toString(16)}\r\n`),
        piece,
        Buffer.from("\r\n"),
      ]);
      let sent = 0;
      let answered = false;
      void ex.response.then(() => (answered = true));
      while (sent < total && !answered && (await writeAll(ex.socket, chunk))) {
        sent += piece.length;
      }
      const res = await ex.response;
      ex.socket.destroy();
      expect([res.status, res.headers["x-amzn-errortype"], JSON.parse(res.body)]).toEqual([
        413,
        "RequestEntityTooLargeException",
        { message: requestTooLarge(operation) },
      ]);
      // lamina answered once the limit was passed, not after the client's 200 MB.
      expect(sent).toBeLessThan(total);
      expect(sent).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    }
    expect(processMemory(lamina.pid, "VmHWM")).toBeLessThan(200 * 1024 * 1024);
    await expectNoVersions("endless");
    await expectStillServing();
  });
});

describe("malformed bodies", () => {
  const targets = (): [string, string][] => [
    ["POST", `/2018-10-31/layers/${randomName()}/versions`],
    ["POST", "/2015-03-31/functions"],
    ["PUT", `/2015-03-31/functions/${fnName}/code`],
    ["PUT", `/2015-03-31/functions/${fnName}/configuration`],
    ["POST", `/2018-10-31/layers/${randomName()}/versions/1/policy`],
  ];

  it("answers JSON that does not parse, or is not an object, with InvalidRequestContentException", async () => {
    const bodies = ["{not json", '{"Content":', "[", '{"a":1}}', "null", '"text"', "[1,2]", "123", "{'a':1}"];
    for (const [method, path] of targets()) {
      const got = [];
      for (const body of bodies) {
        got.push(
          answer(
            `${method} ${path} ${body}`,
            await rawRequest(lamina.url, method, path, { accountId: A, body }),
          ),
        );
      }
      expect(got).toEqual(
        bodies.map((body) =>
          awsError(`${method} ${path} ${body}`, 400, "InvalidRequestContentException", PARSE_ERROR_BODY),
        ),
      );
    }
    await expectStillServing();
  });

  it("answers members of the wrong JSON type with InvalidRequestContentException, storing nothing", async () => {
    const layer = randomName();
    const cases: [string, string, Record<string, unknown>][] = [
      ["POST", `/2018-10-31/layers/${layer}/versions`, { Content: "x" }],
      ["POST", `/2018-10-31/layers/${layer}/versions`, { Content: [zipB64] }],
      ["POST", `/2018-10-31/layers/${layer}/versions`, { Content: { ZipFile: 42 } }],
      [
        "POST",
        `/2018-10-31/layers/${layer}/versions`,
        { Content: { ZipFile: zipB64 }, Description: { a: 1 } },
      ],
      [
        "POST",
        `/2018-10-31/layers/${layer}/versions`,
        { Content: { ZipFile: zipB64 }, CompatibleRuntimes: "python3.12" },
      ],
      [
        "POST",
        `/2018-10-31/layers/${layer}/versions`,
        { Content: { ZipFile: zipB64 }, CompatibleArchitectures: [1] },
      ],
      [
        "POST",
        `/2018-10-31/layers/${layer}/versions`,
        { Content: { ZipFile: zipB64 }, LicenseInfo: ["MIT"] },
      ],
      [
        "POST",
        "/2015-03-31/functions",
        { FunctionName: randomName("fn"), Role: ROLE, Runtime: "python3.12", Handler: "i.h", Code: 5 },
      ],
      [
        "POST",
        "/2015-03-31/functions",
        {
          FunctionName: randomName("fn"),
          Role: ROLE,
          Runtime: "python3.12",
          Handler: "i.h",
          Code: { ZipFile: zipB64 },
          Timeout: { seconds: 3 },
        },
      ],
      [
        "POST",
        "/2015-03-31/functions",
        {
          FunctionName: randomName("fn"),
          Role: ROLE,
          Runtime: "python3.12",
          Handler: "i.h",
          Code: { ZipFile: zipB64 },
          Environment: { Variables: { A: { b: 1 } } },
        },
      ],
      [
        "POST",
        "/2015-03-31/functions",
        {
          FunctionName: randomName("fn"),
          Role: ROLE,
          Runtime: "python3.12",
          Handler: "i.h",
          Code: { ZipFile: zipB64 },
          Layers: "arn:aws:lambda:eu-central-1:123456789012:layer:x:1",
        },
      ],
      ["PUT", `/2015-03-31/functions/${fnName}/configuration`, { Timeout: "abc" }],
      ["PUT", `/2015-03-31/functions/${fnName}/configuration`, { MemorySize: [128] }],
      ["PUT", `/2015-03-31/functions/${fnName}/configuration`, { Handler: { h: 1 } }],
      ["PUT", `/2015-03-31/functions/${fnName}/code`, { ZipFile: { b64: zipB64 } }],
      ["PUT", `/2015-03-31/functions/${fnName}/code`, { ZipFile: zipB64, Publish: "yes" }],
    ];
    const got = [];
    for (const [method, path, body] of cases) {
      const text = JSON.stringify(body);
      got.push(
        answer(
          `${method} ${path} ${text}`,
          await rawRequest(lamina.url, method, path, { accountId: A, body: text }),
        ),
      );
    }
    expect(got).toEqual(
      cases.map(([method, path, body]) =>
        awsError(
          `${method} ${path} ${JSON.stringify(body)}`,
          400,
          "InvalidRequestContentException",
          PARSE_ERROR_BODY,
        ),
      ),
    );
    await expectNoVersions(layer);
  });

  it("ignores members it does not know, as AWS does", async () => {
    const layer = randomName();
    const res = await rawRequest(lamina.url, "POST", `/2018-10-31/layers/${layer}/versions`, {
      accountId: A,
      body: JSON.stringify({
        Content: { ZipFile: zipB64, Extra: true },
        Unknown: 1,
        Nested: { a: [1, { b: null }] },
        content: "lower-case twin",
      }),
    });
    expect(res.status, res.body).toBe(201);
    expect((JSON.parse(res.body) as { Version: number }).Version).toBe(1);
    const grant = await rawRequest(lamina.url, "POST", `/2018-10-31/layers/${layer}/versions/1/policy`, {
      accountId: A,
      body: JSON.stringify({
        StatementId: "s1",
        Action: "lambda:GetLayerVersion",
        Principal: "*",
        Whatever: ["x"],
      }),
    });
    expect(grant.status, grant.body).toBe(201);
    const fn = await rawRequest(lamina.url, "POST", "/2015-03-31/functions", {
      accountId: A,
      body: JSON.stringify({
        FunctionName: randomName("fn"),
        Role: ROLE,
        Runtime: "python3.12",
        Handler: "index.handler",
        Code: { ZipFile: zipB64 },
        NotAMember: { deep: true },
      }),
    });
    expect(fn.status, fn.body).toBe(201);
  });

  it("answers missing required members with ValidationException (`Value null`, §4)", async () => {
    for (const [method, path, message] of [
      ["POST", `/2018-10-31/layers/${randomName()}/versions`, missing("content")],
      ["POST", "/2015-03-31/functions", missing("functionName", "role", "code")],
      [
        "POST",
        `/2018-10-31/layers/${randomName()}/versions/1/policy`,
        missing("statementId", "action", "principal"),
      ],
    ] as const) {
      for (const body of ["{}", ""]) {
        const res = await rawRequest(lamina.url, method, path, { accountId: A, body });
        expectAwsError(res, 400, "ValidationException");
        // §4: ValidationException's body is {"message": …} alone, no Type.
        expect(JSON.parse(res.body)).toEqual({ message });
      }
    }
  });

  it("refuses bodies that are not valid UTF-8 with InvalidRequestContentException, storing nothing", async () => {
    const layer = randomName();
    const json = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
    const content = `"Content":{"ZipFile":"${zipB64}"}`;
    const bodies: [string, Buffer][] = [
      [
        "0xFF 0xFE (never valid in UTF-8) in Description",
        json('{"Description":"', [0xff, 0xfe], `",${content}}`),
      ],
      ["a lone continuation byte 0x80 in a member name", json('{"Descr', [0x80], `ption":"x",${content}}`)],
      [
        "a three-byte sequence cut short (0xE2 0x82) in LicenseInfo",
        json('{"LicenseInfo":"', [0xe2, 0x82], `",${content}}`),
      ],
      [
        'an overlong "/" (0xC0 0xAF) in Description',
        json('{"Description":"a', [0xc0, 0xaf], `b",${content}}`),
      ],
    ];
    const got = [];
    for (const [label, body] of bodies) {
      const res = await rawRequest(lamina.url, "POST", `/2018-10-31/layers/${layer}/versions`, {
        accountId: A,
        body,
        headers: { "content-type": "application/json" },
      });
      got.push(answer(label, res));
    }
    expect(got).toEqual(
      bodies.map(([label]) => awsError(label, 400, "InvalidRequestContentException", PARSE_ERROR_BODY)),
    );
    await expectNoVersions(layer);
  });
});

describe("slow, stuffed and broken clients", () => {
  it("keeps serving others while clients send their headers a byte at a time", async () => {
    // About 250 bytes at one byte per 25 ms: still unfinished when the others are done.
    const head = `GET /2018-10-31/layers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"s".repeat(200)}\r\n`;
    const slow = await Promise.all(Array.from({ length: 5 }, () => openExchange(lamina.port)));
    let sentChars = 0;
    let stop = false;
    const dribble = (async () => {
      while (sentChars < head.length && !stop) {
        for (const s of slow) {
          s.socket.write(head.charAt(sentChars));
        }
        sentChars++;
        await sleep(25);
      }
    })();
    const client = lambdaClient(lamina.url, A);
    const latencies: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 2000) {
      const t = performance.now();
      const out = await client.send(new ListLayersCommand({}));
      latencies.push(performance.now() - t);
      expect(out.$metadata.httpStatusCode).toBe(200);
    }
    stop = true;
    await dribble;
    expect(sentChars).toBeLessThan(head.length);
    expect(latencies.length).toBeGreaterThan(20);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    // The slow clients finish their requests and get ordinary answers (unsigned: the default account's layers).
    for (const s of slow) {
      expect(s.closed()).toBe(false);
      s.socket.write(`${head.slice(sentChars)}\r\n`);
    }
    const answers = await Promise.all(slow.map((s) => s.response));
    for (const [i, res] of answers.entries()) {
      slow[i]?.socket.destroy();
      expect([res.status, JSON.parse(res.body)]).toEqual([200, { Layers: [] }]);
    }
    await expectStillServing();
  });

  it("answers 200 headers of 1 KB with Node's 431, and keeps serving", async () => {
    const headers = Array.from({ length: 200 }, (_, i) => `X-Stuffing-${i}: ${"h".repeat(1024)}\r\n`).join(
      "",
    );
    const res = await exchange(
      lamina.port,
      `GET /2018-10-31/layers HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`,
    );
    expect(res.status).toBe(431);
    const one = await exchange(
      lamina.port,
      `GET /2018-10-31/layers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ${"h".repeat(100 * 1024)}\r\n\r\n`,
    );
    expect(one.status).toBe(431);
    await expectStillServing();
  });

  it("answers requests Node's parser cannot read with Node's 400, and keeps serving", async () => {
    for (const request of [
      "GARBAGE\r\n\r\n",
      "GET /2018-10-31/layers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\u0000b\r\n\r\n",
      "POST /2018-10-31/layers/x/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
      "POST /2018-10-31/layers/x/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ]) {
      const res = await exchange(lamina.port, request);
      expect(res.status, request).toBe(400);
    }
    await expectStillServing();
  });

  it("shrugs off clients that hang up in the middle of a body", async () => {
    for (const [method, path] of [
      ["POST", `/2018-10-31/layers/${randomName()}/versions`],
      ["POST", "/2015-03-31/functions"],
      ["PUT", `/2015-03-31/functions/${fnName}/configuration`],
    ] as const) {
      const ex = await openExchange(lamina.port);
      await writeAll(
        ex.socket,
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"Content":{"Zip`,
      );
      await sleep(50);
      ex.socket.destroy();
    }
    await sleep(100);
    await expectStillServing();
  });

  it("answers a malformed or foreign Authorization header as the default account, not with an error", async () => {
    for (const authorization of [
      "AWS4-HMAC-SHA256 Credential=",
      "AWS4-HMAC-SHA256 Credential=////",
      "Basic dXNlcjpwYXNz",
      "x".repeat(4000),
    ]) {
      const res = await rawRequest(lamina.url, "GET", "/2018-10-31/layers", { headers: { authorization } });
      expect([res.status, JSON.parse(res.body)], authorization).toEqual([200, { Layers: [] }]);
    }
  });
});

describe("paths and queries that name no operation or a bad value", () => {
  it("answers unknown paths and methods with an AWS-shaped 404 UnknownOperationException", async () => {
    const requests = [
      ["GET", "/"],
      ["GET", "/2015-03-31"],
      ["POST", `/2015-03-31/functions/${fnName}/nothing`],
      ["PATCH", `/2015-03-31/functions/${fnName}`],
      ["DELETE", "/2018-10-31/layers"],
      ["OPTIONS", "/2015-03-31/functions"],
      ["GET", "/2018-10-31/layers/x/versions/1/policy/s1/extra"],
      ["GET", "/%ff"],
      ["GET", "/2018-10-31/layers/%E0%A4%A/versions"],
      ["GET", `/${"a".repeat(8000)}`],
      ["GET", "/_lamina/nothing"],
    ] as const;
    const got = [];
    for (const [method, path] of requests) {
      const res = await rawRequest(lamina.url, method, path, { accountId: A });
      got.push(answer(`${method} ${path.slice(0, 60)}`, res));
    }
    expect(got).toEqual(
      requests.map(([method, path]) =>
        awsError(`${method} ${path.slice(0, 60)}`, 404, "UnknownOperationException", {
          message: expect.any(String) as unknown,
        }),
      ),
    );
  });

  it("answers bad path and query values with an AWS-shaped 4xx, never a 500", async () => {
    for (const path of [
      "/2018-10-31/layers?MaxItems=abc",
      "/2018-10-31/layers?MaxItems=0",
      "/2018-10-31/layers?MaxItems=99999999999999999999",
      "/2018-10-31/layers?Marker=%00%01",
      "/2018-10-31/layers?CompatibleRuntime=",
      "/2018-10-31/layers/x/versions/abc",
      "/2018-10-31/layers/x/versions/99999999999999999999",
      "/2018-10-31/layers/x/versions/1.5",
      "/2018-10-31/layers/x/versions/-0",
      "/2018-10-31/layers?find=LayerVersion&Arn=",
      "/2018-10-31/layers?find=LayerVersion",
      `/2018-10-31/layers/${"n".repeat(5000)}/versions`,
      "/2015-03-31/functions?MaxItems=-1",
      `/2015-03-31/functions/${"f".repeat(300)}`,
    ]) {
      const res = await rawRequest(lamina.url, "GET", path, { accountId: A });
      expect(res.status, `${path}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path}: ${res.body}`).toBeLessThan(500);
      expect(res.errorType, path).toMatch(/^[A-Za-z]+Exception$/);
      expect(res.requestId, path).toMatch(UUID_RE);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      expect(typeof (body.message ?? body.Message), path).toBe("string");
    }
  });

  it("still serves afterwards", async () => {
    await expectStillServing();
  });
});
