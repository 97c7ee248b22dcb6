/** The `blobs` rows on PostgreSQL: one per stored zip; a row is referenced while `lamina_blob_referenced` says so. */
import type { CodeReferences, CodeRepository, StoredCode } from "../types.js";
import { randomUUID } from "node:crypto";
import type { PgDb } from "./db.js";

/** How long a hold outlives a holder that died without dropping it: well past the longest request. */
const HOLD_TTL = "15 minutes";

/** The advisory lock class of a blob's hold and deletion (the second key is the hash's hashtext). */
const BLOB_LOCK_CLASS = 17;

/** The code rows. */
export class PgCode implements CodeRepository {
  constructor(private readonly db: PgDb) {}

  async register(code: StoredCode): Promise<void> {
    // DO NOTHING leaves an existing row untouched, so concurrent requests with the same bytes do not collide. A
    // collection deleting it meanwhile is ordered by the referencing insert's foreign key lock: either the delete
    // wins and the insert fails (the transaction runs again and inserts the row afresh), or it waits and, under
    // SERIALIZABLE, runs again and finds the reference.
    await this.db.query(
      `INSERT INTO blobs (sha256, size, unzipped_size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
      [code.sha256Hex, code.codeSize, code.unzippedSize],
    );
  }

  async unzippedSize(sha256Hex: string): Promise<number> {
    const [row] = await this.db.query<{ unzipped_size: number }>(
      "SELECT unzipped_size FROM blobs WHERE sha256 = $1",
      [sha256Hex],
    );
    return row?.unzipped_size ?? 0;
  }

  async known(sha256Hex: string): Promise<boolean> {
    const rows = await this.db.query("SELECT 1 FROM blobs WHERE sha256 = $1", [sha256Hex]);
    return rows.length > 0;
  }

  async deleteUnreferenced(keep: (sha256Hex: string) => boolean): Promise<string[]> {
    const candidates = await this.db.query<{ sha256: string }>(
      "SELECT sha256 FROM blobs WHERE NOT lamina_blob_referenced(sha256)",
    );
    const doomed = candidates.map((r) => r.sha256).filter((sha) => !keep(sha));
    if (doomed.length === 0) {
      return [];
    }
    // Re-checked in the DELETE itself: a reference another process committed meanwhile keeps its row.
    const gone = await this.db.query<{ sha256: string }>(
      "DELETE FROM blobs WHERE sha256 = ANY($1::text[]) AND NOT lamina_blob_referenced(sha256) RETURNING sha256",
      [doomed],
    );
    return gone.map((r) => r.sha256);
  }

  async sweep(): Promise<(sha256Hex: string) => boolean> {
    await this.db.query("DELETE FROM blobs WHERE NOT lamina_blob_referenced(sha256)");
    // The check must answer synchronously, so the referenced hashes are read once, here. A blob referenced after
    // this read is still safe: the store deletes through `whenUnused`, which looks again under the blob's lock.
    const rows = await this.db.query<{ sha256: string }>("SELECT sha256 FROM blobs");
    const referenced = new Set(rows.map((r) => r.sha256));
    return (sha) => referenced.has(sha);
  }

  async hold(sha256Hex: string): Promise<string> {
    const token = randomUUID();
    // One statement, so one transaction: the lock serializes it with a deletion of the same blob (`whenUnused`),
    // and the hold is committed, so visible, before the lock is released.
    await this.db.query(
      `WITH locked AS (SELECT pg_advisory_xact_lock(${BLOB_LOCK_CLASS}, hashtext($2)))
       INSERT INTO blob_holds (token, sha256, expires_at)
       SELECT $1, $2, now() + interval '${HOLD_TTL}' FROM locked`,
      [token, sha256Hex],
    );
    return token;
  }

  async unhold(token: string): Promise<void> {
    await this.db.query("DELETE FROM blob_holds WHERE token = $1 OR expires_at < now()", [token]);
  }

  async whenUnused(sha256Hex: string, remove: () => Promise<void>): Promise<boolean> {
    // READ COMMITTED on purpose: the check must see every hold committed before the lock was granted.
    return this.db.locked(async (query) => {
      await query(`SELECT pg_advisory_xact_lock(${BLOB_LOCK_CLASS}, hashtext($1))`, [sha256Hex]);
      const used = await query(
        `SELECT 1 FROM blobs WHERE sha256 = $1
         UNION ALL SELECT 1 FROM blob_holds WHERE sha256 = $1 AND expires_at > now()`,
        [sha256Hex],
      );
      if (used.length > 0) {
        return false;
      }
      await remove();
      return true;
    });
  }

  async references(): Promise<CodeReferences> {
    const referenced = await this.db.query<{ sha256: string }>(
      "SELECT sha256 FROM blobs WHERE lamina_blob_referenced(sha256)",
    );
    // Every function version's list: $LATEST's by function, each published version's by its own row.
    const rows = await this.db.query<{ id: string; sha: string }>(
      `SELECT 'f' || function_id AS id, code_sha256 AS sha, position FROM function_layers
       UNION ALL SELECT 'v' || version_id, code_sha256, position FROM function_version_layers
       ORDER BY 1, 3`,
    );
    const lists = new Map<string, string[]>();
    for (const row of rows) {
      lists.set(row.id, [...(lists.get(row.id) ?? []), row.sha]);
    }
    return { sha256s: new Set(referenced.map((r) => r.sha256)), layerLists: [...lists.values()] };
  }
}
