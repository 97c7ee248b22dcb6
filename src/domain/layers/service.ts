/**
 * The rules of layers: version numbering, content, reads across accounts, and paging. Every lookup is keyed by
 * account and region; a layer addressed by ARN is resolved in the ARN's account and region, and a foreign one is
 * readable only through its version's policy (`docs/reference/identity.md` §3).
 */
import { layerArn, layerVersionArn, parseLayerArn, type LayerRef, type LayerVersionRef } from "../../arn.js";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  ResourceNotFoundException,
} from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import type { CodeStore } from "../../storage/code.js";
import type {
  LayerRepository,
  LayerVersion,
  Storage,
  StoredCode,
  VersionFilter,
} from "../../storage/types.js";
import { inspectZip } from "../code.js";
import { chooseSource, type S3CodeFetcher } from "../code-source.js";
import { lambdaTimestamp, type Clock } from "../../util/clock.js";
import type { EventBus } from "../../util/events.js";
import { decodeMarker, encodeMarker } from "../../util/marker.js";
import type { OrganizationDirectory } from "../../identity/organizations.js";
import { allowsGetLayerVersion, GET_LAYER_VERSION_ACTION } from "./policy.js";
import type { PublishInput } from "./validate.js";

/** AWS's texts, `docs/reference/aws-layer-semantics.md` §3. */
export const LAYER_MESSAGES = {
  /** #18, #19, #22, #23: GetLayerVersion(ByArn) of a missing layer or version. */
  resourceNotFound: "The resource you requested does not exist.",
  /** Content with neither ZipFile nor S3 location: nothing was uploaded (INFERRED, the empty-zip text #12). */
  noContent: "Uploaded file must be a non-empty zip",
  /** #61, #65: attaching a version that does not exist (also the policy operations' 404, #48). */
  versionNotFound: (arn: string) => `Layer version ${arn} does not exist.`,
  /** #63: attaching the caller's own layer from another region. */
  otherRegion: (region: string) =>
    `Layers are not in the same region as the function. Layers are expected to be in region ${region}.`,
} as const;

/** The text of AWS's AccessDeniedException for a resource-based policy that does not allow the caller (#71). */
export function accessDeniedMessage(callerArn: string, action: string, resource: string): string {
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`;
}

/** The default and largest page (§1.3). */
export const MAX_PAGE = 50;

/** A page of a list operation. */
export interface Page<T> {
  readonly items: T[];
  readonly nextMarker: string | undefined;
}

/** Layers' rules over their store. */
export class LayerService {
  private readonly store: LayerRepository;

  constructor(
    private readonly storage: Storage,
    private readonly code: CodeStore,
    /** Reads `Content.S3Bucket`/`S3Key` code. */
    private readonly s3: S3CodeFetcher,
    private readonly organizations: OrganizationDirectory,
    private readonly clock: Clock,
    /** Told of each publish and delete (the explorer's live updates). */
    readonly events?: EventBus,
  ) {
    this.store = storage.layers;
  }

  /** The layer a LayerName (bare name or layer ARN) addresses, seen from the caller. */
  layerRef(ctx: RequestContext, layerName: string): LayerRef {
    return (
      parseLayerArn(layerName) ?? {
        partition: ctx.partition,
        region: ctx.region,
        accountId: ctx.accountId,
        name: layerName,
      }
    );
  }

  /** Refuses operations only the owner may call when `ref` is another account's or region's layer (#75, #78). */
  requireOwner(ctx: RequestContext, ref: LayerRef, action: string, resource: string): void {
    if (ref.accountId !== ctx.accountId || ref.region !== ctx.region) {
      throw new AccessDeniedException(accessDeniedMessage(ctx.callerArn, action, resource));
    }
  }

  /** PublishLayerVersion: stores the zip, then takes the next number and inserts, in one transaction. */
  async publish(ctx: RequestContext, input: PublishInput): Promise<LayerVersion> {
    const ref = this.layerRef(ctx, input.layerName);
    this.requireOwner(ctx, ref, "lambda:PublishLayerVersion", layerArn(ref));
    // Fetched before the transaction: S3's answers are errors of §3 #15 (texts INFERRED for layers).
    const source = chooseSource(
      input.content ?? { zipFile: undefined, s3Bucket: undefined },
      this.s3.hotReloadBucket,
    );
    let stored: StoredCode;
    switch (source.kind) {
      case "none":
        throw new InvalidParameterValueException(LAYER_MESSAGES.noContent);
      case "folder":
        // A layer backed by the folder itself: merged at /opt from there, reloaded on change (§14).
        stored = this.code.ingestFolder(source.path);
        break;
      default: {
        const zip =
          source.kind === "upload"
            ? source.zip
            : await this.s3.fetch(ctx, source.bucket, source.key, source.version);
        stored = await inspectZip(zip);
        await this.code.ingest(stored, zip);
      }
    }
    try {
      const published = await this.storage.transaction(async () => {
        await this.code.register(stored);
        return this.store.publish(ref.accountId, ref.region, ref.name, {
          description: input.description,
          licenseInfo: input.licenseInfo,
          compatibleRuntimes: input.compatibleRuntimes,
          compatibleArchitectures: input.compatibleArchitectures,
          createdDate: lambdaTimestamp(this.clock()),
          sha256Hex: stored.sha256Hex,
          codeSize: stored.codeSize,
        });
      });
      this.events?.emit({
        kind: "layer-published",
        arn: layerVersionArn({ ...ref, version: published.version }),
        accountId: ref.accountId,
        region: ref.region,
        code: { sha256Hex: stored.sha256Hex },
      });
      return published;
    } finally {
      await this.code.release(stored);
    }
  }

  /**
   * A version the caller may read: its own (404 when missing), or another account's whose policy allows the
   * caller. Another account's missing version and any other region's layer get the same 403 as an ungranted
   * one: AWS does not reveal what exists (#72, #73).
   */
  async readableVersion(ctx: RequestContext, ref: LayerVersionRef): Promise<LayerVersion> {
    const own = ref.accountId === ctx.accountId && ref.region === ctx.region;
    const row =
      ref.region === ctx.region
        ? await this.store.getVersion(ref.accountId, ref.region, ref.name, ref.version)
        : undefined;
    if (own) {
      if (!row) {
        throw new ResourceNotFoundException(LAYER_MESSAGES.resourceNotFound);
      }
      return row;
    }
    if (
      row &&
      (await allowsGetLayerVersion(
        await this.store.statements(row.layerId, row.version),
        ctx.accountId,
        this.organizations,
      ))
    ) {
      return row;
    }
    throw new AccessDeniedException(
      accessDeniedMessage(ctx.callerArn, GET_LAYER_VERSION_ACTION, layerVersionArn(ref)),
    );
  }

  /**
   * A version to attach to a function in the caller's region (§3 #61, #63, #71–#73): the caller's own must be in
   * that region and exist (else InvalidParameterValueException); another account's must be readable (else 403).
   */
  async versionForAttach(ctx: RequestContext, ref: LayerVersionRef): Promise<LayerVersion> {
    if (ref.accountId !== ctx.accountId) {
      return this.readableVersion(ctx, ref);
    }
    if (ref.region !== ctx.region) {
      throw new InvalidParameterValueException(LAYER_MESSAGES.otherRegion(ctx.region));
    }
    const row = await this.store.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    if (!row) {
      throw new InvalidParameterValueException(LAYER_MESSAGES.versionNotFound(layerVersionArn(ref)));
    }
    return row;
  }

  /** ListLayerVersions: the caller's own layer only, newest first. */
  async listVersions(
    ctx: RequestContext,
    layerName: string,
    filter: VersionFilter,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<Page<LayerVersion>> {
    const ref = this.layerRef(ctx, layerName);
    this.requireOwner(ctx, ref, "lambda:ListLayerVersions", layerArn(ref));
    const before = marker === undefined ? Number.MAX_SAFE_INTEGER : decodeMarker(marker, "number");
    const limit = maxItems ?? MAX_PAGE;
    const rows = await this.store.listVersions(
      ref.accountId,
      ref.region,
      ref.name,
      filter,
      before,
      limit + 1,
    );
    return paged(rows, limit, (last) => last.version);
  }

  /** ListLayers: the caller's layers in its region, by name, each with its newest matching version. */
  async listLayers(
    ctx: RequestContext,
    filter: VersionFilter,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<Page<LayerVersion>> {
    const after = marker === undefined ? "" : decodeMarker(marker, "string");
    const limit = maxItems ?? MAX_PAGE;
    const rows = await this.store.listLayers(ctx.accountId, ctx.region, filter, after, limit + 1);
    return paged(rows, limit, (last) => last.name);
  }

  /** DeleteLayerVersion: idempotent (#33–#35); the blob goes once nothing references it. */
  async deleteVersion(ctx: RequestContext, ref: LayerVersionRef): Promise<void> {
    this.requireOwner(ctx, ref, "lambda:DeleteLayerVersion", layerVersionArn(ref));
    const deleted = await this.storage.transaction(() =>
      this.store.deleteVersion(ref.accountId, ref.region, ref.name, ref.version),
    );
    if (deleted) {
      await this.code.collect();
      this.events?.emit({
        kind: "layer-deleted",
        arn: layerVersionArn(ref),
        accountId: ref.accountId,
        region: ref.region,
      });
    }
  }
}

/** Cuts a `limit + 1` query result into a page and the marker of the next one. */
function paged<T>(rows: T[], limit: number, position: (last: T) => string | number): Page<T> {
  if (rows.length <= limit) {
    return { items: rows, nextMarker: undefined };
  }
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextMarker: last === undefined ? undefined : encodeMarker(position(last)) };
}
