/**
 * Assembles lamina: opens storage, builds the services and the HTTP server, and closes it all cleanly.
 * This is the library entry (`startLamina`) tests and `lamina serve` both use.
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { loadConfig, type Config, type ConfigInput } from "./config.js";
import { FunctionService } from "./domain/functions/service.js";
import { buildHandlers } from "./protocols/lambda/handlers.js";
import { ProcessExecutor, type Executor } from "./execution/executor.js";
import { CacheKeeper } from "./execution/cache-keeper.js";
import { CodeCache } from "./execution/filesystem.js";
import { FolderWatch } from "./execution/folder-watch.js";
import { LogStore } from "./execution/logs.js";
import { RuntimeCatalog } from "./execution/runtimes.js";
import { NO_SANDBOX_EFFECTS, noSandboxReason, probeBwrap, type SandboxKind } from "./execution/sandbox.js";
import { AsyncInvokeQueue } from "./domain/invoke/async-queue.js";
import { ConcurrencyGate } from "./domain/invoke/concurrency-gate.js";
import { Invoker } from "./domain/invoke/invoker.js";
import { FunctionUrlService } from "./domain/urls/configs.js";
import { FunctionUrlServer } from "./domain/urls/serve.js";
import { functionUrlAdapter } from "./protocols/function-url/adapter.js";
import { ConcurrencyService } from "./domain/functions/concurrency.js";
import { EventInvokeConfigService } from "./domain/functions/event-invoke-configs.js";
import { ReadOnlyConfigs } from "./domain/functions/read-only-configs.js";
import { TagService } from "./domain/functions/tags.js";
import { failLambda, lambdaAdapter } from "./protocols/lambda/adapter.js";
import { codeLocations, laminaAdapter } from "./protocols/lamina/internal.js";
import { createListener } from "./protocols/listener.js";
import { organizationsAdapter } from "./protocols/organizations/adapter.js";
import { stsAdapter } from "./protocols/sts/adapter.js";
import { Router } from "./protocols/lambda/router.js";
import { LayerPermissionService } from "./domain/layers/permissions.js";
import { FunctionPermissionService } from "./domain/functions/permissions.js";
import {
  CombinedOrganizations,
  StaticOrganizations,
  type OrganizationDirectory,
} from "./identity/organizations.js";
import { LenientAuthenticator, StrictAuthenticator, type Authenticator } from "./identity/authenticator.js";
import { loadCredentials } from "./identity/credentials.js";
import { loadSigningKey, UrlSigner } from "./identity/url-signing.js";
import { BlobIntegrity } from "./storage/integrity.js";
import { RecentUploads } from "./storage/recent-uploads.js";
import { OrganizationsService } from "./domain/organizations/service.js";
import { StsService } from "./identity/sts.js";
import { LayerService } from "./domain/layers/service.js";
import { VendorLayers } from "./domain/layers/vendor.js";
import { applyLayerSources } from "./domain/layers/layer-sources.js";
import { createLogger, wantsPretty } from "./log.js";
import { lockDataDir, lockInstanceDir, type InstanceLock } from "./storage/instance-lock.js";
import { startBanner } from "./banner.js";
import { openBackend } from "./storage/backends.js";
import { CodeStore } from "./storage/code.js";
import { S3ObjectReader } from "./storage/s3-code/reader.js";
import { S3CodeFetcher } from "./domain/code-source.js";
import { systemClock, type Clock } from "./util/clock.js";
import { EventBus } from "./util/events.js";
import { ExplorerService } from "./domain/explorer/service.js";
import { uiAdapter } from "./protocols/ui/adapter.js";
import { EventStreams } from "./protocols/ui/sse.js";
import { VERSION } from "./util/version.js";

export { VERSION };

/** Options of `startLamina`: the configuration plus what tests may inject. */
export interface StartOptions extends ConfigInput {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly organizationDirectory?: OrganizationDirectory;
  /** false serves blobs without checking their SHA-256: a private switch for the bench's floor row. */
  readonly verifyServedBlobs?: boolean;
  /**
   * Milliseconds before the first and second retry of a failed Event invocation (AWS: about one and two minutes):
   * a private switch so tests need not wait minutes.
   */
  readonly eventRetryDelaysMs?: readonly number[];
}

/** A running lamina. */
export interface Lamina {
  /** `http://host:port`, the endpoint to give the AWS SDK or CLI. */
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/** Starts a lamina server. */
export async function startLamina(options: StartOptions = {}): Promise<Lamina> {
  const config = loadConfig(options);
  // Read before anything is opened, so a bad credentials file fails the start cleanly.
  const configuredKeys = config.auth === "strict" ? loadCredentials(config.credentials ?? "") : undefined;
  const log = options.logger ?? (await createLogger(config.logLevel, config.logFormat));
  mkdirSync(config.dataDir, { recursive: true });
  // Before anything in the data dir is opened: a second lamina on it must stop here, touching nothing. A team
  // process (database and bucket shared) keeps only caches here, so it takes a free instance slot instead.
  const what = `lamina ${VERSION}`;
  const { dir, lock } =
    config.databaseUrl !== undefined && config.blobStore !== undefined
      ? lockInstanceDir(config.dataDir, what)
      : { dir: config.dataDir, lock: lockDataDir(config.dataDir, what) };
  try {
    return await assemble({ ...config, dataDir: dir }, configuredKeys, log, lock, options);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Everything after the data dir is ours: storage, services, adapters and the listening server. */
async function assemble(
  config: Config,
  configuredKeys: ReturnType<typeof loadCredentials> | undefined,
  log: Logger,
  lock: InstanceLock,
  options: StartOptions,
): Promise<Lamina> {
  const backend = await openBackend(config);
  const { storage, blobs } = backend;
  // Zips just uploaded go from the request to the unpacking without a second read and hash (recent-uploads.ts).
  const recentUploads = new RecentUploads();
  const code = new CodeStore(storage, blobs, recentUploads);
  const integrity = new BlobIntegrity(
    blobs,
    (sha) => log.error({ blob: sha }, `blob ${sha} is damaged: its bytes no longer match their SHA-256`),
    options.verifyServedBlobs ?? true,
    recentUploads,
  );
  const swept = await code.sweepAtStartup();
  if (swept.tempFiles + swept.orphans > 0) {
    log.info(swept, "removed unreferenced files left by an earlier run");
  }

  const clock = options.clock ?? systemClock;
  // Grants see configured organizations and API-created ones alike, read at the moment of each check.
  const organizations =
    options.organizationDirectory ??
    new CombinedOrganizations([new StaticOrganizations(config.organizations), storage.organizations]);
  const auth: Authenticator = configuredKeys
    ? new StrictAuthenticator(configuredKeys, storage.credentials, clock)
    : new LenientAuthenticator(config.region, storage.credentials);
  // Changes the services and the executor announce; the explorer's event streams listen.
  const bus = new EventBus();
  // Code named by S3Bucket/S3Key: read from --s3-endpoint (AWS's S3 when unset), the S3 client loaded on first use.
  const s3Objects = new S3ObjectReader(config.s3Endpoint);
  const s3Code = new S3CodeFetcher(s3Objects, config.hotReloadBucket);
  const layers = new LayerService(storage, code, s3Code, organizations, clock, bus);
  const vendor = new VendorLayers(storage, code, clock, bus);
  try {
    for (const applied of await applyLayerSources(vendor, config.layerSources)) {
      log.info(applied, `layer source ${applied.arn} from ${applied.path}: ${applied.outcome}`);
    }
  } catch (err) {
    s3Objects.close();
    await backend.close();
    throw err;
  }
  let endpointUrl = "";
  const { executor, sandbox, cache } = await createExecutor(config, integrity, log, () => endpointUrl, bus);
  // After the blob sweep: cache entries of blobs that sweep removed are swept here too.
  const keeper = new CacheKeeper(cache, storage.code, log, bus);
  await keeper.start();
  // Team processes share one key (kept in the database), so a URL one hands out is honoured by the others.
  const signer = configuredKeys
    ? new UrlSigner((await backend.sharedSigningKey()) ?? loadSigningKey(config.dataDir), clock)
    : undefined;
  const functions = new FunctionService(
    storage,
    code,
    s3Code,
    layers,
    clock,
    config.runtimePolicy,
    (fn) => executor.retire(fn),
    bus,
  );
  const streams = new EventStreams(bus);
  const explorer = new ExplorerService({
    storage,
    blobs,
    organizations,
    organizationOf: async (accountId) =>
      Object.entries(config.organizations).find(([, members]) => members.includes(accountId))?.[0] ??
      (await storage.organizations.organizationOf(accountId))?.id,
    organizationMembers: async (organizationId) => [
      ...(config.organizations[organizationId] ?? []),
      ...(await storage.organizations.listAccounts(organizationId, 0, 10_000)).map((a) => a.accountId),
    ],
    logsRoot: join(config.dataDir, "logs"),
    events: bus,
  });
  const events = new AsyncInvokeQueue(log, { retryDelaysMs: options.eventRetryDelaysMs }, () =>
    clock().getTime(),
  );
  // A new reservation retires the function's idle environments, so no more than it are kept.
  const concurrency = new ConcurrencyService(storage, (fn) => executor.retire(fn));
  // Invoke and function URLs run functions through this one path (reserved concurrency, executor).
  const invoker = new Invoker(executor, concurrency, new ConcurrencyGate());
  // Function policies let other accounts in, through the API and through function URLs alike.
  const permissions = new FunctionPermissionService(storage, organizations);
  const handlers = buildHandlers({
    layers,
    layerPermissions: new LayerPermissionService(storage, layers),
    functions,
    invoker,
    events,
    tags: new TagService(storage, bus),
    concurrency,
    eventConfigs: new EventInvokeConfigService(storage, clock),
    readOnlyConfigs: new ReadOnlyConfigs(storage),
    functionUrls: new FunctionUrlService(storage, clock),
    // Function URLs are handed out on the scheme and port clients reach lamina at.
    endpoint: () => config.publicUrl ?? endpointUrl,
    permissions,
  });

  const locate = codeLocations(signer);
  // One adapter per wire protocol; Lambda's REST-JSON owns every request the others do not claim.
  const app = createListener({
    adapters: [
      // First: a request to a function URL host is the function's, whatever its path.
      functionUrlAdapter({ server: new FunctionUrlServer(storage, invoker, permissions, auth, clock) }),
      // Before laminaAdapter, which owns the rest of /_lamina/.
      uiAdapter({ explorer, streams, auth: config.auth, adminToken: config.adminToken, version: VERSION }),
      laminaAdapter({
        version: VERSION,
        blobs: integrity,
        signer,
        unavailable: () => backend.unavailable(),
        vendor,
        auth: config.auth,
        adminToken: config.adminToken,
      }),
      organizationsAdapter({ auth, organizations: new OrganizationsService(storage, clock), log }),
      stsAdapter({ auth, sts: new StsService(storage, clock), log }),
    ],
    fallback: lambdaAdapter({
      router: new Router(),
      handlers,
      auth,
      log,
      // Behind a load balancer the Host a request came with is not where clients should come back to.
      codeLocation:
        config.publicUrl === undefined ? locate : (_base, sha) => locate(config.publicUrl ?? "", sha),
    }),
    fail: (res, err, requestId) => failLambda(log, res, err, requestId),
    log,
  });
  const server = createServer(
    {
      keepAlive: true,
      noDelay: true,
      // Slow clients must not hold a connection forever (AWS's front door closes them too).
      headersTimeout: 20_000,
      requestTimeout: 300_000,
    },
    app,
  );
  server.keepAliveTimeout = 65_000;
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  endpointUrl = url;
  // performance.now() counts from the process's start, so this is the whole start-up a user waits for.
  const startupMs = Math.round(performance.now());
  log.info(
    { url, dataDir: config.dataDir, auth: config.auth, sandbox: sandbox.kind, startupMs },
    "lamina is serving",
  );
  if (options.logger === undefined && wantsPretty(config.logFormat) && config.logLevel !== "silent") {
    process.stderr.write(startBanner({ version: VERSION, url, dataDir: config.dataDir, sandbox }));
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    config,
    close: () => {
      closing ??= (async () => {
        // Event streams never turn idle: end them, or they would hold the stop for its whole grace.
        streams.closeAll();
        await stop(server, config.shutdownTimeout * 1000, () => executor.stopInFlight());
        events.close();
        keeper.close();
        await executor.close();
        s3Objects.close();
        await backend.close();
        lock.release();
        log.info("lamina stopped");
      })();
      return closing;
    },
  };
}

/** The isolation functions get, and in words why there is none when there is none. */
export interface SandboxChoice {
  readonly kind: SandboxKind;
  readonly missingBecause?: string;
}

/** The process executor, with the sandbox `--sandbox` asks for (auto: bubblewrap when it works here). */
async function createExecutor(
  config: Config,
  blobs: BlobIntegrity,
  log: Logger,
  endpoint: () => string,
  events: EventBus,
): Promise<{ executor: Executor; sandbox: SandboxChoice; cache: CodeCache }> {
  const probe = config.sandbox === "none" ? undefined : probeBwrap();
  if (config.sandbox === "bwrap" && probe?.status !== "works") {
    throw new Error(`--sandbox bwrap: ${noSandboxReason("bwrap", probe ?? { status: "missing" })}`);
  }
  const missingBecause = noSandboxReason(config.sandbox, probe ?? { status: "missing" });
  const sandbox: SandboxChoice = { kind: missingBecause === undefined ? "bwrap" : "none", missingBecause };
  if (missingBecause !== undefined) {
    log.warn(`no sandbox: ${missingBecause}. So ${NO_SANDBOX_EFFECTS}. Install bubblewrap to get them.`);
  }
  let executor: ProcessExecutor | undefined = undefined;
  const cache = new CodeCache(join(config.dataDir, "cache"), blobs, {
    log,
    maxBytes: config.cacheSize,
    mounts: sandbox.kind === "bwrap",
    inUse: () => executor?.liveTrees() ?? new Set<string>(),
  });
  await cache.clean();
  executor = new ProcessExecutor({
    cache,
    catalog: new RuntimeCatalog(log, config.runtimePaths, join(config.dataDir, "cache", "runtime")),
    sandbox: sandbox.kind,
    sandboxNotice:
      missingBecause === undefined
        ? undefined
        : `LAMINA_NOTICE no sandbox (${missingBecause}): ${NO_SANDBOX_EFFECTS}. Install bubblewrap to get them.`,
    logs: new LogStore(join(config.dataDir, "logs")),
    log,
    scratchDir: join(config.dataDir, "cache", "scratch"),
    keepAliveMs: config.keepAlive * 1000,
    maxConcurrency: config.maxConcurrency,
    endpointUrl: endpoint,
    events,
    folders: new FolderWatch(log),
  });
  return { executor, sandbox, cache };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Closes the listener, then keeps closing keep-alive sockets as they turn idle, so in-flight requests finish and
 * nothing new starts. Past `graceMs`, `overdue` stops what still runs (invocations), so every request in flight is
 * answered; connections still busy a moment later are cut.
 */
function stop(server: Server, graceMs: number, overdue: () => void): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs + 2_000);
    const stopWork = setTimeout(overdue, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      clearTimeout(stopWork);
      resolve();
    });
    server.closeIdleConnections();
  });
}
