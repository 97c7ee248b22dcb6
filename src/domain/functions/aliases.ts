/**
 * Function aliases (`docs/reference/aws-deploy-api.md` §4): a name pointing at `$LATEST` or a published version,
 * optionally sending a weighted share of invokes to one more version. Create, Get, List, Update and Delete with
 * AWS's texts; routing at invoke is `FunctionResolver.route`.
 */
import { randomUUID } from "node:crypto";
import { LATEST } from "../../arn.js";
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { Alias, FunctionVersion, Storage } from "../../storage/types.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import { RESOLVE_MESSAGES, versionNumber, type FunctionResolver } from "./resolve.js";
import { VERSION_MESSAGES } from "./versions.js";

/** AWS's texts about aliases (§4.2, §4.3). */
export const ALIAS_MESSAGES = {
  /** #28. */
  alreadyExists: (aliasArn: string) => `Alias already exists: ${aliasArn}`,
  /** #31, GetAlias. */
  cannotFind: (aliasArn: string) => `Cannot find alias arn: ${aliasArn}`,
  /** #31, UpdateAlias. */
  notFound: (aliasArn: string) => `Alias not found: ${aliasArn}`,
  /** #35. */
  tooManyWeights: "Number of items in AdditionalVersionWeights cannot be greater than 1",
  /** #38. */
  versionInRouting: (version: string) =>
    `Invalid function version ${version}. Function version ${version} is already included in routing configuration.`,
  /** #39 (sent without `Type`). */
  latestWithRouting: `${LATEST} is not supported for an alias pointing to more than 1 version`,
} as const;

/** §1.4: this InvalidParameterValueException's body carries only `message`, no `Type`. */
class UntypedInvalidParameterValueException extends InvalidParameterValueException {
  override readonly type = undefined;
}

/** CreateAlias's and UpdateAlias's members after validation; undefined members are not given. */
export interface AliasInput {
  readonly functionVersion: string | undefined;
  readonly description: string | undefined;
  /** `RoutingConfig.AdditionalVersionWeights`; `{}` given means "no routing". */
  readonly weights: Readonly<Record<string, number>> | undefined;
  readonly revisionId?: string | undefined;
}

/** An alias with the function it belongs to, for its ARN. */
export interface AliasView {
  readonly fn: FunctionVersion;
  readonly alias: Alias;
}

/** ListAliases returns at most 50 items a page (INFERRED, as ListVersionsByFunction; not recorded). */
const MAX_ALIASES_PAGE = 50;

/** The alias operations. */
export class AliasService {
  constructor(
    private readonly storage: Storage,
    private readonly resolver: FunctionResolver,
  ) {}

  /** CreateAlias (§4.2 #25–#30, §4.3 #35–#39). */
  async create(
    ctx: RequestContext,
    functionName: string,
    name: string,
    input: AliasInput,
  ): Promise<AliasView> {
    const target = this.resolver.target(ctx, functionName);
    const functionVersion = input.functionVersion ?? LATEST;
    const weights = routingOf(input.weights);
    checkRouting(functionVersion, weights);
    return this.storage.transaction(async () => {
      const fn = await this.storage.functions.get(ctx.accountId, ctx.region, target.name);
      if (!fn) {
        // #30: a missing function is named with the version asked for.
        throw new ResourceNotFoundException(
          RESOLVE_MESSAGES.notFound(this.resolver.arn(ctx, target.name, functionVersion)),
        );
      }
      await this.checkVersionsExist(ctx, fn, functionVersion, weights);
      if (await this.storage.aliases.get(fn.id, name)) {
        throw new ResourceConflictException(
          ALIAS_MESSAGES.alreadyExists(this.resolver.arn(ctx, fn.name, name)),
        );
      }
      const alias: Alias = {
        functionId: fn.id,
        name,
        functionVersion,
        description: input.description ?? "",
        revisionId: randomUUID(),
        additionalVersionWeights: weights,
      };
      await this.storage.aliases.insert(alias);
      return { fn, alias };
    });
  }

  /** GetAlias (#31: a missing alias is `Cannot find alias arn:`). */
  async get(ctx: RequestContext, functionName: string, name: string): Promise<AliasView> {
    const fn = await this.function(ctx, functionName);
    const alias = await this.storage.aliases.get(fn.id, name);
    if (!alias) {
      throw new ResourceNotFoundException(ALIAS_MESSAGES.cannotFind(this.resolver.arn(ctx, fn.name, name)));
    }
    return { fn, alias };
  }

  /** ListAliases: by name, optionally only those pointing at `functionVersion` (#33). */
  async list(
    ctx: RequestContext,
    functionName: string,
    functionVersion: string | undefined,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ fn: FunctionVersion; items: Alias[]; nextMarker: string | undefined }> {
    const fn = await this.function(ctx, functionName);
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = Math.min(maxItems ?? MAX_ALIASES_PAGE, MAX_ALIASES_PAGE);
    const found = await this.storage.aliases.list(fn.id, functionVersion, after, limit + 1);
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return { fn, items, nextMarker: found.length > limit && last ? encodeMarker(last.name) : undefined };
  }

  /** UpdateAlias: members given replace the stored ones, and every update gets a new RevisionId (#32). */
  async update(
    ctx: RequestContext,
    functionName: string,
    name: string,
    input: AliasInput,
  ): Promise<AliasView> {
    const target = this.resolver.target(ctx, functionName);
    return this.storage.transaction(async () => {
      const fn = await this.mustFunction(ctx, target.name);
      const before = await this.storage.aliases.get(fn.id, name);
      if (!before) {
        throw new ResourceNotFoundException(ALIAS_MESSAGES.notFound(this.resolver.arn(ctx, fn.name, name)));
      }
      if (input.revisionId !== undefined && input.revisionId !== before.revisionId) {
        throw new PreconditionFailedException(VERSION_MESSAGES.revisionMismatch);
      }
      const functionVersion = input.functionVersion ?? before.functionVersion;
      // Not recorded whether moving the version alone keeps the routing (#32); it is kept, as for Description.
      const weights =
        input.weights === undefined ? before.additionalVersionWeights : routingOf(input.weights);
      checkRouting(functionVersion, weights);
      await this.checkVersionsExist(ctx, fn, functionVersion, weights);
      const alias: Alias = {
        ...before,
        functionVersion,
        description: input.description ?? before.description,
        revisionId: randomUUID(),
        additionalVersionWeights: weights,
      };
      await this.storage.aliases.update(alias);
      return { fn, alias };
    });
  }

  /** DeleteAlias: 204 whether or not the alias existed (#31). */
  async delete(ctx: RequestContext, functionName: string, name: string): Promise<void> {
    const target = this.resolver.target(ctx, functionName);
    await this.storage.transaction(async () => {
      const fn = await this.mustFunction(ctx, target.name);
      await this.storage.aliases.delete(fn.id, name);
      // The alias's function URL goes with it (aws-deploy-api.md §11 #87): a new alias of the name gets a new one.
      await this.storage.functionUrls.delete(fn.id, name);
    });
  }

  /** The function a FunctionName names ($LATEST), or AWS's unqualified 404. */
  private async function(ctx: RequestContext, functionName: string): Promise<FunctionVersion> {
    return this.mustFunction(ctx, this.resolver.target(ctx, functionName).name);
  }

  private async mustFunction(ctx: RequestContext, name: string): Promise<FunctionVersion> {
    const fn = await this.storage.functions.get(ctx.accountId, ctx.region, name);
    if (!fn) {
      throw new ResourceNotFoundException(RESOLVE_MESSAGES.notFound(this.resolver.arn(ctx, name)));
    }
    return fn;
  }

  /** The alias's version and every routed version exist (#29: each missing one named as `<fn-arn>:<ver>`). */
  private async checkVersionsExist(
    ctx: RequestContext,
    fn: FunctionVersion,
    functionVersion: string,
    weights: Readonly<Record<string, number>> | undefined,
  ): Promise<void> {
    for (const version of [functionVersion, ...Object.keys(weights ?? {})]) {
      if (version === LATEST) {
        continue;
      }
      const n = versionNumber(version);
      if (n === undefined || !(await this.storage.functions.getVersion(fn.id, n))) {
        throw new ResourceNotFoundException(
          RESOLVE_MESSAGES.notFound(this.resolver.arn(ctx, fn.name, version)),
        );
      }
    }
  }
}

/** `{}` means no routing (#32, and CreateAlias answers without RoutingConfig, §4.1). */
function routingOf(
  weights: Readonly<Record<string, number>> | undefined,
): Readonly<Record<string, number>> | undefined {
  return weights && Object.keys(weights).length > 0 ? weights : undefined;
}

/** The routing rules AWS checks before looking anything up (#35, #39, #38), in that order (INFERRED). */
function checkRouting(functionVersion: string, weights: Readonly<Record<string, number>> | undefined): void {
  if (!weights) {
    return;
  }
  if (Object.keys(weights).length > 1) {
    throw new InvalidParameterValueException(ALIAS_MESSAGES.tooManyWeights);
  }
  if (functionVersion === LATEST) {
    throw new UntypedInvalidParameterValueException(ALIAS_MESSAGES.latestWithRouting);
  }
  if (weights[functionVersion] !== undefined) {
    throw new InvalidParameterValueException(ALIAS_MESSAGES.versionInRouting(functionVersion));
  }
}
