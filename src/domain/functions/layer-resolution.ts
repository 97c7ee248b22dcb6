/**
 * Resolves a function's `Layers` at CreateFunction and UpdateFunctionConfiguration, with AWS's checks in AWS's
 * order (`../shared/reference/aws-layer-semantics.md` §4 "Evaluation order", §3 F and G): count, then each ARN
 * (own account: region, existence; another account: access), then two versions of one layer, then the unzipped
 * size of code plus layers. What it returns is the snapshot the function keeps.
 */
import { layerArn, parseLayerVersionArn, LAYER_VERSION_ARN_PATTERN } from "../../arn.js";
import { InvalidParameterValueException } from "../../errors.js";
import type { RequestContext } from "../../identity/context.js";
import { LAYER_MESSAGES, type LayerService } from "../layers/service.js";
import { MAX_UNZIPPED_SIZE, type CodeStore } from "../../storage/code.js";
import type { Violations } from "../../validation.js";
import { Constraint, matchesPattern } from "../../validation.js";
import type { FunctionLayerRow } from "../../storage/sqlite/functions.js";

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
export function resolveLayers(
  ctx: RequestContext,
  arns: readonly string[],
  layers: LayerService,
  code: CodeStore,
  functionUnzippedSize: number,
): FunctionLayerRow[] {
  if (arns.length > MAX_LAYERS) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooMany);
  }
  const resolved = arns.map((arn) => {
    const ref = parseLayerVersionArn(arn);
    if (!ref) {
      // AWS-managed `awslayer` ARNs pass the pattern; none exist here.
      throw new InvalidParameterValueException(LAYER_MESSAGES.versionNotFound(arn));
    }
    const row = layers.versionForAttach(ctx, ref);
    return { ref, row };
  });
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
  const total = resolved.reduce(
    (sum, { row }) => sum + code.unzippedSize(row.code_sha256),
    functionUnzippedSize,
  );
  if (total > MAX_UNZIPPED_SIZE) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooLarge(total));
  }
  return resolved.map(({ row }, i) => ({
    arn: arns[i] ?? "",
    code_sha256: row.code_sha256,
    code_size: row.code_size,
  }));
}

/** Code plus layers must stay within Lambda's unzipped limit (§3 #67). */
export function checkUnzippedTotal(
  code: CodeStore,
  functionUnzippedSize: number,
  layerSha256s: readonly string[],
): void {
  const total = layerSha256s.reduce((sum, sha) => sum + code.unzippedSize(sha), functionUnzippedSize);
  if (total > MAX_UNZIPPED_SIZE) {
    throw new InvalidParameterValueException(LAYER_ATTACH_MESSAGES.tooLarge(total));
  }
}
