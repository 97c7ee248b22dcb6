/**
 * Resolves a function's `Layers` at CreateFunction and UpdateFunctionConfiguration, with AWS's checks in AWS's
 * order (`docs/reference/aws-layer-semantics.md` §4 "Evaluation order", §3 F and G): count, then each ARN
 * (own account: region, existence; another account: access), then two versions of one layer, then the unzipped
 * size of code plus layers. What it returns is the snapshot the function keeps.
 */
import { layerArn, parseLayerVersionArn, LAYER_VERSION_ARN_PATTERN } from "../../arn.js";
import { InvalidParameterValueException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import { LAYER_MESSAGES, type LayerService } from "../layers/service.js";
import type { CodeStore } from "../../storage/code.js";
import type { FunctionLayer } from "../../storage/types.js";
import { MAX_UNZIPPED_SIZE } from "../code.js";
import type { Violations } from "../../validation.js";
import { Constraint, matchesPattern } from "../../validation.js";

/** At most five layers per function (§5). */
export const MAX_LAYERS = 5;

/** AWS's texts, §3 #58, #59, #67. */
export const LAYER_ATTACH_MESSAGES = {
  tooMany: `Cannot reference more than ${MAX_LAYERS} layers.`,
  sameLayer: (first: string, second: string) =>
    `Two different versions of the same layer are not allowed to be referenced in the same function. ${first} and ${second} are versions of the same layer.`,
  tooLarge: (actual: number) =>
    `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED_SIZE} bytes. The actual size is ${actual} bytes.`,
} as const;

/** The constraint AWS prints for a bad `layers` member, every member constraint listed (§3 #62). */
const LAYERS_MEMBER_CONSTRAINT = Constraint.members([
  Constraint.maxLength(2048),
  Constraint.minLength(1),
  Constraint.pattern(LAYER_VERSION_ARN_PATTERN),
  Constraint.notNull,
]);

/** Adds the `layers` constraint failure, if any member is malformed; the whole list is quoted. */
export function checkLayerList(v: Violations, layers: readonly string[] | undefined): void {
  if (!layers) {
    return;
  }
  const bad = layers.some(
    (arn) => arn.length < 1 || arn.length > 2048 || !matchesPattern(arn, LAYER_VERSION_ARN_PATTERN),
  );
  if (bad) {
    v.add(layers, "layers", LAYERS_MEMBER_CONSTRAINT);
  }
}

/** Resolves validated layer version ARNs into the rows the function will keep. */
export async function resolveLayers(
  ctx: RequestContext,
  arns: readonly string[],
  layers: LayerService,
  code: CodeStore,
  functionUnzippedSize: number,
): Promise<FunctionLayer[]> {
  if (arns.length > MAX_LAYERS) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooMany);
  }
  // One at a time, in the order given: the first bad ARN is the one AWS names.
  const resolved = [];
  for (const arn of arns) {
    const ref = parseLayerVersionArn(arn);
    if (!ref) {
      // AWS-managed `awslayer` ARNs pass the pattern; none exist here.
      throw new InvalidParameterValueException(LAYER_MESSAGES.versionNotFound(arn));
    }
    resolved.push({ ref, row: await layers.versionForAttach(ctx, ref) });
  }
  const seen = new Map<string, string>();
  for (const [i, { ref }] of resolved.entries()) {
    const key = layerArn(ref);
    const first = seen.get(key);
    const arn = arns[i] ?? "";
    if (first !== undefined) {
      throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.sameLayer(first, arn));
    }
    seen.set(key, arn);
  }
  let total = functionUnzippedSize;
  for (const { row } of resolved) {
    total += await code.unzippedSize(row.sha256Hex);
  }
  if (total > MAX_UNZIPPED_SIZE) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooLarge(total));
  }
  return resolved.map(({ row }, i) => ({
    arn: arns[i] ?? "",
    sha256Hex: row.sha256Hex,
    codeSize: row.codeSize,
  }));
}

/** Code plus layers must stay within Lambda's unzipped limit (§3 #67). */
export async function checkUnzippedTotal(
  code: CodeStore,
  functionUnzippedSize: number,
  layerSha256s: readonly string[],
): Promise<void> {
  let total = functionUnzippedSize;
  for (const sha of layerSha256s) {
    total += await code.unzippedSize(sha);
  }
  if (total > MAX_UNZIPPED_SIZE) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooLarge(total));
  }
}
