/**
 * Published function versions (`docs/reference/aws-deploy-api.md` §3): PublishVersion, `Publish: true`,
 * ListVersionsByFunction and deleting a version. A version is a frozen copy of `$LATEST`'s code, configuration and
 * layer snapshot (§3.5); storage copies them, so the version keeps its layers' bytes after they are deleted.
 */
import { createHash, randomUUID } from "node:crypto";
import { LATEST } from "../../arn.js";
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  ResourceConflictException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import { lambdaTimestamp, type Clock } from "../../util/clock.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { codeSha256Of } from "../code.js";
import type { FunctionResolver } from "./resolve.js";

/** AWS's texts about versions (§3). */
export const VERSION_MESSAGES = {
  /** §3.1 #5. */
  codeShaMismatch: (given: string, current: string) =>
    `CodeSHA256 (${given}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`,
  /** §3.1 #6 (no final period). */
  revisionMismatch:
    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
  /** §3.4 #23. */
  referencedByAliases: (aliases: readonly string[]) =>
    `Unable to delete version because the following aliases reference it: [${aliases.join(", ")}]`,
  /** §3.4 #22. */
  aliasDeletion: "Deletion of aliases is not currently supported.",
} as const;

/** ListVersionsByFunction answers at most 50 items a page, whatever MaxItems asks (§2). */
const MAX_VERSIONS_PAGE = 50;

/** PublishVersion's members after validation. */
export interface PublishInput {
  readonly codeSha256: string | undefined;
  readonly description: string | undefined;
  readonly revisionId: string | undefined;
}

/**
 * What decides whether `$LATEST` changed since a version was published: its code, its configuration (its own
 * Description included, §3.1 #4) and its layers. A version's own Description is not part of it (§3.1 #3).
 */
export function configDigest(fn: FunctionVersion): string {
  const environment =
    fn.environment && Object.fromEntries(Object.entries(fn.environment).sort(([a], [b]) => (a < b ? -1 : 1)));
  const members = [
    fn.runtime ?? null,
    fn.handler ?? null,
    fn.role,
    fn.description,
    fn.timeout,
    fn.memorySize,
    environment ?? null,
    fn.architectures,
    fn.tracingMode,
    fn.ephemeralStorage,
    fn.loggingConfig,
    fn.sha256Hex,
    fn.layers.map((l) => [l.arn, l.sha256Hex]),
  ];
  return createHash("sha256").update(JSON.stringify(members)).digest("hex");
}

/**
 * Inside a transaction: publishes `latest` as the next version, or, when nothing changed since the newest version
 * still there, returns that one as it is (§3.1 #3). A new version gives `$LATEST` a new RevisionId (§3.1 #7).
 */
export async function publishLatest(
  storage: Storage,
  latest: FunctionVersion,
  description: string | undefined,
  now: string,
): Promise<FunctionVersion> {
  const digest = configDigest(latest);
  const last = await storage.functions.lastPublished(latest.id);
  if (last?.configSha256 === digest) {
    const existing = await storage.functions.getVersion(latest.id, last.version);
    if (existing) {
      return existing;
    }
  }
  const published = await storage.functions.publishVersion(latest.id, {
    description: description ?? latest.description,
    lastModified: now,
    revisionId: randomUUID(),
    configSha256: digest,
  });
  await storage.functions.update(latest.id, { ...latest, revisionId: randomUUID() });
  return published;
}

/** PublishVersion, ListVersionsByFunction and the deletion of a version. */
export class VersionService {
  constructor(
    private readonly storage: Storage,
    private readonly resolver: FunctionResolver,
    private readonly clock: Clock,
  ) {}

  /** PublishVersion: checks CodeSha256 and RevisionId against `$LATEST`, then publishes (§3.1). */
  async publish(ctx: RequestContext, functionName: string, input: PublishInput): Promise<FunctionVersion> {
    const target = this.resolver.target(ctx, functionName);
    return this.storage.transaction(async () => {
      // Publishing reads $LATEST whatever qualifier the name carries (not recorded, §3.1 #9).
      const { latest } = await this.resolver.resolve(ctx, target.name, undefined);
      const current = codeSha256Of(latest.sha256Hex);
      if (input.codeSha256 !== undefined && input.codeSha256 !== current) {
        throw new InvalidParameterValueException(VERSION_MESSAGES.codeShaMismatch(input.codeSha256, current));
      }
      if (input.revisionId !== undefined && input.revisionId !== latest.revisionId) {
        throw new PreconditionFailedException(VERSION_MESSAGES.revisionMismatch);
      }
      return publishLatest(this.storage, latest, input.description, lambdaTimestamp(this.clock()));
    });
  }

  /** ListVersionsByFunction: `$LATEST` first, then the versions ascending, at most 50 a page (§3.3 #15). */
  async list(
    ctx: RequestContext,
    functionName: string,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ items: FunctionVersion[]; nextMarker: string | undefined }> {
    const target = this.resolver.target(ctx, functionName);
    // A missing function is named unqualified (§3.3 #15).
    const { latest } = await this.resolver.resolve(ctx, target.name, undefined, "unqualified");
    const limit = Math.min(maxItems ?? MAX_VERSIONS_PAGE, MAX_VERSIONS_PAGE);
    // The marker is the last version listed; 0 stands for $LATEST.
    const after = marker === undefined ? -1 : decodeMarker(marker, "number");
    const items: FunctionVersion[] = after < 0 ? [latest] : [];
    const versions = await this.storage.functions.listVersions(
      latest.id,
      Math.max(after, 0),
      limit - items.length + 1,
    );
    items.push(...versions);
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    const position = last === undefined || last.qualifier === LATEST ? 0 : Number(last.qualifier);
    return { items: page, nextMarker: items.length > limit ? encodeMarker(position) : undefined };
  }

  /** Every published version of a function, ascending (ListFunctions `FunctionVersion=ALL`, §3.3 #16). */
  published(latest: FunctionVersion): Promise<FunctionVersion[]> {
    return this.storage.functions.listVersions(latest.id, 0, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Inside a transaction: deletes a published version of an existing function. A version that does not exist is
   * no error (§3.4 #19); one an alias references is refused (§3.4 #23).
   */
  async deleteVersion(latest: FunctionVersion, version: number): Promise<boolean> {
    const aliases = await this.storage.aliases.referencing(latest.id, String(version));
    if (aliases.length > 0) {
      throw new ResourceConflictException(VERSION_MESSAGES.referencedByAliases(aliases));
    }
    return this.storage.functions.deleteVersion(latest.id, version);
  }
}
