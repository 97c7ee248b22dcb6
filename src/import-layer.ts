/**
 * `lamina import-layer <layer version ARN> --from <endpoint> --to <lamina>`: copies one layer version from an
 * upstream Lambda (AWS's endpoint of the ARN's region unless `--from` says otherwise; credentials from the standard
 * AWS chain) into a running lamina under the same ARN, CodeSha256, description, runtimes, architectures and
 * license. The upstream's refusals are printed as it gave them (error type and message) and nothing is stored.
 */
import { createHash } from "node:crypto";
import { Command, Option } from "commander";
import { parseLayerVersionArn } from "./arn.js";
import { ENV_VARS } from "./config.js";
import { DownloadProgress } from "./util/progress.js";

/** What `lamina import-layer` was asked. */
export interface ImportOptions {
  readonly arn: string;
  /** The upstream's endpoint; undefined: AWS's own for the ARN's region. */
  readonly from: string | undefined;
  /** The running lamina. */
  readonly to: string;
  readonly adminToken: string | undefined;
  /** Replace the version when lamina holds other bytes under the ARN. */
  readonly force: boolean;
}

/** Where the command writes: the result on `stdout`, progress and failures on `stderr`. */
export interface ImportIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** The header and path lamina's endpoint takes (`protocols/lamina/layers.ts`). */
const LAYER_VERSION_HEADER = "X-Lamina-Layer-Version";

/** Imports the version; resolves to the process's exit code (0 stored or already there, 1 refused or failed). */
export async function importLayer(opts: ImportOptions, io: ImportIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr.write(`lamina import-layer: ${message}\n`);
    return 1;
  };
  const ref = parseLayerVersionArn(opts.arn);
  if (!ref) {
    return fail(
      `${opts.arn} is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)`,
    );
  }
  // lamina supports Node 20 (package.json engines); the SDK's notice about its releases of 2027 would only bury
  // the command's own output. A user who set the variable keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Loaded here, not at the top: `lamina serve` never pays for the SDK.
  const { GetLayerVersionByArnCommand, LambdaClient } = await import("@aws-sdk/client-lambda");
  const client = new LambdaClient({
    region: ref.region,
    ...(opts.from !== undefined && { endpoint: opts.from }),
  });
  let upstream;
  try {
    upstream = await client.send(new GetLayerVersionByArnCommand({ Arn: opts.arn }));
  } catch (err) {
    // The upstream's own words: its error type (x-amzn-ErrorType) and message.
    const e = err as Error;
    return fail(`${opts.from ?? "AWS"} refused GetLayerVersionByArn: ${e.name}: ${e.message}`);
  } finally {
    client.destroy();
  }
  const location = upstream.Content?.Location;
  const codeSha256 = upstream.Content?.CodeSha256;
  if (location === undefined || codeSha256 === undefined) {
    return fail("the upstream's answer has no Content.Location or Content.CodeSha256");
  }

  let zip: Buffer;
  try {
    const label = `downloading ${ref.name}:${ref.version}`;
    zip = await download(location, upstream.Content?.CodeSize, label, io.stderr);
  } catch (err) {
    return fail(`downloading the content failed: ${(err as Error).message}`);
  }
  const actual = createHash("sha256").update(zip).digest("base64");
  if (actual !== codeSha256) {
    return fail(
      `the downloaded content's CodeSha256 is ${actual}, not the upstream's ${codeSha256}: nothing stored`,
    );
  }

  const members = {
    CodeSha256: codeSha256,
    ...(upstream.Description !== undefined && { Description: upstream.Description }),
    ...(upstream.LicenseInfo !== undefined && { LicenseInfo: upstream.LicenseInfo }),
    ...(upstream.CompatibleRuntimes !== undefined && { CompatibleRuntimes: upstream.CompatibleRuntimes }),
    ...(upstream.CompatibleArchitectures !== undefined && {
      CompatibleArchitectures: upstream.CompatibleArchitectures,
    }),
    ...(upstream.CreatedDate !== undefined && { CreatedDate: upstream.CreatedDate }),
  };
  const target = `${opts.to.replace(/\/+$/, "")}/_lamina/layers/${encodeURIComponent(opts.arn)}${opts.force ? "?force=true" : ""}`;
  let res: Response;
  try {
    res = await fetch(target, {
      method: "PUT",
      headers: {
        "Content-Type": "application/zip",
        [LAYER_VERSION_HEADER]: Buffer.from(JSON.stringify(members)).toString("base64"),
        ...(opts.adminToken !== undefined && { Authorization: `Bearer ${opts.adminToken}` }),
      },
      body: zip,
    });
  } catch (err) {
    return fail(`cannot reach lamina at ${opts.to}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    message?: string;
    Message?: string;
    Outcome?: string;
  };
  if (!res.ok) {
    const type = res.headers.get("x-amzn-ErrorType");
    const message = body.message ?? body.Message ?? res.statusText;
    const hint = res.status === 409 ? " Run again with --force to replace it." : "";
    return fail(`lamina answered ${res.status}${type ? ` ${type}` : ""}: ${message}${hint}`);
  }
  const outcome = body.Outcome ?? "stored";
  io.stdout.write(`${opts.arn}\t${codeSha256}\t${outcome}\n`);
  return 0;
}

/** The content's bytes, with a progress bar (a terminal) or progress lines (anything else) on `progress`. */
async function download(
  location: string,
  codeSize: number | undefined,
  label: string,
  progress: ImportIo["stderr"],
): Promise<Buffer> {
  const res = await fetch(location);
  if (!res.ok || res.body === null) {
    const text = await res.text().catch(() => "");
    throw new Error(`${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ""}`);
  }
  const declared = Number(res.headers.get("content-length") ?? codeSize ?? 0);
  const bar = new DownloadProgress(progress, label, declared);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of res.body) {
    const buf = Buffer.from(chunk as Uint8Array);
    chunks.push(buf);
    received += buf.length;
    bar.update(received);
  }
  bar.done(received);
  return Buffer.concat(chunks, received);
}

/** The `import-layer` subcommand of `lamina`. */
export function importLayerCommand(): Command {
  return new Command("import-layer")
    .description(
      "copy a layer version from AWS (or another Lambda endpoint) into a running lamina under the same ARN",
    )
    .argument(
      "<layer-version-arn>",
      "e.g. arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:7",
    )
    .addOption(
      new Option(
        "--from <url>",
        "the upstream Lambda endpoint (default: AWS's for the ARN's region; credentials from the AWS chain: environment, profile)",
      ),
    )
    .addOption(new Option("--to <url>", "the running lamina").default("http://127.0.0.1:4580"))
    .addOption(new Option("--admin-token <token>", "strict mode's admin token").env(ENV_VARS.adminToken))
    .option("--force", "replace the version when lamina holds other bytes under the ARN")
    .action(
      async (arn: string, opts: { from?: string; to: string; adminToken?: string; force?: boolean }) => {
        process.exitCode = await importLayer(
          { arn, from: opts.from, to: opts.to, adminToken: opts.adminToken, force: opts.force === true },
          { stdout: process.stdout, stderr: process.stderr },
        );
      },
    );
}
