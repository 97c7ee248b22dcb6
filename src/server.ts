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
import { FunctionService } from "./functions/service.js";
import { FunctionStore } from "./functions/store.js";
import { buildHandlers } from "./handlers.js";
import { ProcessExecutor, type Executor } from "./execution/executor.js";
import { CodeCache } from "./execution/filesystem.js";
import { LogStore } from "./execution/logs.js";
import { RuntimeCatalog } from "./execution/runtimes.js";
import { NO_SANDBOX_EFFECTS, noSandboxReason, probeBwrap, type SandboxKind } from "./execution/sandbox.js";
import { AsyncInvokeQueue } from "./invoke/async-queue.js";
import { createApp } from "./http/app.js";
import { internalRoutes } from "./http/internal.js";
import { Router } from "./http/router.js";
import { LayerPermissionService } from "./layers/permissions.js";
import { CombinedOrganizations, StaticOrganizations, type OrganizationDirectory } from "./layers/policy.js";
import { LenientAuthenticator, StrictAuthenticator, type Authenticator } from "./auth/authenticator.js";
import { loadCredentials } from "./auth/credentials.js";
import { OrganizationsService } from "./organizations/service.js";
import { OrganizationStore } from "./organizations/store.js";
import { StsService } from "./sts/service.js";
import { CredentialStore } from "./sts/store.js";
import { LayerService } from "./layers/service.js";
import { LayerStore } from "./layers/store.js";
import { createLogger, wantsPretty } from "./log.js";
import { startBanner } from "./banner.js";
import { BlobStore } from "./storage/blobs.js";
import { CodeStore } from "./storage/code.js";
import { openDatabase } from "./storage/db.js";
import { systemClock, type Clock } from "./util/clock.js";
import { VERSION } from "./util/version.js";

export { VERSION };

/** Options of `startLamina`: the configuration plus what tests may inject. */
export interface StartOptions extends ConfigInput {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly organizationDirectory?: OrganizationDirectory;
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
  const db = openDatabase(join(config.dataDir, "lamina.db"));
  const blobs = new BlobStore(join(config.dataDir, "blobs"));
  const code = new CodeStore(db, blobs);
  const swept = code.sweepAtStartup();
  if (swept.tempFiles + swept.orphans > 0) {
    log.info(swept, "removed unreferenced files left by an earlier run");
  }

  const layerStore = new LayerStore(db);
  const clock = options.clock ?? systemClock;
  const organizationStore = new OrganizationStore(db);
  // Grants see configured organizations and API-created ones alike, read at the moment of each check.
  const organizations =
    options.organizationDirectory ??
    new CombinedOrganizations([new StaticOrganizations(config.organizations), organizationStore]);
  const issued = new CredentialStore(db);
  const auth: Authenticator = configuredKeys
    ? new StrictAuthenticator(configuredKeys, issued, clock)
    : new LenientAuthenticator(config.region, issued);
  const layers = new LayerService(layerStore, code, organizations, clock);
  let endpointUrl = "";
  const { executor, sandbox } = await createExecutor(config, blobs, log, () => endpointUrl);
  const functions = new FunctionService(
    new FunctionStore(db),
    code,
    layers,
    clock,
    config.runtimePolicy,
    (key) => executor.retire(key),
  );
  const events = new AsyncInvokeQueue(log);
  const handlers = buildHandlers({
    layers,
    layerPermissions: new LayerPermissionService(layerStore, layers),
    functions,
    executor,
    events,
  });

  const app = createApp({
    router: new Router(),
    handlers,
    internal: internalRoutes(VERSION, blobs),
    defaultRegion: config.region,
    log,
    auth,
    organizations: new OrganizationsService(organizationStore, clock),
    sts: new StsService(issued, clock),
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
        await stop(server);
        events.close();
        await executor.close();
        db.close();
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
  blobs: BlobStore,
  log: Logger,
  endpoint: () => string,
): Promise<{ executor: Executor; sandbox: SandboxChoice }> {
  const probe = config.sandbox === "none" ? undefined : probeBwrap();
  if (config.sandbox === "bwrap" && probe?.status !== "works") {
    throw new Error(`--sandbox bwrap: ${noSandboxReason("bwrap", probe ?? { status: "missing" })}`);
  }
  const missingBecause = noSandboxReason(config.sandbox, probe ?? { status: "missing" });
  const sandbox: SandboxChoice = { kind: missingBecause === undefined ? "bwrap" : "none", missingBecause };
  if (missingBecause !== undefined) {
    log.warn(`no sandbox: ${missingBecause}. So ${NO_SANDBOX_EFFECTS}. Install bubblewrap to get them.`);
  }
  const cache = new CodeCache(join(config.dataDir, "cache"), blobs);
  await cache.clean();
  const executor = new ProcessExecutor({
    cache,
    catalog: new RuntimeCatalog(log),
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
  });
  return { executor, sandbox };
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
 * nothing new starts. Connections still busy after `graceMs` are cut.
 */
function stop(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
