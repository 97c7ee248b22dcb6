/**
 * S3's refusals of a presigned URL, which lamina's signed code URLs imitate: XML `<Error>` bodies with HTTP 403.
 * Shapes as S3 sends them (aws/aws-sdk-php#1333 and lukejacksonn/react-slack-clone#27 show the expired one with
 * `X-Amz-Expires`, `Expires` and `ServerTime`; a-slice-of-py's notes show SignatureDoesNotMatch's text).
 */
import type { ServerResponse } from "node:http";
import type { Expired, UrlDenial } from "../../identity/url-signing.js";
import { URL_VALIDITY_SECONDS } from "../../identity/url-signing.js";

/** S3's texts for the three refusals. */
export const S3_DENIALS = {
  unsigned: { code: "AccessDenied", message: "Access Denied" },
  mismatch: {
    code: "SignatureDoesNotMatch",
    message:
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  },
  expired: { code: "AccessDenied", message: "Request has expired" },
} as const;

/** S3's timestamps in errors: seconds, no milliseconds. */
function s3Time(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Writes S3's 403 for a URL that is unsigned, altered or expired. */
export function s3Denial(res: ServerResponse, denial: UrlDenial | Expired, requestId: string): void {
  const kind = typeof denial === "string" ? denial : denial.denial;
  const { code, message } = S3_DENIALS[kind];
  const extra =
    typeof denial === "string"
      ? ""
      : `<X-Amz-Expires>${URL_VALIDITY_SECONDS}</X-Amz-Expires><Expires>${s3Time(denial.expires)}</Expires>` +
        `<ServerTime>${s3Time(denial.serverTime)}</ServerTime>`;
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `${extra}<RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(403, {
    "Content-Type": "application/xml",
    "Content-Length": Buffer.byteLength(body),
    "x-amz-request-id": requestId,
  });
  res.end(body);
}
