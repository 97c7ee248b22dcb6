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
  CreateAccountRequest,
  Handshake,
  Organization,
  OrganizationAccount,
  OrganizationRepository,
  Storage,
} from "../../storage/types.js";

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
  private readonly store: OrganizationRepository;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {
    this.store = storage.organizations;
  }

  async createOrganization(ctx: RequestContext, input: Wire): Promise<Wire> {
    const featureSet = optionalString(input.FeatureSet) ?? "ALL";
    if (featureSet !== "ALL" && featureSet !== "CONSOLIDATED_BILLING") {
      throw errors.invalidPattern();
    }
    const org = await this.storage.transaction(async () => {
      if (await this.store.organizationOf(ctx.accountId)) {
        throw errors.alreadyInOrganization();
      }
      const created: Organization = {
        id: `o-${randomId(10)}`,
        managementAccount: ctx.accountId,
        featureSet,
        rootId: `r-${randomId(4)}`,
        createdAt: this.now(),
      };
      await this.store.insert(created);
      await this.store.insertAccount({
        accountId: ctx.accountId,
        organizationId: created.id,
        name: managementName(ctx.accountId),
        email: placeholderEmail(ctx.accountId),
        joinedMethod: "CREATED",
        joinedAt: created.createdAt,
      });
      return created;
    });
    return { Organization: organizationWire(ctx, org) };
  }

  async describeOrganization(ctx: RequestContext): Promise<Wire> {
    return { Organization: organizationWire(ctx, await this.orgOf(ctx)) };
  }

  async deleteOrganization(ctx: RequestContext): Promise<void> {
    await this.storage.transaction(async () => {
      const org = await this.managedOrg(ctx);
      if ((await this.store.memberCount(org.id)) > 1) {
        throw errors.notEmpty();
      }
      await this.store.delete(org.id);
    });
  }

  /** ListRoots: the one root CreateOrganization made. */
  async listRoots(ctx: RequestContext): Promise<Wire> {
    const org = await this.managedOrg(ctx);
    const arn = `arn:${ctx.partition}:organizations::${org.managementAccount}:root/${org.id}/${org.rootId}`;
    return { Roots: [{ Id: org.rootId, Arn: arn, Name: "Root", PolicyTypes: [] }] };
  }

  async createAccount(ctx: RequestContext, input: Wire): Promise<Wire> {
    const email = requiredString(input.Email);
    const name = requiredString(input.AccountName);
    if (!EMAIL_RE.test(email) || email.length > 64 || name.length > 50) {
      throw errors.invalidPattern();
    }
    const request = await this.storage.transaction(async () => {
      const org = await this.managedOrg(ctx);
      let accountId: string;
      do {
        accountId = String(randomInt(100_000_000_000, 1_000_000_000_000)).padStart(12, "0");
      } while (await this.store.accountKnown(accountId));
      const now = this.now();
      const created: CreateAccountRequest = {
        id: `car-${randomId(32)}`,
        organizationId: org.id,
        accountId,
        accountName: name,
        requestedAt: now,
        completedAt: now,
      };
      await this.store.insertCreateRequest(created);
      await this.store.insertAccount({
        accountId,
        organizationId: org.id,
        name,
        email,
        joinedMethod: "CREATED",
        joinedAt: now,
      });
      return created;
    });
    return { CreateAccountStatus: createStatusWire(request) };
  }

  async describeCreateAccountStatus(ctx: RequestContext, input: Wire): Promise<Wire> {
    const id = requiredString(input.CreateAccountRequestId);
    if (!CREATE_REQUEST_ID_RE.test(id)) {
      throw errors.invalidPattern();
    }
    const org = await this.managedOrg(ctx);
    const request = await this.store.createRequest(id);
    if (!request || request.organizationId !== org.id) {
      throw errors.createAccountStatusNotFound();
    }
    return { CreateAccountStatus: createStatusWire(request) };
  }

  async listAccounts(ctx: RequestContext, input: Wire): Promise<Wire> {
    const org = await this.managedOrg(ctx);
    const max = input.MaxResults === undefined ? 20 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 20) {
      throw errors.invalidPattern();
    }
    const after =
      input.NextToken === undefined || input.NextToken === null ? 0 : decodeToken(input.NextToken);
    const accounts = await this.store.listAccounts(org.id, after, max + 1);
    const page = accounts.slice(0, max);
    const out: Wire = { Accounts: page.map((a) => accountWire(ctx, org, a)) };
    const last = page.at(-1);
    if (accounts.length > max && last) {
      out.NextToken = Buffer.from(`accounts:${last.position}`).toString("base64url");
    }
    return out;
  }

  async describeAccount(ctx: RequestContext, input: Wire): Promise<Wire> {
    const accountId = accountIdInput(input.AccountId);
    const org = await this.managedOrg(ctx);
    const account = await this.store.account(accountId);
    if (!account || account.organizationId !== org.id) {
      throw errors.accountNotFound();
    }
    return { Account: accountWire(ctx, org, account) };
  }

  async inviteAccount(ctx: RequestContext, input: Wire): Promise<Wire> {
    const target = input.Target as Wire | undefined;
    if (!target || typeof target !== "object") {
      throw errors.inputRequired();
    }
    if (target.Type !== "ACCOUNT") {
      // lamina has no mail: only account ids can be invited.
      throw errors.invalidPattern();
    }
    const accountId = accountIdInput(target.Id);
    const notes = optionalString(input.Notes);
    const result = await this.storage.transaction(async () => {
      const org = await this.managedOrg(ctx);
      if (await this.store.organizationOf(accountId)) {
        throw errors.inviteeInOrganization();
      }
      if (await this.store.openHandshake(org.id, accountId)) {
        throw errors.duplicateHandshake();
      }
      const now = this.now();
      const handshake: Handshake = {
        id: `h-${randomId(10)}`,
        organizationId: org.id,
        targetAccount: accountId,
        state: "OPEN",
        requestedAt: now,
        expiresAt: now + HANDSHAKE_LIFETIME_S,
        notes,
      };
      await this.store.insertHandshake(handshake);
      return { handshake, org };
    });
    return { Handshake: handshakeWire(ctx, result.org, result.handshake) };
  }

  async acceptHandshake(ctx: RequestContext, input: Wire): Promise<Wire> {
    const id = requiredString(input.HandshakeId);
    if (!HANDSHAKE_ID_RE.test(id)) {
      throw errors.invalidPattern();
    }
    const result = await this.storage.transaction(async () => {
      const handshake = await this.store.handshake(id);
      if (!handshake || handshake.targetAccount !== ctx.accountId) {
        throw errors.handshakeNotFound();
      }
      if (handshake.state !== "OPEN") {
        throw errors.handshakeAlreadyInState();
      }
      if (await this.store.organizationOf(ctx.accountId)) {
        throw errors.inviteeInOrganization();
      }
      const org = await this.store.get(handshake.organizationId);
      if (!org) {
        throw errors.handshakeNotFound();
      }
      await this.store.setHandshakeState(id, "ACCEPTED");
      await this.store.insertAccount({
        accountId: ctx.accountId,
        organizationId: org.id,
        name: ctx.accountId,
        email: placeholderEmail(ctx.accountId),
        joinedMethod: "INVITED",
        joinedAt: this.now(),
      });
      return { org, handshake: { ...handshake, state: "ACCEPTED" } };
    });
    return { Handshake: handshakeWire(ctx, result.org, result.handshake) };
  }

  async removeAccount(ctx: RequestContext, input: Wire): Promise<void> {
    const accountId = accountIdInput(input.AccountId);
    await this.storage.transaction(async () => {
      const org = await this.managedOrg(ctx);
      if (accountId === org.managementAccount) {
        throw errors.masterCannotLeave();
      }
      if ((await this.store.account(accountId))?.organizationId !== org.id) {
        throw errors.accountNotFound();
      }
      await this.store.removeAccount(accountId);
    });
  }

  async leaveOrganization(ctx: RequestContext): Promise<void> {
    await this.storage.transaction(async () => {
      const org = await this.orgOf(ctx);
      if (org.managementAccount === ctx.accountId) {
        throw errors.masterCannotLeave();
      }
      await this.store.removeAccount(ctx.accountId);
    });
  }

  private async orgOf(ctx: RequestContext): Promise<Organization> {
    const org = await this.store.organizationOf(ctx.accountId);
    if (!org) {
      throw errors.notInUse();
    }
    return org;
  }

  /** The caller's organization, which the caller must manage (members may not call management operations). */
  private async managedOrg(ctx: RequestContext): Promise<Organization> {
    const org = await this.orgOf(ctx);
    if (org.managementAccount !== ctx.accountId) {
      throw errors.accessDenied();
    }
    return org;
  }

  private now(): number {
    return this.clock().getTime() / 1000;
  }
}

function organizationWire(ctx: RequestContext, org: Organization): Wire {
  const base = `arn:${ctx.partition}:organizations::${org.managementAccount}`;
  return {
    Id: org.id,
    Arn: `${base}:organization/${org.id}`,
    FeatureSet: org.featureSet,
    MasterAccountArn: `${base}:account/${org.id}/${org.managementAccount}`,
    MasterAccountId: org.managementAccount,
    MasterAccountEmail: placeholderEmail(org.managementAccount),
    // Deprecated by AWS ("Do not use"), which returns it empty.
    AvailablePolicyTypes: [],
  };
}

function accountWire(ctx: RequestContext, org: Organization, account: OrganizationAccount): Wire {
  return {
    Id: account.accountId,
    Arn: `arn:${ctx.partition}:organizations::${org.managementAccount}:account/${org.id}/${account.accountId}`,
    Email: account.email,
    Name: account.name,
    Status: "ACTIVE",
    State: "ACTIVE",
    JoinedMethod: account.joinedMethod,
    JoinedTimestamp: account.joinedAt,
  };
}

function createStatusWire(request: CreateAccountRequest): Wire {
  return {
    Id: request.id,
    AccountName: request.accountName,
    State: "SUCCEEDED",
    RequestedTimestamp: request.requestedAt,
    CompletedTimestamp: request.completedAt,
    AccountId: request.accountId,
  };
}

function handshakeWire(ctx: RequestContext, org: Organization, h: Handshake): Wire {
  const mgmt = org.managementAccount;
  const resources: Wire[] = [
    {
      Value: org.id,
      Type: "ORGANIZATION",
      Resources: [
        { Value: placeholderEmail(mgmt), Type: "MASTER_EMAIL" },
        { Value: managementName(mgmt), Type: "MASTER_NAME" },
        { Value: org.featureSet, Type: "ORGANIZATION_FEATURE_SET" },
      ],
    },
    { Value: h.targetAccount, Type: "ACCOUNT" },
  ];
  if (h.notes !== undefined) {
    resources.push({ Value: h.notes, Type: "NOTES" });
  }
  return {
    Id: h.id,
    Arn: `arn:${ctx.partition}:organizations::${mgmt}:handshake/${org.id}/invite/${h.id}`,
    Parties: [
      { Id: org.id, Type: "ORGANIZATION" },
      { Id: h.targetAccount, Type: "ACCOUNT" },
    ],
    State: h.state,
    RequestedTimestamp: h.requestedAt,
    ExpirationTimestamp: h.expiresAt,
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
