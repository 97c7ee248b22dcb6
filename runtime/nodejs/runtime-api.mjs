// lamina Node.js runtime: the HTTP client for the Lambda Runtime API (2018-06-01) at
// AWS_LAMBDA_RUNTIME_API.

import http from "node:http";
import { errorBody } from "./errors.mjs";

export const API_PREFIX = "/2018-06-01/runtime";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";

function parseRuntimeApi(value) {
  if (!value) {
    throw new Error("AWS_LAMBDA_RUNTIME_API is not set");
  }
  const url = new URL(`http://${value}`);
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port || 80) };
}

const api = parseRuntimeApi(process.env.AWS_LAMBDA_RUNTIME_API);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One request to the Runtime API; resolves with status, headers and the body as a string. */
export function apiRequest(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { hostname: api.hostname, port: api.port, method, path: urlPath, agent, headers },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

function headerValue(value, fallback) {
  const text = value === undefined || value === null ? fallback : String(value);
  return /^[\x20-\x7e]*$/.test(text) ? text : fallback;
}

export async function postJson(urlPath, bodyString, headers = {}) {
  const response = await apiRequest("POST", urlPath, bodyString, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(bodyString),
    ...headers,
  });
  if (response.status !== 202) {
    process.stderr.write(`lamina runtime: POST ${urlPath} answered ${response.status}: ${response.body}\n`);
  }
  return response;
}

export function postError(urlPath, error) {
  const body = errorBody(error);
  return postJson(urlPath, JSON.stringify(body), {
    [ERROR_TYPE_HEADER]: headerValue(body.errorType, "Runtime.Unknown"),
  });
}

export const invocationPath = (id, what) => `${API_PREFIX}/invocation/${encodeURIComponent(id)}/${what}`;

export async function nextInvocation() {
  const response = await apiRequest("GET", `${API_PREFIX}/invocation/next`);
  if (response.status !== 200) {
    throw new Error(`GET ${API_PREFIX}/invocation/next answered ${response.status}: ${response.body}`);
  }
  const invokeId = response.headers["lambda-runtime-aws-request-id"];
  if (!invokeId) {
    throw new Error("invocation id is missing or invalid");
  }
  return { invokeId, headers: response.headers, body: response.body };
}

/** Give up on the Runtime API (lamina has gone or answers nonsense): nothing more can be reported. */
export function fatal(error) {
  process.stderr.write(`lamina runtime: ${error?.stack ?? error}\n`);
  process.exit(1);
}
