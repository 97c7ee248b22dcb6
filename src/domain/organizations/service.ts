/**
 * AWS Organizations as lamina serves it: one organization per management account, members joined by
 * CreateAccount (a new account id, SUCCEEDED at once) or by invitation (InviteAccountToOrganization +
 * AcceptHandshake), and the management checks AWS makes. Membership is read by layer grants at each check.
 */
import { randomInt } from "node:crypto";
import type { RequestContext } from "../../identity/context.js";
import type { Clock } from "../../util/clock.js";
import { errors } from "./errors.js";
import type {
  AccountRow,
  CreateAccountRow,
  HandshakeRow,
  OrganizationRow,
  OrganizationStore,
} from "../../storage/sqlite/organizations.js";

const ACCOUNT_ID_RE = /^\d{12}$/;
const CREATE_REQUEST_ID_RE = /^car-[a-z0-9]{8,32}$/;
const HANDSHAKE_ID_RE = /^h-[0-9a-z]{8,32}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
/** AWS: an invitation handshake expires after 15 days. */
const HANDSHAKE_LIFETIME_S = 15 * 24 * 3600;

/** Wire shapes are plain records, keys as botocore's organizations/2016-11-28 model names them. */
type Wire = Record<string, unknown>;

/** The operations, each taking the caller and the JSON request. */
export class OrganizationsService {
  constructor(
    private readonly store: OrganizationStore,
    private readonly clock: Clock,
  ) {}

  createOrganization(ctx: RequestContext, input: Wire): Wire {
    const featureSet = optionalString(input.FeatureSet) ?? "ALL";
    if (featureSet !== "ALL" && featureSet !== "CONSOLIDATED_BILLING") {
      throw errors.invalidPattern();
    }
    const org = this.store.transaction(() => {
      if (this.store.organizationOf(ctx.accountId)) {
        throw errors.alreadyInOrganization();
      }
      const row: OrganizationRow = {
        id: `o-${randomId(10)}`,
        management_account: ctx.accountId,
        feature_set: featureSet,
        root_id: `r-${randomId(4)}`,
        created_at: this.now(),
      };
      this.store.insertOrganization(row);
      this.store.insertAccount({
        account_id: ctx.accountId,
        organization_id: row.id,
        name: managementName(ctx.accountId),
        email: placeholderEmail(ctx.accountId),
        joined_method: "CREATED",
        joined_at: row.created_at,
      });
      return row;
    })();
    return { Organization: organizationWire(ctx, org) };
  }

  describeOrganization(ctx: RequestContext): Wire {
    return { Organization: organizationWire(ctx, this.orgOf(ctx)) };
  }

  deleteOrganization(ctx: RequestContext): void {
    this.store.transaction(() => {
      const org = this.managedOrg(ctx);
      if (this.store.memberCount(org.id) > 1) {
        throw errors.notEmpty();
      }
      this.store.deleteOrganization(org.id);
    })();
  }

  /** ListRoots: the one root CreateOrganization made. */
  listRoots(ctx: RequestContext): Wire {
    const org = this.managedOrg(ctx);
    const arn = `arn:${ctx.partition}:organizations::${org.management_account}:root/${org.id}/${org.root_id}`;
    return { Roots: [{ Id: org.root_id, Arn: arn, Name: "Root", PolicyTypes: [] }] };
  }

  createAccount(ctx: RequestContext, input: Wire): Wire {
    const email = requiredString(input.Email);
    const name = requiredString(input.AccountName);
    if (!EMAIL_RE.test(email) || email.length > 64 || name.length > 50) {
      throw errors.invalidPattern();
    }
    const row = this.store.transaction(() => {
      const org = this.managedOrg(ctx);
      let accountId: string;
      do {
        accountId = String(randomInt(100_000_000_000, 1_000_000_000_000)).padStart(12, "0");
      } while (this.store.accountKnown(accountId));
      const now = this.now();
      const request: CreateAccountRow = {
        id: `car-${randomId(32)}`,
        organization_id: org.id,
        account_id: accountId,
        account_name: name,
        requested_at: now,
        completed_at: now,
      };
      this.store.insertCreateRequest(request);
      this.store.insertAccount({
        account_id: accountId,
        organization_id: org.id,
        name,
        email,
        joined_method: "CREATED",
        joined_at: now,
      });
      return request;
    })();
    return { CreateAccountStatus: createStatusWire(row) };
  }

  describeCreateAccountStatus(ctx: RequestContext, input: Wire): Wire {
    const id = requiredString(input.CreateAccountRequestId);
    if (!CREATE_REQUEST_ID_RE.test(id)) {
      throw errors.invalidPattern();
    }
    const org = this.managedOrg(ctx);
    const row = this.store.createRequest(id);
    if (!row || row.organization_id !== org.id) {
      throw errors.createAccountStatusNotFound();
    }
    return { CreateAccountStatus: createStatusWire(row) };
  }

  listAccounts(ctx: RequestContext, input: Wire): Wire {
    const org = this.managedOrg(ctx);
    const max = input.MaxResults === undefined ? 20 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 20) {
      throw errors.invalidPattern();
    }
    const after =
      input.NextToken === undefined || input.NextToken === null ? 0 : decodeToken(input.NextToken);
    const rows = this.store.listAccounts(org.id, after, max + 1);
    const page = rows.slice(0, max);
    const out: Wire = { Accounts: page.map((r) => accountWire(ctx, org, r)) };
    const last = page.at(-1);
    if (rows.length > max && last) {
      out.NextToken = Buffer.from(`accounts:${last.rowid}`).toString("base64url");
    }
    return out;
  }

  describeAccount(ctx: RequestContext, input: Wire): Wire {
    const accountId = accountIdInput(input.AccountId);
    const org = this.managedOrg(ctx);
    const row = this.store.account(accountId);
    if (!row || row.organization_id !== org.id) {
      throw errors.accountNotFound();
    }
    return { Account: accountWire(ctx, org, row) };
  }

  inviteAccount(ctx: RequestContext, input: Wire): Wire {
    const target = input.Target as Wire | undefined;
    if (!target || typeof target !== "object") {
      throw errors.inputRequired();
    }
    if (target.Type !== "ACCOUNT") {
      // lamina has no mail: only account ids can be invited.
      throw errors.invalidPattern();
    }
    const accountId = accountIdInput(target.Id);
    const notes = optionalString(input.Notes) ?? null;
    const row = this.store.transaction(() => {
      const org = this.managedOrg(ctx);
      if (this.store.organizationOf(accountId)) {
        throw errors.inviteeInOrganization();
      }
      if (this.store.openHandshake(org.id, accountId)) {
        throw errors.duplicateHandshake();
      }
      const now = this.now();
      const handshake: HandshakeRow = {
        id: `h-${randomId(10)}`,
        organization_id: org.id,
        target_account: accountId,
        state: "OPEN",
        requested_at: now,
        expires_at: now + HANDSHAKE_LIFETIME_S,
        notes,
      };
      this.store.insertHandshake(handshake);
      return { handshake, org };
    })();
    return { Handshake: handshakeWire(ctx, row.org, row.handshake) };
  }

  acceptHandshake(ctx: RequestContext, input: Wire): Wire {
    const id = requiredString(input.HandshakeId);
    if (!HANDSHAKE_ID_RE.test(id)) {
      throw errors.invalidPattern();
    }
    const result = this.store.transaction(() => {
      const handshake = this.store.handshake(id);
      if (!handshake || handshake.target_account !== ctx.accountId) {
        throw errors.handshakeNotFound();
      }
      if (handshake.state !== "OPEN") {
        throw errors.handshakeAlreadyInState();
      }
      if (this.store.organizationOf(ctx.accountId)) {
        throw errors.inviteeInOrganization();
      }
      const org = this.store.organization(handshake.organization_id);
      if (!org) {
        throw errors.handshakeNotFound();
      }
      this.store.setHandshakeState(id, "ACCEPTED");
      this.store.insertAccount({
        account_id: ctx.accountId,
        organization_id: org.id,
        name: ctx.accountId,
        email: placeholderEmail(ctx.accountId),
        joined_method: "INVITED",
        joined_at: this.now(),
      });
      return { org, handshake: { ...handshake, state: "ACCEPTED" } };
    })();
    return { Handshake: handshakeWire(ctx, result.org, result.handshake) };
  }

  removeAccount(ctx: RequestContext, input: Wire): void {
    const accountId = accountIdInput(input.AccountId);
    this.store.transaction(() => {
      const org = this.managedOrg(ctx);
      if (accountId === org.management_account) {
        throw errors.masterCannotLeave();
      }
      if (this.store.account(accountId)?.organization_id !== org.id) {
        throw errors.accountNotFound();
      }
      this.store.removeAccount(accountId);
    })();
  }

  leaveOrganization(ctx: RequestContext): void {
    this.store.transaction(() => {
      const org = this.orgOf(ctx);
      if (org.management_account === ctx.accountId) {
        throw errors.masterCannotLeave();
      }
      this.store.removeAccount(ctx.accountId);
    })();
  }

  private orgOf(ctx: RequestContext): OrganizationRow {
    const org = this.store.organizationOf(ctx.accountId);
    if (!org) {
      throw errors.notInUse();
    }
    return org;
  }

  /** The caller's organization, which the caller must manage (members may not call management operations). */
  private managedOrg(ctx: RequestContext): OrganizationRow {
    const org = this.orgOf(ctx);
    if (org.management_account !== ctx.accountId) {
      throw errors.accessDenied();
    }
    return org;
  }

  private now(): number {
    return this.clock().getTime() / 1000;
  }
}

function organizationWire(ctx: RequestContext, org: OrganizationRow): Wire {
  const base = `arn:${ctx.partition}:organizations::${org.management_account}`;
  return {
    Id: org.id,
    Arn: `${base}:organization/${org.id}`,
    FeatureSet: org.feature_set,
    MasterAccountArn: `${base}:account/${org.id}/${org.management_account}`,
    MasterAccountId: org.management_account,
    MasterAccountEmail: placeholderEmail(org.management_account),
    // Deprecated by AWS ("Do not use"), which returns it empty.
    AvailablePolicyTypes: [],
  };
}

function accountWire(ctx: RequestContext, org: OrganizationRow, row: AccountRow): Wire {
  return {
    Id: row.account_id,
    Arn: `arn:${ctx.partition}:organizations::${org.management_account}:account/${org.id}/${row.account_id}`,
    Email: row.email,
    Name: row.name,
    Status: "ACTIVE",
    State: "ACTIVE",
    JoinedMethod: row.joined_method,
    JoinedTimestamp: row.joined_at,
  };
}

function createStatusWire(row: CreateAccountRow): Wire {
  return {
    Id: row.id,
    AccountName: row.account_name,
    State: "SUCCEEDED",
    RequestedTimestamp: row.requested_at,
    CompletedTimestamp: row.completed_at,
    AccountId: row.account_id,
  };
}

function handshakeWire(ctx: RequestContext, org: OrganizationRow, h: HandshakeRow): Wire {
  const mgmt = org.management_account;
  const resources: Wire[] = [
    {
      Value: org.id,
      Type: "ORGANIZATION",
      Resources: [
        { Value: placeholderEmail(mgmt), Type: "MASTER_EMAIL" },
        { Value: managementName(mgmt), Type: "MASTER_NAME" },
        { Value: org.feature_set, Type: "ORGANIZATION_FEATURE_SET" },
      ],
    },
    { Value: h.target_account, Type: "ACCOUNT" },
  ];
  if (h.notes !== null) {
    resources.push({ Value: h.notes, Type: "NOTES" });
  }
  return {
    Id: h.id,
    Arn: `arn:${ctx.partition}:organizations::${mgmt}:handshake/${org.id}/invite/${h.id}`,
    Parties: [
      { Id: org.id, Type: "ORGANIZATION" },
      { Id: h.target_account, Type: "ACCOUNT" },
    ],
    State: h.state,
    RequestedTimestamp: h.requested_at,
    ExpirationTimestamp: h.expires_at,
    Action: "INVITE",
    Resources: resources,
  };
}

/** lamina knows no real mailboxes: accounts it did not create get a reserved-domain address (RFC 2606). */
function placeholderEmail(accountId: string): string {
  return `${accountId}@lamina.invalid`;
}

function managementName(accountId: string): string {
  return `management-${accountId}`;
}

function randomId(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += ID_CHARS[randomInt(ID_CHARS.length)];
  }
  return out;
}

function requiredString(value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw errors.inputRequired();
  }
  return value;
}

function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== "string") {
    throw errors.invalidPattern();
  }
  return value;
}

function accountIdInput(value: unknown): string {
  const id = requiredString(value);
  if (!ACCOUNT_ID_RE.test(id)) {
    throw errors.invalidPattern();
  }
  return id;
}

function decodeToken(token: unknown): number {
  const text = typeof token === "string" ? Buffer.from(token, "base64url").toString("utf8") : "";
  const m = /^accounts:(\d+)$/.exec(text);
  if (!m) {
    throw errors.invalidNextToken();
  }
  return Number(m[1]);
}
