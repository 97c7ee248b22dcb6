/**
 * Lambda's errors as classes that carry their wire contract: HTTP status, `x-amzn-ErrorType`, and the body keys
 * AWS spells per exception. Domain code throws these; `src/http/respond.ts` is the one place that writes them.
 *
 * Body keys follow botocore's model (`lambda/2015-03-31/service-2.json.gz`, the exception shapes' members) and
 * `docs/reference/aws-layer-semantics.md` §4: some exceptions say `Message`, others `message`; modelled ones
 * carry `Type: "User"`, the unmodelled ValidationException carries only `message`.
 */

/** Which key holds the message text in this exception's body. */
type MessageKey = "Message" | "message";

/** The base of every error lamina answers with: status, error type and the exact body. */
export abstract class LambdaError extends Error {
  abstract readonly status: number;
  /** `Type` member of the body, or undefined where AWS sends none. */
  readonly type: string | undefined = "User";
  protected abstract readonly messageKey: MessageKey;

  constructor(message: string) {
    super(message);
  }

  /**
   * The name AWS puts in `x-amzn-ErrorType` (the model's shape name), written out on each class so renaming a
   * class or minifying the build never changes the wire.
   */
  abstract readonly code: string;

  /** Extra response headers (TooManyRequestsException's Retry-After). */
  headers(): Record<string, string> {
    return {};
  }

  /** The JSON body, keys exactly as AWS writes them. */
  body(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.type !== undefined) {
      out.Type = this.type;
    }
    out[this.messageKey] = this.message;
    return out;
  }
}

/** 404, `{"Type":"User","Message":…}`. */
export class ResourceNotFoundException extends LambdaError {
  readonly code = "ResourceNotFoundException";
  readonly status = 404;
  protected readonly messageKey = "Message";
}

/** 400, `{"Type":"User","message":…}`. */
export class InvalidParameterValueException extends LambdaError {
  readonly code = "InvalidParameterValueException";
  readonly status = 400;
  protected readonly messageKey = "message";
}

/** 400 InvalidParameterValueException whose body carries no `Type` (`docs/reference/aws-deploy-api.md` §1.4). */
export class UntypedInvalidParameterValueException extends InvalidParameterValueException {
  override readonly type = undefined;
}

/** 400, the request body is not the JSON the operation takes. */
export class InvalidRequestContentException extends LambdaError {
  readonly code = "InvalidRequestContentException";
  readonly status = 400;
  protected readonly messageKey = "message";
}

/** 409, `{"Type":"User","message":…}`. */
export class ResourceConflictException extends LambdaError {
  readonly code = "ResourceConflictException";
  readonly status = 409;
  protected readonly messageKey = "message";
}

/** 412, a RevisionId that is not the current one. */
export class PreconditionFailedException extends LambdaError {
  readonly code = "PreconditionFailedException";
  readonly status = 412;
  protected readonly messageKey = "message";
}

/** 400 `{"message":…}` with no `Type`: the constraint failures of the model (not itself modelled). */
export class ValidationException extends LambdaError {
  readonly code = "ValidationException";
  readonly status = 400;
  override readonly type = undefined;
  protected readonly messageKey = "message";
}

/**
 * 403 `{"Message":…}`: a resource-based policy that does not allow the caller (not modelled; key INFERRED §4).
 * AWS sends `{"Message":null}` for some denials (another account's function ARN); `null` reproduces that.
 */
export class AccessDeniedException extends LambdaError {
  readonly code = "AccessDeniedException";
  readonly status = 403;
  override readonly type = undefined;
  protected readonly messageKey = "Message";

  constructor(private readonly text: string | null) {
    super(text ?? "");
  }

  override body(): Record<string, unknown> {
    return { Message: this.text };
  }
}

/** 400 `{"Type":"User","message":…}`: a function policy above 20 KB (`docs/reference/aws-deploy-api.md` §5.2 #50). */
export class PolicyLengthExceededException extends LambdaError {
  readonly code = "PolicyLengthExceededException";
  readonly status = 400;
  protected readonly messageKey = "message";
}

/**
 * 413: a request body above the operation's limit (not modelled). The key is `message` for code uploads
 * (aws-layer-semantics.md §3 #13, INFERRED) and `Message` for Invoke (aws-lambda-execution.md §A7).
 */
export class RequestEntityTooLargeException extends LambdaError {
  readonly code = "RequestEntityTooLargeException";
  readonly status = 413;
  override readonly type = undefined;

  constructor(
    message: string,
    protected readonly messageKey: "message" | "Message" = "message",
  ) {
    super(message);
  }
}

/** 502: the function's runtime cannot be run (botocore's InvalidRuntimeException). */
export class InvalidRuntimeException extends LambdaError {
  readonly code = "InvalidRuntimeException";
  readonly status = 502;
  protected readonly messageKey = "Message";
}

/**
 * 502: Lambda could not unzip the deployment package (botocore's InvalidZipFileException, an error of Invoke).
 * lamina answers it when a stored zip no longer matches its SHA-256; `Type` is Service because the fault is the
 * store's, not the caller's (INFERRED).
 */
export class InvalidZipFileException extends LambdaError {
  readonly code = "InvalidZipFileException";
  readonly status = 502;
  override readonly type = "Service";
  protected readonly messageKey = "Message";
}

/** 400, the account's code storage is full. */
export class CodeStorageExceededException extends LambdaError {
  readonly code = "CodeStorageExceededException";
  readonly status = 400;
  protected readonly messageKey = "message";
}

/** 429 with `Reason` and a `Retry-After` header. */
export class TooManyRequestsException extends LambdaError {
  readonly code = "TooManyRequestsException";
  readonly status = 429;
  protected readonly messageKey = "message";

  constructor(
    message: string,
    readonly reason: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }

  override headers(): Record<string, string> {
    return { "Retry-After": String(this.retryAfterSeconds) };
  }

  override body(): Record<string, unknown> {
    return { ...super.body(), Reason: this.reason };
  }
}

/** 500 `{"Type":"Service","Message":…}`: what anything unexpected becomes; details go to the log only. */
export class ServiceException extends LambdaError {
  readonly code = "ServiceException";
  readonly status = 500;
  override readonly type = "Service";
  protected readonly messageKey = "Message";
}

/** 404 for a path that matches no operation of the API (AWS's REST front door says this). */
export class UnknownOperationException extends LambdaError {
  readonly code = "UnknownOperationException";
  readonly status = 404;
  override readonly type = undefined;
  protected readonly messageKey = "message";
}

/** 501 for an operation of the model that lamina does not implement yet; the message names it. */
export class NotImplementedException extends LambdaError {
  readonly code = "NotImplementedException";
  readonly status = 501;
  override readonly type = undefined;
  protected readonly messageKey = "message";

  constructor(readonly operation: string) {
    super(`lamina does not implement the ${operation} operation yet.`);
  }
}
