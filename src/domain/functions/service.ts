/**
 * The rules of functions: names and ARNs, create/update/delete, RevisionId preconditions, and the layer snapshot a
 * function keeps (`docs/reference/identity.md` §3). Texts: `docs/reference/aws-function-api.md` (section numbers below).
 */
import { randomUUID } from "node:crypto";
import { functionArn, LATEST, parseFunctionName, partitionOf } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  PreconditionFailedException,
  RequestEntityTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { CodeStore } from "../../storage/code.js";
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
import { assertLayersStored, checkUnzippedTotal, resolveLayers } from "./layer-resolution.js";
import { checkEnvironment, checkRuntime, FUNCTION_MESSAGES, type RuntimePolicy } from "./validate.js";

/** Lambda's limit on a directly uploaded zip (§9). */
export const MAX_ZIPPED_SIZE = 52_428_800;

/** AWS's texts for function lookups and updates. */
export const FUNCTION_LOOKUP_MESSAGES = {
  /** §1: the ARN carries the qualifier only when one was asked for. */
  notFound: (arn: string) => `Function not found: ${arn}`,
  /** §6. */
  otherRegion: (arnRegion: string, region: string) =>
    `Functions from '${arnRegion}' are not reachable in this region ('${region}')`,
  /** §2 (sic: "exist"). */
  alreadyExists: (name: string) => `Function already exist: ${name}`,
  /** §7. */
  revisionMismatch:
    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
  /** §1. */
  qualifierMismatch: "The derived qualifier from the function name does not match the specified qualifier.",
  /** §1. */
  deleteLatest: `${LATEST} version cannot be deleted without deleting the function.`,
  /** §9. */
  zippedTooLarge: `Zipped size must be smaller than ${MAX_ZIPPED_SIZE} bytes`,
} as const;

/** A function version as a caller addressed it. */
export interface FunctionView {
  readonly fn: FunctionVersion;
  /** The qualifier the caller named, echoed in `FunctionArn`. */
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
}

/** What a FunctionName addresses, once checked against the caller. */
interface FunctionTarget {
  readonly name: string;
  readonly qualifier: string | undefined;
}

/** Functions' rules over their store. */
export class FunctionService {
  private readonly store: FunctionRepository;

  constructor(
    private readonly storage: Storage,
    private readonly code: CodeStore,
    /** Reads `S3Bucket`/`S3Key` code. */
    private readonly s3: S3CodeFetcher,
    private readonly layers: LayerService,
    private readonly clock: Clock,
    private readonly runtimePolicy: RuntimePolicy,
    /** Told when a function's configuration or code changes or it is deleted (its environments retire). */
    private readonly changed: (fn: FunctionVersion) => void = () => undefined,
    /** Told of each create, update and delete (the explorer's live updates). */
    private readonly events?: EventBus,
  ) {
    this.store = storage.functions;
  }

  /**
   * Resolves a FunctionName in the caller's account and region: another region's ARN is unreachable (404),
   * another account's is denied with AWS's null message (§6); a qualifier may come from the name or the query,
   * but they must agree (§1).
   */
  private target(ctx: RequestContext, functionName: string, queryQualifier?: string): FunctionTarget {
    const parts = parseFunctionName(functionName);
    if (!parts) {
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, functionName)));
    }
    if (parts.region !== undefined && parts.region !== ctx.region) {
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.otherRegion(parts.region, ctx.region));
    }
    if (parts.accountId !== undefined && parts.accountId !== ctx.accountId) {
      throw new AccessDeniedException(null);
    }
    if (parts.qualifier !== undefined && queryQualifier !== undefined && parts.qualifier !== queryQualifier) {
      throw new InvalidParameterValueException(FUNCTION_LOOKUP_MESSAGES.qualifierMismatch);
    }
    return { name: parts.name, qualifier: parts.qualifier ?? queryQualifier };
  }

  private arn(ctx: RequestContext, name: string, qualifier?: string): string {
    return functionArn(
      { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId, name },
      qualifier,
    );
  }

  /** The function's $LATEST, or AWS's 404 (qualified as asked when `echoQualifier`). */
  private async existing(
    ctx: RequestContext,
    target: FunctionTarget,
    echoQualifier: boolean,
  ): Promise<FunctionVersion> {
    const fn = await this.store.get(ctx.accountId, ctx.region, target.name);
    const shown = echoQualifier ? target.qualifier : undefined;
    // Only $LATEST exists: lamina does not publish versions or aliases.
    if (!fn || (target.qualifier !== undefined && target.qualifier !== LATEST)) {
      throw new ResourceNotFoundException(
        FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name, shown)),
      );
    }
    return fn;
  }

  /**
   * Reads code from a request, uploaded or from S3 (before any transaction): a zip within Lambda's size limits,
   * validated and hashed, and stored unless dry.
   */
  private async readCode(ctx: RequestContext, input: CodeInput, dryRun: boolean): Promise<StoredCode> {
    const source = chooseSource(input);
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
    try {
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
        lastModified: lambdaTimestamp(this.clock()),
        revisionId: randomUUID(),
        tags: input.tags,
      };
      const fn = await this.storage.transaction(async () => {
        // Checked again inside the transaction: a concurrent create of the same name may have won meanwhile.
        if (await this.store.get(ctx.accountId, ctx.region, name)) {
          throw new ResourceConflictException(FUNCTION_LOOKUP_MESSAGES.alreadyExists(name));
        }
        // Checked again inside the transaction: a layer version deleted and collected by a concurrent request since
        // it was resolved is refused, never attached as a reference to bytes that are gone.
        await assertLayersStored(this.code, layers);
        await this.code.register(stored);
        return this.store.insert(ctx.accountId, ctx.region, name, fields, layers);
      });
      this.emit("function-created", fn);
      return { fn };
    } finally {
      await this.code.release(stored);
    }
  }

  private async mustGet(ctx: RequestContext, name: string): Promise<FunctionVersion> {
    const fn = await this.store.get(ctx.accountId, ctx.region, name);
    if (!fn) {
      throw new Error(`function ${name} vanished inside its transaction`);
    }
    return fn;
  }

  /** GetFunction / GetFunctionConfiguration. */
  async get(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<FunctionView> {
    const target = this.target(ctx, functionName, qualifier);
    return { fn: await this.existing(ctx, target, true), qualifier: target.qualifier };
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
      const before = await this.existing(ctx, target, false);
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
      return this.mustGet(ctx, before.name);
    });
    // After the commit: files go only once no committed row needs them.
    await this.code.collect();
    this.changed(fn);
    this.emit("function-updated", fn);
    return { fn };
  }

  /** UpdateFunctionCode: new code (or, with DryRun, only its checks). */
  async updateCode(ctx: RequestContext, functionName: string, update: CodeUpdate): Promise<FunctionView> {
    const target = this.target(ctx, functionName);
    const before = await this.existing(ctx, target, false);
    this.checkRevision(before, update.revisionId);
    const stored = await this.readCode(ctx, update.code, update.dryRun);
    try {
      const fn = await this.storage.transaction(async () => {
        // Re-read: another update may have committed while the zip was being stored.
        const current = await this.existing(ctx, target, false);
        this.checkRevision(current, update.revisionId);
        await checkUnzippedTotal(
          this.code,
          stored.unzippedSize,
          current.layers.map((l) => l.sha256Hex),
        );
        if (update.dryRun) {
          return current;
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
        return this.mustGet(ctx, current.name);
      });
      await this.code.collect();
      if (!update.dryRun) {
        this.changed(fn);
        this.emit("function-updated", fn);
      }
      return { fn };
    } finally {
      if (!update.dryRun) {
        await this.code.release(stored);
      }
    }
  }

  /** DeleteFunction: the function and its layer references; blobs nobody else uses go with them. */
  async delete(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<void> {
    const target = this.target(ctx, functionName, qualifier);
    if (target.qualifier === LATEST) {
      throw new InvalidParameterValueException(FUNCTION_LOOKUP_MESSAGES.deleteLatest);
    }
    const fn = await this.store.get(ctx.accountId, ctx.region, target.name);
    if (!fn) {
      // §1: DeleteFunction names the unqualified ARN even when a qualifier was given.
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name)));
    }
    if (target.qualifier !== undefined) {
      throw new ResourceNotFoundException(
        FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name, target.qualifier)),
      );
    }
    await this.storage.transaction(() => this.store.delete(fn.id));
    await this.code.collect();
    this.changed(fn);
    this.emit("function-deleted", fn);
  }

  private emit(kind: ChangeKind, fn: FunctionVersion): void {
    const arn = functionArn({ ...fn, partition: partitionOf(fn.region) });
    const code =
      kind === "function-deleted"
        ? undefined
        : { sha256Hex: fn.sha256Hex, layers: fn.layers.map((l) => l.sha256Hex) };
    this.events?.emit({ kind, arn, accountId: fn.accountId, region: fn.region, ...(code && { code }) });
  }

  private checkRevision(fn: FunctionVersion, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== fn.revisionId) {
      throw new PreconditionFailedException(FUNCTION_LOOKUP_MESSAGES.revisionMismatch);
    }
  }
}
