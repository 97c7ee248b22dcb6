/** The HTTP layer: routing, the error serializer, identity defaults, body limits. Raw requests, exact bytes. */
import { ListLayersCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { lambdaClient } from "../helpers/clients.js";
import { rawRequest } from "../helpers/raw.js";
import { startTestServer } from "../helpers/server.js";
import { codeSha256, makeZip } from "../helpers/zip.js";

const PACKAGE_VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lamina = await startTestServer({ region: "ap-south-1" });

describe("lamina endpoints", () => {
  it("GET /_lamina/health answers ok and the version", async () => {
    const res = await fetch(`${lamina.url}/_lamina/health`);
    expect([res.status, await res.json()]).toEqual([200, { status: "ok", version: PACKAGE_VERSION }]);
  });
});

describe("routing", () => {
  it("answers unknown paths with UnknownOperationException", async () => {
    const res = await rawRequest(lamina.url, "GET", "/2015-03-31/nothing-here");
    expect([res.status, res.errorType, JSON.parse(res.body)]).toEqual([
      404,
      "UnknownOperationException",
      { message: "No operation matches GET /2015-03-31/nothing-here" },
    ]);
    expect(res.requestId).toMatch(UUID_RE);
  });

  it("answers operations not built yet with 501 naming the operation", async () => {
    const res = await rawRequest(lamina.url, "GET", "/2020-04-22/code-signing-configs");
    expect([res.status, res.errorType, JSON.parse(res.body)]).toEqual([
      501,
      "NotImplementedException",
      { message: "lamina does not implement the ListCodeSigningConfigs operation yet." },
    ]);
  });
});

describe("bodies", () => {
  const publishPath = "/2018-10-31/layers/raw-layer/versions";

  it("refuses malformed JSON with InvalidRequestContentException", async () => {
    const res = await rawRequest(lamina.url, "POST", publishPath, { body: "{not json" });
    expect([res.status, res.errorType]).toEqual([400, "InvalidRequestContentException"]);
    const body = JSON.parse(res.body) as Record<string, string>;
    expect(body.Type).toBe("User");
    expect(body.message?.startsWith("Could not parse request body into json: ")).toBe(true);
  });

  it("refuses members of the wrong type and blobs that are not base64", async () => {
    for (const [body, message] of [
      [
        { Content: { ZipFile: "x" }, Description: 5 },
        "Could not parse request body into json: Could not parse payload into json: Description must be a string",
      ],
      [
        { Content: { ZipFile: "!!!notbase64" } },
        "Could not parse request body into json: Could not parse payload into json: ZipFile is not valid base64",
      ],
      [[1, 2], "Could not parse request body into json: the body must be a JSON object"],
      [
        { Content: { ZipFile: "ŁŁŁŁ" } },
        "Could not parse request body into json: Could not parse payload into json: ZipFile is not valid base64",
      ],
    ] as const) {
      const res = await rawRequest(lamina.url, "POST", publishPath, { body: JSON.stringify(body) });
      expect([res.status, res.errorType, JSON.parse(res.body)]).toEqual([
        400,
        "InvalidRequestContentException",
        { Type: "User", message },
      ]);
    }
  });

  it("reads large uploads exactly, whatever else the body holds", async () => {
    const big = await makeZip({ "big.bin": randomBytes(400 * 1024) }, false);
    const b64 = big.toString("base64");
    const bodies = [
      JSON.stringify({ Content: { ZipFile: b64 } }),
      // The key's text inside another member must not fool the reader.
      JSON.stringify({ Description: '"ZipFile":"AAAA"', Content: { ZipFile: b64 } }),
      `{ "Content" : { "ZipFile" :\n "${b64}" }, "LicenseInfo": "MIT" }`,
      // An escaped slash is still valid JSON for the same bytes.
      JSON.stringify({ Content: { ZipFile: b64 } }).replaceAll("/", "\\/"),
    ];
    for (const body of bodies) {
      const res = await rawRequest(lamina.url, "POST", "/2018-10-31/layers/big-raw/versions", { body });
      expect(res.status).toBe(201);
      const out = JSON.parse(res.body) as { Content: { CodeSha256: string; CodeSize: number } };
      expect(out.Content).toMatchObject({ CodeSha256: codeSha256(big), CodeSize: big.length });
    }
    const broken = JSON.stringify({ Content: { ZipFile: `${b64.slice(0, -8)}!!!!====` } });
    const res = await rawRequest(lamina.url, "POST", "/2018-10-31/layers/big-raw/versions", { body: broken });
    expect([res.status, res.errorType, JSON.parse(res.body)]).toEqual([
      400,
      "InvalidRequestContentException",
      {
        Type: "User",
        message:
          "Could not parse request body into json: Could not parse payload into json: ZipFile is not valid base64",
      },
    ]);
  });

  it("refuses a body declared above 70167211 bytes before reading it, and keeps serving (§3 #13)", async () => {
    const { port } = lamina;
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          `POST ${publishPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 80000000\r\n\r\n{"Content":`,
        );
      });
      let data = "";
      socket.on("data", (d: Buffer) => (data += d.toString()));
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    expect(response.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(response).toMatch(/x-amzn-ErrorType: RequestEntityTooLargeException/i);
    expect(
      response.endsWith(
        '{"message":"Request must be smaller than 70167211 bytes for the PublishLayerVersion operation"}',
      ),
    ).toBe(true);
    const health = await fetch(`${lamina.url}/_lamina/health`);
    expect(health.status).toBe(200);
  });
});

describe("identity", () => {
  it("puts unsigned requests in account 000000000000 and the --region", async () => {
    const zip = await makeZip({ "a.txt": "a" });
    const res = await rawRequest(lamina.url, "POST", "/2018-10-31/layers/unsigned/versions", {
      body: JSON.stringify({ Content: { ZipFile: zip.toString("base64") } }),
    });
    expect(res.status).toBe(201);
    expect((JSON.parse(res.body) as { LayerVersionArn: string }).LayerVersionArn).toBe(
      "arn:aws:lambda:ap-south-1:000000000000:layer:unsigned:1",
    );
  });

  it("keys everything by the signing account and region", async () => {
    const zip = await makeZip({ "a.txt": "a" });
    const a = lambdaClient(lamina.url, "100000000001", "eu-west-3");
    const b = lambdaClient(lamina.url, "100000000002", "eu-west-3");
    const out = await a.send(
      new PublishLayerVersionCommand({ LayerName: "keyed", Content: { ZipFile: zip } }),
    );
    expect(out.LayerVersionArn).toBe("arn:aws:lambda:eu-west-3:100000000001:layer:keyed:1");
    expect((await b.send(new ListLayersCommand({}))).Layers).toEqual([]);
    const nonNumeric = lambdaClient(lamina.url, "AKIAIOSFODNN7EXAMPLE", "eu-west-3");
    const other = await nonNumeric.send(
      new PublishLayerVersionCommand({ LayerName: "keyed", Content: { ZipFile: zip } }),
    );
    expect(other.LayerVersionArn).toBe("arn:aws:lambda:eu-west-3:000000000000:layer:keyed:1");
  });
});
