/**
 * The organizations repository on PostgreSQL: organizations, their member accounts, CreateAccount requests and
 * invitation handshakes, decoded here, once, into camelCase records.
 */
import type {
  CreateAccountRequest,
  Handshake,
  NewOrganizationAccount,
  Organization,
  OrganizationAccount,
  OrganizationRepository,
} from "../types.js";
import type { PgDb } from "./db.js";

interface OrganizationRow {
  readonly id: string;
  readonly management_account: string;
  readonly feature_set: string;
  readonly root_id: string;
  readonly created_at: number;
  readonly [column: string]: unknown;
}

interface AccountRow {
  readonly position: number;
  readonly account_id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly email: string;
  readonly joined_method: string;
  readonly joined_at: number;
  readonly [column: string]: unknown;
}

interface CreateAccountRow {
  readonly id: string;
  readonly organization_id: string;
  readonly account_id: string;
  readonly account_name: string;
  readonly requested_at: number;
  readonly completed_at: number;
  readonly [column: string]: unknown;
}

interface HandshakeRow {
  readonly id: string;
  readonly organization_id: string;
  readonly target_account: string;
  readonly state: string;
  readonly requested_at: number;
  readonly expires_at: number;
  readonly notes: string | null;
  readonly [column: string]: unknown;
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
    position: row.position,
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

/** The organization tables. */
export class PgOrganizations implements OrganizationRepository {
  constructor(private readonly db: PgDb) {}

  async organizationOf(accountId: string): Promise<Organization | undefined> {
    const [row] = await this.db.query<OrganizationRow>(
      `SELECT o.* FROM organization_accounts a JOIN organizations o ON o.id = a.organization_id
       WHERE a.account_id = $1`,
      [accountId],
    );
    return row && toOrganization(row);
  }

  async get(id: string): Promise<Organization | undefined> {
    const [row] = await this.db.query<OrganizationRow>("SELECT * FROM organizations WHERE id = $1", [id]);
    return row && toOrganization(row);
  }

  async insert(org: Organization): Promise<void> {
    await this.db.query(
      `INSERT INTO organizations (id, management_account, feature_set, root_id, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [org.id, org.managementAccount, org.featureSet, org.rootId, org.createdAt],
    );
  }

  async delete(id: string): Promise<void> {
    await this.db.query("DELETE FROM organizations WHERE id = $1", [id]);
  }

  async account(accountId: string): Promise<OrganizationAccount | undefined> {
    const [row] = await this.db.query<AccountRow>(
      "SELECT * FROM organization_accounts WHERE account_id = $1",
      [accountId],
    );
    return row && toAccount(row);
  }

  async insertAccount(a: NewOrganizationAccount): Promise<void> {
    await this.db.query(
      `INSERT INTO organization_accounts (account_id, organization_id, name, email, joined_method, joined_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [a.accountId, a.organizationId, a.name, a.email, a.joinedMethod, a.joinedAt],
    );
  }

  async removeAccount(accountId: string): Promise<void> {
    await this.db.query("DELETE FROM organization_accounts WHERE account_id = $1", [accountId]);
  }

  async memberCount(organizationId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM organization_accounts WHERE organization_id = $1",
      [organizationId],
    );
    return row?.n ?? 0;
  }

  async listAccounts(organizationId: string, after: number, limit: number): Promise<OrganizationAccount[]> {
    const rows = await this.db.query<AccountRow>(
      `SELECT * FROM organization_accounts WHERE organization_id = $1 AND position > $2::bigint
       ORDER BY position LIMIT $3`,
      [organizationId, after, limit],
    );
    return rows.map(toAccount);
  }

  async isMember(organizationId: string, accountId: string): Promise<boolean> {
    const rows = await this.db.query(
      "SELECT 1 FROM organization_accounts WHERE account_id = $1 AND organization_id = $2",
      [accountId, organizationId],
    );
    return rows.length > 0;
  }

  async accountKnown(accountId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM organization_accounts WHERE account_id = $1
       UNION ALL SELECT 1 FROM create_account_requests WHERE account_id = $1`,
      [accountId],
    );
    return rows.length > 0;
  }

  async insertCreateRequest(r: CreateAccountRequest): Promise<void> {
    await this.db.query(
      `INSERT INTO create_account_requests (id, organization_id, account_id, account_name, requested_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.id, r.organizationId, r.accountId, r.accountName, r.requestedAt, r.completedAt],
    );
  }

  async createRequest(id: string): Promise<CreateAccountRequest | undefined> {
    const [row] = await this.db.query<CreateAccountRow>(
      "SELECT * FROM create_account_requests WHERE id = $1",
      [id],
    );
    return row && toCreateRequest(row);
  }

  async insertHandshake(h: Handshake): Promise<void> {
    await this.db.query(
      `INSERT INTO handshakes (id, organization_id, target_account, state, requested_at, expires_at, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [h.id, h.organizationId, h.targetAccount, h.state, h.requestedAt, h.expiresAt, h.notes ?? null],
    );
  }

  async handshake(id: string): Promise<Handshake | undefined> {
    const [row] = await this.db.query<HandshakeRow>("SELECT * FROM handshakes WHERE id = $1", [id]);
    return row && toHandshake(row);
  }

  async openHandshake(organizationId: string, accountId: string): Promise<Handshake | undefined> {
    const [row] = await this.db.query<HandshakeRow>(
      "SELECT * FROM handshakes WHERE organization_id = $1 AND target_account = $2 AND state = 'OPEN'",
      [organizationId, accountId],
    );
    return row && toHandshake(row);
  }

  async setHandshakeState(id: string, state: string): Promise<void> {
    await this.db.query("UPDATE handshakes SET state = $1 WHERE id = $2", [state, id]);
  }
}
