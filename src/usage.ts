/**
 * `lamina usage <layer version ARN>`: asks a running lamina's explorer API which functions hold a layer version,
 * for scripts and CI ("may I delete this?"). Pages through every user; with `--fail-if-used` exits 1 when any.
 */

/** What `lamina usage` was asked. */
export interface UsageOptions {
  readonly arn: string;
  readonly endpoint: string;
  readonly adminToken: string | undefined;
  readonly failIfUsed: boolean;
}

/** The lines to print and the exit code. */
export interface UsageResult {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exitCode: number;
}

interface UserPage {
  total: number;
  items: { functionArn: string; qualifier: string; since: string }[];
  next: string | null;
}

/** Lists the functions using `arn`: one `<function ARN>\t<qualifier>\t<since>` line each on stdout. */
export async function layerUsage(opts: UsageOptions): Promise<UsageResult> {
  const stdout: string[] = [];
  const base = `${opts.endpoint.replace(/\/+$/, "")}/_lamina/api/layers/${encodeURIComponent(opts.arn)}/users`;
  const headers: Record<string, string> = opts.adminToken
    ? { Authorization: `Bearer ${opts.adminToken}` }
    : {};
  let after: string | null = "0";
  let total = 0;
  while (after !== null) {
    let res: Response;
    try {
      res = await fetch(`${base}?limit=1000&after=${after}`, { headers });
    } catch (err) {
      return fail(`cannot reach lamina at ${opts.endpoint}: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Partial<UserPage> & { message?: string };
    if (!res.ok) {
      return fail(`lamina answered ${res.status}: ${body.message ?? res.statusText}`);
    }
    for (const u of body.items ?? []) {
      stdout.push(`${u.functionArn}\t${u.qualifier}\t${u.since}`);
    }
    total = body.total ?? stdout.length;
    after = body.next ?? null;
  }
  const summary = total === 1 ? `1 function uses ${opts.arn}` : `${total} functions use ${opts.arn}`;
  return { stdout, stderr: [summary], exitCode: opts.failIfUsed && total > 0 ? 1 : 0 };
}

function fail(message: string): UsageResult {
  return { stdout: [], stderr: [`lamina usage: ${message}`], exitCode: 2 };
}
