/**
 * Typed reads of request members. A member of the wrong JSON type is a body AWS cannot deserialize: it answers
 * InvalidRequestContentException (400), which these throw. Absent or null members read as undefined.
 */
import { InvalidRequestContentException } from "../../errors.js";
import type { Violations } from "../../validation.js";
import { RawBase64 } from "./blob-body.js";
import type { Call } from "./types.js";

type Body = Readonly<Record<string, unknown>>;

function wrongType(key: string, expected: string): InvalidRequestContentException {
  return new InvalidRequestContentException(
    `Could not parse request body into json: Could not parse payload into json: ${key} must be ${expected}`,
  );
}

/** A string member. */
export function stringMember(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== "string") {
    throw wrongType(key, "a string");
  }
  return v;
}

/** A list-of-strings member. */
export function stringListMember(body: Body, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw wrongType(key, "a list of strings");
  }
  return v;
}

/** A structure member. */
export function structureMember(body: Body, key: string): Body | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== "object" || Array.isArray(v)) {
    throw wrongType(key, "an object");
  }
  return v as Body;
}

/**
 * A blob member: base64 text decoded strictly. Node's decoder skips characters outside the alphabet, so a decoded
 * length that differs from what the text's length implies means the text was not base64.
 */
export function blobMember(body: Body, key: string): Buffer | undefined {
  const value = body[key];
  const raw = value instanceof RawBase64 ? value : undefined;
  const text = raw ? undefined : stringMember(body, key);
  if (!raw && text === undefined) {
    return undefined;
  }
  // latin1 would fold characters above U+00FF onto base64 letters: anything non-ASCII is simply not base64.
  if (text !== undefined && /[\u0080-\uffff]/.test(text)) {
    throw notBase64(key);
  }
  const bytes = (raw ?? new RawBase64(Buffer.from(text ?? "", "latin1"))).decode();
  if (!bytes) {
    throw notBase64(key);
  }
  return bytes;
}

function notBase64(key: string): InvalidRequestContentException {
  return new InvalidRequestContentException(
    `Could not parse request body into json: Could not parse payload into json: ${key} is not valid base64`,
  );
}

/** An integer member. */
export function integerMember(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw wrongType(key, "an integer");
  }
  return v;
}

/** A boolean member. */
export function booleanMember(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== "boolean") {
    throw wrongType(key, "a boolean");
  }
  return v;
}

/** A map-of-strings member. */
export function stringMapMember(body: Body, key: string): Record<string, string> | undefined {
  const v = structureMember(body, key);
  if (v === undefined) {
    return undefined;
  }
  if (!Object.values(v).every((x) => typeof x === "string")) {
    throw wrongType(key, "a map of strings");
  }
  return v as Record<string, string>;
}

/** A `MaxItems` query member, checked into `v`: a whole number from 1 to `max` (the model's bound for the list). */
export function maxItemsOf(v: Violations, call: Call, max = 10_000): number | undefined {
  const raw = call.query.get("MaxItems") ?? undefined;
  const maxItems = raw === undefined ? undefined : Number(raw);
  if (raw !== undefined && !Number.isInteger(maxItems)) {
    v.add(raw, "maxItems", "Member must be a number");
    return undefined;
  }
  v.range(maxItems, "maxItems", 1, max);
  return maxItems;
}
