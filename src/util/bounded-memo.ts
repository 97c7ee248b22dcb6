/** The one rule lamina's in-memory memos share for their size. */

/** Answers a memo holds unless it says otherwise: enough for every function or layer a developer's machine uses. */
export const MEMO_LIMIT = 10_000;

/** Sets `key` in a memo of at most `limit` answers: a full memo is emptied first (simpler than LRU, and rare). */
export function keepBounded<K, V>(memo: Map<K, V>, key: K, value: V, limit = MEMO_LIMIT): void {
  if (memo.size >= limit) {
    memo.clear();
  }
  memo.set(key, value);
}
