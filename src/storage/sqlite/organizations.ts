/**
 * The organizations repository on SQLite: organizations, their member accounts, CreateAccount requests and
 * invitation handshakes. Rows are decoded here, once, into camelCase records.
 */
import type {
  CreateAccountRequest,
  Handshake,
  NewOrganizationAccount,
  Organization,
  OrganizationAccount,
  OrganizationRepository,
} from "../types.js";
import type { Db } from "./db.js";

interface OrganizationRow {
  readonly id: string;
  readonly management_account: string;
  readonly feature_set: string;
  readonly root_id: string;
  readonly created_at: number;
}

/** A member row; its rowid is the joining order. */
interface AccountRow {
  readonly rowid: number;
  readonly account_id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly email: string;
  readonly joined_method: string;
  readonly joined_at: number;
}

interface CreateAccountRow {
  readonly id: string;
  readonly organization_id: string;
  readonly account_id: string;
  readonly account_name: string;
  readonly requested_at: number;
  readonly completed_at: number;
}

interface HandshakeRow {
  readonly id: string;
  readonly organization_id: string;
  readonly target_account: string;
  readonly state: string;
  readonly requested_at: number;
  readonly expires_at: number;
  readonly notes: string | null;
}

function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    managementAccount: row.management_account,
    featureSet: row.feature_set,
    rootId: row.root_id,
    createdAt: row.created_at,
  };
}

function toAccount(row: AccountRow): OrganizationAccount {
  return {
    position: row.rowid,
    accountId: row.account_id,
    organizationId: row.organization_id,
    name: row.name,
    email: row.email,
    joinedMethod: row.joined_method,
    joinedAt: row.joined_at,
  };
}

function toCreateRequest(row: CreateAccountRow): CreateAccountRequest {
  return {
    id: row.id,
    organizationId: row.organization_id,
    accountId: row.account_id,
    accountName: row.account_name,
    requestedAt: row.requested_at,
    completedAt: row.completed_at,
  };
}

function toHandshake(row: HandshakeRow): Handshake {
  return {
    id: row.id,
    organizationId: row.organization_id,
    targetAccount: row.target_account,
    state: row.state,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    notes: row.notes ?? undefined,
  };
}

function prepareStatements(db: Db) {
  return {
    orgOfAccount: db.prepare<[string], OrganizationRow>(
      `SELECT o.* FROM organization_accounts a JOIN organizations o ON o.id = a.organization_id WHERE a.account_id = ?`,
    ),
    org: db.prepare<[string], OrganizationRow>(`SELECT * FROM organizations WHERE id = ?`),
    insertOrg: db.prepare<[Organization]>(
      `INSERT INTO organizations (id, management_account, feature_set, root_id, created_at)
       VALUES (@id, @managementAccount, @featureSet, @rootId, @createdAt)`,
    ),
    deleteOrg: db.prepare<[string]>(`DELETE FROM organizations WHERE id = ?`),
    account: db.prepare<[string], AccountRow>(
      `SELECT rowid, * FROM organization_accounts WHERE account_id = ?`,
    ),
    insertAccount: db.prepare<[NewOrganizationAccount]>(
      `INSERT INTO organization_accounts (account_id, organization_id, name, email, joined_method, joined_at)
       VALUES (@accountId, @organizationId, @name, @email, @joinedMethod, @joinedAt)`,
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
    insertCreate: db.prepare<[CreateAccountRequest]>(
      `INSERT INTO create_account_requests (id, organization_id, account_id, account_name, requested_at, completed_at)
       VALUES (@id, @organizationId, @accountId, @accountName, @requestedAt, @completedAt)`,
    ),
    createRequest: db.prepare<[string], CreateAccountRow>(
      `SELECT * FROM create_account_requests WHERE id = ?`,
    ),
    insertHandshake: db.prepare(
      `INSERT INTO handshakes (id, organization_id, target_account, state, requested_at, expires_at, notes)
       VALUES (@id, @organizationId, @targetAccount, @state, @requestedAt, @expiresAt, @notes)`,
    ),
    handshake: db.prepare<[string], HandshakeRow>(`SELECT * FROM handshakes WHERE id = ?`),
    openHandshake: db.prepare<[string, string], HandshakeRow>(
      `SELECT * FROM handshakes WHERE organization_id = ? AND target_account = ? AND state = 'OPEN'`,
    ),
    setHandshakeState: db.prepare<[string, string]>(`UPDATE handshakes SET state = ? WHERE id = ?`),
  };
}

/** The organization tables. */
export class SqliteOrganizations implements OrganizationRepository {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Db) {
    this.s = prepareStatements(db);
  }

  async organizationOf(accountId: string): Promise<Organization | undefined> {
    const row = this.s.orgOfAccount.get(accountId);
    return row && toOrganization(row);
  }

  async get(id: string): Promise<Organization | undefined> {
    const row = this.s.org.get(id);
    return row && toOrganization(row);
  }

  async insert(org: Organization): Promise<void> {
    this.s.insertOrg.run(org);
  }

  async delete(id: string): Promise<void> {
    this.s.deleteOrg.run(id);
  }

  async account(accountId: string): Promise<OrganizationAccount | undefined> {
    const row = this.s.account.get(accountId);
    return row && toAccount(row);
  }

  async insertAccount(account: NewOrganizationAccount): Promise<void> {
    this.s.insertAccount.run(account);
  }

  async removeAccount(accountId: string): Promise<void> {
    this.s.deleteAccount.run(accountId);
  }

  async memberCount(organizationId: string): Promise<number> {
    return this.s.countMembers.get(organizationId)?.n ?? 0;
  }

  async listAccounts(organizationId: string, after: number, limit: number): Promise<OrganizationAccount[]> {
    return this.s.listAccounts.all(organizationId, after, limit).map(toAccount);
  }

  async isMember(organizationId: string, accountId: string): Promise<boolean> {
    return this.s.isMember.get(accountId, organizationId) !== undefined;
  }

  async accountKnown(accountId: string): Promise<boolean> {
    return this.s.accountKnown.get(accountId, accountId) !== undefined;
  }

  async insertCreateRequest(request: CreateAccountRequest): Promise<void> {
    this.s.insertCreate.run(request);
  }

  async createRequest(id: string): Promise<CreateAccountRequest | undefined> {
    const row = this.s.createRequest.get(id);
    return row && toCreateRequest(row);
  }

  async insertHandshake(handshake: Handshake): Promise<void> {
    this.s.insertHandshake.run({ ...handshake, notes: handshake.notes ?? null });
  }

  async handshake(id: string): Promise<Handshake | undefined> {
    const row = this.s.handshake.get(id);
    return row && toHandshake(row);
  }

  async openHandshake(organizationId: string, accountId: string): Promise<Handshake | undefined> {
    const row = this.s.openHandshake.get(organizationId, accountId);
    return row && toHandshake(row);
  }

  async setHandshakeState(id: string, state: string): Promise<void> {
    this.s.setHandshakeState.run(state, id);
  }
}
