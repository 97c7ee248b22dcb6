/**
 * Function URLs against `docs/reference/aws-deploy-api.md` §11 (the config operations, through the AWS SDK v3
 * and the `aws` CLI) and §12 (serving over plain HTTP): the 2.0 event a Python function sees, how its answers map
 * to HTTP responses, function errors, unknown URLs, CORS, both host forms, who the function policy lets call a URL
 * (§12.3: `NONE` needs the public `lambda:InvokeFunctionUrl` statement, `AWS_IAM` admits other accounts only by a
 * statement), and AWS_IAM URLs on a strict server.
 */
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runAws } from "../helpers/aws-cli.js";
import { expectLambdaError, lambdaClient, randomName, TEST_REGION } from "../helpers/clients.js";
import { createFunction } from "../helpers/invoke.js";
import { startTestServer, tmpDir } from "../helpers/server.js";
import { NodeSha256 } from "../helpers/sha256.js";
import type { Lamina } from "../../src/index.js";

const A = "123456789012";
/** Other accounts: lenient mode takes a 12-digit access key as the caller's account. */
const B = "111111111111";
const C = "222222222222";
const fnArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${TEST_REGION}:${A}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

// ---- AWS texts (docs/reference/aws-deploy-api.md) ----

/** §11 #82 (two spaces after "message:"). */
const exists = (arn: string) =>
  `Failed to create function url config for [functionArn = ${arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`;
/** §11 #84. */
const NO_FUNCTION = "Function does not exist";
/** §11 #84. */
const NO_RESOURCE = "The resource you requested does not exist.";
/** §11 #83. */
const badQualifier = (q: string) =>
  `1 validation error detected: Value '${q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)`;
/** §11 #86. */
const BAD_INVOKE_MODE =
  "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]";
/** §1.5. */
const QUALIFIER_MISMATCH =
  "The derived qualifier from the function name does not match the specified qualifier.";
/** §12.3. */
const FORBIDDEN =
  "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";
/** §12.6. */
const FUNCTION_ERROR_BODY = "Internal Server Error";
/** §1.2: `2022-07-07T15:19:41.225854Z`. */
const URL_TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** One function for every serving case: the path picks the answer, anything else echoes the event. */
const URL_PY = `import base64
import json


def handler(event, context):
    path = event["requestContext"]["http"]["path"]
    if path == "/string":
        return "hello"
    if path == "/number":
        return 3.1
    if path == "/nostatus":
        return {"hello": "world"}
    if path == "/list":
        return ["hello", 3, True]
    if path == "/structured":
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "My-Custom-Header": "Custom Value",
                        "Access-Control-Allow-Origin": "*"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "created",
        }
    if path == "/teapot":
        return {"statusCode": "418", "body": "teapot"}
    if path == "/base64":
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "isBase64Encoded": True, "body": base64.b64encode(b"\\x00\\x01\\xffbin").decode()}
    if path == "/object-body":
        return {"statusCode": 200, "body": {"nested": [1, 2]}}
    if path == "/error":
        raise ValueError("boom")
    headers = {"Content-Type": "application/json", "X-Invoked-Arn": context.invoked_function_arn}
    return {"statusCode": 200, "headers": headers, "body": json.dumps(event)}
`;

/** The parts of the 2.0 event the tests read. */
interface UrlEvent {
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string | undefined>;
  readonly queryStringParameters?: Record<string, string>;
  readonly requestContext: {
    readonly accountId: string;
    readonly authorizer?: { readonly iam: Record<string, unknown> };
    readonly http: { readonly path: string };
    readonly time: string;
    readonly timeEpoch: unknown;
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** An HTTP answer with its headers as sent (repeated ones kept). */
interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/**
 * Calls a function URL the second way lamina accepts: to lamina's own address (127.0.0.1), with the URL's host
 * name in the Host header. (`fetch` cannot set Host, so this is node:http.)
 */
function callUrl(
  lamina: Lamina,
  functionUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  const target = new URL(functionUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: lamina.port,
        method: init.method ?? "GET",
        path: `/${path}`,
        headers: { host: target.host, ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Runs curl against a URL; curl resolves `*.localhost` to loopback itself, as RFC 6761 asks. */
function curl(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", ...args], { encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl failed: ${stderr}`, { cause: error }));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** The members of an SDK output besides `$metadata`. */
function members(out: object): string[] {
  return Object.keys(out)
    .filter((k) => k !== "$metadata")
    .sort();
}

let lamina: Lamina;
let client: LambdaClient;

beforeAll(async () => {
  lamina = await startTestServer();
  client = lambdaClient(lamina.url, A);
});

/**
 * Adds what `aws lambda add-permission --action lambda:InvokeFunctionUrl --principal '*'
 * --function-url-auth-type NONE` adds (and AWS's console adds by itself): the statement a `NONE` URL needs before it
 * answers (§12.3).
 */
async function allowPublic(
  name: string,
  qualifier?: string,
  sid = "FunctionURLAllowPublicAccess",
): Promise<void> {
  await client.send(
    new AddPermissionCommand({
      FunctionName: name,
      Qualifier: qualifier,
      StatementId: sid,
      Action: "lambda:InvokeFunctionUrl",
      Principal: "*",
      FunctionUrlAuthType: "NONE",
    }),
  );
}

/** SigV4 headers for a POST of `body` to `functionUrl` + `path`, signed for the service `lambda`. */
async function signUrlCall(
  functionUrl: string,
  path: string,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<Record<string, string>> {
  const target = new URL(functionUrl);
  const signer = new SignatureV4({ service: "lambda", region: TEST_REGION, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: target.hostname,
    port: Number(target.port),
    path: `/${path}`,
    query: {},
    headers: { host: target.host, "content-type": "application/json" },
    body,
  });
  return signed.headers;
}

async function newFunction(prefix = "url"): Promise<string> {
  const name = randomName(prefix);
  await createFunction(client, A, name, {
    runtime: "python3.12",
    handler: "url.handler",
    files: { "url.py": URL_PY },
  });
  return name;
}

describe("URL config operations (§11)", () => {
  it("Create answers 201 without LastModifiedTime or InvokeMode; Get adds both (#78, #79, #81)", async () => {
    const name = await newFunction();
    const created = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(members(created)).toEqual(["AuthType", "CreationTime", "FunctionArn", "FunctionUrl"]);
    expect(created.FunctionArn).toBe(fnArn(name));
    expect(created.AuthType).toBe("NONE");
    expect(created.CreationTime).toMatch(URL_TIME_RE);
    const urlRe = new RegExp(
      `^http://[a-z0-9]{32}\\.lambda-url\\.${TEST_REGION}\\.localhost:${lamina.port}/$`,
    );
    expect(created.FunctionUrl).toMatch(urlRe);

    const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    expect(members(got)).toEqual([
      "AuthType",
      "CreationTime",
      "FunctionArn",
      "FunctionUrl",
      "InvokeMode",
      "LastModifiedTime",
    ]);
    expect(got).toMatchObject({
      FunctionUrl: created.FunctionUrl,
      FunctionArn: fnArn(name),
      AuthType: "NONE",
      CreationTime: created.CreationTime,
      LastModifiedTime: created.CreationTime,
      InvokeMode: "BUFFERED",
    });
    // By full ARN too.
    const byArn = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: fnArn(name) }));
    expect(byArn.FunctionUrl).toBe(created.FunctionUrl);
  });

  it("a second Create is a 409 (#82)", async () => {
    const name = await newFunction();
    await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }));
    await expectLambdaError(
      client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" })),
      { name: "ResourceConflictException", status: 409, message: exists(fnArn(name)), type: "User" },
    );
  });

  it("Update keeps what it is not given; InvokeMode shows once set; Cors is echoed (#80)", async () => {
    const name = await newFunction();
    const created = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    const updated = await client.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" }),
    );
    expect(members(updated)).toEqual([
      "AuthType",
      "CreationTime",
      "FunctionArn",
      "FunctionUrl",
      "LastModifiedTime",
    ]);
    expect(updated).toMatchObject({
      FunctionUrl: created.FunctionUrl,
      AuthType: "AWS_IAM",
      CreationTime: created.CreationTime,
    });
    expect(updated.LastModifiedTime).toMatch(URL_TIME_RE);

    const cors = {
      AllowCredentials: true,
      AllowHeaders: ["x-custom"],
      AllowMethods: ["GET", "POST"],
      AllowOrigins: ["https://app.example"],
      ExposeHeaders: ["x-exposed"],
      MaxAge: 300,
    };
    const streamed = await client.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: name, InvokeMode: "RESPONSE_STREAM", Cors: cors }),
    );
    expect(streamed).toMatchObject({ AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM", Cors: cors });
    const empty = await client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: name }));
    expect(empty).toMatchObject({ AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM", Cors: cors });
    const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    expect(got).toMatchObject({ AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM", Cors: cors });
  });

  it("the qualifier must be an alias: versions and $LATEST are refused before any lookup (#83)", async () => {
    const name = await newFunction();
    for (const q of ["1", "$LATEST"]) {
      const error = { name: "ValidationException", status: 400, message: badQualifier(q) };
      await expectLambdaError(
        client.send(
          new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: q, AuthType: "NONE" }),
        ),
        error,
      );
      await expectLambdaError(
        client.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: q })),
        error,
      );
      await expectLambdaError(
        client.send(
          new UpdateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: q, AuthType: "NONE" }),
        ),
        error,
      );
      await expectLambdaError(
        client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name, Qualifier: q })),
        error,
      );
      await expectLambdaError(
        client.send(new GetFunctionUrlConfigCommand({ FunctionName: "does-not-exist", Qualifier: q })),
        error,
      );
    }
  });

  it("missing functions, aliases and configs get AWS's 404 texts (#84)", async () => {
    const missing = randomName("gone");
    const notFound = (message: string) => ({
      name: "ResourceNotFoundException",
      status: 404,
      message,
      type: "User",
    });
    await expectLambdaError(
      client.send(new CreateFunctionUrlConfigCommand({ FunctionName: missing, AuthType: "NONE" })),
      notFound(NO_FUNCTION),
    );
    await expectLambdaError(
      client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: missing, AuthType: "NONE" })),
      notFound(NO_FUNCTION),
    );
    await expectLambdaError(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: missing })),
      notFound(NO_RESOURCE),
    );
    await expectLambdaError(
      client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: missing })),
      notFound(NO_RESOURCE),
    );
    await expectLambdaError(
      client.send(new ListFunctionUrlConfigsCommand({ FunctionName: missing })),
      notFound(NO_FUNCTION),
    );

    const name = await newFunction();
    await expectLambdaError(
      client.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live", AuthType: "NONE" }),
      ),
      notFound(NO_FUNCTION),
    );
    await expectLambdaError(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: name })),
      notFound(NO_RESOURCE),
    );
    await expectLambdaError(
      client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" })),
      notFound(NO_RESOURCE),
    );
    await expectLambdaError(
      client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name })),
      notFound(NO_RESOURCE),
    );
  });

  it("validation: InvokeMode's enum (#86), AuthType required, the derived qualifier (#85)", async () => {
    const name = await newFunction();
    await expectLambdaError(
      client.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: name,
          AuthType: "NONE",
          InvokeMode: "UNKNOWN" as "BUFFERED",
        }),
      ),
      { name: "ValidationException", status: 400, message: BAD_INVOKE_MODE },
    );
    await expectLambdaError(
      client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name } as never)),
      {
        name: "ValidationException",
        status: 400,
        // INFERRED: the model's required-member text.
        message:
          "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
      },
    );
    await expectLambdaError(
      client.send(
        new GetFunctionUrlConfigCommand({ FunctionName: `${name}:live-doesnotmatch`, Qualifier: "live" }),
      ),
      { name: "InvalidParameterValueException", status: 400, message: QUALIFIER_MISMATCH, type: "User" },
    );
  });

  it("List pages the function's URLs; Delete removes one for good, a new one has another address (#87, #88)", async () => {
    const name = await newFunction();
    expect(
      (await client.send(new ListFunctionUrlConfigsCommand({ FunctionName: name }))).FunctionUrlConfigs,
    ).toEqual([]);
    const first = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    const listed = await client.send(new ListFunctionUrlConfigsCommand({ FunctionName: name, MaxItems: 1 }));
    expect(listed.NextMarker).toBeUndefined();
    expect(listed.FunctionUrlConfigs).toEqual([
      {
        FunctionUrl: first.FunctionUrl,
        FunctionArn: fnArn(name),
        AuthType: "NONE",
        CreationTime: first.CreationTime,
        LastModifiedTime: first.CreationTime,
        InvokeMode: "BUFFERED",
      },
    ]);
    const del = await client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectLambdaError(client.send(new GetFunctionUrlConfigCommand({ FunctionName: name })), {
      name: "ResourceNotFoundException",
      status: 404,
      message: NO_RESOURCE,
    });
    const gone = await callUrl(lamina, first.FunctionUrl ?? "", "");
    expect([gone.status, gone.body.toString()]).toEqual([403, '{"Message":null}']);
    const second = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    expect(second.FunctionUrl).not.toBe(first.FunctionUrl);
  });
});

describe("alias URLs (§11 #81, #87, #88)", () => {
  it("each alias has its own URL; List pages them all; Delete without Qualifier keeps the alias's", async () => {
    const name = await newFunction("alias");
    await client.send(new PublishVersionCommand({ FunctionName: name }));
    await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    const own = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    const live = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live", AuthType: "NONE" }),
    );
    expect(live.FunctionArn).toBe(fnArn(name, "live"));
    expect(live.FunctionUrl).not.toBe(own.FunctionUrl);
    await expectLambdaError(
      client.send(new CreateFunctionUrlConfigCommand({ FunctionName: `${name}:live`, AuthType: "NONE" })),
      { name: "ResourceConflictException", status: 409, message: exists(fnArn(name, "live")) },
    );

    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(
        new ListFunctionUrlConfigsCommand({ FunctionName: name, MaxItems: 1, Marker: marker }),
      );
      expect(page.FunctionUrlConfigs).toHaveLength(1);
      seen.push(page.FunctionUrlConfigs?.[0]?.FunctionArn ?? "");
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(seen.sort()).toEqual([fnArn(name), fnArn(name, "live")].sort());

    // The alias URL runs the alias's version, invoked under the alias's ARN, once the alias's own policy allows it.
    await allowPublic(name, "live");
    const served = await callUrl(lamina, live.FunctionUrl ?? "", "echo");
    expect(served.status).toBe(200);
    expect(served.headers["x-invoked-arn"]).toBe(fnArn(name, "live"));

    await client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    const still = await client.send(
      new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live" }),
    );
    expect(still.FunctionUrl).toBe(live.FunctionUrl);

    // Deleting the alias removes its URL.
    await client.send(new DeleteAliasCommand({ FunctionName: name, Name: "live" }));
    await expectLambdaError(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live" })),
      {
        name: "ResourceNotFoundException",
        status: 404,
        message: NO_RESOURCE,
      },
    );
    expect((await callUrl(lamina, live.FunctionUrl ?? "", "echo")).status).toBe(403);
  });
});

describe("serving a URL (§12)", () => {
  let name: string;
  let functionUrl: string;
  let urlId: string;

  beforeAll(async () => {
    name = await newFunction("serve");
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    await allowPublic(name);
    functionUrl = out.FunctionUrl ?? "";
    urlId = new URL(functionUrl).hostname.split(".")[0] ?? "";
  });

  it("the function sees the payload format 2.0 event (§12.4)", async () => {
    const answer = await callUrl(lamina, functionUrl, "some/pa%20th?a=1&a=2&b=x%2Fy", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "ExTrA-HeadErs": "With WeiRd CapS",
        cookie: ["c1=v1; c2=v2", "c3=v3"],
        "user-agent": "lamina-test/1",
      },
      body: '{"k":"v"}',
    });
    expect(answer.status).toBe(200);
    const requestId = answer.headers["x-amzn-requestid"];
    const event = JSON.parse(answer.body.toString()) as UrlEvent;
    expect(Object.keys(event)).toEqual([
      "version",
      "routeKey",
      "rawPath",
      "rawQueryString",
      "cookies",
      "headers",
      "queryStringParameters",
      "requestContext",
      "body",
      "isBase64Encoded",
    ]);
    const host = new URL(functionUrl).host;
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/some/pa%20th",
      rawQueryString: "a=1&a=2&b=x%2Fy",
      cookies: ["c1=v1", "c2=v2", "c3=v3"],
      queryStringParameters: { a: "1,2", b: "x/y" },
      body: '{"k":"v"}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      host,
      "content-type": "application/json",
      "extra-headers": "With WeiRd CapS",
      "user-agent": "lamina-test/1",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-port": String(lamina.port),
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers["x-amzn-trace-id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(Object.keys(event.requestContext)).toEqual([
      "accountId",
      "apiId",
      "domainName",
      "domainPrefix",
      "http",
      "requestId",
      "routeKey",
      "stage",
      "time",
      "timeEpoch",
    ]);
    expect(event.requestContext).toMatchObject({
      accountId: "anonymous",
      apiId: urlId,
      domainName: `${urlId}.lambda-url.${TEST_REGION}.localhost`,
      domainPrefix: urlId,
      http: {
        method: "POST",
        path: "/some/pa th",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "lamina-test/1",
      },
      requestId,
      routeKey: "$default",
      stage: "$default",
    });
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe("number");
  });

  it("a GET without query, cookies or body leaves those keys out; a binary body arrives base64 (§12.4)", async () => {
    const get = JSON.parse((await callUrl(lamina, functionUrl, "")).body.toString()) as UrlEvent;
    expect(Object.keys(get)).toEqual([
      "version",
      "routeKey",
      "rawPath",
      "rawQueryString",
      "headers",
      "requestContext",
      "isBase64Encoded",
    ]);
    expect([get.rawPath, get.rawQueryString, get.requestContext.http.path, get.isBase64Encoded]).toEqual([
      "/",
      "",
      "/",
      false,
    ]);

    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const bin = await callUrl(lamina, functionUrl, "bin", {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const event = JSON.parse(bin.body.toString()) as UrlEvent;
    expect([event.body, event.isBase64Encoded]).toEqual([bytes.toString("base64"), true]);
  });

  it("maps the function's answers to HTTP as AWS does (§12.5)", async () => {
    const text = async (path: string) => {
      const a = await callUrl(lamina, functionUrl, path);
      return [a.status, a.headers["content-type"], a.body.toString()];
    };
    expect(await text("string")).toEqual([200, "application/json", "hello"]);
    expect(await text("number")).toEqual([200, "application/json", "3.1"]);
    expect(await text("nostatus")).toEqual([200, "application/json", '{"hello":"world"}']);
    expect(await text("list")).toEqual([200, "application/json", '["hello",3,true]']);
    expect(await text("teapot")).toEqual([418, "application/json", "teapot"]);
    expect(await text("object-body")).toEqual([200, "application/json", '{"nested":[1,2]}']);

    const structured = await callUrl(lamina, functionUrl, "structured");
    expect(structured.status).toBe(201);
    expect(structured.headers["content-type"]).toBe("text/plain");
    expect(structured.headers["my-custom-header"]).toBe("Custom Value");
    // No CORS settings on this URL: the function's own CORS header passes.
    expect(structured.headers["access-control-allow-origin"]).toBe("*");
    expect(structured.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2"]);
    expect(structured.body.toString()).toBe("created");
    expect(structured.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);

    const b64 = await callUrl(lamina, functionUrl, "base64");
    expect([b64.status, b64.headers["content-type"]]).toEqual([200, "application/octet-stream"]);
    expect(b64.body).toEqual(Buffer.from([0, 1, 255, ...Buffer.from("bin")]));
  });

  it("an unhandled function error is a 502 Internal Server Error (§12.6)", async () => {
    const answer = await callUrl(lamina, functionUrl, "error");
    expect([answer.status, answer.body.toString()]).toEqual([502, FUNCTION_ERROR_BODY]);
  });

  it("an unknown url id is a 403 with a null message (§12.6)", async () => {
    const unknown = functionUrl.replace(urlId, "0".repeat(32));
    const answer = await callUrl(lamina, unknown, "");
    expect(answer.status).toBe(403);
    expect(answer.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.body.toString()).toBe('{"Message":null}');
  });

  it("the FunctionUrl itself answers: *.localhost resolves to loopback (curl) (§12.2)", async () => {
    const out = await curl([
      "-H",
      "content-type: text/plain",
      "--data-binary",
      "text",
      `${functionUrl}via/curl?x=1`,
    ]);
    const event = JSON.parse(out) as UrlEvent;
    expect(event.rawPath).toBe("/via/curl");
    expect(event.body).toBe("text");
    expect(event.headers.host).toBe(new URL(functionUrl).host);
    expect(await curl([`${functionUrl}string`])).toBe("hello");
  });
});

describe("CORS (§12.5)", () => {
  let functionUrl: string;
  const ORIGIN = "https://app.example";

  beforeAll(async () => {
    const name = await newFunction("cors");
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: name,
        AuthType: "NONE",
        Cors: {
          AllowOrigins: [ORIGIN],
          AllowMethods: ["GET", "POST"],
          AllowHeaders: ["x-custom"],
          ExposeHeaders: ["x-exposed"],
          MaxAge: 300,
          AllowCredentials: true,
        },
      }),
    );
    functionUrl = out.FunctionUrl ?? "";
    await allowPublic(name);
  });

  it("a preflight is answered by the URL with the configured settings", async () => {
    const answer = await callUrl(lamina, functionUrl, "structured", {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(0);
    expect(answer.headers).toMatchObject({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "x-custom",
      "access-control-max-age": "300",
    });
  });

  it("responses carry the configured headers for an allowed origin, over the function's own", async () => {
    const allowed = await callUrl(lamina, functionUrl, "structured", { headers: { origin: ORIGIN } });
    expect(allowed.status).toBe(201);
    expect(allowed.headers).toMatchObject({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-exposed",
      "my-custom-header": "Custom Value",
    });
    const other = await callUrl(lamina, functionUrl, "structured", {
      headers: { origin: "https://evil.example" },
    });
    expect(other.status).toBe(201);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("who the function policy lets call a URL (§12.3)", () => {
  /** The 403 a URL answers a caller its policy does not allow. */
  const expectForbidden = (answer: HttpAnswer) => {
    expect(answer.status).toBe(403);
    expect(answer.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.body.toString()).toBe(JSON.stringify({ Message: FORBIDDEN }));
  };

  it("NONE: 403 until the public InvokeFunctionUrl statement with FunctionUrlAuthType NONE; 403 again once removed", async () => {
    const name = await newFunction("none");
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    const url = out.FunctionUrl ?? "";
    expectForbidden(await callUrl(lamina, url, "string"));

    // Statements that do not make the URL public: another action, no FunctionUrlAuthType, the other AuthType,
    // an account instead of `*`.
    const near: { sid: string; action: string; principal: string; authType?: "NONE" | "AWS_IAM" }[] = [
      { sid: "invoke", action: "lambda:InvokeFunction", principal: "*" },
      { sid: "no-condition", action: "lambda:InvokeFunctionUrl", principal: "*" },
      { sid: "iam", action: "lambda:InvokeFunctionUrl", principal: "*", authType: "AWS_IAM" },
      { sid: "account", action: "lambda:InvokeFunctionUrl", principal: B, authType: "NONE" },
    ];
    for (const n of near) {
      await client.send(
        new AddPermissionCommand({
          FunctionName: name,
          StatementId: n.sid,
          Action: n.action,
          Principal: n.principal,
          FunctionUrlAuthType: n.authType,
        }),
      );
    }
    expectForbidden(await callUrl(lamina, url, "string"));

    await allowPublic(name);
    const served = await callUrl(lamina, url, "string");
    expect([served.status, served.body.toString()]).toEqual([200, "hello"]);

    await client.send(
      new RemovePermissionCommand({ FunctionName: name, StatementId: "FunctionURLAllowPublicAccess" }),
    );
    expectForbidden(await callUrl(lamina, url, "string"));
  });

  it("an alias URL follows the alias's policy, not the function's", async () => {
    const name = await newFunction("none-alias");
    await client.send(new PublishVersionCommand({ FunctionName: name }));
    await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    const live = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "live", AuthType: "NONE" }),
    );
    const url = live.FunctionUrl ?? "";
    await allowPublic(name);
    expectForbidden(await callUrl(lamina, url, "string"));
    await allowPublic(name, "live");
    expect((await callUrl(lamina, url, "string")).status).toBe(200);
  });

  it("AWS_IAM: the function's own account; another only with a statement granting it FunctionUrlAuthType AWS_IAM", async () => {
    const name = await newFunction("iam-policy");
    const out = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" }),
    );
    const url = out.FunctionUrl ?? "";
    const body = '{"from":"iam"}';
    const callAs = async (account: string) =>
      callUrl(lamina, url, "iam", {
        method: "POST",
        headers: await signUrlCall(url, "iam", body, { accessKeyId: account, secretAccessKey: "any" }),
        body,
      });

    const own = await callAs(A);
    expect(own.status).toBe(200);
    expectForbidden(await callAs(B));

    // Near misses for B: the NONE condition, no condition, InvokeFunction.
    await client.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: "b-none",
        Action: "lambda:InvokeFunctionUrl",
        Principal: B,
        FunctionUrlAuthType: "NONE",
      }),
    );
    await client.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: "b-plain",
        Action: "lambda:InvokeFunctionUrl",
        Principal: B,
      }),
    );
    await client.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: "b-invoke",
        Action: "lambda:InvokeFunction",
        Principal: B,
      }),
    );
    expectForbidden(await callAs(B));

    await client.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: "b-url",
        Action: "lambda:InvokeFunctionUrl",
        Principal: B,
        FunctionUrlAuthType: "AWS_IAM",
      }),
    );
    const other = await callAs(B);
    expect(other.status).toBe(200);
    const event = JSON.parse(other.body.toString()) as UrlEvent;
    expect(event.requestContext.accountId).toBe(B);
    expect(event.requestContext.authorizer?.iam).toMatchObject({ accountId: B });
    expectForbidden(await callAs(C));

    await client.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "b-url" }));
    expectForbidden(await callAs(B));
  });
});

describe("the aws CLI flow", () => {
  it("create-function-url-config, then a plain HTTP call to the URL it printed", async () => {
    const name = await newFunction("cli");
    const created = await runAws(
      ["lambda", "create-function-url-config", "--function-name", name, "--auth-type", "NONE"],
      { url: lamina.url, accountId: A },
    );
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout) as { FunctionUrl: string; FunctionArn: string };
    expect(out.FunctionArn).toBe(fnArn(name));
    // Created through the CLI, a NONE URL answers only once its caller adds the public permission (§12.3).
    const refused = await curl(["-i", `${out.FunctionUrl}hello`]);
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
    expect(refused.endsWith(JSON.stringify({ Message: FORBIDDEN }))).toBe(true);
    const permitted = await runAws(
      [
        "lambda",
        "add-permission",
        "--function-name",
        name,
        "--statement-id",
        "FunctionURLAllowPublicAccess",
        "--action",
        "lambda:InvokeFunctionUrl",
        "--principal",
        "*",
        "--function-url-auth-type",
        "NONE",
      ],
      { url: lamina.url, accountId: A },
    );
    expect(permitted.code, permitted.stderr).toBe(0);
    expect(JSON.parse((JSON.parse(permitted.stdout) as { Statement: string }).Statement)).toEqual({
      Sid: "FunctionURLAllowPublicAccess",
      Effect: "Allow",
      Principal: "*",
      Action: "lambda:InvokeFunctionUrl",
      Resource: fnArn(name),
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } },
    });
    const event = JSON.parse(await curl([`${out.FunctionUrl}hello?from=cli`])) as UrlEvent;
    expect([event.rawPath, event.queryStringParameters]).toEqual(["/hello", { from: "cli" }]);

    const got = await runAws(["lambda", "get-function-url-config", "--function-name", name], {
      url: lamina.url,
      accountId: A,
    });
    expect((JSON.parse(got.stdout) as { FunctionUrl: string }).FunctionUrl).toBe(out.FunctionUrl);
  });
});

describe("AWS_IAM URLs on a strict server (§12.3)", () => {
  const KEY = "AKIAIOSFODNN7EXAMPLE";
  const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  let strict: Lamina;
  let functionUrl: string;

  const sign = (secret: string, path: string, body: string) =>
    signUrlCall(functionUrl, path, body, { accessKeyId: KEY, secretAccessKey: secret });

  beforeAll(async () => {
    const file = join(tmpDir(), "credentials");
    writeFileSync(
      file,
      `# access-key-id,secret-access-key,account-id,user-name\n${KEY},${SECRET},${A},alice\n`,
    );
    strict = await startTestServer({ auth: "strict", credentials: file });
    const signedClient = new LambdaClient({
      endpoint: strict.url,
      region: TEST_REGION,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    const name = randomName("iam");
    await createFunction(signedClient, A, name, {
      runtime: "python3.12",
      handler: "url.handler",
      files: { "url.py": URL_PY },
    });
    const out = await signedClient.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" }),
    );
    functionUrl = out.FunctionUrl ?? "";
  });

  it("a request signed by a configured user is served, and the event names the signer", async () => {
    const body = '{"signed":true}';
    const answer = await callUrl(strict, functionUrl, "iam", {
      method: "POST",
      headers: await sign(SECRET, "iam", body),
      body,
    });
    expect(answer.status).toBe(200);
    const event = JSON.parse(answer.body.toString()) as UrlEvent;
    expect(event.requestContext.accountId).toBe(A);
    expect(event.requestContext.authorizer?.iam).toMatchObject({
      accessKey: KEY,
      accountId: A,
      userArn: `arn:aws:iam::${A}:user/alice`,
    });
    expect(event.body).toBe(body);
  });

  it("an unsigned request is refused with the URL's 403; a wrong secret with the signature error", async () => {
    const unsigned = await callUrl(strict, functionUrl, "iam", { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(JSON.parse(unsigned.body.toString())).toEqual({ Message: FORBIDDEN });

    const body = "{}";
    const wrong = await callUrl(strict, functionUrl, "iam", {
      method: "POST",
      headers: await sign("not-the-secret", "iam", body),
      body,
    });
    expect(wrong.status).toBe(403);
    expect(wrong.headers["x-amzn-errortype"]).toBe("InvalidSignatureException");
  });
});
