/**
 * The rules of functions: names and ARNs, create/update/delete, RevisionId preconditions, and the layer snapshot a
 * function keeps (`docs/reference/identity.md` §3). Texts: `docs/reference/aws-function-api.md` (section numbers below).
 */
import { randomUUID } from "node:crypto";
import { functionArn, LATEST, partitionOf } from "../../arn.js";
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  RequestEntityTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import { folderCode, type CodeStore } from "../../storage/code.js";
import type {
  FunctionFields,
  FunctionRepository,
  FunctionVersion,
  Storage,
  StoredCode,
} from "../../storage/types.js";
import { lambdaTimestamp, type Clock } from "../../util/clock.js";
import type { ChangeKind, EventBus } from "../../util/events.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { inspectZip } from "../code.js";
import { chooseSource, type CodeSourceInput, type S3CodeFetcher } from "../code-source.js";
import type { LayerService } from "../layers/service.js";
import { checkUnzippedTotal, resolveLayers } from "./layer-resolution.js";
import {
  FunctionResolver,
  qualifierKind,
  RESOLVE_MESSAGES,
  versionNumber,
  type FunctionTarget,
} from "./resolve.js";
import { AliasService } from "./aliases.js";
import { publishLatest, VERSION_MESSAGES, VersionService } from "./versions.js";
import { checkEnvironment, checkRuntime, FUNCTION_MESSAGES, type RuntimePolicy } from "./validate.js";

/** Lambda's limit on a directly uploaded zip (§9). */
export const MAX_ZIPPED_SIZE = 52_428_800;

/** AWS's texts for function lookups and updates. */
export const FUNCTION_LOOKUP_MESSAGES = {
  /** §1: the ARN carries the qualifier only when one was asked for. */
  notFound: RESOLVE_MESSAGES.notFound,
  /** §6. */
  otherRegion: RESOLVE_MESSAGES.otherRegion,
  /** §2 (sic: "exist"). */
  alreadyExists: (name: string) => `Function already exist: ${name}`,
  /** §7. */
  revisionMismatch: VERSION_MESSAGES.revisionMismatch,
  /** §1. */
  qualifierMismatch: RESOLVE_MESSAGES.qualifierMismatch,
  /** §1. */
  deleteLatest: `${LATEST} version cannot be deleted without deleting the function.`,
  /** §9. */
  zippedTooLarge: `Zipped size must be smaller than ${MAX_ZIPPED_SIZE} bytes`,
} as const;

/** A function version as a caller addressed it. */
export interface FunctionView {
  /** The version addressed (for an alias, its target; for an invoke, the version the routing chose). */
  readonly fn: FunctionVersion;
  /** The qualifier the caller named, echoed in `FunctionArn` (a version, `$LATEST` or an alias name). */
  readonly qualifier?: string | undefined;
}

/** The default log group Lambda names after the function. */
export function defaultLoggingConfig(name: string): Record<string, string> {
  return { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` };
}

/** Where a request's code comes from. */
export type CodeInput = CodeSourceInput;

/** CreateFunction's members after validation. */
export interface CreateInput {
  readonly functionName: string;
  readonly runtime: string | undefined;
  readonly role: string;
  readonly handler: string | undefined;
  readonly code: CodeInput;
  readonly description: string | undefined;
  readonly timeout: number | undefined;
  readonly memorySize: number | undefined;
  readonly environment: Readonly<Record<string, string>> | undefined;
  readonly tracingMode: string | undefined;
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly layers: readonly string[] | undefined;
  readonly architectures: readonly string[] | undefined;
  readonly ephemeralStorage: number | undefined;
  readonly loggingConfig: Readonly<Record<string, string>> | undefined;
  /** Publish version 1 with the function (§3.2 #10). */
  readonly publish?: boolean;
}

/** UpdateFunctionConfiguration's members after validation; undefined leaves a member as it is. */
export type ConfigurationUpdate = Partial<
  Omit<CreateInput, "functionName" | "code" | "tags" | "architectures">
> & {
  readonly revisionId?: string | undefined;
};

/** UpdateFunctionCode's members after validation. */
export interface CodeUpdate {
  readonly code: CodeInput;
  readonly architectures: readonly string[] | undefined;
  readonly dryRun: boolean;
  readonly revisionId: string | undefined;
  /** Publish a version of the new code (§3.2 #11). */
  readonly publish?: boolean;
}

/** Which function changed: one version of it, or (no qualifier) all of it. */
export type FunctionChange = Pick<FunctionVersion, "accountId" | "region" | "name"> & {
  readonly qualifier?: string;
};

/** Functions' rules over their store. */
export class FunctionService {
  private readonly store: FunctionRepository;
  /** Resolves FunctionName and Qualifier for every function operation (and for services built on functions). */
  readonly resolver: FunctionResolver;
  /** PublishVersion, ListVersionsByFunction and deleting versions. */
  readonly versions: VersionService;
  /** The alias operations. */
  readonly aliases: AliasService;

  constructor(
    private readonly storage: Storage,
    private readonly code: CodeStore,
    /** Reads `S3Bucket`/`S3Key` code. */
    private readonly s3: S3CodeFetcher,
    private readonly layers: LayerService,
    private readonly clock: Clock,
    private readonly runtimePolicy: RuntimePolicy,
    /**
     * Told when a version of a function changes or is deleted (its environments retire); without a qualifier, the
     * whole function was deleted.
     */
    private readonly changed: (fn: FunctionChange) => void = () => undefined,
    /** Told of each create, update and delete (the explorer's live updates). */
    private readonly events?: EventBus,
  ) {
    this.store = storage.functions;
    this.resolver = new FunctionResolver(storage);
    this.versions = new VersionService(storage, this.resolver, clock);
    this.aliases = new AliasService(storage, this.resolver);
  }

  private target(ctx: RequestContext, functionName: string, queryQualifier?: string): FunctionTarget {
    return this.resolver.target(ctx, functionName, queryQualifier);
  }

  private arn(ctx: RequestContext, name: string, qualifier?: string): string {
    return this.resolver.arn(ctx, name, qualifier);
  }

  /**
   * The $LATEST an update changes, or AWS's unqualified 404. The updates take no qualifier; a name qualified with
   * anything but `$LATEST` addresses no editable version.
   */
  private async existing(ctx: RequestContext, target: FunctionTarget): Promise<FunctionVersion> {
    const fn = await this.store.get(ctx.accountId, ctx.region, target.name);
    if (!fn || (target.qualifier !== undefined && target.qualifier !== LATEST)) {
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name)));
    }
    return fn;
  }

  /**
   * Reads code from a request, uploaded or from S3 (before any transaction): a zip within Lambda's size limits,
   * validated and hashed, and stored unless dry.
   */
  private async readCode(ctx: RequestContext, input: CodeInput, dryRun: boolean): Promise<StoredCode> {
    const source = chooseSource(input, this.s3.hotReloadBucket);
    let zip: Buffer;
    switch (source.kind) {
      case "none":
        // Also a bucket without a key (or a key without a bucket): AWS's text for either is not recorded.
        throw new InvalidParameterValueException(FUNCTION_MESSAGES.noCodeSource);
      case "upload":
        // The 50 MB limit is the direct upload's; code from S3 is bound by the unzipped limit only (§13.2).
        if (source.zip.length > MAX_ZIPPED_SIZE) {
          throw new RequestEntityTooLargeException(FUNCTION_LOOKUP_MESSAGES.zippedTooLarge);
        }
        zip = source.zip;
        break;
      case "s3":
        zip = await this.s3.fetch(ctx, source.bucket, source.key, source.version);
        break;
      case "folder":
        // Nothing to read or store: the function runs from the folder itself, reloaded on change (§14).
        return dryRun ? folderCode(source.path) : this.code.ingestFolder(source.path);
    }
    const stored = await inspectZip(zip);
    if (!dryRun) {
      await this.code.ingest(stored, zip);
    }
    return stored;
  }

  /** CreateFunction. */
  async create(ctx: RequestContext, input: CreateInput): Promise<FunctionView> {
    const { name } = this.target(ctx, input.functionName);
    if (input.runtime === undefined || input.handler === undefined) {
      throw new InvalidParameterValueException(FUNCTION_MESSAGES.runtimeAndHandlerRequired);
    }
    checkRuntime(input.runtime, this.runtimePolicy);
    checkEnvironment(input.environment);
    if (await this.store.get(ctx.accountId, ctx.region, name)) {
      throw new ResourceConflictException(FUNCTION_LOOKUP_MESSAGES.alreadyExists(name));
    }
    const stored = await this.readCode(ctx, input.code, false);
    let committed = false;
    try {
      const lastModified = lambdaTimestamp(this.clock());
      const revisionId = randomUUID();
      const fn = await this.storage.transaction(async () => {
        // The layers resolve inside the transaction: what it reads is what it attaches (a layer version deleted by
        // a concurrent request is either still there, its bytes kept with it, or already gone and refused), and (on
        // SQLite) reads made in a change need not wait, as reads outside one do, for other requests' group commit.
        const layers = await resolveLayers(
          ctx,
          input.layers ?? [],
          this.layers,
          this.code,
          stored.unzippedSize,
        );
        const fields: FunctionFields = {
          runtime: input.runtime,
          handler: input.handler,
          role: input.role,
          description: input.description ?? "",
          timeout: input.timeout ?? 3,
          memorySize: input.memorySize ?? 128,
          environment: input.environment,
          architectures: input.architectures ?? ["x86_64"],
          tracingMode: input.tracingMode ?? "PassThrough",
          ephemeralStorage: input.ephemeralStorage ?? 512,
          loggingConfig: { ...defaultLoggingConfig(name), ...input.loggingConfig },
          sha256Hex: stored.sha256Hex,
          codeSize: stored.codeSize,
          lastModified,
          revisionId,
          tags: input.tags,
        };
        // Checked again inside the transaction: a concurrent create of the same name may have won meanwhile.
        if (await this.store.get(ctx.accountId, ctx.region, name)) {
          throw new ResourceConflictException(FUNCTION_LOOKUP_MESSAGES.alreadyExists(name));
        }
        await this.code.register(stored);
        const latest = await this.store.insert(ctx.accountId, ctx.region, name, fields, layers);
        // §3.2 #10: the answer shows version 1, under the unqualified ARN.
        return input.publish ? publishLatest(this.storage, latest, undefined, fields.lastModified) : latest;
      });
      committed = true;
      this.emit("function-created", fn);
      return { fn };
    } finally {
      await this.code.release(stored, committed);
    }
  }

  private async mustGet(ctx: RequestContext, name: string): Promise<FunctionVersion> {
    const fn = await this.store.get(ctx.accountId, ctx.region, name);
    if (!fn) {
      throw new Error(`function ${name} vanished inside its transaction`);
    }
    return fn;
  }

  /** GetFunction / GetFunctionConfiguration: `$LATEST`, a version, or an alias's version (§3.3, §4.2 #34). */
  async get(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<FunctionView> {
    const resolved = await this.resolver.resolve(ctx, functionName, qualifier);
    return { fn: resolved.version, qualifier: resolved.target.qualifier };
  }

  /** What one Invoke runs: the version addressed, or the one an alias's routing draws (§3.3 #17, §4.3 #41). */
  async forInvoke(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
  ): Promise<FunctionView> {
    const resolved = await this.resolver.resolve(ctx, functionName, qualifier);
    return { fn: await this.resolver.route(resolved), qualifier: resolved.target.qualifier };
  }

  /** ListFunctions: the caller's functions in its region, by name, at most 50 a page (§11). */
  async list(
    ctx: RequestContext,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ items: FunctionVersion[]; nextMarker: string | undefined }> {
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = Math.min(maxItems ?? 50, 50);
    const found = await this.store.list(ctx.accountId, ctx.region, after, limit + 1);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextMarker: found.length > limit && last ? encodeMarker(last.name) : undefined,
    };
  }

  /** UpdateFunctionConfiguration: members given replace the stored ones; `Layers` re-resolves the snapshot. */
  async updateConfiguration(
    ctx: RequestContext,
    functionName: string,
    update: ConfigurationUpdate,
  ): Promise<FunctionView> {
    const target = this.target(ctx, functionName);
    const fn = await this.storage.transaction(async () => {
      const before = await this.existing(ctx, target);
      this.checkRevision(before, update.revisionId);
      checkRuntime(update.runtime, this.runtimePolicy);
      checkEnvironment(update.environment);
      const layers =
        update.layers === undefined
          ? undefined
          : await resolveLayers(
              ctx,
              update.layers,
              this.layers,
              this.code,
              await this.code.unzippedSize(before.sha256Hex),
            );
      await this.store.update(
        before.id,
        {
          ...before,
          runtime: update.runtime ?? before.runtime,
          handler: update.handler ?? before.handler,
          role: update.role ?? before.role,
          description: update.description ?? before.description,
          timeout: update.timeout ?? before.timeout,
          memorySize: update.memorySize ?? before.memorySize,
          environment: update.environment ?? before.environment,
          tracingMode: update.tracingMode ?? before.tracingMode,
          ephemeralStorage: update.ephemeralStorage ?? before.ephemeralStorage,
          loggingConfig: update.loggingConfig
            ? { ...before.loggingConfig, ...update.loggingConfig }
            : before.loggingConfig,
          lastModified: lambdaTimestamp(this.clock()),
          revisionId: randomUUID(),
        },
        layers,
      );
      return { before, after: await this.mustGet(ctx, before.name) };
    });
    // After the commit: files go only once no committed row needs them.
    await this.code.collect();
    this.changed(fn.after);
    this.emit("function-updated", fn.after, fn.before);
    return { fn: fn.after };
  }

  /** UpdateFunctionCode: new code (or, with DryRun, only its checks). */
  async updateCode(ctx: RequestContext, functionName: string, update: CodeUpdate): Promise<FunctionView> {
    const target = this.target(ctx, functionName);
    const before = await this.existing(ctx, target);
    this.checkRevision(before, update.revisionId);
    const stored = await this.readCode(ctx, update.code, update.dryRun);
    try {
      const fn = await this.storage.transaction(async () => {
        // Re-read: another update may have committed while the zip was being stored.
        const current = await this.existing(ctx, target);
        this.checkRevision(current, update.revisionId);
        await checkUnzippedTotal(
          this.code,
          stored.unzippedSize,
          current.layers.map((l) => l.sha256Hex),
        );
        if (update.dryRun) {
          return { latest: current, published: undefined };
        }
        await this.code.register(stored);
        await this.store.update(current.id, {
          ...current,
          architectures: update.architectures ?? current.architectures,
          sha256Hex: stored.sha256Hex,
          codeSize: stored.codeSize,
          lastModified: lambdaTimestamp(this.clock()),
          revisionId: randomUUID(),
        });
        const latest = await this.mustGet(ctx, current.name);
        // §3.2 #11: the answer is the new version's, qualified.
        const published =
          update.publish === true
            ? await publishLatest(this.storage, latest, undefined, latest.lastModified)
            : undefined;
        return { latest, published };
      });
      await this.code.collect();
      if (!update.dryRun) {
        this.changed(fn.latest);
        this.emit("function-updated", fn.latest, before);
      }
      return fn.published ? { fn: fn.published, qualifier: fn.published.qualifier } : { fn: fn.latest };
    } finally {
      if (!update.dryRun) {
        await this.code.release(stored);
      }
    }
  }

  /**
   * DeleteFunction: without a qualifier, the function with its versions, aliases and layer references (blobs
   * nobody else uses go with them); with a version number, that version (§3.4).
   */
  async delete(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<void> {
    const target = this.target(ctx, functionName, qualifier);
    const kind = target.qualifier === undefined ? undefined : qualifierKind(target.qualifier);
    if (kind === "latest") {
      throw new InvalidParameterValueException(FUNCTION_LOOKUP_MESSAGES.deleteLatest);
    }
    if (kind === "alias") {
      // §3.4 #22: refused before the lookup, a missing function included.
      throw new InvalidParameterValueException(VERSION_MESSAGES.aliasDeletion);
    }
    const fn = await this.store.get(ctx.accountId, ctx.region, target.name);
    if (!fn) {
      // §1: DeleteFunction names the unqualified ARN even when a qualifier was given.
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name)));
    }
    if (target.qualifier !== undefined) {
      const version = versionNumber(target.qualifier);
      // §3.4 #19: a version that does not exist is deleted as well (nothing happens).
      const deleted =
        version !== undefined &&
        (await this.storage.transaction(async () => {
          const latest = await this.store.get(ctx.accountId, ctx.region, target.name);
          return latest !== undefined && this.versions.deleteVersion(latest, version);
        }));
      if (deleted) {
        await this.code.collect();
        this.changed({
          accountId: fn.accountId,
          region: fn.region,
          name: fn.name,
          qualifier: target.qualifier,
        });
      }
      return;
    }
    await this.storage.transaction(() => this.store.delete(fn.id));
    await this.code.collect();
    this.changed({ accountId: fn.accountId, region: fn.region, name: fn.name });
    this.emit("function-deleted", fn);
  }

  private emit(kind: ChangeKind, fn: FunctionVersion, before?: FunctionVersion): void {
    const arn = functionArn({
      partition: partitionOf(fn.region),
      region: fn.region,
      accountId: fn.accountId,
      name: fn.name,
    });
    const layers = fn.layers.map((l) => l.sha256Hex);
    const code = kind === "function-deleted" ? undefined : { sha256Hex: fn.sha256Hex, layers };
    const released =
      before !== undefined &&
      (before.sha256Hex !== fn.sha256Hex ||
        before.layers.map((l) => l.sha256Hex).join(",") !== layers.join(","));
    this.events?.emit({
      kind,
      arn,
      accountId: fn.accountId,
      region: fn.region,
      ...(code && { code }),
      ...(released && { released }),
    });
  }

  private checkRevision(fn: FunctionVersion, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== fn.revisionId) {
      throw new PreconditionFailedException(FUNCTION_LOOKUP_MESSAGES.revisionMismatch);
    }
  }
}
