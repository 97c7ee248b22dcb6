/**
 * The errors AWS's front door answers for requests whose signature it does not accept, all HTTP 403. The JSON
 * services (Lambda, Organizations) name them UnrecognizedClientException / InvalidSignatureException; STS, a
 * query-protocol service, names the same failures InvalidClientTokenId / SignatureDoesNotMatch (`stsCode`).
 */
import { LambdaError } from "../errors.js";

/**
 * AWS's text for an access key it does not know, as Lambda, Organizations and STS answer it (quoted in
 * aws/aws-sdk-js issues and botocore's test fixtures: "The security token included in the request is invalid.").
 */
export const INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid.";

/** AWS's text for an expired session token (STS ExpiredToken / Lambda ExpiredTokenException). */
export const EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired";

/**
 * AWS's first sentences for a signature mismatch (aws/aws-sdk-js#168, #254, motdotla/node-lambda#66); AWS then
 * appends the canonical request and string to sign it computed, which `signatureMismatchMessage` does too.
 */
export const SIGNATURE_MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** AWS's text for a request without any signature (API Gateway-style front doors, Lambda included). */
export const MISSING_TOKEN_MESSAGE = "Missing Authentication Token";

/** A 403 from signature checking; `stsCode` is the name STS gives the same failure. */
export abstract class AuthError extends LambdaError {
  readonly status = 403;
  override readonly type = undefined;
  protected readonly messageKey = "message";
  abstract readonly stsCode: string;
}

/** The access key id is not one lamina knows. */
export class UnrecognizedClientException extends AuthError {
  readonly code = "UnrecognizedClientException";
  readonly stsCode = "InvalidClientTokenId";
  constructor() {
    super(INVALID_TOKEN_MESSAGE);
  }
}

/** The signature does not match, or its date is outside the allowed skew. */
export class InvalidSignatureException extends AuthError {
  readonly code = "InvalidSignatureException";
  readonly stsCode = "SignatureDoesNotMatch";
}

/** An issued session token past its expiration. */
export class ExpiredTokenException extends AuthError {
  readonly code = "ExpiredTokenException";
  readonly stsCode = "ExpiredToken";
  constructor() {
    super(EXPIRED_TOKEN_MESSAGE);
  }
}

/** A request that carries no signature at all. */
export class MissingAuthenticationTokenException extends AuthError {
  readonly code = "MissingAuthenticationTokenException";
  readonly stsCode = "MissingAuthenticationToken";
  constructor() {
    super(MISSING_TOKEN_MESSAGE);
  }
}

/** An Authorization header that is not a well-formed SigV4 one. */
export class IncompleteSignatureException extends AuthError {
  readonly code = "IncompleteSignatureException";
  readonly stsCode = "IncompleteSignature";
}

/** The mismatch text with the canonical request and string to sign, laid out as AWS lays them out. */
export function signatureMismatchMessage(canonicalRequest: string, stringToSign: string): string {
  return (
    `${SIGNATURE_MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\n` +
    `The String-to-Sign should have been\n'${stringToSign}'\n`
  );
}
