/**
 * Paging markers: opaque to clients (AWS's are encrypted blobs, `docs/reference/aws-layer-semantics.md`
 * §1.3), here base64url JSON of the last key returned. A marker lamina did not issue is refused.
 */
import { InvalidParameterValueException } from "../errors.js";

/** INFERRED text: AWS rejects markers it did not issue, but its wording is not recorded (§3 #32). */
export const INVALID_MARKER_MESSAGE = "Invalid Marker provided.";

/** Encodes a resume position. */
export function encodeMarker(position: string | number): string {
  return Buffer.from(JSON.stringify({ p: position }), "utf8").toString("base64url");
}

/** Decodes a marker into the kind of position the caller expects. */
export function decodeMarker<K extends "string" | "number">(
  marker: string,
  kind: K,
): K extends "string" ? string : number {
  let value: unknown;
  try {
    value = (JSON.parse(Buffer.from(marker, "base64url").toString("utf8")) as { p?: unknown }).p;
  } catch {
    value = undefined;
  }
  if (typeof value !== kind) {
    throw new InvalidParameterValueException(INVALID_MARKER_MESSAGE);
  }
  return value as K extends "string" ? string : number;
}
