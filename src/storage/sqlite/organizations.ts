/** SQL of organizations, their member accounts, CreateAccount requests and invitation handshakes. */
import type { Db } from "./db.js";

/** An organization row. */
export interface OrganizationRow {
  id: string;
  management_account: string;
  feature_set: string;
  root_id: string;
  created_at: number;
}

/** A member account row (rowid: joining order). */
export interface AccountRow {
  rowid: number;
  account_id: string;
  organization_id: string;
  name: string;
  email: string;
  joined_method: string;
  joined_at: number;
}

/** A CreateAccount request row. */
export interface CreateAccountRow {
  id: string;
  organization_id: string;
  account_id: string;
  account_name: string;
  requested_at: number;
  completed_at: number;
}

/** A handshake row. */
export interface HandshakeRow {
  id: string;
  organization_id: string;
  target_account: string;
  state: string;
  requested_at: number;
  expires_at: number;
  notes: string | null;
}

/** Prepared statements over the organization tables. */
export class OrganizationStore {
  readonly transaction: Db["transaction"];
  private readonly s;

  constructor(db: Db) {
    this.transaction = db.transaction.bind(db);
    this.s = {
      orgOfAccount: db.prepare<[string], OrganizationRow>(
        `SELECT o.* FROM organization_accounts a JOIN organizations o ON o.id = a.organization_id WHERE a.account_id = ?`,
      ),
      org: db.prepare<[string], OrganizationRow>(`SELECT * FROM organizations WHERE id = ?`),
      insertOrg: db.prepare(
        `INSERT INTO organizations (id, management_account, feature_set, root_id, created_at)
         VALUES (@id, @management_account, @feature_set, @root_id, @created_at)`,
      ),
      deleteOrg: db.prepare<[string]>(`DELETE FROM organizations WHERE id = ?`),
      account: db.prepare<[string], AccountRow>(
        `SELECT rowid, * FROM organization_accounts WHERE account_id = ?`,
      ),
      insertAccount: db.prepare(
        `INSERT INTO organization_accounts (account_id, organization_id, name, email, joined_method, joined_at)
         VALUES (@account_id, @organization_id, @name, @email, @joined_method, @joined_at)`,
      ),
      deleteAccount: db.prepare<[string]>(`DELETE FROM organization_accounts WHERE account_id = ?`),
      countMembers: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM organization_accounts WHERE organization_id = ?`,
      ),
      listAccounts: db.prepare<[string, number, number], AccountRow>(
        `SELECT rowid, * FROM organization_accounts WHERE organization_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
      ),
      isMember: db.prepare<[string, string], { one: number }>(
        `SELECT 1 AS one FROM organization_accounts WHERE account_id = ? AND organization_id = ?`,
      ),
      accountKnown: db.prepare<[string, string], { one: number }>(
        `SELECT 1 AS one FROM organization_accounts WHERE account_id = ?
         UNION ALL SELECT 1 FROM create_account_requests WHERE account_id = ?`,
      ),
      insertCreate: db.prepare(
        `INSERT INTO create_account_requests (id, organization_id, account_id, account_name, requested_at, completed_at)
         VALUES (@id, @organization_id, @account_id, @account_name, @requested_at, @completed_at)`,
      ),
      createRequest: db.prepare<[string], CreateAccountRow>(
        `SELECT * FROM create_account_requests WHERE id = ?`,
      ),
      insertHandshake: db.prepare(
        `INSERT INTO handshakes (id, organization_id, target_account, state, requested_at, expires_at, notes)
         VALUES (@id, @organization_id, @target_account, @state, @requested_at, @expires_at, @notes)`,
      ),
      handshake: db.prepare<[string], HandshakeRow>(`SELECT * FROM handshakes WHERE id = ?`),
      openHandshake: db.prepare<[string, string], HandshakeRow>(
        `SELECT * FROM handshakes WHERE organization_id = ? AND target_account = ? AND state = 'OPEN'`,
      ),
      setHandshakeState: db.prepare<[string, string]>(`UPDATE handshakes SET state = ? WHERE id = ?`),
    };
  }

  /** The organization `accountId` belongs to, if any. */
  organizationOf(accountId: string): OrganizationRow | undefined {
    return this.s.orgOfAccount.get(accountId);
  }

  organization(id: string): OrganizationRow | undefined {
    return this.s.org.get(id);
  }

  insertOrganization(row: OrganizationRow): void {
    this.s.insertOrg.run(row);
  }

  deleteOrganization(id: string): void {
    this.s.deleteOrg.run(id);
  }

  account(accountId: string): AccountRow | undefined {
    return this.s.account.get(accountId);
  }

  insertAccount(row: Omit<AccountRow, "rowid">): void {
    this.s.insertAccount.run(row);
  }

  removeAccount(accountId: string): void {
    this.s.deleteAccount.run(accountId);
  }

  memberCount(organizationId: string): number {
    return this.s.countMembers.get(organizationId)?.n ?? 0;
  }

  /** Up to `limit` members after paging position `after` (a rowid), in joining order. */
  listAccounts(organizationId: string, after: number, limit: number): AccountRow[] {
    return this.s.listAccounts.all(organizationId, after, limit);
  }

  /** Whether `accountId` is a member of `organizationId` now. */
  isMember(organizationId: string, accountId: string): boolean {
    return this.s.isMember.get(accountId, organizationId) !== undefined;
  }

  /** Whether lamina already knows the id as a member or a created account (new ids must avoid it). */
  accountKnown(accountId: string): boolean {
    return this.s.accountKnown.get(accountId, accountId) !== undefined;
  }

  insertCreateRequest(row: CreateAccountRow): void {
    this.s.insertCreate.run(row);
  }

  createRequest(id: string): CreateAccountRow | undefined {
    return this.s.createRequest.get(id);
  }

  insertHandshake(row: HandshakeRow): void {
    this.s.insertHandshake.run(row);
  }

  handshake(id: string): HandshakeRow | undefined {
    return this.s.handshake.get(id);
  }

  openHandshake(organizationId: string, accountId: string): HandshakeRow | undefined {
    return this.s.openHandshake.get(organizationId, accountId);
  }

  setHandshakeState(id: string, state: string): void {
    this.s.setHandshakeState.run(state, id);
  }
}
