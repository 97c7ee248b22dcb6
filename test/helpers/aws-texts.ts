/**
 * AWS's exact texts that several test files expect, each quoted from `docs/reference/` (file and section).
 * Tests compare lamina's answers against these, never against lamina's own constants.
 */

/** aws-layer-semantics.md §3 #18, #19, #22: GetLayerVersion(ByArn) of a missing layer or version. */
export const RESOURCE_NOT_FOUND = "The resource you requested does not exist.";

/** aws-layer-semantics.md §3 #38, #54: a layer version without a policy. */
export const NO_POLICY = "No policy is associated with the given resource.";

/** aws-layer-semantics.md §3 #20, #36: version numbers below 1. */
export const VERSION_TOO_LOW = "Layer Version Cannot be less than 1";

/**
 * aws-layer-semantics.md §3 #71, #74, #75 (seed-walkthrough.md step 9) and aws-deploy-api.md §5.3 (functions): a
 * resource-based policy that does not allow the caller, who is its account's root here.
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
 * aws-layer-semantics.md §3 #14 (PublishLayerVersion) and docs/reference/aws-function-api.md §9 (CreateFunction,
 * SNAP `test_oversized_unzipped_lambda`): code whose unzipped size is over 250 MB.
 */
export const UNZIPPED_TOO_LARGE = "Unzipped size must be smaller than 262144000 bytes";

/**
 * aws-layer-semantics.md §3 #13 and §4 (413, body key `message`) and docs/reference/aws-function-api.md §9: a
 * request body over 70167211 bytes, naming the operation.
 */
export function requestTooLarge(operation: string): string {
  return `Request must be smaller than 70167211 bytes for the ${operation} operation`;
}

/** aws-layer-semantics.md §3 #42: a StatementId already in the layer version's policy (409). */
export function duplicateStatementId(sid: string): string {
  return `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`;
}

/** docs/reference/aws-function-api.md §7: a function RevisionId that is not the current one (412, no period). */
export const FUNCTION_REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

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

// ---- Invoke and execution (aws-lambda-execution.md) ----

/** aws-lambda-execution.md §A7: a synchronous request over 6 MB (413, body member `Message`). */
export const SYNC_PAYLOAD_TOO_LARGE =
  "Request must be smaller than 6291456 bytes for the InvokeFunction operation";

/** aws-lambda-execution.md §A7: what a payload that is not JSON gets (400), before the parser's own words. */
export const NOT_JSON_PREFIX = "Could not parse request body into json: Could not parse payload into json: ";

/** aws-lambda-execution.md §A6: the caller's payload when the function's response is over 6291556 bytes. */
export const RESPONSE_TOO_LARGE =
  '{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}';

/** aws-lambda-execution.md §0, §A7: a current runtime's timeout payload. */
export function timedOut(requestId: string, seconds: number): { errorMessage: string; errorType: string } {
  return {
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`,
    errorType: "Sandbox.Timedout",
  };
}

/** aws-lambda-execution.md §A5: the runtime process exited during an invoke. */
export function runtimeExited(
  requestId: string,
  status: number,
): { errorMessage: string; errorType: string } {
  return {
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${status}`,
    errorType: "Runtime.ExitError",
  };
}

/** aws-lambda-execution.md §A5 (aws-sam-cli#1367): a custom runtime without a bootstrap, keys in this order. */
export function invalidEntrypoint(requestId: string): string {
  return `{"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId: ${requestId} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"}`;
}

/**
 * aws-lambda-execution.md §A3: a Python runtime error body exactly as awslambdaric's `make_error` writes it —
 * keys errorMessage, errorType, requestId, stackTrace, simplejson's `", "` and `": "` separators; init errors have
 * `requestId` "" and an empty trace.
 */
export function pythonError(
  errorMessage: string,
  errorType: string,
  requestId = "",
  stackTrace: readonly string[] = [],
): string {
  const trace = stackTrace.map((frame) => JSON.stringify(frame)).join(", ");
  return `{"errorMessage": ${JSON.stringify(errorMessage)}, "errorType": ${JSON.stringify(errorType)}, "requestId": ${JSON.stringify(requestId)}, "stackTrace": [${trace}]}`;
}

/**
 * AWS's TooManyRequestsException for a function at its concurrency limit (its `message`; seen in AWS answers,
 * not quoted in the reference files).
 */
export const RATE_EXCEEDED = "Rate Exceeded.";
