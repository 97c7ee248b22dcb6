/** The nine layer operations on the wire: decode and validate members, call the services, shape the reply. */
import { parseLayerVersionArn, type LayerVersionRef } from "../../arn.js";
import { ResourceNotFoundException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import { blobMember, stringListMember, stringMember, structureMember } from "./members.js";
import type { Call, Handler } from "./types.js";
import { Violations } from "../../validation.js";
import type { LayerPermissionService } from "../../domain/layers/permissions.js";
import { LAYER_MESSAGES, type LayerService } from "../../domain/layers/service.js";
import { toLayersListItem, toLayerVersionsListItem, toLayerVersionWire } from "./layer-shapes.js";
import {
  checkLayerName,
  checkStatementId,
  parseListQuery,
  parseVersionNumber,
  validateAddPermission,
  validateLayerVersionArn,
  validatePublish,
} from "../../domain/layers/validate.js";

function label(call: Call, name: string): string {
  return call.params[name] ?? "";
}

/** LayerName + VersionNumber labels, validated, as the version they address (in the LayerName's account). */
function versionRef(layers: LayerService, call: Call, extra?: (v: Violations) => void): LayerVersionRef {
  const v = new Violations();
  const layerName = label(call, "LayerName");
  checkLayerName(v, layerName);
  extra?.(v);
  v.throwIfAny();
  const version = parseVersionNumber(label(call, "VersionNumber"));
  return { ...layers.layerRef(call.ctx, layerName), version };
}

function revisionIdOf(call: Call): string | undefined {
  return call.query.get("RevisionId") ?? undefined;
}

/** The operations this module serves. */
export type LayerOperation =
  | "PublishLayerVersion"
  | "GetLayerVersion"
  | "GetLayerVersionByArn"
  | "ListLayers"
  | "ListLayerVersions"
  | "DeleteLayerVersion"
  | "AddLayerVersionPermission"
  | "GetLayerVersionPolicy"
  | "RemoveLayerVersionPermission";

/** Handlers for the layer operations. */
export function layerHandlers(
  layers: LayerService,
  permissions: LayerPermissionService,
): Record<LayerOperation, Handler> {
  const read = async (ctx: RequestContext, ref: LayerVersionRef, call: Call) => ({
    body: toLayerVersionWire(await layers.readableVersion(ctx, ref), call.codeLocation),
  });

  return {
    PublishLayerVersion: async (call) => {
      const content = structureMember(call.body, "Content");
      const input = {
        layerName: label(call, "LayerName"),
        description: stringMember(call.body, "Description"),
        content: content && {
          s3Bucket: stringMember(content, "S3Bucket"),
          s3Key: stringMember(content, "S3Key"),
          s3ObjectVersion: stringMember(content, "S3ObjectVersion"),
          zipFile: blobMember(content, "ZipFile"),
        },
        compatibleRuntimes: stringListMember(call.body, "CompatibleRuntimes"),
        licenseInfo: stringMember(call.body, "LicenseInfo"),
        compatibleArchitectures: stringListMember(call.body, "CompatibleArchitectures"),
      };
      validatePublish(input);
      const row = await layers.publish(call.ctx, input);
      return { body: toLayerVersionWire(row, call.codeLocation) };
    },

    GetLayerVersion: (call) => read(call.ctx, versionRef(layers, call), call),

    GetLayerVersionByArn: (call) => {
      const arn = call.query.get("Arn") ?? undefined;
      validateLayerVersionArn(arn);
      const ref = parseLayerVersionArn(arn);
      if (!ref) {
        // The server pattern also admits `arn:…:lambda:::awslayer:…` (AWS-managed layers): none exist here.
        throw new ResourceNotFoundException(LAYER_MESSAGES.resourceNotFound);
      }
      return read(call.ctx, ref, call);
    },

    ListLayers: async (call) => {
      const v = new Violations();
      const q = parseListQuery(call.query, v);
      v.throwIfAny();
      const filter = { runtime: q.compatibleRuntime, architecture: q.compatibleArchitecture };
      const page = await layers.listLayers(call.ctx, filter, q.marker, q.maxItems);
      return { body: { Layers: page.items.map(toLayersListItem), NextMarker: page.nextMarker } };
    },

    ListLayerVersions: async (call) => {
      const v = new Violations();
      const q = parseListQuery(call.query, v);
      const layerName = label(call, "LayerName");
      checkLayerName(v, layerName);
      v.throwIfAny();
      const filter = { runtime: q.compatibleRuntime, architecture: q.compatibleArchitecture };
      const page = await layers.listVersions(call.ctx, layerName, filter, q.marker, q.maxItems);
      return {
        body: { LayerVersions: page.items.map(toLayerVersionsListItem), NextMarker: page.nextMarker },
      };
    },

    DeleteLayerVersion: async (call) => {
      await layers.deleteVersion(call.ctx, versionRef(layers, call));
      return {};
    },

    AddLayerVersionPermission: async (call) => {
      const input = {
        statementId: stringMember(call.body, "StatementId"),
        action: stringMember(call.body, "Action"),
        principal: stringMember(call.body, "Principal"),
        organizationId: stringMember(call.body, "OrganizationId"),
      };
      const ref = versionRef(layers, call, (v) => validateAddPermission(v, input));
      const result = await permissions.add(call.ctx, ref, {
        statementId: input.statementId ?? "",
        principal: input.principal ?? "",
        organizationId: input.organizationId,
        revisionId: revisionIdOf(call),
      });
      return { body: { Statement: result.statement, RevisionId: result.revisionId } };
    },

    GetLayerVersionPolicy: async (call) => {
      const result = await permissions.get(call.ctx, versionRef(layers, call));
      return { body: { Policy: result.policy, RevisionId: result.revisionId } };
    },

    RemoveLayerVersionPermission: async (call) => {
      const statementId = label(call, "StatementId");
      const ref = versionRef(layers, call, (v) => checkStatementId(v, statementId));
      await permissions.remove(call.ctx, ref, statementId, revisionIdOf(call));
      return {};
    },
  };
}
