/**
 * AWS Organizations' errors: JSON 1.1 bodies `{"__type": <code>, "Message": …[, "Reason": …]}`, HTTP 400
 * (every error shape of `organizations/2016-11-28` carries `Message`; some a `Reason`). Texts are AWS's as moto
 * records them (`moto/organizations/exceptions.py`) or, where marked, the exception's own documentation in
 * botocore's model.
 */

/** moto: AWSOrganizationsNotInUseException. */
export const NOT_IN_USE = "Your account is not a member of an organization.";
/** moto: AlreadyInOrganizationException. */
export const ALREADY_IN_ORGANIZATION = "The provided account is already a member of an organization.";
/** moto: AccountNotFoundException. */
export const ACCOUNT_NOT_FOUND = "You specified an account that doesn't exist.";
/** moto: OrganizationNotEmptyException. */
export const ORGANIZATION_NOT_EMPTY =
  "To delete an organization you must first remove all member accounts (except the master).";
/** botocore model, CreateAccountStatusNotFoundException's documentation (AWS's own "an create"). */
export const CREATE_ACCOUNT_STATUS_NOT_FOUND =
  "We can't find an create account request with the CreateAccountRequestId that you specified.";
/** botocore model, HandshakeNotFoundException's documentation. */
export const HANDSHAKE_NOT_FOUND = "We can't find a handshake with the HandshakeId that you specified.";
/** botocore model, MasterCannotLeaveOrganizationException's documentation. */
export const MASTER_CANNOT_LEAVE =
  "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.";
/** botocore model, HandshakeAlreadyInStateException's documentation. */
export const HANDSHAKE_ALREADY_IN_STATE =
  "The specified handshake is already in the requested state. For example, you can't accept a handshake that was already accepted.";
/** botocore model, DuplicateHandshakeException's documentation (first two sentences). */
export const DUPLICATE_HANDSHAKE =
  "A handshake with the same action and target already exists. For example, if you invited an account to join your organization, the invited account might already have a pending invitation from this organization.";
/** botocore model, HandshakeConstraintViolationException reason ALREADY_IN_AN_ORGANIZATION. */
export const INVITEE_ALREADY_IN_ORGANIZATION =
  "The handshake request is invalid because the invited account is already a member of an organization.";
/** botocore model, AccessDeniedException's documentation (first sentence). */
export const ACCESS_DENIED = "You don't have permissions to perform the requested operation.";
/** botocore model, InvalidInputException reason INVALID_PATTERN. */
export const INVALID_PATTERN = "You provided a value that doesn't match the required pattern.";
/** botocore model, InvalidInputException reason INVALID_NEXT_TOKEN. */
export const INVALID_NEXT_TOKEN = "You specified an invalid value for nextToken.";
/** botocore model, InvalidInputException reason INPUT_REQUIRED. */
export const INPUT_REQUIRED = "You must provide a value for all required parameters.";

/** An Organizations error: its shape name, message and optional Reason. */
export class OrganizationsError extends Error {
  readonly status = 400;

  constructor(
    readonly code: string,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  /** The JSON 1.1 body. */
  body(): Record<string, unknown> {
    const out: Record<string, unknown> = { __type: this.code, Message: this.message };
    if (this.reason !== undefined) {
      out.Reason = this.reason;
    }
    return out;
  }
}

/** The errors the service throws, by name. */
export const errors = {
  notInUse: () => new OrganizationsError("AWSOrganizationsNotInUseException", NOT_IN_USE),
  alreadyInOrganization: () =>
    new OrganizationsError("AlreadyInOrganizationException", ALREADY_IN_ORGANIZATION),
  accountNotFound: () => new OrganizationsError("AccountNotFoundException", ACCOUNT_NOT_FOUND),
  notEmpty: () => new OrganizationsError("OrganizationNotEmptyException", ORGANIZATION_NOT_EMPTY),
  createAccountStatusNotFound: () =>
    new OrganizationsError("CreateAccountStatusNotFoundException", CREATE_ACCOUNT_STATUS_NOT_FOUND),
  handshakeNotFound: () => new OrganizationsError("HandshakeNotFoundException", HANDSHAKE_NOT_FOUND),
  masterCannotLeave: () =>
    new OrganizationsError("MasterCannotLeaveOrganizationException", MASTER_CANNOT_LEAVE),
  handshakeAlreadyInState: () =>
    new OrganizationsError("HandshakeAlreadyInStateException", HANDSHAKE_ALREADY_IN_STATE),
  duplicateHandshake: () => new OrganizationsError("DuplicateHandshakeException", DUPLICATE_HANDSHAKE),
  inviteeInOrganization: () =>
    new OrganizationsError(
      "HandshakeConstraintViolationException",
      INVITEE_ALREADY_IN_ORGANIZATION,
      "ALREADY_IN_AN_ORGANIZATION",
    ),
  accessDenied: () => new OrganizationsError("AccessDeniedException", ACCESS_DENIED),
  invalidPattern: () => new OrganizationsError("InvalidInputException", INVALID_PATTERN, "INVALID_PATTERN"),
  invalidNextToken: () =>
    new OrganizationsError("InvalidInputException", INVALID_NEXT_TOKEN, "INVALID_NEXT_TOKEN"),
  inputRequired: () => new OrganizationsError("InvalidInputException", INPUT_REQUIRED, "INPUT_REQUIRED"),
};
