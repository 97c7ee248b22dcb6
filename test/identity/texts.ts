/**
 * AWS's texts the identity tests expect, each with its source; tests compare against these, never against
 * lamina's own constants.
 */

/** moto/organizations/exceptions.py, AWSOrganizationsNotInUseException. */
export const NOT_IN_USE = "Your account is not a member of an organization.";
/** moto/organizations/exceptions.py, AlreadyInOrganizationException. */
export const ALREADY_IN_ORGANIZATION = "The provided account is already a member of an organization.";
/** moto/organizations/exceptions.py, AccountNotFoundException. */
export const ACCOUNT_NOT_FOUND = "You specified an account that doesn't exist.";
/** moto/organizations/exceptions.py, OrganizationNotEmptyException. */
export const ORGANIZATION_NOT_EMPTY =
  "To delete an organization you must first remove all member accounts (except the master).";
/** botocore organizations/2016-11-28, MasterCannotLeaveOrganizationException's documentation. */
export const MASTER_CANNOT_LEAVE =
  "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.";
/** aws/aws-sdk-js issues (#168 and others): an access key AWS does not know. */
export const INVALID_TOKEN = "The security token included in the request is invalid.";
/** aws/aws-sdk-js#168, motdotla/node-lambda#66: the start of every signature mismatch text. */
export const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/** aws/aws-sdk-js#254: `Signature expired: <date> is now earlier than <now-15min> (<now> - 15 min.)`. */
export const SIGNATURE_EXPIRED_RE =
  /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/;

/** seed-walkthrough.md step 9 with an assumed role as the caller, and today's suffix (aws-layer-semantics.md §3). */
export function accessDeniedFor(callerArn: string, resource: string, action = "GetLayerVersion"): string {
  return `User: ${callerArn} is not authorized to perform: lambda:${action} on resource: ${resource} because no resource-based policy allows the lambda:${action} action`;
}
