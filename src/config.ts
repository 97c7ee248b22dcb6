/**
 * lamina's configuration: one zod schema, parsed once. Each option is also an environment variable
 * `LAMINA_<NAME>` (see `ENV_VARS`); command-line flags win over the environment, which wins over defaults.
 */
import { resolve } from "node:path";
import { z } from "zod";
import { parseByteSize } from "./util/disk-space.js";

const ORGANIZATION_RE = /^o-[a-z0-9]{10,32}$/;
// The version ARNs `parseLayerVersionArn` reads (arn.ts), so every configured source can be stored.
const LAYER_VERSION_ARN_RE =
  /^arn:[a-zA-Z0-9-]+:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:layer:[a-zA-Z0-9-_]+:[1-9][0-9]*$/;

/** Every option, with its default and meaning. */
export const ConfigSchema = z
  .object({
    /** Interface to listen on. */
    host: z.string().min(1).default("127.0.0.1"),
    /** TCP port; 0 picks a free one. */
    port: z.coerce.number().int().min(0).max(65535).default(4580),
    /**
     * Where `lamina.db` and `blobs/` live. Resolved once, here, against the working directory: every path an
     * environment is built from (code, merged `/opt`, bind mounts, its cwd) derives from it, and a relative one
     * would mean something else inside the sandbox or from the runtime's own working directory.
     */
    dataDir: z
      .string()
      .min(1)
      .default("./.lamina")
      .transform((dir) => resolve(dir)),
    /**
     * Free space kept on the data dir's disk: uploads that would go below it are refused, so deletes, grants and
     * reads keep working when the disk fills up. Bytes, or with a unit (`64MiB`, `100MB`).
     */
    minFreeSpace: z
      .union([z.number().int().min(0), z.string()])
      .default("64MiB")
      .transform((v, ctx) => {
        const bytes = typeof v === "number" ? v : parseByteSize(v);
        if (bytes === undefined) {
          ctx.addIssue({ code: "custom", message: "a size such as 64MiB, 100MB or 0" });
          return z.NEVER;
        }
        return bytes;
      }),
    /**
     * Bytes of unpacked code and layers `cache/` keeps at most: past it the least recently used entries no warm
     * environment needs are evicted (rebuilt from `blobs/` when next asked). Unset: no bound.
     */
    cacheSize: z
      .union([z.number().int().min(0), z.string()])
      .optional()
      .transform((v, ctx) => {
        const bytes = typeof v === "string" ? parseByteSize(v) : v;
        if (v !== undefined && bytes === undefined) {
          ctx.addIssue({ code: "custom", message: "a size such as 2GiB, 500MB or 0" });
          return z.NEVER;
        }
        return bytes;
      }),
    /** Region of unsigned requests. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "a region such as us-east-1")
      .default("us-east-1"),
    /** pino log level. */
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Log lines for people (pretty, with a start-up banner) or for machines (JSON); auto: pretty on a terminal. */
    logFormat: z.enum(["auto", "pretty", "json"]).default("auto"),
    /**
     * Which runtimes CreateFunction and UpdateFunctionConfiguration accept: every runtime of the API (lenient, so
     * old walkthroughs still run), or only those AWS still allows today (aws).
     */
    runtimePolicy: z.enum(["lenient", "aws"]).default("lenient"),
    /** Seconds an idle execution environment is kept warm. */
    keepAlive: z.coerce.number().int().min(1).default(600),
    /**
     * Seconds a stopping lamina (SIGTERM, SIGINT) lets requests in flight finish; then invocations still running
     * are stopped and answered with their error, and lamina exits.
     */
    shutdownTimeout: z.coerce.number().int().min(0).max(3600).default(10),
    /** Execution environments per function at once; beyond it Invoke answers 429. */
    maxConcurrency: z.coerce.number().int().min(1).max(1000).default(16),
    /** How functions are isolated: bubblewrap when present (auto), always (bwrap), or plain processes (none). */
    sandbox: z.enum(["auto", "bwrap", "none"]).default("auto"),
    /**
     * AWS Organizations and their member accounts, for `aws:PrincipalOrgID` grants, until lamina serves the
     * Organizations API: `{ "o-1234567890": ["111111111111"] }`.
     */
    organizations: z
      .record(
        z.string().regex(ORGANIZATION_RE, "an organization id o-…"),
        z.array(z.string().regex(/^\d{12}$/)),
      )
      .default({}),
    /**
     * Interpreters to run a runtime on, by runtime name: `{ "nodejs22.x": "/opt/node22/bin/node" }`, for versions
     * the usual version managers do not hold. Paths resolve against the working directory.
     */
    runtimePaths: z
      .record(
        z.string().regex(/^(python3\.\d+|nodejs\d+\.x)$/, "a runtime such as nodejs22.x or python3.13"),
        z
          .string()
          .min(1)
          .transform((file) => resolve(file)),
      )
      .default({}),
    /**
     * Vendor layer versions lamina serves under their own ARNs, from a local zip or folder (`--layer-source
     * <ARN>=<path>`): owned by the ARN's account, readable by every account. Paths resolve against the working
     * directory.
     */
    layerSources: z
      .array(
        z.object({
          arn: z
            .string()
            .regex(
              LAYER_VERSION_ARN_RE,
              "a layer version ARN arn:aws:lambda:<region>:<account>:layer:<name>:<version>",
            ),
          path: z
            .string()
            .min(1, "a zip file or a folder after the =")
            .transform((p) => resolve(p)),
        }),
      )
      .default([]),
    /** Whether signatures are checked: lenient reads the access key as the account; strict verifies SigV4. */
    auth: z.enum(["lenient", "strict"]).default("lenient"),
    /**
     * The team server's database: `postgres://user:password@host:5432/db`. Unset, lamina keeps `lamina.db` (SQLite)
     * in the data dir. Several lamina processes may share one database.
     */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "a PostgreSQL URL postgres://user:password@host:5432/database")
      .optional(),
    /** Where code blobs live: `s3://<bucket>/<prefix>`; unset, `blobs/` in the data dir. */
    blobStore: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "a bucket URL s3://<bucket>/<prefix>")
      .optional(),
    /**
     * The S3 API's endpoint (MinIO, moto, …) of `--blob-store` and of code named by `S3Bucket`/`S3Key`; unset, AWS's
     * own for the region.
     */
    s3Endpoint: z.string().url().optional(),
    /** The bucket whose `S3Key` names a host folder served as code or layer content (§14 of aws-deploy-api.md). */
    hotReloadBucket: z
      .string()
      .regex(/^[0-9A-Za-z.\-_]{3,63}$/, "a bucket name of 3 to 63 letters, digits, '.', '-' or '_'")
      .default("hot-reload"),
    /**
     * The URL clients reach lamina at, when that is not the Host they sent (a load balancer in front): the base of
     * the code URLs lamina hands out (`Content.Location`, `Code.Location`).
     */
    publicUrl: z
      .string()
      .url()
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
    /** Strict mode's credentials file: `access-key-id,secret-access-key,account-id,user-name` per line. */
    credentials: z
      .string()
      .min(1)
      .transform((file) => resolve(file))
      .optional(),
    /**
     * The token the explorer (`/_lamina/ui/`, `/_lamina/api/`) asks for in strict mode, where it would otherwise show
     * every account to anyone; without one, strict mode keeps the explorer closed. Lenient mode never asks.
     */
    adminToken: z.string().min(16, "at least 16 characters").optional(),
  })
  .refine((c) => c.auth !== "strict" || c.credentials !== undefined, {
    message: "--auth strict needs --credentials <file>",
    path: ["credentials"],
  });

/** A complete, validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** What callers may pass: any subset of the options. */
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The environment variable of each option. */
export const ENV_VARS: Readonly<Record<keyof Config, string>> = {
  host: "LAMINA_HOST",
  port: "LAMINA_PORT",
  dataDir: "LAMINA_DATA_DIR",
  minFreeSpace: "LAMINA_MIN_FREE_SPACE",
  cacheSize: "LAMINA_CACHE_SIZE",
  region: "LAMINA_REGION",
  logLevel: "LAMINA_LOG_LEVEL",
  logFormat: "LAMINA_LOG_FORMAT",
  runtimePolicy: "LAMINA_RUNTIME_POLICY",
  sandbox: "LAMINA_SANDBOX",
  keepAlive: "LAMINA_KEEP_ALIVE",
  maxConcurrency: "LAMINA_MAX_CONCURRENCY",
  shutdownTimeout: "LAMINA_SHUTDOWN_TIMEOUT",
  organizations: "LAMINA_ORGANIZATIONS",
  runtimePaths: "LAMINA_RUNTIME_PATHS",
  layerSources: "LAMINA_LAYER_SOURCES",
  auth: "LAMINA_AUTH",
  credentials: "LAMINA_CREDENTIALS",
  databaseUrl: "LAMINA_DATABASE_URL",
  blobStore: "LAMINA_BLOB_STORE",
  s3Endpoint: "LAMINA_S3_ENDPOINT",
  hotReloadBucket: "LAMINA_HOT_RELOAD_BUCKET",
  publicUrl: "LAMINA_PUBLIC_URL",
  adminToken: "LAMINA_ADMIN_TOKEN",
};

/**
 * Parses `o-1234567890=111111111111,222222222222` items (one per flag, or `;`-separated in the environment)
 * into the organizations map.
 */
export function parseOrganizations(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items.flatMap((i) => i.split(";")).filter((i) => i.trim() !== "")) {
    const [org = "", accounts = ""] = item.split("=", 2);
    out[org.trim()] = accounts
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== "");
  }
  return out;
}

/** Parses `nodejs22.x=/path/to/node` items (one per flag, or `;`-separated in the environment). */
export function parseRuntimePaths(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items.flatMap((i) => i.split(";")).filter((i) => i.trim() !== "")) {
    const eq = item.indexOf("=");
    out[item.slice(0, Math.max(0, eq)).trim()] = eq < 0 ? "" : item.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Parses `<layer version ARN>=<zip or folder>` items (one per flag, or `;`-separated in the environment). An ARN
 * holds no `=`, so the first one ends it; an item without one keeps an empty path, which the schema refuses.
 */
export function parseLayerSources(items: readonly string[]): { arn: string; path: string }[] {
  return items
    .flatMap((i) => i.split(";"))
    .filter((i) => i.trim() !== "")
    .map((item) => {
      const eq = item.indexOf("=");
      return eq < 0
        ? { arn: item.trim(), path: "" }
        : { arn: item.slice(0, eq).trim(), path: item.slice(eq + 1).trim() };
    });
}

/** Options from `LAMINA_*` environment variables. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const out: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      out[key] =
        key === "organizations"
          ? parseOrganizations([value])
          : key === "runtimePaths"
            ? parseRuntimePaths([value])
            : key === "layerSources"
              ? parseLayerSources([value])
              : value;
    }
  }
  return out;
}

/** Validates options into a configuration; throws a readable error naming each bad option. */
export function loadConfig(input: ConfigInput): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
    throw new Error(`invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}
