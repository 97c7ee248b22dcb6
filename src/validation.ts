/**
 * The model's constraints, checked on the server as AWS does, with AWS's message form:
 * `N validation error(s) detected: Value '<v>' at '<member>' failed to satisfy constraint: <constraint>`,
 * items joined by `; ` (`docs/reference/aws-layer-semantics.md` §4, "Message-text conventions").
 * Each failed constraint is one item; a member's constraints are checked in the order AWS lists them
 * (max length, min length, pattern), as its list-member text shows (§3 #62).
 */
import { ValidationException } from "./errors.js";

/** Constraint texts exactly as AWS prints them. */
export const Constraint = {
  notNull: "Member must not be null",
  maxLength: (n: number) => `Member must have length less than or equal to ${n}`,
  minLength: (n: number) => `Member must have length greater than or equal to ${n}`,
  maxValue: (n: number) => `Member must have value less than or equal to ${n}`,
  minValue: (n: number) => `Member must have value greater than or equal to ${n}`,
  pattern: (p: string) => `Member must satisfy regular expression pattern: ${p}`,
  enumSet: (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(", ")}]`,
  /** The wrapper AWS prints for constraints on the members of a list. */
  members: (inner: readonly string[]) => `Member must satisfy constraint: [${inner.join(", ")}]`,
} as const;

/** Limits and pattern of one string member. */
export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
}

const compiled = new Map<string, RegExp>();

const SURROGATE = /[\uD800-\uDFFF]/;

/** A string's length as AWS counts it: characters (code points), not UTF-16 units. */
function codePointLength(value: string): number {
  // Without surrogates every unit is a character: no need to split the string (every member of every request).
  return SURROGATE.test(value) ? [...value].length : value.length;
}

/** Whether `value` matches an AWS (Java-style, whole-string) pattern. */
export function matchesPattern(value: string, pattern: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** How AWS prints a value inside `Value '…'`: lists as `[a, b]`, everything else as its text. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => formatValue(v)).join(", ")}]`;
  }
  return String(value);
}

/** Collects constraint failures of one request; `throwIfAny()` raises them as one ValidationException. */
export class Violations {
  private readonly items: string[] = [];

  /** Records one failed constraint of `member`. */
  add(value: unknown, member: string, constraint: string): void {
    const shown = value === null || value === undefined ? "null" : `'${formatValue(value)}'`;
    this.items.push(`Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  /** Records a missing required member. */
  required<T>(value: T | undefined | null, member: string): value is T {
    if (value === undefined || value === null) {
      this.add(null, member, Constraint.notNull);
      return false;
    }
    return true;
  }

  /** Checks a string member's length and pattern; absent values pass. */
  string(value: string | undefined, member: string, rule: StringRule): void {
    if (value === undefined) {
      return;
    }
    const length = codePointLength(value);
    if (rule.max !== undefined && length > rule.max) {
      this.add(value, member, Constraint.maxLength(rule.max));
    }
    if (rule.min !== undefined && length < rule.min) {
      this.add(value, member, Constraint.minLength(rule.min));
    }
    if (rule.pattern !== undefined && !matchesPattern(value, rule.pattern)) {
      this.add(value, member, Constraint.pattern(rule.pattern));
    }
  }

  /** Checks an integer member's range; absent values pass. */
  range(value: number | undefined, member: string, min: number, max: number): void {
    if (value === undefined) {
      return;
    }
    if (value > max) {
      this.add(value, member, Constraint.maxValue(max));
    }
    if (value < min) {
      this.add(value, member, Constraint.minValue(min));
    }
  }

  /** Checks a list member's item count; absent values pass. */
  listLength(value: readonly unknown[] | undefined, member: string, min: number, max: number): void {
    if (value === undefined) {
      return;
    }
    if (value.length > max) {
      this.add(value, member, Constraint.maxLength(max));
    }
    if (value.length < min) {
      this.add(value, member, Constraint.minLength(min));
    }
  }

  /** True when nothing failed so far. */
  get ok(): boolean {
    return this.items.length === 0;
  }

  /** Throws the collected failures as AWS does: one ValidationException naming each. */
  throwIfAny(): void {
    const n = this.items.length;
    if (n === 0) {
      return;
    }
    const head = n === 1 ? "1 validation error detected: " : `${n} validation errors detected: `;
    throw new ValidationException(head + this.items.join("; "));
  }
}
