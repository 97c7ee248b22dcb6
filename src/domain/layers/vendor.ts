/**
 * Vendor layer versions: a layer version stored under exactly the ARN it has elsewhere (AWS's own public layers,
 * Datadog's, an import from another account), rather than at the next number. `lamina serve --layer-source` and
 * `lamina import-layer` both come here.
 *
 * What happens when the ARN already exists: the same bytes (same CodeSha256) → nothing (a restart with the same
 * `--layer-source`, an import run twice); other bytes → replaced when the caller says so (`--layer-source`: the
 * user changed the file; `import-layer --force`), else refused with a ResourceConflictException. A replaced
 * version keeps its policy statements; functions that attached the old bytes keep running them (their snapshot
 * references the old blob, which stays while they do: `docs/reference/identity.md` §3).
 *
 * Numbering: the layer's counter is raised to at least this number, so a later PublishLayerVersion of the same
 * layer takes a higher one (`docs/reference/aws-layer-semantics.md` §1.1). A vendor version that was deleted can
 * be put again under its own number: the ARN is the upstream's, so this is that version back, not a number handed
 * to something new.
 */
import { randomUUID } from "node:crypto";
import { layerVersionArn, type LayerVersionRef } from "../../arn.js";
import { InvalidParameterValueException, ResourceConflictException } from "../../errors.js";
import type { CodeStore } from "../../storage/code.js";
import type { LayerVersion, PolicyStatement, Storage } from "../../storage/types.js";
import { lambdaTimestamp, type Clock } from "../../util/clock.js";
import type { EventBus } from "../../util/events.js";
import { codeSha256Of, inspectZip } from "../code.js";
import { buildStatement } from "./policy.js";

/**
 * The Sid of the statement that makes a vendor version readable by every account, as AWS's public layers are
 * (Principal `*`, Action lambda:GetLayerVersion: §2.3). AWS's own Sid for its public layers is not recorded; this
 * one says who wrote it.
 */
export const PUBLIC_STATEMENT_SID = "lamina-vendor-public";

/** lamina's own texts (no AWS operation does this). */
export const VENDOR_MESSAGES = {
  shaMismatch: (claimed: string, actual: string) =>
    `The content's CodeSha256 is ${actual}, not the ${claimed} it was sent with: nothing was stored.`,
  exists: (arn: string, stored: string, offered: string) =>
    `Layer version ${arn} already exists with CodeSha256 ${stored}; the offered content has CodeSha256 ${offered}. Nothing was stored.`,
} as const;

/** A version to store under its own ARN. */
export interface VendorVersionInput {
  readonly ref: LayerVersionRef;
  readonly zip: Buffer;
  readonly description?: string | undefined;
  readonly licenseInfo?: string | undefined;
  readonly compatibleRuntimes?: readonly string[] | undefined;
  readonly compatibleArchitectures?: readonly string[] | undefined;
  /** The upstream's CreatedDate; now when not given. */
  readonly createdDate?: string | undefined;
  /** The CodeSha256 (base64) the bytes must have; a mismatch stores nothing. */
  readonly expectedCodeSha256?: string | undefined;
  /** When the ARN already holds other bytes: replace them, or refuse (409). */
  readonly whenDifferent: "replace" | "refuse";
  /** Adds the statement that lets every account read the version (kept when it is there already). */
  readonly public: boolean;
}

/** What storing did. */
export interface VendorVersionResult {
  readonly outcome: "created" | "unchanged" | "replaced";
  readonly version: LayerVersion;
}

/** Stores layer versions under given ARNs. */
export class VendorLayers {
  constructor(
    private readonly storage: Storage,
    private readonly code: CodeStore,
    private readonly clock: Clock,
    private readonly events?: EventBus,
  ) {}

  /** Stores `input.zip` as the version `input.ref` (see the module's notes for an existing ARN). */
  async put(input: VendorVersionInput): Promise<VendorVersionResult> {
    const { ref } = input;
    const arn = layerVersionArn(ref);
    const stored = await inspectZip(input.zip);
    if (input.expectedCodeSha256 !== undefined && input.expectedCodeSha256 !== stored.codeSha256) {
      throw new InvalidParameterValueException(
        VENDOR_MESSAGES.shaMismatch(input.expectedCodeSha256, stored.codeSha256),
      );
    }
    const layers = this.storage.layers;
    const before = await layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    if (before?.sha256Hex === stored.sha256Hex) {
      return { outcome: "unchanged", version: before };
    }
    if (before && input.whenDifferent === "refuse") {
      throw new ResourceConflictException(
        VENDOR_MESSAGES.exists(arn, codeSha256Of(before.sha256Hex), stored.codeSha256),
      );
    }
    const createdDate = input.createdDate ?? lambdaTimestamp(this.clock());
    await this.code.ingest(stored, input.zip);
    let result: VendorVersionResult;
    try {
      // Decided again inside the transaction: another writer may have put the same ARN meanwhile.
      result = await this.storage.transaction(async () => {
        await this.code.register(stored);
        const existing = await layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
        if (existing?.sha256Hex === stored.sha256Hex) {
          return { outcome: "unchanged", version: existing } as const;
        }
        if (existing && input.whenDifferent === "refuse") {
          throw new ResourceConflictException(
            VENDOR_MESSAGES.exists(arn, codeSha256Of(existing.sha256Hex), stored.codeSha256),
          );
        }
        let statements: PolicyStatement[] = [];
        if (existing) {
          statements = await layers.statements(existing.layerId, existing.version);
          // Its statements go with it (ON DELETE CASCADE) and come back below; the old blob stays while any
          // function's snapshot references it.
          await layers.deleteVersion(ref.accountId, ref.region, ref.name, ref.version);
        }
        const put = await layers.putVersion(ref.accountId, ref.region, ref.name, ref.version, {
          description: input.description,
          licenseInfo: input.licenseInfo,
          compatibleRuntimes: input.compatibleRuntimes,
          compatibleArchitectures: input.compatibleArchitectures,
          createdDate,
          sha256Hex: stored.sha256Hex,
          codeSize: stored.codeSize,
        });
        const addPublic = input.public && !statements.some((s) => s.sid === PUBLIC_STATEMENT_SID);
        if (addPublic) {
          statements.push(publicStatement(ref));
        }
        for (const s of statements) {
          await layers.insertStatement(put.layerId, put.version, s);
        }
        // An unchanged policy keeps its RevisionId; a changed one gets a new one, as every policy edit does.
        const kept = addPublic ? undefined : existing?.policyRevisionId;
        const revision = statements.length === 0 ? undefined : (kept ?? randomUUID());
        await layers.setRevision(put.layerId, put.version, revision);
        const version = await layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
        if (!version) {
          throw new Error("stored layer version not found");
        }
        return { outcome: existing ? "replaced" : "created", version } as const;
      });
    } finally {
      await this.code.release(stored);
    }
    if (result.outcome === "replaced") {
      // The old bytes go now unless a function still holds them.
      await this.code.collect();
    }
    if (result.outcome !== "unchanged") {
      this.events?.emit({
        kind: "layer-published",
        arn,
        accountId: ref.accountId,
        region: ref.region,
      });
    }
    return result;
  }
}

/** The statement AWS's public layers carry: every account may call lambda:GetLayerVersion on the version. */
export function publicStatement(ref: LayerVersionRef): PolicyStatement {
  return buildStatement({
    sid: PUBLIC_STATEMENT_SID,
    principal: "*",
    organizationId: undefined,
    resourceArn: layerVersionArn(ref),
    partition: ref.partition,
  });
}
