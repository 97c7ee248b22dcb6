/** Temporary credentials lamina issued (AssumeRole), kept in SQLite so they outlive a restart as AWS's do. */
import type { CredentialRepository, IssuedCredentials } from "../types.js";
import type { Db } from "./db.js";
import { keepBounded } from "../../util/bounded-memo.js";

interface Row {
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly session_token: string;
  readonly account_id: string;
  readonly arn: string;
  readonly user_id: string;
  readonly expires_at: number;
}

/** Entries each cache holds at most; past it the cache starts over (a flood of random keys must not grow it). */
const CACHE_LIMIT = 10_000;

/**
 * How long "lamina never issued this key" is believed. Long enough that a client retrying a random key does not
 * reach SQLite per request, short enough that credentials another process sharing the database issued (team
 * mode) are seen within seconds: an unbounded negative cache would refuse them until a restart.
 */
const UNKNOWN_KEY_TTL_MS = 5_000;

/** Issued credentials by access key id, cached in memory for the lookup every signed request makes. */
export class SqliteCredentials implements CredentialRepository {
  /** Issued credentials never change, so a hit stays true for good. */
  private readonly known = new Map<string, IssuedCredentials>();
  /** Keys found missing, with the time (of `now`) at which that answer expires. */
  private readonly unknown = new Map<string, number>();
  private readonly insertStmt;
  private readonly getStmt;

  /** `now` is a monotonic clock in milliseconds; tests pass their own to age the unknown-key answers. */
  constructor(
    db: Db,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.insertStmt = db.prepare<[IssuedCredentials]>(
      `INSERT INTO issued_credentials (access_key_id, secret_access_key, session_token, account_id, arn, user_id, expires_at)
       VALUES (@accessKeyId, @secretAccessKey, @sessionToken, @accountId, @arn, @userId, @expiresAt)`,
    );
    this.getStmt = db.prepare<[string], Row>(`SELECT * FROM issued_credentials WHERE access_key_id = ?`);
  }

  async insert(c: IssuedCredentials): Promise<void> {
    this.insertStmt.run(c);
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
    const row = this.getStmt.get(accessKeyId);
    if (!row) {
      keepBounded(this.unknown, accessKeyId, now + UNKNOWN_KEY_TTL_MS, CACHE_LIMIT);
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
    keepBounded(this.known, accessKeyId, found, CACHE_LIMIT);
    this.unknown.delete(accessKeyId);
    return found;
  }
}
