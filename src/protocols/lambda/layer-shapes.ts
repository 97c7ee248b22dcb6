/**
 * Layer versions' wire shapes as AWS writes them. This is the one place layer records become JSON; key
 * order follows AWS's responses (`docs/reference/aws-layer-semantics.md` §2.3). Optional members that were
 * never given are absent; `[]` given stays `[]`. `Description` never given is `""` in the Publish/Get answers
 * but absent from list items (§1.2: moto's list test, recorded against AWS, expects no key; aws-cli#8894 shows
 * AWS sending `null`, which SDKs read as absent).
 */
import { layerArn, layerVersionArn, partitionOf, type LayerVersionRef } from "../../arn.js";
import { codeSha256Of } from "../../domain/code.js";
import type { LayerVersion } from "../../storage/types.js";

/** `LayerVersionsListItem` of the model: ListLayerVersions items and ListLayers' LatestMatchingVersion. */
export interface LayerVersionsListItem {
  LayerVersionArn: string;
  Version: number;
  Description?: string;
  CreatedDate: string;
  CompatibleRuntimes?: string[];
  LicenseInfo?: string;
  CompatibleArchitectures?: string[];
}

/** The Publish/Get/GetByArn response. */
export interface LayerVersionWire {
  Content: { Location: string; CodeSha256: string; CodeSize: number };
  LayerArn: string;
  LayerVersionArn: string;
  Description: string;
  CreatedDate: string;
  Version: number;
  CompatibleRuntimes?: string[];
  LicenseInfo?: string;
  CompatibleArchitectures?: string[];
}

/** `LayersListItem` of the model. */
export interface LayersListItem {
  LayerName: string;
  LayerArn: string;
  LatestMatchingVersion: LayerVersionsListItem;
}

/** The ARN parts of a layer version. */
export function refOf(row: LayerVersion): LayerVersionRef {
  return {
    partition: partitionOf(row.region),
    region: row.region,
    accountId: row.accountId,
    name: row.name,
    version: row.version,
  };
}

function optionalMembers(row: LayerVersion): Partial<LayerVersionsListItem> {
  const out: Partial<LayerVersionsListItem> = {};
  if (row.compatibleRuntimes !== undefined) {
    out.CompatibleRuntimes = [...row.compatibleRuntimes];
  }
  if (row.licenseInfo !== undefined) {
    out.LicenseInfo = row.licenseInfo;
  }
  if (row.compatibleArchitectures !== undefined) {
    out.CompatibleArchitectures = [...row.compatibleArchitectures];
  }
  return out;
}

/** The full layer version, as Publish, Get and GetByArn return it. */
export function toLayerVersionWire(
  row: LayerVersion,
  codeLocation: (sha256Hex: string) => string,
): LayerVersionWire {
  const ref = refOf(row);
  return {
    Content: {
      Location: codeLocation(row.sha256Hex),
      CodeSha256: codeSha256Of(row.sha256Hex),
      CodeSize: row.codeSize,
    },
    LayerArn: layerArn(ref),
    LayerVersionArn: layerVersionArn(ref),
    Description: row.description ?? "",
    CreatedDate: row.createdDate,
    Version: row.version,
    ...optionalMembers(row),
  };
}

/** A list item: no `LayerArn`, no `Content` (§2.3). */
export function toLayerVersionsListItem(row: LayerVersion): LayerVersionsListItem {
  return {
    LayerVersionArn: layerVersionArn(refOf(row)),
    Version: row.version,
    ...(row.description !== undefined && { Description: row.description }),
    CreatedDate: row.createdDate,
    ...optionalMembers(row),
  };
}

/** One ListLayers item, for a layer and its newest matching version. */
export function toLayersListItem(row: LayerVersion): LayersListItem {
  return {
    LayerName: row.name,
    LayerArn: layerArn(refOf(row)),
    LatestMatchingVersion: toLayerVersionsListItem(row),
  };
}
