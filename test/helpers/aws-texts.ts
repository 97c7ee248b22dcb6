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
