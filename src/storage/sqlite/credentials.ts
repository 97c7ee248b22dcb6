/** Temporary credentials lamina issued (AssumeRole), kept in SQLite so they outlive a restart as AWS's do. */
import type { Db } from "./db.js";

/** One issued key and the principal its use maps to. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly arn: string;
  /** `AROA…:<session>` */
  readonly userId: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

interface Row {
  access_key_id: string;
  secret_access_key: string;
  session_token: string;
  account_id: string;
  arn: string;
  user_id: string;
  expires_at: number;
}

/** Issued credentials by access key id, with a small in-memory cache for the lookup every request makes. */
export class CredentialStore {
  private readonly cache = new Map<string, IssuedCredentials | null>();
  private readonly insertStmt;
  private readonly getStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO issued_credentials (access_key_id, secret_access_key, session_token, account_id, arn, user_id, expires_at)
       VALUES (@accessKeyId, @secretAccessKey, @sessionToken, @accountId, @arn, @userId, @expiresAt)`,
    );
    this.getStmt = db.prepare<[string], Row>(`SELECT * FROM issued_credentials WHERE access_key_id = ?`);
  }

  /** Stores newly issued credentials. */
  insert(c: IssuedCredentials): void {
    this.insertStmt.run(c);
    this.cache.set(c.accessKeyId, c);
  }

  /** The credentials of `accessKeyId`, if lamina issued it. */
  get(accessKeyId: string): IssuedCredentials | undefined {
    let hit = this.cache.get(accessKeyId);
    if (hit === undefined) {
      const row = this.getStmt.get(accessKeyId);
      hit = row
        ? {
            accessKeyId: row.access_key_id,
            secretAccessKey: row.secret_access_key,
            sessionToken: row.session_token,
            accountId: row.account_id,
            arn: row.arn,
            userId: row.user_id,
            expiresAt: row.expires_at,
          }
        : null;
      // Unknown keys are cached too (bounded), so a client with a random key does not hit SQLite per request.
      if (this.cache.size > 10_000) {
        this.cache.clear();
      }
      this.cache.set(accessKeyId, hit);
    }
    return hit ?? undefined;
  }
}
