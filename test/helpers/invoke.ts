/** Creating functions and layers from in-memory files, invoking them through the SDK, and reading their logs. */
import {
  CreateFunctionCommand,
  InvokeCommand,
  PublishLayerVersionCommand,
  type InvokeCommandInput,
  type LambdaClient,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Lamina } from "../../src/index.js";
import { TEST_REGION } from "./clients.js";
import { makeZip } from "./zip.js";

/** Files of a zip (path → content) and the unix modes of those that need one (executables). */
export interface ZipSpec {
  readonly files: Readonly<Record<string, string | Buffer>>;
  readonly modes?: Readonly<Record<string, number>>;
}

/** What a test function is made of. */
export interface FunctionSpec extends ZipSpec {
  readonly runtime: Runtime;
  readonly handler: string;
  readonly layers?: readonly string[];
  readonly timeout?: number;
  readonly environment?: Record<string, string>;
  readonly architectures?: readonly ("x86_64" | "arm64")[];
}

/** Creates a function owned by `accountId` (its role is a placeholder the server only pattern-checks). */
export async function createFunction(
  client: LambdaClient,
  accountId: string,
  name: string,
  spec: FunctionSpec,
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: spec.runtime,
      Handler: spec.handler,
      Role: `arn:aws:iam::${accountId}:role/lambda-role`,
      Code: { ZipFile: await makeZip(spec.files, true, spec.modes) },
      ...(spec.layers && { Layers: [...spec.layers] }),
      ...(spec.timeout !== undefined && { Timeout: spec.timeout }),
      ...(spec.environment && { Environment: { Variables: spec.environment } }),
      ...(spec.architectures && { Architectures: [...spec.architectures] }),
    }),
  );
}

/** Publishes a layer version; returns its LayerVersionArn. */
export async function publishLayer(client: LambdaClient, name: string, spec: ZipSpec): Promise<string> {
  const out = await client.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Content: { ZipFile: await makeZip(spec.files, true, spec.modes) },
    }),
  );
  return out.LayerVersionArn ?? "";
}

/** An Invoke answer with the parts tests assert on. */
export interface Invoked {
  readonly status: number | undefined;
  readonly functionError: string | undefined;
  /** The response body as text ("" when there is none). */
  readonly payload: string;
  /** `LogResult` decoded from base64, when a tail was asked for. */
  readonly log: string | undefined;
  readonly executedVersion: string | undefined;
  /** `x-amzn-RequestId`, which is also the invocation's id. */
  readonly requestId: string | undefined;
}

/** Invokes `name` with `event` as its JSON payload (or raw bytes when a Buffer). */
export async function invoke(
  client: LambdaClient,
  name: string,
  event?: unknown,
  input: Partial<InvokeCommandInput> = {},
): Promise<Invoked> {
  const payload =
    event === undefined ? undefined : Buffer.isBuffer(event) ? event : Buffer.from(JSON.stringify(event));
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: payload, ...input }));
  return {
    status: out.StatusCode,
    functionError: out.FunctionError,
    payload: out.Payload ? Buffer.from(out.Payload).toString("utf8") : "",
    log: out.LogResult === undefined ? undefined : Buffer.from(out.LogResult, "base64").toString("utf8"),
    executedVersion: out.ExecutedVersion,
    requestId: out.$metadata.requestId,
  };
}

/** Where lamina appends a function's log: `<dataDir>/logs/<account>/<region>/<name>.log`. */
export function functionLogPath(
  lamina: Lamina,
  accountId: string,
  name: string,
  region = TEST_REGION,
): string {
  return join(lamina.config.dataDir, "logs", accountId, region, `${name}.log`);
}

/** The function's log file so far ("" before it exists). */
export function readFunctionLog(lamina: Lamina, accountId: string, name: string): string {
  const file = functionLogPath(lamina, accountId, name);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Polls until `predicate` holds or `timeoutMs` passes; returns the last value seen. */
export async function pollFor<T>(
  read: () => T,
  predicate: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = read();
  while (!predicate(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

/** Polls an async read until `predicate` holds or `timeoutMs` passes; returns the last value seen. */
export async function pollForAsync<T>(
  read: () => Promise<T>,
  predicate: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!predicate(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

/** The 1-based line number of the first line of `source` containing `text` (for expected stack frames). */
export function lineOf(source: string, text: string): number {
  const index = source.split("\n").findIndex((line) => line.includes(text));
  if (index < 0) {
    throw new Error(`no line contains ${JSON.stringify(text)}`);
  }
  return index + 1;
}
