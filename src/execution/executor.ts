/**
 * The only code that starts processes. Per function, a pool of execution environments: an idle one built for the
 * function's current configuration is reused (warm); otherwise a new one starts (cold), up to a concurrency
 * limit. Environments idle longer than the keep-alive are stopped; a changed or deleted function retires its old
 * ones. Layers and code come from the CodeCache, extracted once per CodeSha256.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { TooManyRequestsException } from "../errors.js";
import { functionArn, partitionOf, runtimeVersionArn } from "../arn.js";
import type { EventBus } from "../util/events.js";
import { DamagedBlobError } from "../storage/integrity.js";
import type { FunctionVersion } from "../storage/types.js";
import { debugLaunch, debugSettingOf, DebugPorts, DEBUG_DEADLINE_MS, INVALID_DEBUG_PORT } from "./debug.js";
import { Environment, type InvokeOutcome } from "./environment.js";
import { FolderGoneError, type CodeCache } from "./filesystem.js";
import { formatInvocationLog, type LogStore } from "./logs.js";
import { folderOf } from "../util/code-folder.js";
import type { FolderWatch } from "./folder-watch.js";
import { hostPathOf, type OptView } from "./opt-plan.js";
import { functionPaths, spawnPlan, type SandboxKind } from "./sandbox.js";
import { Launcher } from "./launcher.js";
import { runtimeClientDir, type RuntimeCatalog } from "./runtimes.js";

/** One invocation request, as the Invoke operation hands it over. */
export interface InvokeRequest {
  readonly requestId: string;
  readonly payload: Buffer;
  /** Client context JSON text, already decoded from base64. */
  readonly clientContext: string | undefined;
  /** The ARN the caller used (qualified when it named a qualifier). */
  readonly invokedFunctionArn: string;
}

/** An invocation's outcome with its formatted log. */
export interface InvokeResult extends InvokeOutcome {
  readonly log: string;
}

/** Runs functions. */
export interface Executor {
  invoke(fn: FunctionVersion, request: InvokeRequest): Promise<InvokeResult>;
  /** Stops the idle environments of one version of a function (it changed), or of all its versions (deleted). */
  retire(fn: FunctionIdentity & { readonly qualifier?: string }): void;
  /** Stops the environments still running an invocation, so each of those invokes answers now (shutdown). */
  stopInFlight(): void;
  close(): Promise<void>;
}

/** The code a function runs with is damaged on disk: its own code, or one of its layers (named by ARN). */
export class DamagedCodeError extends Error {
  constructor(
    readonly sha256Hex: string,
    readonly layerArn: string | undefined,
  ) {
    super(`damaged ${layerArn === undefined ? "function code" : `layer ${layerArn}`} (blob ${sha256Hex})`);
  }
}

/** The folder a function's code or one of its layers is served from is gone (it may come back). */
export class MissingFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly layerArn: string | undefined,
  ) {
    super(
      `missing folder ${folder} of ${layerArn === undefined ? "the function's code" : `layer ${layerArn}`}`,
    );
  }
}

/** What names a function's environments: account, region and name. */
export type FunctionIdentity = Pick<FunctionVersion, "accountId" | "region" | "name">;

/** The key of a function's pool of environments. */
export function functionKey(fn: FunctionIdentity): string {
  return `${fn.accountId}/${fn.region}/${fn.name}`;
}

/** The key of one version's pool: each version (and `$LATEST`) runs its own code and layers, so warms its own. */
function poolKey(fn: FunctionIdentity & { readonly qualifier: string }): string {
  return `${functionKey(fn)}:${fn.qualifier}`;
}

/** What the process executor needs. */
export interface ProcessExecutorOptions {
  readonly cache: CodeCache;
  readonly catalog: RuntimeCatalog;
  readonly sandbox: SandboxKind;
  readonly logs: LogStore;
  readonly log: Logger;
  /** Said in a function's log on each cold start when there is no sandbox: what that changes, and why. */
  readonly sandboxNotice?: string;
  /** Told of each invocation once its log is on disk (the explorer's live updates). */
  readonly events?: EventBus;
  /** Where environments without a sandbox get their private `/tmp`. */
  readonly scratchDir: string;
  readonly keepAliveMs: number;
  readonly maxConcurrency: number;
  /** lamina's own endpoint, given to functions as AWS_ENDPOINT_URL so SDK calls come back here. */
  readonly endpointUrl: () => string;
  /** Watches the folders of folder-backed code and layers; environments whose folders changed are not reused. */
  readonly folders?: FolderWatch;
}

/** AWS's text for a function at its concurrency limit (TooManyRequestsException, Reason below). */
export const CONCURRENCY_LIMIT = {
  message: "Rate Exceeded.",
  reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
};

interface Pool {
  readonly idle: Environment[];
  busy: number;
}

/** Runs functions as processes (optionally under bubblewrap). */
export class ProcessExecutor implements Executor {
  private readonly pools = new Map<string, Pool>();
  /** What each environment runs on, for its cold start's log lines. */
  private readonly launched = new WeakMap<
    Environment,
    { runtimeVersion: string; notices: string | undefined }
  >();
  /** Environments running an invocation right now. */
  private readonly running = new Set<Environment>();
  /** The cache trees each environment runs in, so the cache never removes them under it. */
  private readonly envTrees = new WeakMap<Environment, readonly string[]>();
  /** The host folders an environment runs from, with their change counts when it started. */
  private readonly envFolders = new WeakMap<
    Environment,
    { readonly folders: readonly string[]; readonly stamp: string }
  >();
  /** The pool each running environment belongs to. */
  private readonly poolOf = new WeakMap<Environment, string>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;
  /** Functions with LAMINA_DEBUG_PORT: one environment per port at a time (`debug.ts`). */
  private readonly debugPorts = new DebugPorts();
  private readonly launcher = new Launcher();

  constructor(private readonly opts: ProcessExecutorOptions) {
    this.reaper = setInterval(() => this.reap(), Math.min(30_000, opts.keepAliveMs)).unref();
    opts.folders?.onChange((folder, changed) => this.folderChanged(folder, changed));
  }

  async invoke(fn: FunctionVersion, request: InvokeRequest): Promise<InvokeResult> {
    const debug = debugSettingOf(fn.environment ?? {});
    if (debug.kind === "off") {
      return this.run(fn, request, false);
    }
    if (debug.kind === "invalid") {
      return this.refuseDebugPort(fn, request, debug.message);
    }
    const port = await this.debugPorts.acquire(debug.port, poolKey(fn));
    try {
      if (port.previousOwner !== undefined) {
        // Another version or function last had the port: its idle environment still listens there.
        this.retireKey(port.previousOwner);
      }
      return await this.run(fn, request, true);
    } finally {
      port.release();
    }
  }

  /** Runs one invocation in a warm or new environment; a debug environment runs without time-outs. */
  private async run(fn: FunctionVersion, request: InvokeRequest, debugging: boolean): Promise<InvokeResult> {
    const key = poolKey(fn);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { idle: [], busy: 0 };
      this.pools.set(key, pool);
    }
    let env: Environment | undefined;
    while ((env = pool.idle.pop())) {
      if (this.current(env, fn)) {
        break;
      }
      env.kill();
    }
    if (!env && pool.busy >= this.opts.maxConcurrency) {
      throw new TooManyRequestsException(CONCURRENCY_LIMIT.message, CONCURRENCY_LIMIT.reason);
    }
    pool.busy++;
    try {
      env ??= await this.start(fn, debugging);
      this.running.add(env);
      this.poolOf.set(env, key);
      const outcome = await env.invoke(
        {
          requestId: request.requestId,
          payload: request.payload,
          deadlineMs: Date.now() + (debugging ? DEBUG_DEADLINE_MS : fn.timeout * 1000),
          invokedFunctionArn: request.invokedFunctionArn,
          traceId: traceId(),
          clientContext: request.clientContext,
        },
        debugging ? Infinity : fn.timeout * 1000,
        fn.memorySize,
        debugging ? Infinity : undefined,
      );
      return this.record(fn, request, outcome, {
        runtimeVersion: this.launched.get(env)?.runtimeVersion,
        coldStartNotice: this.launched.get(env)?.notices,
      });
    } finally {
      if (env) {
        this.running.delete(env);
      }
      pool.busy--;
      if (env && !this.closed && this.current(env, fn)) {
        pool.idle.push(env);
      } else {
        env?.kill();
      }
    }
  }

  /** Whether an environment still runs this version as it is now: same revision, and no folder of it changed. */
  private current(env: Environment, fn: FunctionVersion): boolean {
    if (!env.alive || env.revisionId !== fn.revisionId) {
      return false;
    }
    const from = this.envFolders.get(env);
    return (
      from === undefined ||
      this.opts.folders === undefined ||
      this.opts.folders.stamp(from.folders) === from.stamp
    );
  }

  /** A folder changed: idle environments running from it stop at once, busy ones when their invoke ends. */
  private folderChanged(folder: string, changed: readonly string[]): void {
    this.opts.cache.forgetFolder(folder);
    const reloaded = new Set<string>();
    for (const [key, pool] of this.pools) {
      const envs = [...pool.idle, ...[...this.running].filter((e) => this.poolOf.get(e) === key)];
      if (envs.some((env) => this.envFolders.get(env)?.folders.includes(folder))) {
        reloaded.add(key);
        for (const env of pool.idle.splice(0)) {
          env.kill();
        }
      }
    }
    for (const key of reloaded) {
      this.opts.log.info(
        { function: key, folder, changed: changed.slice(0, 5) },
        `reload: ${key} runs again from ${folder} on its next invoke`,
      );
    }
  }

  /** Writes an invocation's log, tells the explorer, and returns the outcome with its log. */
  private record(
    fn: FunctionVersion,
    request: InvokeRequest,
    outcome: InvokeOutcome,
    launched: { runtimeVersion: string | undefined; coldStartNotice: string | undefined },
  ): InvokeResult {
    const key = poolKey(fn);
    const log = formatInvocationLog(outcome, {
      requestId: request.requestId,
      version: fn.qualifier,
      memorySizeMb: fn.memorySize,
      timeoutSeconds: fn.timeout,
      runtimeVersion: launched.runtimeVersion ?? `${fn.runtime ?? "provided"}.v1`,
      runtimeVersionArn: runtimeVersionArn(fn.region, fn.runtime ?? "provided"),
      coldStartNotice: launched.coldStartNotice,
    });
    this.opts.logs.append(fn.accountId, fn.region, fn.name, log);
    const events = this.opts.events;
    if (events) {
      // After the flush: a page that refetches on the event finds the invocation's lines in the file.
      const arn = functionArn({ ...fn, partition: partitionOf(fn.region) });
      void this.opts.logs.flush().then(() =>
        events.emit({
          kind: "invoked",
          arn,
          accountId: fn.accountId,
          region: fn.region,
          requestId: request.requestId,
          status: outcome.status,
          ...errorTypeOf(outcome),
        }),
      );
    }
    this.opts.log.debug({ function: key, requestId: request.requestId, log }, "invocation");
    return { ...outcome, log };
  }

  /** A LAMINA_DEBUG_PORT that is not a port: the invoke fails as a runtime error would, and no process starts. */
  private refuseDebugPort(fn: FunctionVersion, request: InvokeRequest, message: string): InvokeResult {
    const errorMessage = `RequestId: ${request.requestId} Error: ${message}`;
    const outcome: InvokeOutcome = {
      payload: Buffer.from(JSON.stringify({ errorMessage, errorType: INVALID_DEBUG_PORT })),
      functionError: true,
      output: `[ERROR] ${INVALID_DEBUG_PORT}: ${message}\n`,
      durationMs: 0,
      initDurationMs: undefined,
      initFailed: false,
      status: "error",
      errorType: INVALID_DEBUG_PORT,
      maxMemoryMb: 0,
    };
    return this.record(fn, request, outcome, { runtimeVersion: undefined, coldStartNotice: undefined });
  }

  /** The cache trees live environments (idle or running) run in. */
  liveTrees(): Set<string> {
    const live = new Set<string>();
    const envs = [...this.running, ...[...this.pools.values()].flatMap((p) => p.idle)];
    for (const env of envs) {
      for (const tree of env.alive ? (this.envTrees.get(env) ?? []) : []) {
        live.add(tree);
      }
    }
    return live;
  }

  /** Starts a new environment for the function's current configuration. */
  private async start(fn: FunctionVersion, debugging: boolean): Promise<Environment> {
    // Watched, and counted, before anything is read from them: a change from here on retires this environment.
    const folders = [fn.sha256Hex, ...fn.layers.map((l) => l.sha256Hex)]
      .map(folderOf)
      .filter((f) => f !== undefined);
    const watch = this.opts.folders;
    if (watch) {
      await Promise.all(folders.map((f) => watch.watch(f)));
    }
    const stamp = this.opts.folders?.stamp(folders) ?? "";
    const [task, opt, waited] = await this.trees(fn);
    const tmp = join(this.opts.scratchDir, randomBytes(8).toString("hex"));
    if (this.opts.sandbox === "none") {
      await mkdir(tmp, { recursive: true });
    }
    const host = { task, opt, tmp };
    const runtime = fn.runtime ?? "provided.al2023";
    const paths = functionPaths(this.opts.sandbox, host, runtimeClientDir(runtime));
    const found = await this.opts.catalog.launch(runtime, {
      ...paths,
      hostTask: task,
      hostOpt: (relative) => hostPathOf(opt, relative),
    });
    const launch = debugging ? debugLaunch(found) : found;
    if (debugging) {
      this.opts.log.info(
        { function: poolKey(fn), port: fn.environment?.LAMINA_DEBUG_PORT },
        "starting a debug environment: it waits for a debugger to attach, without time-outs",
      );
    }
    const notices = [
      waited,
      this.opts.sandboxNotice,
      launch.runsOn.warning,
      architectureWarning(fn.architectures),
    ]
      .filter((n) => n !== undefined)
      .join("\n");
    const { accountId, region, name } = fn;
    const env = new Environment(
      {
        plan: (runtimeApi) =>
          spawnPlan(this.opts.sandbox, host, launch, {
            ...lambdaVariables(fn, runtime, paths, runtimeApi, this.opts.endpointUrl()),
            ...launch.env,
            ...fn.environment,
          }),
        launch: (plan) => this.launcher.start(plan),
        onIdleOutput: (text) => this.opts.logs.append(accountId, region, name, text),
        onRefused: (count, pid) =>
          this.opts.log.warn(
            { function: `${accountId}:${region}:${name}`, refused: count, pid },
            "closed connections to a Runtime API from processes outside its environment",
          ),
      },
      fn.revisionId,
    );
    this.envTrees.set(env, [task, ...(opt.kind === "tree" ? [opt.dir] : opt.trees)]);
    if (folders.length > 0) {
      this.envFolders.set(env, { folders, stamp });
    }
    await env.start();
    this.launched.set(env, { runtimeVersion: launch.runsOn.runtimeVersion, notices: notices || undefined });
    return env;
  }

  /**
   * The function's code and merged `/opt`. Each zip is unpacked (and checked) on its own first, so a damaged one
   * is reported as the function's code or as the layer it is, by ARN. When they were not ready (still being
   * unpacked since the upload, or never), the third member is the notice saying how long this cold start waited.
   */
  private async trees(fn: FunctionVersion): Promise<[string, OptView, string | undefined]> {
    const cache = this.opts.cache;
    const layerShas = fn.layers.map((l) => l.sha256Hex);
    const codePending = !cache.isReady(fn.sha256Hex);
    const layersPending = !cache.isOptReady(layerShas);
    const started = performance.now();
    const named = (sha256Hex: string, layerArn?: string) =>
      cache.extracted(sha256Hex).catch((err: unknown) => {
        if (err instanceof FolderGoneError) {
          throw new MissingFolderError(err.folder, layerArn);
        }
        throw err instanceof DamagedBlobError ? new DamagedCodeError(sha256Hex, layerArn) : err;
      });
    const [task] = await Promise.all([
      named(fn.sha256Hex),
      ...fn.layers.map((layer) => named(layer.sha256Hex, layer.arn)),
    ]);
    const opt = await cache.opt(layerShas);
    if (!codePending && !layersPending) {
      return [task, opt, undefined];
    }
    const waitedMs = Math.round(performance.now() - started);
    const what = codePending && layersPending ? "code and layers" : codePending ? "code" : "layers";
    this.opts.log.debug(
      { function: functionKey(fn), waitedMs, waitedFor: what },
      `waited for ${what} to be unpacked`,
    );
    return [task, opt, `LAMINA_NOTICE waited ${waitedMs} ms for ${what} to be unpacked`];
  }

  retire(fn: FunctionIdentity & { readonly qualifier?: string }): void {
    if (fn.qualifier !== undefined) {
      this.retireKey(poolKey({ ...fn, qualifier: fn.qualifier }));
      return;
    }
    // Names cannot contain ':', so this prefix is the function's pools and no other's.
    const prefix = `${functionKey(fn)}:`;
    for (const key of this.pools.keys()) {
      if (key.startsWith(prefix)) {
        this.retireKey(key);
      }
    }
  }

  private retireKey(key: string): void {
    const pool = this.pools.get(key);
    for (const env of pool?.idle.splice(0) ?? []) {
      env.kill();
    }
  }

  stopInFlight(): void {
    this.debugPorts.abandon();
    for (const env of this.running) {
      env.kill();
    }
  }

  private reap(): void {
    const cutoff = Date.now() - this.opts.keepAliveMs;
    for (const pool of this.pools.values()) {
      const keep = pool.idle.filter((env) => env.alive && env.lastUsed >= cutoff);
      for (const env of pool.idle) {
        if (!keep.includes(env)) {
          env.kill();
        }
      }
      pool.idle.splice(0, pool.idle.length, ...keep);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.launcher.close();
    clearInterval(this.reaper);
    for (const key of this.pools.keys()) {
      this.retireKey(key);
    }
    await this.opts.logs.close();
    await this.opts.folders?.close();
    await this.opts.catalog.close();
    if (this.opts.sandbox === "none") {
      await rm(this.opts.scratchDir, { recursive: true, force: true });
    }
  }
}

/** Lambda runs arm64 functions on Graviton; here they run on this machine's processor, and the log says so. */
function architectureWarning(architectures: readonly string[]): string | undefined {
  const declared = architectures[0] ?? "x86_64";
  const here = process.arch === "arm64" ? "arm64" : process.arch === "x64" ? "x86_64" : process.arch;
  return declared === here
    ? undefined
    : `LAMINA_WARNING this function's architecture is ${declared}; this machine is ${here}, so it runs as ${here}.`;
}

/** `Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;Sampled=0`, an X-Ray trace id as Lambda passes it. */
/** Random bytes for trace ids, drawn 4 KB at a time: a getrandom call per invoke showed in profiles. */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function randomHex(bytes: number): string {
  if (randomAt + bytes > randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  randomAt += bytes;
  return randomPool.toString("hex", randomAt - bytes, randomAt);
}

function traceId(): string {
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, "0");
  return `Root=1-${time}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
}

/** The variables Lambda sets in every environment (§A2), before the runtime's and the function's own. */
function lambdaVariables(
  fn: FunctionVersion,
  runtime: string,
  paths: { task: string; opt: string; runtime: string; tmp: string },
  runtimeApi: string,
  endpointUrl: string,
): Record<string, string> {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
  const sandboxed = paths.task === "/var/task";
  return {
    PATH: sandboxed
      ? "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
      : `${process.env.PATH ?? "/usr/bin:/bin"}:${paths.opt}/bin`,
    LD_LIBRARY_PATH: [
      "/var/lang/lib:/lib64:/usr/lib64",
      paths.runtime,
      `${paths.runtime}/lib`,
      paths.task,
      `${paths.task}/lib`,
      `${paths.opt}/lib`,
    ].join(":"),
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    TMPDIR: paths.tmp,
    _HANDLER: fn.handler ?? "",
    LAMBDA_TASK_ROOT: paths.task,
    LAMBDA_RUNTIME_DIR: paths.runtime,
    LAMINA_OPT_DIR: paths.opt,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: fn.qualifier,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[${fn.qualifier}]${randomBytes(16).toString("hex")}`,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    // The function acts as its own account when it calls AWS APIs, and those calls reach this lamina.
    AWS_ACCESS_KEY_ID: fn.accountId,
    AWS_SECRET_ACCESS_KEY: "lamina",
    AWS_ENDPOINT_URL: endpointUrl,
    ...(runtime.startsWith("provided") ? {} : { AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR" }),
  };
}

/** The error type an invocation failed with: the handler's (from the error payload), else the runtime's. */
function errorTypeOf(outcome: InvokeOutcome): { errorType?: string } {
  if (outcome.functionError) {
    try {
      const body = JSON.parse(outcome.payload.toString("utf8")) as { errorType?: unknown };
      if (typeof body.errorType === "string") {
        return { errorType: body.errorType };
      }
    } catch {
      // Not JSON: fall back to the runtime's type.
    }
  }
  return outcome.errorType === undefined ? {} : { errorType: outcome.errorType };
}
