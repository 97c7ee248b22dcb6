/**
 * STS operations: GetCallerIdentity (who the request's key is) and AssumeRole (temporary `ASIA…` credentials
 * whose use acts as `arn:aws:sts::<account>:assumed-role/<role>/<session>` in the role's account). lamina has
 * no IAM: every role exists and trusts every caller.
 */
import type { RequestContext } from "./context.js";
import type { Clock } from "../util/clock.js";
import { secretAccessKey, sessionToken, temporaryAccessKeyId, uniqueId } from "./ids.js";
import type { IssuedCredentials, Storage } from "../storage/types.js";

/** A query-protocol error: HTTP status, STS's code and message. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const ROLE_ARN_RE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
const DEFAULT_DURATION_S = 3600;

/**
 * The constraint message of a failed member, the form AWS's query services use ("1 validation error detected:
 * Value '…' at '…' failed to satisfy constraint: …", as moto reproduces for AssumeRole's roleSessionName).
 */
function validationError(value: string, member: string, constraint: string): StsError {
  return new StsError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** GetCallerIdentity's result members, in the order AWS writes them. */
export function callerIdentity(ctx: RequestContext): { UserId: string; Account: string; Arn: string } {
  return { UserId: ctx.userId ?? ctx.accountId, Account: ctx.accountId, Arn: ctx.callerArn };
}

/** AssumeRole's parameters as the query protocol carries them. */
export interface AssumeRoleInput {
  readonly roleArn: string | null;
  readonly roleSessionName: string | null;
  readonly durationSeconds: string | null;
}

/** Issues temporary credentials for a role. */
export class StsService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** AssumeRole: validates as the model constrains, then issues and stores credentials. */
  async assumeRole(input: AssumeRoleInput): Promise<IssuedCredentials> {
    const { roleArn, roleSessionName: session } = input;
    if (roleArn === null || roleArn === "") {
      throw new StsError("MissingParameter", "The request must contain the parameter RoleArn");
    }
    if (session === null || session === "") {
      throw new StsError("MissingParameter", "The request must contain the parameter RoleSessionName");
    }
    if (session.length < 2 || session.length > 64) {
      throw validationError(
        session,
        "roleSessionName",
        session.length < 2
          ? "Member must have length greater than or equal to 2"
          : "Member must have length less than or equal to 64",
      );
    }
    if (!SESSION_NAME_RE.test(session)) {
      throw validationError(
        session,
        "roleSessionName",
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      );
    }
    const duration = input.durationSeconds === null ? DEFAULT_DURATION_S : Number(input.durationSeconds);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw validationError(
        String(input.durationSeconds),
        "durationSeconds",
        duration < 900
          ? "Member must have value greater than or equal to 900"
          : "Member must have value less than or equal to 43200",
      );
    }
    const m = ROLE_ARN_RE.exec(roleArn);
    if (!m) {
      // INFERRED wording: IAM's text for an ARN that names no role.
      throw new StsError("ValidationError", `${roleArn} is not a valid role ARN`);
    }
    const [, partition = "aws", accountId = "", roleName = ""] = m;
    const issued: IssuedCredentials = {
      accessKeyId: temporaryAccessKeyId(),
      secretAccessKey: secretAccessKey(),
      sessionToken: sessionToken(),
      accountId,
      arn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${session}`,
      userId: `${uniqueId("AROA", `${partition}:${accountId}:${roleName}`)}:${session}`,
      expiresAt: this.clock().getTime() + duration * 1000,
    };
    await this.storage.transaction(() => this.storage.credentials.insert(issued));
    return issued;
  }
}
