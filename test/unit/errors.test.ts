import { describe, expect, it } from "vitest";
import {
  AccessDeniedException,
  InvalidParameterValueException,
  NotImplementedException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  ValidationException,
} from "../../src/errors.js";

// Body keys per exception: aws-layer-semantics.md §4 and botocore's exception shapes.
describe("error wire contract", () => {
  it.each([
    [new ResourceNotFoundException("m"), "ResourceNotFoundException", 404, { Type: "User", Message: "m" }],
    [
      new InvalidParameterValueException("m"),
      "InvalidParameterValueException",
      400,
      { Type: "User", message: "m" },
    ],
    [new ResourceConflictException("m"), "ResourceConflictException", 409, { Type: "User", message: "m" }],
    [
      new PreconditionFailedException("m"),
      "PreconditionFailedException",
      412,
      { Type: "User", message: "m" },
    ],
    [new ValidationException("m"), "ValidationException", 400, { message: "m" }],
    [new AccessDeniedException("m"), "AccessDeniedException", 403, { Message: "m" }],
    [new ServiceException("m"), "ServiceException", 500, { Type: "Service", Message: "m" }],
    [
      new TooManyRequestsException("m", "ReservedFunctionConcurrentInvocationLimitExceeded"),
      "TooManyRequestsException",
      429,
      { Type: "User", message: "m", Reason: "ReservedFunctionConcurrentInvocationLimitExceeded" },
    ],
  ])("%s", (err, code, status, body) => {
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.body()).toEqual(body);
    expect(Object.keys(err.body())).toEqual(Object.keys(body));
  });

  it("TooManyRequestsException sends Retry-After", () => {
    expect(new TooManyRequestsException("m", "r", 3).headers()).toEqual({ "Retry-After": "3" });
  });

  it("NotImplementedException names the operation", () => {
    const err = new NotImplementedException("Invoke");
    expect(err.status).toBe(501);
    expect(err.message).toBe("lamina does not implement the Invoke operation yet.");
  });
});
