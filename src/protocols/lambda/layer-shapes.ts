/**
 * Layer rows as stored, and their wire shapes as AWS writes them. This is the one place rows become JSON; key
 * order follows AWS's responses (`../shared/reference/aws-layer-semantics.md` §2.3). Optional members that were
 * never given are absent; `[]` given stays `[]`; `Description` is `""` when not given (§1.2).
 */
import { layerArn, layerVersionArn, partitionOf, type LayerVersionRef } from "../../arn.js";
import { codeSha256Of } from "../../storage/code.js";

/** A layer version row joined with its layer's identity. */
export interface LayerVersionRow {
  readonly layer_id: number;
  readonly account_id: string;
  readonly region: string;
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly license_info: string | null;
  readonly compatible_runtimes: string | null;
  readonly compatible_architectures: string | null;
  readonly created_date: string;
  readonly code_sha256: string;
  readonly code_size: number;
  readonly policy_revision_id: string | null;
}

/** `LayerVersionsListItem` of the model: ListLayerVersions items and ListLayers' LatestMatchingVersion. */
export interface LayerVersionsListItem {
  LayerVersionArn: string;
  Version: number;
  Description: string;
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

/** The ARN parts of a row. */
export function refOf(row: LayerVersionRow): LayerVersionRef {
  return {
    partition: partitionOf(row.region),
    region: row.region,
    accountId: row.account_id,
    name: row.name,
    version: row.version,
  };
}

/** Where lamina serves a stored zip. */
export function codeLocation(baseUrl: string, sha256Hex: string): string {
  return `${baseUrl}/_lamina/code/${sha256Hex}`;
}

function optionalMembers(row: LayerVersionRow): Partial<LayerVersionsListItem> {
  const out: Partial<LayerVersionsListItem> = {};
  if (row.compatible_runtimes !== null) {
    out.CompatibleRuntimes = JSON.parse(row.compatible_runtimes) as string[];
  }
  if (row.license_info !== null) {
    out.LicenseInfo = row.license_info;
  }
  if (row.compatible_architectures !== null) {
    out.CompatibleArchitectures = JSON.parse(row.compatible_architectures) as string[];
  }
  return out;
}

/** The full layer version, as Publish, Get and GetByArn return it. */
export function toLayerVersionWire(row: LayerVersionRow, baseUrl: string): LayerVersionWire {
  const ref = refOf(row);
  return {
    Content: {
      Location: codeLocation(baseUrl, row.code_sha256),
      CodeSha256: codeSha256Of(row.code_sha256),
      CodeSize: row.code_size,
    },
    LayerArn: layerArn(ref),
    LayerVersionArn: layerVersionArn(ref),
    Description: row.description,
    CreatedDate: row.created_date,
    Version: row.version,
    ...optionalMembers(row),
  };
}

/** A list item: no `LayerArn`, no `Content` (§2.3). */
export function toLayerVersionsListItem(row: LayerVersionRow): LayerVersionsListItem {
  return {
    LayerVersionArn: layerVersionArn(refOf(row)),
    Version: row.version,
    Description: row.description,
    CreatedDate: row.created_date,
    ...optionalMembers(row),
  };
}

/** One ListLayers item, for a layer and its newest matching version. */
export function toLayersListItem(row: LayerVersionRow): LayersListItem {
  return {
    LayerName: row.name,
    LayerArn: layerArn(refOf(row)),
    LatestMatchingVersion: toLayerVersionsListItem(row),
  };
}
