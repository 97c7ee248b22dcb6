/**
 * Function tags: TagResource, UntagResource and ListTags (`docs/reference/aws-deploy-api.md` §6). Tags belong to
 * the function (never a version or alias) and live in its `$LATEST` record; each change gives `$LATEST` a new
 * RevisionId, as AWS does (§1.3).
 */
import { randomUUID } from "node:crypto";
import { functionArn, parseFunctionName, partitionOf } from "../../arn.js";
import { InvalidParameterValueException, ResourceNotFoundException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { FunctionVersion, Storage } from "../../storage/types.js";
import type { ChangeKind, EventBus } from "../../util/events.js";
import { arnIn, findFunction, resolveTarget } from "./lookup.js";
import { FUNCTION_LOOKUP_MESSAGES } from "./service.js";

/** The most tags a function may hold (§6 #60). */
export const MAX_TAGS = 50;

/** AWS's texts for tags (§6). */
export const TAG_MESSAGES = {
  /** #56. */
  qualified: "Tags on function aliases and versions are not supported. Please specify a function ARN.",
  /** #59: `Tags={}`. */
  emptyTags: "An error occurred and the request cannot be processed.",
  /** #60. */
  tooMany: "Number of tags exceeds resource tag limit.",
  /**
   * Not recorded: lamina keeps no taggable layer, code-signing config, event source mapping or capacity provider,
   * so their ARNs are answered as resources that do not exist.
   */
  otherResource: (arn: string) => `Resource not found: ${arn}`,
} as const;

/** The server's pattern for a taggable resource (§6 #58), quoted in its ValidationException. */
export const TAGGABLE_RESOURCE_PATTERN =
  "arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)";

/** Refuses a tag map over the limit (CreateFunction and TagResource). */
export function checkTagCount(tags: Readonly<Record<string, string>> | undefined): void {
  if (tags && Object.keys(tags).length > MAX_TAGS) {
    throw new InvalidParameterValueException(TAG_MESSAGES.tooMany);
  }
}

/** Tag operations over the functions' store. */
export class TagService {
  constructor(
    private readonly storage: Storage,
    /** Told of each change (the explorer's live updates). */
    private readonly events?: EventBus,
  ) {}

  /** The function a taggable resource ARN (already matching its pattern) names, checked as AWS does (§6 #56–#57). */
  private async function(ctx: RequestContext, resource: string): Promise<FunctionVersion> {
    if (!/:function:/.test(resource)) {
      throw new ResourceNotFoundException(TAG_MESSAGES.otherResource(resource));
    }
    if (parseFunctionName(resource)?.qualifier !== undefined) {
      throw new InvalidParameterValueException(TAG_MESSAGES.qualified);
    }
    const target = resolveTarget(ctx, resource);
    const fn = await findFunction(this.storage, ctx, target.name);
    if (!fn) {
      throw new ResourceNotFoundException(FUNCTION_LOOKUP_MESSAGES.notFound(arnIn(ctx, target.name)));
    }
    return fn;
  }

  /** ListTags: the function's tags, `{}` when it has none. */
  async list(ctx: RequestContext, resource: string): Promise<Record<string, string>> {
    return { ...(await this.function(ctx, resource)).tags };
  }

  /** TagResource: merges `tags` into the function's, overwriting keys it already has. */
  async tag(ctx: RequestContext, resource: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.function(ctx, resource);
    if (Object.keys(tags).length === 0) {
      throw new InvalidParameterValueException(TAG_MESSAGES.emptyTags);
    }
    await this.change(ctx, resource, (current) => {
      const next = { ...current, ...tags };
      checkTagCount(next);
      return next;
    });
  }

  /** UntagResource: removes the keys; keys the function does not have are ignored. */
  async untag(ctx: RequestContext, resource: string, keys: readonly string[]): Promise<void> {
    await this.function(ctx, resource);
    await this.change(ctx, resource, (current) =>
      Object.fromEntries(Object.entries(current).filter(([k]) => !keys.includes(k))),
    );
  }

  /** Rewrites the tags inside one transaction, with a new RevisionId for `$LATEST` (§1.3). */
  private async change(
    ctx: RequestContext,
    resource: string,
    edit: (current: Readonly<Record<string, string>>) => Record<string, string>,
  ): Promise<void> {
    const fn = await this.storage.transaction(async () => {
      const current = await this.function(ctx, resource);
      const tags = edit(current.tags ?? {});
      await this.storage.functions.update(current.id, { ...current, tags, revisionId: randomUUID() });
      return current;
    });
    this.emit("function-updated", fn);
  }

  private emit(kind: ChangeKind, fn: FunctionVersion): void {
    const arn = functionArn({ ...fn, partition: partitionOf(fn.region) });
    this.events?.emit({ kind, arn, accountId: fn.accountId, region: fn.region });
  }
}
