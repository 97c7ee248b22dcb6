/** Runs the real `aws` CLI (a child process) against a lamina, as a given account. */
import { execFile } from "node:child_process";
import { TEST_REGION } from "./clients.js";

/** What one CLI run produced. */
export interface AwsCliResult {
  /** The process exit code (0 on success; aws-cli v1 exits 255 when the service answered an error). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Who runs the CLI, against which server, from where. */
export interface AwsCliOptions {
  /** lamina's base URL, passed as `--endpoint-url`. */
  readonly url: string;
  /** The 12-digit account id, sent as the access key id (lamina's identity rule). */
  readonly accountId: string;
  /** The signing region; `TEST_REGION` unless given. */
  readonly region?: string;
  /** Working directory, so `fileb://relative.zip` arguments resolve there. */
  readonly cwd?: string;
}

/**
 * The child's environment: the host's, minus every `AWS_*` variable (profiles, tokens, endpoints and CA
 * bundles must not leak in), plus credentials for `accountId` and empty config files.
 */
function cliEnv(accountId: string, region: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_")) {
      env[key] = value;
    }
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: accountId,
    AWS_SECRET_ACCESS_KEY: "lamina-test-secret",
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/**
 * Runs `aws <args> --endpoint-url <url> --output json` and resolves with its exit code and output; a
 * non-zero exit is a result, not a rejection. Rejects only when the CLI cannot be started at all.
 */
export function runAws(args: readonly string[], options: AwsCliOptions): Promise<AwsCliResult> {
  const argv = [...args, "--endpoint-url", options.url, "--output", "json"];
  return new Promise((resolve, reject) => {
    execFile(
      "aws",
      argv,
      {
        env: cliEnv(options.accountId, options.region ?? TEST_REGION),
        cwd: options.cwd,
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
        } else if (typeof error.code === "number") {
          resolve({ code: error.code, stdout, stderr });
        } else {
          reject(new Error(`could not run aws ${argv.join(" ")}: ${error.message}`, { cause: error }));
        }
      },
    );
  });
}
