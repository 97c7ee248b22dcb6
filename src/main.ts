#!/usr/bin/env node
/** The `lamina` command: parses flags and `LAMINA_*` variables, starts the server, stops it on SIGINT/SIGTERM. */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import {
  configFromEnv,
  ENV_VARS,
  parseLayerSources,
  parseOrganizations,
  parseRuntimePaths,
  type ConfigInput,
} from "./config.js";
import { startLamina, VERSION } from "./server.js";
import { checkDataDir } from "./check.js";
import { layerUsage } from "./usage.js";
import { importLayerCommand } from "./import-layer.js";

const program = new Command()
  .name("lamina")
  .description("A local AWS Lambda that gets layers right.")
  .version(VERSION);

program
  .command("serve")
  .description("serve the Lambda API")
  .addOption(new Option("--host <host>", "interface to listen on (default 127.0.0.1)").env(ENV_VARS.host))
  .addOption(new Option("--port <port>", "TCP port, 0 for any free one (default 4580)").env(ENV_VARS.port))
  .addOption(
    new Option("--data-dir <dir>", "where lamina.db and blobs/ live (default ./.lamina)").env(
      ENV_VARS.dataDir,
    ),
  )
  .addOption(
    new Option(
      "--min-free-space <size>",
      "free space kept on the data dir's disk; uploads that would go below it are refused (default 64MiB)",
    ).env(ENV_VARS.minFreeSpace),
  )
  .addOption(
    new Option(
      "--cache-size <size>",
      "unpacked code and layers kept in cache/ at most; least recently used go first (default: no bound)",
    ).env(ENV_VARS.cacheSize),
  )
  .addOption(
    new Option("--region <region>", "region of unsigned requests (default us-east-1)").env(ENV_VARS.region),
  )
  .addOption(
    new Option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (default info)").env(
      ENV_VARS.logLevel,
    ),
  )
  .addOption(
    new Option(
      "--log-format <format>",
      "auto|pretty|json: readable lines and a banner on a terminal, JSON lines otherwise (default auto)",
    ).env(ENV_VARS.logFormat),
  )
  .addOption(
    new Option(
      "--runtime-policy <policy>",
      "lenient|aws: accept every runtime of the API, or only those AWS still allows (default lenient)",
    ).env(ENV_VARS.runtimePolicy),
  )
  .addOption(
    new Option("--sandbox <mode>", "auto|bwrap|none: how functions are isolated (default auto)").env(
      ENV_VARS.sandbox,
    ),
  )
  .addOption(
    new Option(
      "--keep-alive <seconds>",
      "how long an idle function environment stays warm (default 600)",
    ).env(ENV_VARS.keepAlive),
  )
  .addOption(
    new Option(
      "--shutdown-timeout <seconds>",
      "on SIGTERM/SIGINT, how long requests in flight may finish before running invocations are stopped (default 10)",
    ).env(ENV_VARS.shutdownTimeout),
  )
  .addOption(
    new Option(
      "--max-concurrency <n>",
      "environments per function at once; beyond it Invoke answers 429 (default 16)",
    ).env(ENV_VARS.maxConcurrency),
  )
  .addOption(
    new Option(
      "--runtime-path <runtime=path...>",
      "an interpreter for a runtime this machine's version managers do not hold, e.g. nodejs22.x=/opt/node22/bin/node (repeatable; `;`-separated in the environment)",
    ).env(ENV_VARS.runtimePaths),
  )
  .addOption(
    new Option(
      "--layer-source <arn=path...>",
      "serve a vendor layer version under its own ARN from a zip or a folder, readable by every account, e.g. arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:7=./powertools.zip (repeatable; `;`-separated in the environment)",
    ).env(ENV_VARS.layerSources),
  )
  .addOption(
    new Option(
      "--organization <org=accounts...>",
      "an AWS Organization and its member accounts, e.g. o-1234567890=111111111111,222222222222 (repeatable; `;`-separated in the environment)",
    ).env(ENV_VARS.organizations),
  )
  .addOption(
    new Option(
      "--auth <mode>",
      "lenient|strict: read the access key as the account, or verify every SigV4 signature (default lenient)",
    ).env(ENV_VARS.auth),
  )
  .addOption(
    new Option(
      "--credentials <file>",
      "strict mode's keys, one per line: access-key-id,secret-access-key,account-id,user-name",
    ).env(ENV_VARS.credentials),
  )
  .addOption(
    new Option(
      "--database-url <url>",
      "PostgreSQL instead of lamina.db, shared by every lamina of a team: postgres://user:password@host/db",
    ).env(ENV_VARS.databaseUrl),
  )
  .addOption(
    new Option(
      "--blob-store <url>",
      "an S3 bucket instead of the data dir's blobs/: s3://<bucket>/<prefix> (credentials: the AWS chain)",
    ).env(ENV_VARS.blobStore),
  )
  .addOption(
    new Option(
      "--s3-endpoint <url>",
      "the S3 API endpoint (MinIO, moto, …) of --blob-store and of code given as S3Bucket/S3Key; default AWS's",
    ).env(ENV_VARS.s3Endpoint),
  )
  .addOption(
    new Option(
      "--hot-reload-bucket <name>",
      "code and layers given as S3Bucket=<name>,S3Key=<absolute folder> run from that folder, reloaded on save",
    ).env(ENV_VARS.hotReloadBucket),
  )
  .addOption(
    new Option(
      "--public-url <url>",
      "the URL clients reach lamina at behind a load balancer: the base of the code URLs it hands out",
    ).env(ENV_VARS.publicUrl),
  )
  .addOption(
    new Option(
      "--admin-token <token>",
      "strict mode: the token the explorer pages and /_lamina/api/ ask for (Authorization: Bearer, or ?token= once)",
    ).env(ENV_VARS.adminToken),
  )
  // Private: serves blobs without checking their SHA-256, for the bench row that prices the check. Not in --help.
  .addOption(new Option("--unverified-downloads").hideHelp())
  .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
    const input: Record<string, unknown> = { ...configFromEnv(process.env) };
    if (opts.unverifiedDownloads === true) {
      input.verifyServedBlobs = false;
    }
    const flags: [string, keyof ConfigInput][] = [
      ["host", "host"],
      ["port", "port"],
      ["dataDir", "dataDir"],
      ["region", "region"],
      ["minFreeSpace", "minFreeSpace"],
      ["cacheSize", "cacheSize"],
      ["logLevel", "logLevel"],
      ["logFormat", "logFormat"],
      ["sandbox", "sandbox"],
      ["runtimePolicy", "runtimePolicy"],
      ["keepAlive", "keepAlive"],
      ["maxConcurrency", "maxConcurrency"],
      ["shutdownTimeout", "shutdownTimeout"],
      ["auth", "auth"],
      ["credentials", "credentials"],
      ["databaseUrl", "databaseUrl"],
      ["blobStore", "blobStore"],
      ["s3Endpoint", "s3Endpoint"],
      ["hotReloadBucket", "hotReloadBucket"],
      ["publicUrl", "publicUrl"],
      ["adminToken", "adminToken"],
    ];
    for (const [flag, key] of flags) {
      if (opts[flag] !== undefined) {
        input[key] = opts[flag];
      }
    }
    const orgs = opts.organization;
    if (orgs !== undefined && typeof orgs !== "boolean") {
      input.organizations = parseOrganizations(Array.isArray(orgs) ? orgs : [orgs]);
    }
    const runtimePaths = opts.runtimePath;
    if (runtimePaths !== undefined && typeof runtimePaths !== "boolean") {
      input.runtimePaths = parseRuntimePaths(Array.isArray(runtimePaths) ? runtimePaths : [runtimePaths]);
    }
    const layerSources = opts.layerSource;
    if (layerSources !== undefined && typeof layerSources !== "boolean") {
      input.layerSources = parseLayerSources(Array.isArray(layerSources) ? layerSources : [layerSources]);
    }
    let lamina;
    try {
      lamina = await startLamina(input);
    } catch (err) {
      process.stderr.write(`lamina: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const shutdown = () => {
      lamina.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });

program
  .command("check")
  .description(
    "verify a data dir without a server and without changing it: the database and every blob's SHA-256",
  )
  .addOption(
    new Option("--data-dir <dir>", "the data dir to check (default ./.lamina)").env(ENV_VARS.dataDir),
  )
  .action(async (opts: { dataDir?: string }) => {
    try {
      const result = await checkDataDir(resolve(opts.dataDir ?? "./.lamina"));
      process.stdout.write(`${result.lines.join("\n")}\n`);
      process.exitCode = result.ok ? 0 : 1;
    } catch (err) {
      process.stderr.write(`lamina check: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("usage")
  .description(
    "print the functions (any account and region) whose snapshot holds a layer version: ARN, qualifier, since when",
  )
  .argument("<layer-version-arn>", "e.g. arn:aws:lambda:us-east-1:111111111111:layer:shared:3")
  .addOption(new Option("--endpoint <url>", "the running lamina").default("http://127.0.0.1:4580"))
  .addOption(new Option("--admin-token <token>", "strict mode's explorer token").env(ENV_VARS.adminToken))
  .option("--fail-if-used", "exit 1 when any function uses the version (for CI before a delete)")
  .action(async (arn: string, opts: { endpoint: string; adminToken?: string; failIfUsed?: boolean }) => {
    const result = await layerUsage({
      arn,
      endpoint: opts.endpoint,
      adminToken: opts.adminToken,
      failIfUsed: opts.failIfUsed === true,
    });
    for (const line of result.stdout) {
      process.stdout.write(`${line}\n`);
    }
    for (const line of result.stderr) {
      process.stderr.write(`${line}\n`);
    }
    process.exitCode = result.exitCode;
  });

program.addCommand(importLayerCommand());

await program.parseAsync(process.argv);
