/**
 * The one place a `FunctionName` (a name, a partial ARN `<acct>:function:<name>` or a full ARN, each optionally
 * with `:<qualifier>`) and a `Qualifier` are turned into what they address: the function, the version and, for an
 * alias, the alias. Every function operation asks here, so qualifiers mean the same everywhere
 * (`docs/reference/aws-deploy-api.md` §1.1, §1.5; texts of `aws-function-api.md` §1).
 *
 * Two steps, so operations with texts of their own can reuse the first: `target` checks the name against the
 * caller (region, account, name/qualifier agreement) without reading storage; `lookup` reads what exists without
 * throwing; `resolve` does both and throws AWS's common 404s.
 */
import { functionArn, LATEST, parseFunctionName } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { Alias, FunctionVersion, Storage } from "../../storage/types.js";

/** AWS's texts for resolving a function (`aws-function-api.md` §1, §6; `aws-deploy-api.md` §1.5). */
export const RESOLVE_MESSAGES = {
  /** The ARN carries the qualifier only when the operation names it (Get* do, Delete and updates do not). */
  notFound: (arn: string) => `Function not found: ${arn}`,
  otherRegion: (arnRegion: string, region: string) =>
    `Functions from '${arnRegion}' are not reachable in this region ('${region}')`,
  qualifierMismatch: "The derived qualifier from the function name does not match the specified qualifier.",
} as const;

/** What a FunctionName and Qualifier name, checked against the caller but not yet looked up. */
export interface FunctionTarget {
  readonly name: string;
  /** From the name or the query (they agree); undefined when neither gave one. */
  readonly qualifier: string | undefined;
}

/** What kind of qualifier a string is: `$LATEST`, a version number, or (anything else) an alias name. */
export type QualifierKind = "latest" | "version" | "alias";

/** Classifies a qualifier. `$latest` in lower case is an alias-like name that never exists (§1.5). */
export function qualifierKind(qualifier: string): QualifierKind {
  if (qualifier === LATEST) {
    return "latest";
  }
  return /^[0-9]+$/.test(qualifier) ? "version" : "alias";
}

/** The largest version number storage is asked about (the columns are 32-bit); beyond it nothing exists. */
const MAX_VERSION = 2 ** 31 - 1;

/** A version number as stored, or undefined for a string no version can have (`01`, out of range). */
export function versionNumber(qualifier: string): number | undefined {
  const n = Number(qualifier);
  return /^[1-9][0-9]*$/.test(qualifier) && n <= MAX_VERSION ? n : undefined;
}

/**
 * Checks a FunctionName against the caller without reading storage: another region's ARN is unreachable (404),
 * another account's is denied with AWS's null message; a qualifier may come from the name or the query, but they
 * must agree (§1.5).
 */
export function resolveTarget(
  ctx: RequestContext,
  functionName: string,
  queryQualifier?: string,
): FunctionTarget {
  const parts = parseFunctionName(functionName);
  if (!parts) {
    throw new ResourceNotFoundException(
      RESOLVE_MESSAGES.notFound(
        functionArn(
          { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId, name: functionName },
          undefined,
        ),
      ),
    );
  }
  if (parts.region !== undefined && parts.region !== ctx.region) {
    throw new ResourceNotFoundException(RESOLVE_MESSAGES.otherRegion(parts.region, ctx.region));
  }
  if (parts.accountId !== undefined && parts.accountId !== ctx.accountId) {
    throw new AccessDeniedException(null);
  }
  if (parts.qualifier !== undefined && queryQualifier !== undefined && parts.qualifier !== queryQualifier) {
    throw new InvalidParameterValueException(RESOLVE_MESSAGES.qualifierMismatch);
  }
  return { name: parts.name, qualifier: parts.qualifier ?? queryQualifier };
}

/** What exists of a target; members are undefined where nothing is there. */
export interface Lookup {
  /** The function's `$LATEST`; undefined when the function does not exist. */
  readonly latest: FunctionVersion | undefined;
  /** The version the qualifier addresses (an alias's target version); `$LATEST` when there is no qualifier. */
  readonly version: FunctionVersion | undefined;
  /** The alias the qualifier names, when it is an alias that exists. */
  readonly alias: Alias | undefined;
}

/** A target that exists: the function, the version addressed and, for an alias, the alias. */
export interface ResolvedFunction {
  readonly target: FunctionTarget;
  readonly latest: FunctionVersion;
  readonly version: FunctionVersion;
  readonly alias: Alias | undefined;
}

/** How a 404 names a missing function: with the qualifier as given (Get*), or unqualified (Delete, updates). */
export type MissingFunctionArn = "as-named" | "unqualified";

/** Resolves function names and qualifiers over storage. */
export class FunctionResolver {
  constructor(private readonly storage: Storage) {}

  /** Checks a FunctionName against the caller (see `resolveTarget`). */
  target(ctx: RequestContext, functionName: string, queryQualifier?: string): FunctionTarget {
    return resolveTarget(ctx, functionName, queryQualifier);
  }

  /** The caller's ARN of a function, qualified when `qualifier` is given. */
  arn(ctx: RequestContext, name: string, qualifier?: string): string {
    return functionArn(
      { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId, name },
      qualifier,
    );
  }

  /** Whether `qualifier` names something of the function: `$LATEST`, a published version or an alias. */
  async qualifierExists(latest: FunctionVersion, qualifier: string): Promise<boolean> {
    if (qualifierKind(qualifier) === "alias") {
      return (await this.storage.aliases.get(latest.id, qualifier)) !== undefined;
    }
    return (await this.version(latest, qualifier)) !== undefined;
  }

  /** An alias of `latest` resolved to the version it points at; undefined when either is gone. */
  async alias(latest: FunctionVersion, name: string): Promise<ResolvedFunction | undefined> {
    const alias = await this.storage.aliases.get(latest.id, name);
    const version = alias && (await this.version(latest, alias.functionVersion));
    return alias && version
      ? { target: { name: latest.name, qualifier: name }, latest, version, alias }
      : undefined;
  }

  /** What exists of the target, without throwing. */
  async lookup(ctx: RequestContext, target: FunctionTarget): Promise<Lookup> {
    const latest = await this.storage.functions.get(ctx.accountId, ctx.region, target.name);
    if (!latest || target.qualifier === undefined) {
      return { latest, version: latest, alias: undefined };
    }
    switch (qualifierKind(target.qualifier)) {
      case "latest":
        return { latest, version: latest, alias: undefined };
      case "version":
        return { latest, version: await this.version(latest, target.qualifier), alias: undefined };
      case "alias": {
        const alias = await this.storage.aliases.get(latest.id, target.qualifier);
        const version = alias && (await this.version(latest, alias.functionVersion));
        return { latest, version, alias };
      }
    }
  }

  /**
   * The function, version and alias a FunctionName and Qualifier address, or AWS's 404: `Function not found:`
   * with the ARN unqualified for a missing function when `missing` says so, and qualified as given otherwise.
   */
  async resolve(
    ctx: RequestContext,
    functionName: string,
    queryQualifier: string | undefined,
    missing: MissingFunctionArn = "as-named",
  ): Promise<ResolvedFunction> {
    const target = this.target(ctx, functionName, queryQualifier);
    const found = await this.lookup(ctx, target);
    if (!found.latest) {
      const shown = missing === "as-named" ? target.qualifier : undefined;
      throw new ResourceNotFoundException(RESOLVE_MESSAGES.notFound(this.arn(ctx, target.name, shown)));
    }
    if (!found.version) {
      throw new ResourceNotFoundException(
        RESOLVE_MESSAGES.notFound(this.arn(ctx, target.name, target.qualifier)),
      );
    }
    return { target, latest: found.latest, version: found.version, alias: found.alias };
  }

  /**
   * The version one invoke runs: for an alias with `AdditionalVersionWeights`, the additional version with its
   * weight's probability, else the alias's own (§4.3 #41: "a simple probabilistic model"). `draw` is in [0, 1).
   */
  async route(resolved: ResolvedFunction, draw: number = Math.random()): Promise<FunctionVersion> {
    const weights = resolved.alias?.additionalVersionWeights;
    if (!weights) {
      return resolved.version;
    }
    let below = 0;
    for (const [version, weight] of Object.entries(weights)) {
      below += weight;
      if (draw < below) {
        // A routed version cannot be deleted while the alias names it (§3.4 #23); if it is gone, the primary runs.
        return (await this.version(resolved.latest, version)) ?? resolved.version;
      }
    }
    return resolved.version;
  }

  /** `$LATEST` or a published version of the function, by qualifier. */
  private async version(latest: FunctionVersion, qualifier: string): Promise<FunctionVersion | undefined> {
    if (qualifier === LATEST) {
      return latest;
    }
    const n = versionNumber(qualifier);
    return n === undefined ? undefined : this.storage.functions.getVersion(latest.id, n);
  }
}
