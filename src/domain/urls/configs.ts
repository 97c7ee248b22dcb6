/**
 * Function URL configs: Create, Get, Update, Delete and List (`docs/reference/aws-deploy-api.md` §11). A function
 * has at most one URL of its own (no qualifier) and one per alias; `$LATEST` and version numbers are refused by
 * the qualifier's pattern (#83), before anything is looked up.
 */
import { ResourceConflictException, ResourceNotFoundException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionUrlConfig, FunctionUrlCors, FunctionVersion, Storage } from "../../storage/types.js";
import type { Clock } from "../../util/clock.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { Violations } from "../../validation.js";
import { arnIn, findFunction, resolveTarget } from "../functions/lookup.js";
import { newUrlId } from "./address.js";
import { urlTargetExists } from "./qualifier.js";

/** AWS's texts for URL configs (§11). */
export const FUNCTION_URL_MESSAGES = {
  /** #82 (two spaces after `message:`, as AWS writes it). */
  exists: (functionArn: string) =>
    `Failed to create function url config for [functionArn = ${functionArn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
  /** #84: Create, Update and List on a missing function or alias. */
  noFunction: "Function does not exist",
  /** #84: Get and Delete on a missing function or alias, and Get/Update/Delete without a config. */
  noResource: "The resource you requested does not exist.",
} as const;

/** The server's pattern for a URL config's qualifier: an alias name, never a version number or `$LATEST` (#83). */
export const URL_QUALIFIER_PATTERN = "((?!^\\d+$)^[0-9a-zA-Z-_]+$)";

/** The members of Create/UpdateFunctionUrlConfig after validation; undefined: not given. */
export interface FunctionUrlInput {
  readonly authType: string | undefined;
  readonly cors: FunctionUrlCors | undefined;
  readonly invokeMode: string | undefined;
}

/** A config with its function, for its wire shape. */
export interface FunctionUrlView {
  readonly fn: FunctionVersion;
  readonly config: FunctionUrlConfig;
}

/** AWS's URL-config timestamps: ISO-8601 in UTC with six fraction digits (`2022-07-07T15:19:41.225854Z`, §1.2). */
export function urlConfigTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Function URL configs over the store. */
export class FunctionUrlService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /**
   * The function and qualifier a call names (§1.5); a qualifier taken from the name must be an alias too (#83:
   * lamina applies the query's pattern to it, which AWS's recordings do not show).
   */
  private target(ctx: RequestContext, functionName: string, qualifier: string | undefined) {
    const target = resolveTarget(ctx, functionName, qualifier);
    if (qualifier === undefined && target.qualifier !== undefined) {
      const v = new Violations();
      v.string(target.qualifier, "qualifier", { max: 128, min: 1, pattern: URL_QUALIFIER_PATTERN });
      v.throwIfAny();
    }
    return target;
  }

  /** The function when it and the alias exist; undefined otherwise. */
  private async existing(
    ctx: RequestContext,
    name: string,
    qualifier: string | undefined,
  ): Promise<FunctionVersion | undefined> {
    const fn = await findFunction(this.storage, ctx, name);
    return fn && (await urlTargetExists(this.storage, fn, qualifier)) ? fn : undefined;
  }

  /** CreateFunctionUrlConfig (#78, #82). */
  async create(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    input: FunctionUrlInput & { readonly authType: string },
  ): Promise<FunctionUrlView> {
    const t = this.target(ctx, functionName, qualifier);
    const now = urlConfigTimestamp(this.clock());
    return this.storage.transaction(async () => {
      const fn = await this.existing(ctx, t.name, t.qualifier);
      if (!fn) {
        throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noFunction);
      }
      if (await this.storage.functionUrls.get(fn.id, t.qualifier)) {
        throw new ResourceConflictException(FUNCTION_URL_MESSAGES.exists(arnIn(ctx, t.name, t.qualifier)));
      }
      const config: FunctionUrlConfig = {
        functionId: fn.id,
        qualifier: t.qualifier,
        urlId: newUrlId(),
        authType: input.authType,
        cors: input.cors,
        invokeMode: input.invokeMode,
        creationTime: now,
        lastModifiedTime: now,
      };
      await this.storage.functionUrls.put(config);
      return { fn, config };
    });
  }

  /** GetFunctionUrlConfig (#79, #84). */
  async get(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
  ): Promise<FunctionUrlView> {
    const t = this.target(ctx, functionName, qualifier);
    const fn = await this.existing(ctx, t.name, t.qualifier);
    const config = fn && (await this.storage.functionUrls.get(fn.id, t.qualifier));
    if (!fn || !config) {
      throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noResource);
    }
    return { fn, config };
  }

  /** UpdateFunctionUrlConfig: members not given are kept; CreationTime stays (#80). */
  async update(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    input: FunctionUrlInput,
  ): Promise<FunctionUrlView> {
    const t = this.target(ctx, functionName, qualifier);
    const now = urlConfigTimestamp(this.clock());
    return this.storage.transaction(async () => {
      const fn = await this.existing(ctx, t.name, t.qualifier);
      if (!fn) {
        throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noFunction);
      }
      const before = await this.storage.functionUrls.get(fn.id, t.qualifier);
      if (!before) {
        throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noResource);
      }
      const config: FunctionUrlConfig = {
        ...before,
        authType: input.authType ?? before.authType,
        cors: input.cors ?? before.cors,
        invokeMode: input.invokeMode ?? before.invokeMode,
        lastModifiedTime: now,
      };
      await this.storage.functionUrls.put(config);
      return { fn, config };
    });
  }

  /** DeleteFunctionUrlConfig: only the URL named; without a qualifier the alias URLs stay (#87). */
  async delete(ctx: RequestContext, functionName: string, qualifier: string | undefined): Promise<void> {
    const t = this.target(ctx, functionName, qualifier);
    await this.storage.transaction(async () => {
      const fn = await this.existing(ctx, t.name, t.qualifier);
      if (!fn || !(await this.storage.functionUrls.delete(fn.id, t.qualifier))) {
        throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noResource);
      }
    });
  }

  /** ListFunctionUrlConfigs: every URL of the function, at most 50 a page (#88; the order is AWS's to choose). */
  async list(
    ctx: RequestContext,
    functionName: string,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ items: FunctionUrlView[]; nextMarker: string | undefined }> {
    const t = resolveTarget(ctx, functionName);
    const fn = await findFunction(this.storage, ctx, t.name);
    if (!fn) {
      throw new ResourceNotFoundException(FUNCTION_URL_MESSAGES.noFunction);
    }
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = Math.min(maxItems ?? 50, 50);
    const found = await this.storage.functionUrls.list(fn.id, after, limit + 1);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((config) => ({ fn, config })),
      nextMarker: found.length > limit && last ? encodeMarker(last.urlId) : undefined,
    };
  }
}
