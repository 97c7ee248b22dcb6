/**
 * AddPermission / GetPolicy / RemovePermission on a function, a version or an alias, and the check that lets a
 * caller of another account read or invoke a function its policy allows. Sid uniqueness, the size limit and the
 * RevisionId precondition are checked in the same transaction as the write. `docs/reference/aws-deploy-api.md` §5.
 */
import { randomUUID } from "node:crypto";
import { functionArn, LATEST, parseFunctionName } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  PolicyLengthExceededException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { OrganizationDirectory } from "../../identity/organizations.js";
import type { FunctionPolicy, FunctionVersion, Storage } from "../../storage/types.js";
import { policyDocument } from "../layers/policy.js";
import { arnIn, findFunction, resolveTarget } from "./lookup.js";
import { FunctionResolver } from "./resolve.js";
import {
  allowsCaller,
  allowsUrlCaller,
  buildStatement,
  canonicalPrincipal,
  FUNCTION_POLICY_MESSAGES,
  isAliasShaped,
  MAX_POLICY_SIZE,
  type PermissionInput,
  type PolicyCaller,
} from "./policy.js";
import { FUNCTION_LOOKUP_MESSAGES } from "./service.js";

/** The key of the unqualified function's policy (`$LATEST` has none of its own, §5.2 #46). */
const UNQUALIFIED = "";

/** The resource a policy belongs to: its storage key, and the RevisionId AddPermission checks before it has one. */
interface PolicyResource {
  readonly key: string;
  readonly revisionId: string;
}

/**
 * The policy resource a qualifier names on `fn`, undefined when the qualifier names nothing: the unqualified
 * function (and `$LATEST`, which runs under it) share one policy, each version and alias has its own (§5.2 #44,
 * #51). Which qualifiers exist is the resolver's to say. Before a resource has a policy, AddPermission's RevisionId
 * is checked against the resource's own: the function's, the version's, or the alias's (#49 records the alias's;
 * the version's is INFERRED the same).
 */
async function policyResource(
  resolver: FunctionResolver,
  ctx: RequestContext,
  fn: FunctionVersion,
  qualifier: string | undefined,
): Promise<PolicyResource | undefined> {
  if (qualifier === undefined || qualifier === LATEST) {
    return { key: UNQUALIFIED, revisionId: fn.revisionId };
  }
  const found = await resolver.lookup(ctx, { name: fn.name, qualifier });
  if (found.alias) {
    return { key: found.alias.name, revisionId: found.alias.revisionId };
  }
  // A version's key is its number as ARNs write it; the resolver finds none for `01` or out-of-range numbers.
  return found.version && { key: found.version.qualifier, revisionId: found.version.revisionId };
}

/** The statement JSON AddPermission answers. */
export interface AddedPermission {
  readonly statement: string;
}

/** The policy operations of functions, and the cross-account check of reads and invokes. */
export class FunctionPermissionService {
  private readonly resolver: FunctionResolver;

  constructor(
    private readonly storage: Storage,
    private readonly organizations: OrganizationDirectory,
  ) {
    this.resolver = new FunctionResolver(storage);
  }

  /** The 404 for a qualifier that names nothing (#48): a missing alias, or a missing version. */
  private missingQualifier(ctx: RequestContext, name: string, qualifier: string): ResourceNotFoundException {
    const arn = arnIn(ctx, name, qualifier);
    return new ResourceNotFoundException(
      isAliasShaped(qualifier)
        ? FUNCTION_POLICY_MESSAGES.aliasNotFound(arn)
        : FUNCTION_LOOKUP_MESSAGES.notFound(arn),
    );
  }

  /** AddPermission → the new statement. */
  async add(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    input: PermissionInput,
  ): Promise<AddedPermission> {
    const target = resolveTarget(ctx, functionName, qualifier);
    if (target.qualifier === LATEST) {
      throw new InvalidParameterValueException(FUNCTION_POLICY_MESSAGES.latestUnsupported);
    }
    const principal = canonicalPrincipal(input.principal, ctx.partition);
    if (principal === undefined) {
      throw new InvalidParameterValueException(FUNCTION_POLICY_MESSAGES.invalidPrincipal);
    }
    return this.storage.transaction(async () => {
      const fn = await findFunction(this.storage, ctx, target.name);
      if (!fn) {
        throw new ResourceNotFoundException(
          FUNCTION_LOOKUP_MESSAGES.notFound(arnIn(ctx, target.name, target.qualifier)),
        );
      }
      const resource = await policyResource(this.resolver, ctx, fn, target.qualifier);
      if (!resource) {
        throw this.missingQualifier(ctx, target.name, target.qualifier ?? LATEST);
      }
      const policy = await this.storage.functionPolicies.get(fn.id, resource.key);
      // Before a resource has a policy, its own RevisionId is the one to name (#49).
      if (
        input.revisionId !== undefined &&
        input.revisionId !== (policy?.revisionId ?? resource.revisionId)
      ) {
        throw new PreconditionFailedException(FUNCTION_POLICY_MESSAGES.revisionMismatch);
      }
      if (policy?.statements.some((s) => s.sid === input.statementId)) {
        throw new ResourceConflictException(FUNCTION_POLICY_MESSAGES.duplicateSid(input.statementId));
      }
      const statement = buildStatement(input, principal, arnIn(ctx, target.name, target.qualifier));
      const size = Buffer.byteLength(policyDocument([...(policy?.statements ?? []), statement]));
      if (size > MAX_POLICY_SIZE) {
        throw new PolicyLengthExceededException(FUNCTION_POLICY_MESSAGES.tooLong(size));
      }
      await this.storage.functionPolicies.addStatement(fn.id, resource.key, statement, randomUUID());
      return { statement: statement.statement };
    });
  }

  /** GetPolicy → the policy document and its RevisionId (#43, #51). */
  async get(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
  ): Promise<{ policy: string; revisionId: string }> {
    const target = resolveTarget(ctx, functionName, qualifier);
    const fn = await findFunction(this.storage, ctx, target.name);
    const resource = fn && (await policyResource(this.resolver, ctx, fn, target.qualifier));
    const policy = resource && (await this.storage.functionPolicies.get(fn.id, resource.key));
    if (!policy) {
      throw new ResourceNotFoundException(FUNCTION_POLICY_MESSAGES.noResource);
    }
    return { policy: policyDocument(policy.statements), revisionId: policy.revisionId };
  }

  /** RemovePermission; the last statement's removal leaves the resource without a policy (#52). */
  async remove(
    ctx: RequestContext,
    functionName: string,
    qualifier: string | undefined,
    statementId: string,
    revisionId: string | undefined,
  ): Promise<void> {
    const target = resolveTarget(ctx, functionName, qualifier);
    await this.storage.transaction(async () => {
      const fn = await findFunction(this.storage, ctx, target.name);
      if (!fn) {
        throw new ResourceNotFoundException(
          FUNCTION_POLICY_MESSAGES.noPolicyFound(arnIn(ctx, target.name, target.qualifier)),
        );
      }
      const resource = await policyResource(this.resolver, ctx, fn, target.qualifier);
      if (!resource) {
        throw this.missingQualifier(ctx, target.name, target.qualifier ?? LATEST);
      }
      const policy = await this.storage.functionPolicies.get(fn.id, resource.key);
      if (!policy) {
        throw new ResourceNotFoundException(FUNCTION_POLICY_MESSAGES.noPolicy);
      }
      if (revisionId !== undefined && revisionId !== policy.revisionId) {
        throw new PreconditionFailedException(FUNCTION_POLICY_MESSAGES.revisionMismatch);
      }
      if (
        !(await this.storage.functionPolicies.removeStatement(fn.id, resource.key, statementId, randomUUID()))
      ) {
        throw new ResourceNotFoundException(FUNCTION_POLICY_MESSAGES.statementNotFound(statementId));
      }
    });
  }

  /**
   * The context to read or invoke `functionName` under. The caller's own functions, other regions' and malformed
   * names: the caller's context, unchanged (the function service answers them). A full ARN of another account in
   * the caller's region: when that function's policy for the qualifier addressed allows `action` to the caller,
   * the owner's account with the caller's identity kept; otherwise AWS's AccessDeniedException, also when the
   * function or qualifier does not exist, so a denied caller learns nothing of what the account holds (§5.3).
   */
  async contextFor(
    ctx: RequestContext,
    functionName: string,
    queryQualifier: string | undefined,
    action: string,
  ): Promise<RequestContext> {
    const parts = parseFunctionName(functionName);
    if (
      parts?.accountId === undefined ||
      parts.accountId === ctx.accountId ||
      (parts.region !== undefined && parts.region !== ctx.region) ||
      (parts.qualifier !== undefined && queryQualifier !== undefined && parts.qualifier !== queryQualifier)
    ) {
      return ctx;
    }
    const owner: RequestContext = { ...ctx, accountId: parts.accountId };
    const qualifier = parts.qualifier ?? queryQualifier;
    const fn = await findFunction(this.storage, owner, parts.name);
    const resource = fn && (await policyResource(this.resolver, owner, fn, qualifier));
    const policy: FunctionPolicy | undefined =
      resource && (await this.storage.functionPolicies.get(fn.id, resource.key));
    if (await allowsCaller(policy, ctx, action, this.organizations)) {
      return owner;
    }
    const resourceArn = functionArn(
      { partition: ctx.partition, region: ctx.region, accountId: parts.accountId, name: parts.name },
      qualifier,
    );
    throw new AccessDeniedException(
      FUNCTION_POLICY_MESSAGES.accessDenied(ctx.callerArn, action, resourceArn),
    );
  }

  /**
   * Whether the policy of a function URL's resource (the function's for its own URL, the alias's for an alias's
   * URL) lets `caller` call the URL, whose AuthType is `authType`; `caller` is undefined for an anonymous call
   * (§12.3).
   */
  async allowsUrlCall(
    functionId: number,
    qualifier: string | undefined,
    authType: string,
    caller: PolicyCaller | undefined,
  ): Promise<boolean> {
    const policy = await this.storage.functionPolicies.get(functionId, qualifier ?? UNQUALIFIED);
    return allowsUrlCaller(policy, authType, caller, this.organizations);
  }
}
