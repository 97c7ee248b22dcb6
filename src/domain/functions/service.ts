/**
 * The rules of functions: names and ARNs, create/update/delete, RevisionId preconditions, and the layer snapshot a
 * function keeps (`../shared/DESIGN.md` §3). Texts: `docs/reference/aws-function-api.md` (section numbers below).
 */
import { randomUUID } from "node:crypto";
import { functionArn, parseFunctionName } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  PreconditionFailedException,
  RequestEntityTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { LayerService } from "../layers/service.js";
import { LAYER_MESSAGES } from "../layers/service.js";
import type { CodeStore, StoredCode } from "../../storage/code.js";
import { lambdaTimestamp, type Clock } from "../../util/clock.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { checkUnzippedTotal, resolveLayers } from "./layer-resolution.js";
import { defaultLoggingConfig } from "../../protocols/lambda/function-shapes.js";
import type {
  FunctionFields,
  FunctionLayerRow,
  FunctionRow,
  FunctionStore,
} from "../../storage/sqlite/functions.js";
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
  deleteLatest: "$LATEST version cannot be deleted without deleting the function.",
  /** §9. */
  zippedTooLarge: `Zipped size must be smaller than ${MAX_ZIPPED_SIZE} bytes`,
} as const;

/** A function and the layers it holds. */
export interface FunctionView {
  readonly row: FunctionRow;
  readonly layers: FunctionLayerRow[];
  /** The qualifier the caller named, echoed in `FunctionArn`. */
  readonly qualifier?: string | undefined;
}

/** Where a request's code comes from. */
export interface CodeInput {
  readonly zipFile: Buffer | undefined;
  readonly s3Bucket: string | undefined;
}

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
  constructor(
    private readonly store: FunctionStore,
    private readonly code: CodeStore,
    private readonly layers: LayerService,
    private readonly clock: Clock,
    private readonly runtimePolicy: RuntimePolicy,
    /** Told when a function's configuration or code changes or it is deleted (its environments retire). */
    private readonly changed: (functionKey: string) => void = () => undefined,
  ) {}

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
  private existing(ctx: RequestContext, target: FunctionTarget, echoQualifier: boolean): FunctionRow {
    const row = this.store.get(ctx.accountId, ctx.region, target.name);
    const shown = echoQualifier ? target.qualifier : undefined;
    // Only $LATEST exists: lamina does not publish versions or aliases.
    if (!row || (target.qualifier !== undefined && target.qualifier !== "$LATEST")) {
      throw new ResourceNotFoundException(
        FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name, shown)),
      );
    }
    return row;
  }

  private view(row: FunctionRow, qualifier?: string): FunctionView {
    return { row, layers: this.store.layers(row.id), qualifier };
  }

  /** Reads code from a request: a zip within Lambda's size limits, validated and hashed. */
  private async readCode(input: CodeInput, dryRun: boolean): Promise<StoredCode> {
    if (!input.zipFile) {
      throw new InvalidParameterValueException(
        input.s3Bucket !== undefined ? LAYER_MESSAGES.noSuchBucket : FUNCTION_MESSAGES.noCodeSource,
      );
    }
    if (input.zipFile.length > MAX_ZIPPED_SIZE) {
      throw new RequestEntityTooLargeException(FUNCTION_LOOKUP_MESSAGES.zippedTooLarge);
    }
    return dryRun ? this.code.inspect(input.zipFile) : this.code.ingest(input.zipFile);
  }

  /** CreateFunction. */
  async create(ctx: RequestContext, input: CreateInput): Promise<FunctionView> {
    const { name } = this.target(ctx, input.functionName);
    if (input.runtime === undefined || input.handler === undefined) {
      throw new InvalidParameterValueException(FUNCTION_MESSAGES.runtimeAndHandlerRequired);
    }
    checkRuntime(input.runtime, this.runtimePolicy);
    checkEnvironment(input.environment);
    if (this.store.get(ctx.accountId, ctx.region, name)) {
      throw new ResourceConflictException(FUNCTION_LOOKUP_MESSAGES.alreadyExists(name));
    }
    const stored = await this.readCode(input.code, false);
    try {
      const layers = resolveLayers(ctx, input.layers ?? [], this.layers, this.code, stored.unzippedSize);
      const fields: FunctionFields = {
        runtime: input.runtime,
        handler: input.handler,
        role: input.role,
        description: input.description ?? "",
        timeout: input.timeout ?? 3,
        memory_size: input.memorySize ?? 128,
        environment: input.environment ? JSON.stringify(input.environment) : null,
        architectures: JSON.stringify(input.architectures ?? ["x86_64"]),
        tracing_mode: input.tracingMode ?? "PassThrough",
        ephemeral_storage: input.ephemeralStorage ?? 512,
        logging_config: JSON.stringify({ ...defaultLoggingConfig(name), ...input.loggingConfig }),
        code_sha256: stored.sha256Hex,
        code_size: stored.codeSize,
        last_modified: lambdaTimestamp(this.clock()),
        revision_id: randomUUID(),
        tags: input.tags && Object.keys(input.tags).length > 0 ? JSON.stringify(input.tags) : null,
      };
      return this.store.transaction(() => {
        // Checked again inside the transaction: a concurrent create of the same name may have won meanwhile.
        if (this.store.get(ctx.accountId, ctx.region, name)) {
          throw new ResourceConflictException(FUNCTION_LOOKUP_MESSAGES.alreadyExists(name));
        }
        this.code.register(stored);
        const id = this.store.insert(ctx.accountId, ctx.region, name, fields);
        this.store.setLayers(id, layers);
        return this.view(this.mustGet(ctx, name));
      });
    } finally {
      this.code.release(stored);
    }
  }

  private mustGet(ctx: RequestContext, name: string): FunctionRow {
    const row = this.store.get(ctx.accountId, ctx.region, name);
    if (!row) {
      throw new Error(`function ${name} vanished inside its transaction`);
    }
    return row;
  }

  /** GetFunction / GetFunctionConfiguration. */
  get(ctx: RequestContext, functionName: string, qualifier: string | undefined): FunctionView {
    const target = this.target(ctx, functionName, qualifier);
    return this.view(this.existing(ctx, target, true), target.qualifier);
  }

  /** ListFunctions: the caller's functions in its region, by name, at most 50 a page (§11). */
  list(
    ctx: RequestContext,
    marker: string | undefined,
    maxItems: number | undefined,
  ): { items: FunctionView[]; nextMarker: string | undefined } {
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = Math.min(maxItems ?? 50, 50);
    const rows = this.store.list(ctx.accountId, ctx.region, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => this.view(row)),
      nextMarker: rows.length > limit && last ? encodeMarker(last.name) : undefined,
    };
  }

  /** UpdateFunctionConfiguration: members given replace the stored ones; `Layers` re-resolves the snapshot. */
  updateConfiguration(ctx: RequestContext, functionName: string, update: ConfigurationUpdate): FunctionView {
    const target = this.target(ctx, functionName);
    const view = this.store.transaction(() => {
      const row = this.existing(ctx, target, false);
      this.checkRevision(row, update.revisionId);
      checkRuntime(update.runtime, this.runtimePolicy);
      checkEnvironment(update.environment);
      const layers =
        update.layers === undefined
          ? undefined
          : resolveLayers(
              ctx,
              update.layers,
              this.layers,
              this.code,
              this.code.unzippedSize(row.code_sha256),
            );
      const fields: FunctionFields = {
        ...row,
        runtime: update.runtime ?? row.runtime,
        handler: update.handler ?? row.handler,
        role: update.role ?? row.role,
        description: update.description ?? row.description,
        timeout: update.timeout ?? row.timeout,
        memory_size: update.memorySize ?? row.memory_size,
        environment: update.environment ? JSON.stringify(update.environment) : row.environment,
        tracing_mode: update.tracingMode ?? row.tracing_mode,
        ephemeral_storage: update.ephemeralStorage ?? row.ephemeral_storage,
        logging_config: update.loggingConfig
          ? JSON.stringify({ ...(JSON.parse(row.logging_config) as object), ...update.loggingConfig })
          : row.logging_config,
        last_modified: lambdaTimestamp(this.clock()),
        revision_id: randomUUID(),
      };
      this.store.update(row.id, fields);
      if (layers) {
        this.store.setLayers(row.id, layers);
      }
      return this.view(this.mustGet(ctx, row.name));
    });
    // After the commit: files go only once no committed row needs them.
    this.code.collect();
    this.changed(functionKey(view.row));
    return view;
  }

  /** UpdateFunctionCode: new code (or, with DryRun, only its checks). */
  async updateCode(ctx: RequestContext, functionName: string, update: CodeUpdate): Promise<FunctionView> {
    const target = this.target(ctx, functionName);
    const before = this.existing(ctx, target, false);
    this.checkRevision(before, update.revisionId);
    const stored = await this.readCode(update.code, update.dryRun);
    try {
      const view = this.store.transaction(() => {
        // Re-read: another update may have committed while the zip was being stored.
        const row = this.existing(ctx, target, false);
        this.checkRevision(row, update.revisionId);
        const layers = this.store.layers(row.id);
        checkUnzippedTotal(
          this.code,
          stored.unzippedSize,
          layers.map((l) => l.code_sha256),
        );
        if (update.dryRun) {
          return this.view(row);
        }
        this.code.register(stored);
        this.store.update(row.id, {
          ...row,
          architectures: update.architectures ? JSON.stringify(update.architectures) : row.architectures,
          code_sha256: stored.sha256Hex,
          code_size: stored.codeSize,
          last_modified: lambdaTimestamp(this.clock()),
          revision_id: randomUUID(),
        });
        return this.view(this.mustGet(ctx, row.name));
      });
      this.code.collect();
      if (!update.dryRun) {
        this.changed(functionKey(view.row));
      }
      return view;
    } finally {
      if (!update.dryRun) {
        this.code.release(stored);
      }
    }
  }

  /** DeleteFunction: the function and its layer references; blobs nobody else uses go with them. */
  delete(ctx: RequestContext, functionName: string, qualifier: string | undefined): void {
    const target = this.target(ctx, functionName, qualifier);
    if (target.qualifier === "$LATEST") {
      throw new InvalidParameterValueException(FUNCTION_LOOKUP_MESSAGES.deleteLatest);
    }
    const row = this.store.get(ctx.accountId, ctx.region, target.name);
    if (!row) {
      // §1: DeleteFunction names the unqualified ARN even when a qualifier was given.
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name)));
    }
    if (target.qualifier !== undefined) {
      throw new ResourceNotFoundException(
        FUNCTION_LOOKUP_MESSAGES.notFound(this.arn(ctx, target.name, target.qualifier)),
      );
    }
    this.store.transaction(() => this.store.delete(row.id));
    this.code.collect();
    this.changed(functionKey(row));
  }

  private checkRevision(row: FunctionRow, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== row.revision_id) {
      throw new PreconditionFailedException(FUNCTION_LOOKUP_MESSAGES.revisionMismatch);
    }
  }
}

/** The key of a function's execution environments: account, region and name. */
export function functionKey(row: Pick<FunctionRow, "account_id" | "region" | "name">): string {
  return `${row.account_id}/${row.region}/${row.name}`;
}
