/** Raw HTTP requests for what the SDK cannot send (bad JSON, unknown paths, oversized bodies). */

/** The parts of a raw response tests assert on. */
export interface RawResponse {
  readonly status: number;
  readonly errorType: string | null;
  readonly requestId: string | null;
  readonly body: string;
}

/** Sends one request signed as `accountId` (only the credential scope matters to lamina's identity). */
export async function rawRequest(
  url: string,
  method: string,
  path: string,
  init: {
    body?: string | Buffer;
    accountId?: string;
    region?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.accountId) {
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${init.accountId}/20260101/${init.region ?? "eu-central-1"}/lambda/aws4_request, ` +
      "SignedHeaders=host;x-amz-date, Signature=0000";
  }
  const res = await fetch(url + path, { method, headers, body: init.body });
  return {
    status: res.status,
    errorType: res.headers.get("x-amzn-errortype"),
    requestId: res.headers.get("x-amzn-requestid"),
    body: await res.text(),
  };
}
