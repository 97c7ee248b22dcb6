/**
 * STS speaks the AWS query protocol: form-encoded requests, XML answers in the 2011-06-15 namespace
 * (`<Op>Response><Op>Result>…`, `ResponseMetadata/RequestId`), and errors as
 * `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId>`.
 */

/** The namespace of every STS answer. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** A nested XML value: text, or child elements in order. */
export type XmlValue = string | number | { readonly [name: string]: XmlValue };

/** Escapes text for element content. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

function element(name: string, value: XmlValue): string {
  if (typeof value === "object") {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join("")}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A successful answer of `operation`. */
export function successXml(
  operation: string,
  result: { readonly [name: string]: XmlValue },
  requestId: string,
): string {
  return (
    `<${operation}Response xmlns="${STS_NAMESPACE}">` +
    element(`${operation}Result`, result) +
    element("ResponseMetadata", { RequestId: requestId }) +
    `</${operation}Response>`
  );
}

/** An error answer. */
export function errorXml(code: string, message: string, requestId: string, type = "Sender"): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
    element("Error", { Type: type, Code: code, Message: message }) +
    element("RequestId", requestId) +
    `</ErrorResponse>`
  );
}
