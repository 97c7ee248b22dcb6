/**
 * Temporary credentials lamina issued (AssumeRole), in PostgreSQL, cached as SQLite's are: issued credentials
 * never change, so a hit is kept for good; "never issued" is believed for a few seconds only, because another
 * process sharing the database may issue the key at any moment.
 */
import type { CredentialRepository, IssuedCredentials } from "../types.js";
import type { PgDb } from "./db.js";

interface Row {
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly session_token: string;
  readonly account_id: string;
  readonly arn: string;
  readonly user_id: string;
  readonly expires_at: number;
  readonly [column: string]: unknown;
}

/** Entries each cache holds at most; past it the cache starts over (a flood of random keys must not grow it). */
const CACHE_LIMIT = 10_000;
/** How long "lamina never issued this key" is believed. */
const UNKNOWN_KEY_TTL_MS = 5_000;

/** Issued credentials by access key id, cached in memory for the lookup every signed request makes. */
export class PgCredentials implements CredentialRepository {
  private readonly known = new Map<string, IssuedCredentials>();
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly db: PgDb,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async insert(c: IssuedCredentials): Promise<void> {
    await this.db.query(
      `INSERT INTO issued_credentials (access_key_id, secret_access_key, session_token, account_id, arn, user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [c.accessKeyId, c.secretAccessKey, c.sessionToken, c.accountId, c.arn, c.userId, c.expiresAt],
    );
    // Not cached here: the surrounding transaction may still roll back. The first `get` reads the row once.
    this.unknown.delete(c.accessKeyId);
  }

  async get(accessKeyId: string): Promise<IssuedCredentials | undefined> {
    const hit = this.known.get(accessKeyId);
    if (hit) {
      return hit;
    }
    const now = this.now();
    const until = this.unknown.get(accessKeyId);
    if (until !== undefined && until > now) {
      return undefined;
    }
    const [row] = await this.db.query<Row>("SELECT * FROM issued_credentials WHERE access_key_id = $1", [
      accessKeyId,
    ]);
    if (!row) {
      remember(this.unknown, accessKeyId, now + UNKNOWN_KEY_TTL_MS);
      return undefined;
    }
    const found: IssuedCredentials = {
      accessKeyId: row.access_key_id,
      secretAccessKey: row.secret_access_key,
      sessionToken: row.session_token,
      accountId: row.account_id,
      arn: row.arn,
      userId: row.user_id,
      expiresAt: row.expires_at,
    };
    remember(this.known, accessKeyId, found);
    this.unknown.delete(accessKeyId);
    return found;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) {
    cache.clear();
  }
  cache.set(key, value);
}
