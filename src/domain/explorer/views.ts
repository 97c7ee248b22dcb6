/**
 * The explorer's JSON shapes, as `/_lamina/api/` answers them (README "The layer explorer"). Plain data: the
 * service builds them, the adapter serializes them, the UI reads them.
 */

/** A function that holds a layer version in its snapshot. */
export interface UserView {
  readonly functionArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly qualifier: string;
  /** When the function took the version (Lambda's timestamp format). */
  readonly since: string;
}

/** A page of users; `next` is the `after` of the next page, null on the last. */
export interface UserPage {
  readonly total: number;
  readonly items: UserView[];
  readonly next: string | null;
}

/** One statement of a version's policy. */
export interface GrantView {
  readonly statementId: string;
  /** A 12-digit account or `*`. */
  readonly principal: string;
  readonly organizationId: string | null;
}

/** Another version of the same layer, with how many functions hold it. */
export interface OtherVersionView {
  readonly version: number;
  readonly arn: string;
  readonly createdDate: string;
  readonly users: number;
}

/** `GET /_lamina/api/layers/<arn>`. A deleted version that functions still hold answers `exists: false`. */
export interface LayerVersionView {
  readonly arn: string;
  readonly layerArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly version: number;
  readonly exists: boolean;
  readonly description: string | null;
  readonly licenseInfo: string | null;
  readonly compatibleRuntimes: string[] | null;
  readonly compatibleArchitectures: string[] | null;
  readonly codeSize: number | null;
  readonly codeSha256: string | null;
  readonly createdDate: string | null;
  readonly grants: GrantView[];
  readonly users: UserPage;
  /** Newest first, at most 50; `more` when older ones exist. */
  readonly otherVersions: { readonly items: OtherVersionView[]; readonly more: boolean };
}

/** One layer of a function's snapshot, and whether the function's account could attach it today. */
export interface FunctionLayerView {
  readonly arn: string;
  readonly ownerAccountId: string;
  readonly codeSize: number;
  readonly codeSha256: string;
  readonly since: string;
  readonly attachableToday: boolean;
  /** `attachable`, or why not, the function keeping its snapshot: `version-deleted` or `grant-revoked`. */
  readonly status: "attachable" | "version-deleted" | "grant-revoked";
}

/** `GET /_lamina/api/functions/<arn>`. */
export interface FunctionView {
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly qualifier: string;
  readonly configuration: {
    readonly runtime: string | null;
    readonly handler: string | null;
    readonly role: string;
    readonly description: string;
    readonly timeout: number;
    readonly memorySize: number;
    readonly architectures: readonly string[];
    readonly ephemeralStorage: number;
    readonly tracingMode: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly codeSize: number;
    readonly codeSha256: string;
    readonly lastModified: string;
    readonly revisionId: string;
  };
  readonly layers: FunctionLayerView[];
}

/** One invocation, from the function's log (time and handler errors from lamina's memory of live ones). */
export interface InvocationView {
  readonly requestId: string;
  /** ISO time it finished, when this lamina saw it run; null for invocations from before its start. */
  readonly time: string | null;
  readonly durationMs: number;
  readonly initDurationMs: number | null;
  readonly status: string;
  readonly errorType: string | null;
  readonly lines: string[];
}

/** `GET /_lamina/api/layers/<arn>/what-if?action=revoke&statementId=…` or `?action=delete`. */
export interface WhatIfView {
  readonly arn: string;
  readonly action: "revoke" | "delete";
  readonly statementId: string | null;
  /** Every function holding the version keeps working: its snapshot is its own (first 1,000). */
  readonly keepWorking: UserView[];
  readonly keepWorkingTotal: number;
  /** Accounts that may attach the version today and could not afterwards, sorted. */
  readonly loseAttach: string[];
  /** Organizations whose members lose the right to attach (a grant conditioned on one goes). */
  readonly loseAttachOrganizations: string[];
  /** Whether a public (`*`) grant goes, so every other account loses it too. */
  readonly loseAttachPublic: boolean;
}

/** One account and region in the overview. */
export interface RegionView {
  readonly region: string;
  readonly layerCount: number;
  readonly layerVersionCount: number;
  readonly functionCount: number;
  /** Up to 100 layers by name, each with its newest version. */
  readonly layers: {
    readonly name: string;
    readonly latestVersion: number;
    readonly latestVersionArn: string;
  }[];
  /** Up to 100 functions by name. */
  readonly functions: { readonly name: string; readonly arn: string; readonly layerCount: number }[];
}

/** `GET /_lamina/api/overview`. */
export interface OverviewView {
  readonly accounts: {
    readonly accountId: string;
    readonly organizationId: string | null;
    readonly regions: RegionView[];
  }[];
  readonly totals: {
    readonly accounts: number;
    readonly layers: number;
    readonly layerVersions: number;
    readonly functions: number;
  };
}

/** A file of the merged `/opt`. */
export interface OptFile {
  /** Path below `/opt`, e.g. `python/lib.py`. */
  readonly path: string;
  readonly size: number;
  readonly kind: "file" | "link";
  /** The layer version whose file this is (the last one that has the path). */
  readonly layerArn: string;
}

/** `GET /_lamina/api/functions/<arn>/opt`: the merged tree, files by path (directories are implied by them). */
export interface OptTree {
  readonly files: OptFile[];
  readonly fileCount: number;
  readonly totalSize: number;
}
