/** Time as lamina reads it: injectable so tests can pin dates, and formatted the way Lambda writes them. */

/** A source of the current time. */
export type Clock = () => Date;

/** The real clock. */
export const systemClock: Clock = () => new Date();

/**
 * Lambda's timestamp format, `2018-12-12T15:37:49.027+0000`: UTC, three millisecond digits, `+0000` without a
 * colon (`docs/reference/aws-layer-semantics.md` §1.2).
 */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}
