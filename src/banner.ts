/** The start-up banner a person sees on a terminal: where lamina listens, where it keeps data, and a first command. */
import type { SandboxKind } from "./execution/sandbox.js";

/** What the banner shows. */
export interface BannerFacts {
  readonly version: string;
  readonly url: string;
  readonly dataDir: string;
  readonly sandbox: { readonly kind: SandboxKind; readonly missingBecause?: string };
}

/** The banner's text, ending with a blank line. */
export function startBanner(facts: BannerFacts): string {
  const sandbox =
    facts.sandbox.kind === "bwrap"
      ? "bubblewrap (functions see /var/task and /opt)"
      : `none: ${facts.sandbox.missingBecause ?? "not available"}`;
  return [
    "",
    `  lamina ${facts.version} is serving the Lambda API`,
    "",
    `  endpoint  ${facts.url}`,
    `  data dir  ${facts.dataDir}`,
    `  sandbox   ${sandbox}`,
    "",
    `  try:  aws --endpoint-url ${facts.url} lambda list-layers`,
    "",
    "",
  ].join("\n");
}
