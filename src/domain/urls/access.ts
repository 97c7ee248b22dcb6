/**
 * Who may call a function URL (`docs/reference/aws-deploy-api.md` §12.3). `NONE`: nobody is authenticated, but
 * the function's resource policy must grant `lambda:InvokeFunctionUrl` to `*` with `FunctionUrlAuthType NONE`.
 * `AWS_IAM`: the signed caller needs `lambda:InvokeFunctionUrl` from an identity or a resource policy.
 */
import type { FunctionUrlConfig, FunctionVersion } from "../../storage/types.js";

/** §12.3: AWS's 403 text for a URL call its authorization does not allow. */
export const URL_FORBIDDEN_MESSAGE =
  "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

/** The caller of a URL: the signed account of an `AWS_IAM` call, or nobody (`NONE`). */
export interface UrlCaller {
  /** Undefined for an anonymous (`NONE`) call. */
  readonly accountId: string | undefined;
}

/**
 * Whether `caller` may invoke `fn` through the URL `config`.
 *
 * lamina has no function resource policies yet, so two answers stand in for them until they land: `NONE` URLs
 * are open (AWS would also require the public `lambda:InvokeFunctionUrl` statement), and `AWS_IAM` URLs admit the
 * function's own account only (lamina keeps no identity policies, so an account's own principals are allowed, as
 * an administrator's would be; another account would need a policy statement naming it).
 */
export function urlInvokeAllowed(
  fn: FunctionVersion,
  config: FunctionUrlConfig,
  caller: UrlCaller,
): Promise<boolean> {
  if (config.authType === "NONE") {
    return Promise.resolve(true);
  }
  return Promise.resolve(caller.accountId === fn.accountId);
}
