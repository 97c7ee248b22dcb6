/**
 * Add/Get/RemoveLayerVersionPermission: the owner's edits of one version's policy. Sid uniqueness and the
 * RevisionId precondition are checked inside the same transaction as the write, so concurrent edits cannot both
 * pass. Texts: `../shared/reference/aws-layer-semantics.md` §3 E.
 */
import { randomUUID } from "node:crypto";
import { layerVersionArn, type LayerVersionRef } from "../../arn.js";
import {
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import { buildStatement, policyDocument } from "./policy.js";
import { LAYER_MESSAGES, type LayerService } from "./service.js";
import type { LayerStore } from "../../storage/sqlite/layers.js";

/** AWS's texts for layer policies (§3 #38, #42, #43, #47, #48). */
export const POLICY_MESSAGES = {
  noPolicy: "No policy is associated with the given resource.",
  layerVersionNotFound: LAYER_MESSAGES.versionNotFound,
  duplicateSid: (sid: string) =>
    `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
  // sic: AWS names "GetLayerPolicy" and ends without a period.
  revisionMismatch:
    "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
  statementNotFound: (sid: string) => `Statement ${sid} is not found in resource policy.`,
} as const;

/** A grant as AddLayerVersionPermission receives it, after validation. */
export interface Grant {
  readonly statementId: string;
  readonly principal: string;
  readonly organizationId: string | undefined;
  readonly revisionId: string | undefined;
}

/** The policy operations of layer versions. */
export class LayerPermissionService {
  constructor(
    private readonly store: LayerStore,
    private readonly layers: LayerService,
  ) {}

  /** The caller's own version, or the 404 the policy operations answer (#48, #49). */
  private ownVersion(ctx: RequestContext, ref: LayerVersionRef, action: string) {
    const arn = layerVersionArn(ref);
    this.layers.requireOwner(ctx, ref, action, arn);
    const row = this.store.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    if (!row) {
      throw new ResourceNotFoundException(POLICY_MESSAGES.layerVersionNotFound(arn));
    }
    return row;
  }

  /** AddLayerVersionPermission → the new statement and the policy's new RevisionId. */
  add(ctx: RequestContext, ref: LayerVersionRef, grant: Grant): { statement: string; revisionId: string } {
    return this.store.transaction(() => {
      const row = this.ownVersion(ctx, ref, "lambda:AddLayerVersionPermission");
      if (grant.revisionId !== undefined && grant.revisionId !== row.policy_revision_id) {
        throw new PreconditionFailedException(POLICY_MESSAGES.revisionMismatch);
      }
      const existing = this.store.statements(row.layer_id, row.version);
      if (existing.some((s) => s.sid === grant.statementId)) {
        throw new ResourceConflictException(POLICY_MESSAGES.duplicateSid(grant.statementId));
      }
      const statement = buildStatement({
        sid: grant.statementId,
        principal: grant.principal,
        organizationId: grant.organizationId,
        resourceArn: layerVersionArn(ref),
        partition: ref.partition,
      });
      const revisionId = randomUUID();
      this.store.insertStatement(row.layer_id, row.version, statement);
      this.store.setRevision(row.layer_id, row.version, revisionId);
      return { statement: statement.statement, revisionId };
    });
  }

  /** GetLayerVersionPolicy → the policy document and its RevisionId. */
  get(ctx: RequestContext, ref: LayerVersionRef): { policy: string; revisionId: string } {
    const row = this.ownVersion(ctx, ref, "lambda:GetLayerVersionPolicy");
    const statements = this.store.statements(row.layer_id, row.version);
    if (statements.length === 0 || row.policy_revision_id === null) {
      throw new ResourceNotFoundException(POLICY_MESSAGES.noPolicy);
    }
    return { policy: policyDocument(statements), revisionId: row.policy_revision_id };
  }

  /** RemoveLayerVersionPermission; the last statement's removal leaves the version without a policy. */
  remove(
    ctx: RequestContext,
    ref: LayerVersionRef,
    statementId: string,
    revisionId: string | undefined,
  ): void {
    this.store.transaction(() => {
      const row = this.ownVersion(ctx, ref, "lambda:RemoveLayerVersionPermission");
      const statements = this.store.statements(row.layer_id, row.version);
      if (statements.length === 0) {
        throw new ResourceNotFoundException(POLICY_MESSAGES.noPolicy);
      }
      if (revisionId !== undefined && revisionId !== row.policy_revision_id) {
        throw new PreconditionFailedException(POLICY_MESSAGES.revisionMismatch);
      }
      if (!this.store.deleteStatement(row.layer_id, row.version, statementId)) {
        throw new ResourceNotFoundException(POLICY_MESSAGES.statementNotFound(statementId));
      }
      this.store.setRevision(row.layer_id, row.version, statements.length > 1 ? randomUUID() : null);
    });
  }
}
