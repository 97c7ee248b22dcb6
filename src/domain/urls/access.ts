/**
 * Who may call a function URL (`docs/reference/aws-deploy-api.md` §12.3), decided by the function policy of the
 * URL's resource (the function's for its own URL, the alias's for an alias's URL). `NONE`: nobody is
 * authenticated, but the policy must grant `lambda:InvokeFunctionUrl` to `*` with `FunctionUrlAuthType NONE` (what
 * `aws lambda add-permission --function-url-auth-type NONE` adds). `AWS_IAM`: the signed caller needs
 * `lambda:InvokeFunctionUrl` from an identity or a resource policy.
 */
import type { FunctionUrlConfig, FunctionVersion } from "../../storage/types.js";
import type { FunctionPermissionService } from "../functions/permissions.js";
import type { PolicyCaller } from "../functions/policy.js";

/** §12.3: AWS's 403 text for a URL call its authorization does not allow. */
export const URL_FORBIDDEN_MESSAGE =
  "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

/**
 * Whether `caller` may invoke `fn` through the URL `config`; `caller` is the signer of an `AWS_IAM` call and
 * undefined for a `NONE` call. lamina keeps no identity policies, so an `AWS_IAM` caller of the function's own
 * account is allowed, as an administrator would be; another account needs a statement of the URL's policy that
 * grants it `lambda:InvokeFunctionUrl` with `FunctionUrlAuthType AWS_IAM`.
 */
export async function urlInvokeAllowed(
  permissions: FunctionPermissionService,
  fn: FunctionVersion,
  config: FunctionUrlConfig,
  caller: PolicyCaller | undefined,
): Promise<boolean> {
  if (config.authType === "AWS_IAM" && caller?.accountId === fn.accountId) {
    return true;
  }
  return permissions.allowsUrlCall(config.functionId, config.qualifier, config.authType, caller);
}
