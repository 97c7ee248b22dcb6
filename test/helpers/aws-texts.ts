/**
 * AWS's exact texts that several test files expect, each quoted from `../shared/reference/` (file and section).
 * Tests compare lamina's answers against these, never against lamina's own constants.
 */

/** aws-layer-semantics.md §3 #18, #19, #22: GetLayerVersion(ByArn) of a missing layer or version. */
export const RESOURCE_NOT_FOUND = "The resource you requested does not exist.";

/** aws-layer-semantics.md §3 #38, #54: a layer version without a policy. */
export const NO_POLICY = "No policy is associated with the given resource.";

/** aws-layer-semantics.md §3 #20, #36: version numbers below 1. */
export const VERSION_TOO_LOW = "Layer Version Cannot be less than 1";

/**
 * aws-layer-semantics.md §3 #71, #74, #75 (seed-walkthrough.md step 9): a resource-based policy that does not
 * allow the caller, who is its account's root here.
 */
export function accessDenied(callerAccount: string, resource: string, action = "GetLayerVersion"): string {
  return `User: arn:aws:iam::${callerAccount}:root is not authorized to perform: lambda:${action} on resource: ${resource} because no resource-based policy allows the lambda:${action} action`;
}

/**
 * aws-layer-semantics.md §3 #12 and docs/reference/aws-function-api.md §9 (`invalid_zip_exc`): an upload that is
 * not a zip, for layers and functions alike.
 */
export const NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";

/** aws-layer-semantics.md §3 #12 and docs/reference/aws-function-api.md §9: a zip without entries (no period). */
export const EMPTY_ZIP = "Uploaded file must be a non-empty zip";

/**
 * aws-layer-semantics.md §3 #15 ([SNAP] for CreateFunction and UpdateFunctionCode): code in an S3 bucket that
 * does not exist (no trailing period).
 */
export const NO_SUCH_BUCKET =
  "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist";

/**
 * aws-layer-semantics.md §1.4, §3 #21 and #62: the layer version ARN pattern AWS's server quotes (newer than
 * botocore's model).
 */
export const SERVER_LAYER_VERSION_ARN_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";

/**
 * aws-layer-semantics.md §3 #48, #49 (a 404 in the layer-permission operations) and #61, #65 (a 400
 * InvalidParameterValueException in a function's `Layers`); docs/reference/aws-function-api.md §12.
 */
export function layerVersionNotFound(layerVersionArn: string): string {
  return `Layer version ${layerVersionArn} does not exist.`;
}

/** docs/reference/aws-function-api.md §1: a function that does not exist, named by its unqualified ARN. */
export function functionNotFound(functionArn: string): string {
  return `Function not found: ${functionArn}`;
}
