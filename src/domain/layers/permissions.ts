/**
 * Add/Get/RemoveLayerVersionPermission: the owner's edits of one version's policy. Sid uniqueness and the
 * RevisionId precondition are checked inside the same transaction as the write, so concurrent edits cannot both
 * pass. Texts: `docs/reference/aws-layer-semantics.md` §3 E.
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
import type { LayerRepository, LayerVersion, Storage } from "../../storage/types.js";

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
  private readonly store: LayerRepository;

  constructor(
    private readonly storage: Storage,
    private readonly layers: LayerService,
  ) {
    this.store = storage.layers;
  }

  /** The caller's own version, or the 404 the policy operations answer (#48, #49). */
  private async ownVersion(ctx: RequestContext, ref: LayerVersionRef, action: string): Promise<LayerVersion> {
    const arn = layerVersionArn(ref);
    this.layers.requireOwner(ctx, ref, action, arn);
    const row = await this.store.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    if (!row) {
      throw new ResourceNotFoundException(POLICY_MESSAGES.layerVersionNotFound(arn));
    }
    return row;
  }

  /** AddLayerVersionPermission → the new statement and the policy's new RevisionId. */
  async add(
    ctx: RequestContext,
    ref: LayerVersionRef,
    grant: Grant,
  ): Promise<{ statement: string; revisionId: string }> {
    const added = await this.storage.transaction(async () => {
      const row = await this.ownVersion(ctx, ref, "lambda:AddLayerVersionPermission");
      if (grant.revisionId !== undefined && grant.revisionId !== row.policyRevisionId) {
        throw new PreconditionFailedException(POLICY_MESSAGES.revisionMismatch);
      }
      const existing = await this.store.statements(row.layerId, row.version);
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
      await this.store.insertStatement(row.layerId, row.version, statement);
      await this.store.setRevision(row.layerId, row.version, revisionId);
      return { statement: statement.statement, revisionId };
    });
    this.changed("grant-added", ref);
    return added;
  }

  private changed(kind: "grant-added" | "grant-removed", ref: LayerVersionRef): void {
    this.layers.events?.emit({
      kind,
      arn: layerVersionArn(ref),
      accountId: ref.accountId,
      region: ref.region,
    });
  }

  /** GetLayerVersionPolicy → the policy document and its RevisionId. */
  async get(ctx: RequestContext, ref: LayerVersionRef): Promise<{ policy: string; revisionId: string }> {
    const row = await this.ownVersion(ctx, ref, "lambda:GetLayerVersionPolicy");
    const statements = await this.store.statements(row.layerId, row.version);
    if (statements.length === 0 || row.policyRevisionId === undefined) {
      throw new ResourceNotFoundException(POLICY_MESSAGES.noPolicy);
    }
    return { policy: policyDocument(statements), revisionId: row.policyRevisionId };
  }

  /** RemoveLayerVersionPermission; the last statement's removal leaves the version without a policy. */
  async remove(
    ctx: RequestContext,
    ref: LayerVersionRef,
    statementId: string,
    revisionId: string | undefined,
  ): Promise<void> {
    await this.storage.transaction(async () => {
      const row = await this.ownVersion(ctx, ref, "lambda:RemoveLayerVersionPermission");
      const statements = await this.store.statements(row.layerId, row.version);
      if (statements.length === 0) {
        throw new ResourceNotFoundException(POLICY_MESSAGES.noPolicy);
      }
      if (revisionId !== undefined && revisionId !== row.policyRevisionId) {
        throw new PreconditionFailedException(POLICY_MESSAGES.revisionMismatch);
      }
      if (!(await this.store.deleteStatement(row.layerId, row.version, statementId))) {
        throw new ResourceNotFoundException(POLICY_MESSAGES.statementNotFound(statementId));
      }
      await this.store.setRevision(
        row.layerId,
        row.version,
        statements.length > 1 ? randomUUID() : undefined,
      );
    });
    this.changed("grant-removed", ref);
  }
}
