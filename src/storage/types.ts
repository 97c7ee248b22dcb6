/**
 * What lamina stores, as typed records decoded once, and the interfaces any backend implements: repositories
 * (async, so a networked database fits), one `transaction()` shape, and a BlobStore for code bytes. The domain
 * sees only these; `sqlite/` and `local-blobs/` are today's implementations, chosen in `server.ts`.
 */
import type { Readable } from "node:stream";

/** A layer version with its layer's identity. Optional members that were never given are undefined. */
export interface LayerVersion {
  /** The backend's id of the layer, for the policy calls below. */
  readonly layerId: number;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly version: number;
  /** Undefined when the publish gave none: Publish/Get answer `""`, the list items leave the key out. */
  readonly description: string | undefined;
  readonly licenseInfo: string | undefined;
  readonly compatibleRuntimes: readonly string[] | undefined;
  readonly compatibleArchitectures: readonly string[] | undefined;
  readonly createdDate: string;
  /** Hex SHA-256 of the zip: the blob's key. */
  readonly sha256Hex: string;
  readonly codeSize: number;
  /** The policy's RevisionId; undefined while the version has no policy. */
  readonly policyRevisionId: string | undefined;
}

/** A new layer version's members. */
export type NewLayerVersion = Omit<
  LayerVersion,
  "layerId" | "accountId" | "region" | "name" | "version" | "policyRevisionId"
>;

/** Filters of ListLayers and ListLayerVersions. */
export interface VersionFilter {
  readonly runtime?: string | undefined;
  readonly architecture?: string | undefined;
}

/** One statement of a layer version policy. */
export interface PolicyStatement {
  readonly sid: string;
  /** The statement's JSON exactly as AWS returns it; stored and answered as text, never re-serialized. */
  readonly statement: string;
  /** The account the statement grants, or null for `*`. */
  readonly principalAccount: string | null;
  /** The `aws:PrincipalOrgID` condition, or null. */
  readonly organizationId: string | null;
}

/** A layer version as a function holds it: the snapshot taken when it was attached. */
export interface FunctionLayer {
  readonly arn: string;
  readonly sha256Hex: string;
  readonly codeSize: number;
}

/** A function version holding a layer version in its snapshot: who uses the version, and since when. */
export interface LayerUser {
  /** The backend's id of the function. */
  readonly functionId: number;
  /** The paging position of `FunctionRepository.users`: the function's id and the version, see `userPosition`. */
  readonly position: number;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  /** `$LATEST` or the published version's number: which version of the function holds the layer. */
  readonly qualifier: string;
  /** When the function took this version into its snapshot (Lambda's timestamp format). */
  readonly attachedAt: string;
}

/** How much one account holds in one region. */
export interface AccountRegionCount {
  readonly accountId: string;
  readonly region: string;
  readonly count: number;
  /** Layers only: how many versions (the count is of layers). */
  readonly versions?: number;
}

/** A function's configurable members and code. */
export interface FunctionFields {
  readonly runtime: string | undefined;
  readonly handler: string | undefined;
  readonly role: string;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>> | undefined;
  readonly architectures: readonly string[];
  readonly tracingMode: string;
  readonly ephemeralStorage: number;
  readonly loggingConfig: Readonly<Record<string, string>>;
  readonly sha256Hex: string;
  readonly codeSize: number;
  readonly lastModified: string;
  readonly revisionId: string;
  readonly tags: Readonly<Record<string, string>> | undefined;
}

/**
 * One version of a function, with the layers it holds: what the executor runs. `$LATEST` is the editable one; a
 * published version is a frozen copy of `$LATEST`'s members, code and layer snapshot (its `tags` are the
 * function's, which belong to no version).
 */
export interface FunctionVersion extends FunctionFields {
  /** The backend's id of the function (the same for all its versions). */
  readonly id: number;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  /** The version's qualifier: `$LATEST`, or a published version's number as a string (`"1"`). */
  readonly qualifier: string;
  readonly layers: readonly FunctionLayer[];
}

/** What a published version takes of its own; everything else is copied from `$LATEST` as it is. */
export interface PublishedFields {
  readonly description: string;
  readonly lastModified: string;
  readonly revisionId: string;
  /** A digest of `$LATEST`'s code and configuration when published: an unchanged `$LATEST` is not published again. */
  readonly configSha256: string;
}

/** A function alias: a name pointing at a version, optionally sending a share of invokes to a second one. */
export interface Alias {
  readonly functionId: number;
  readonly name: string;
  /** `$LATEST` or a version number, as a string. */
  readonly functionVersion: string;
  readonly description: string;
  readonly revisionId: string;
  /** `RoutingConfig.AdditionalVersionWeights`: version → weight; undefined when none was given (or it was `{}`). */
  readonly additionalVersionWeights: Readonly<Record<string, number>> | undefined;
}

/**
 * The paging position of a function version in `FunctionRepository.users`: the function's id and the version
 * (`$LATEST` counts as 0) in one number, ordered as (function, version). Exact while ids stay below 2^32.
 */
export function userPosition(functionId: number, version: number): number {
  return functionId * POSITIONS_PER_FUNCTION + version;
}

/** The positions each function has in `userPosition`: its version numbers stay below this. */
export const POSITIONS_PER_FUNCTION = 2 ** 21;

/** A function's asynchronous-invocation settings for one qualifier (PutFunctionEventInvokeConfig). */
export interface EventInvokeConfig {
  /** `$LATEST`, a version number or an alias name. */
  readonly qualifier: string;
  /** Undefined when not given: events are then retried as Lambda's default says (2). */
  readonly maximumRetryAttempts: number | undefined;
  /** Undefined when not given: events are then kept up to Lambda's default (21600 s). */
  readonly maximumEventAgeInSeconds: number | undefined;
  /** `Destination` ARNs; undefined when the side was given without one, absent when not given. */
  readonly onSuccess: { readonly destination: string | undefined } | undefined;
  readonly onFailure: { readonly destination: string | undefined } | undefined;
  /** Milliseconds since the epoch (the wire carries epoch seconds with a fraction). */
  readonly lastModified: number;
}

/** What one account holds in one region, as GetAccountSettings' AccountUsage counts it. */
export interface AccountUsage {
  /** Bytes of every function's code and every layer version's zip. */
  readonly totalCodeSize: number;
  readonly functionCount: number;
}

/**
 * Settings kept beside a function rather than in its versions: reserved concurrency (function-wide) and the
 * event-invoke configs (per qualifier). Rows go with the function. Writes only inside `Storage.transaction`.
 */
/** The CORS settings of a function URL, as `Cors` gives them; members not given are undefined. */
export interface FunctionUrlCors {
  readonly allowCredentials: boolean | undefined;
  readonly allowHeaders: readonly string[] | undefined;
  readonly allowMethods: readonly string[] | undefined;
  readonly allowOrigins: readonly string[] | undefined;
  readonly exposeHeaders: readonly string[] | undefined;
  readonly maxAge: number | undefined;
}

/** One function URL config: the URL of a function (unqualified) or of one of its aliases. */
export interface FunctionUrlConfig {
  readonly functionId: number;
  /** The alias the URL serves; undefined for the function's unqualified URL. */
  readonly qualifier: string | undefined;
  /** The `<url-id>` of the host name: 32 characters of `[a-z0-9]`, unique across every account and region. */
  readonly urlId: string;
  /** `NONE` or `AWS_IAM`. */
  readonly authType: string;
  /** Undefined when never set. */
  readonly cors: FunctionUrlCors | undefined;
  /** `BUFFERED` or `RESPONSE_STREAM`; undefined while never set explicitly (it then means `BUFFERED`). */
  readonly invokeMode: string | undefined;
  /** ISO-8601 with microseconds and `Z`, as AWS writes them. */
  readonly creationTime: string;
  readonly lastModifiedTime: string;
}

/** Whose a URL is: what serving one needs to find the function from its host name alone. */
export interface FunctionUrlOwner {
  readonly accountId: string;
  readonly region: string;
  readonly functionName: string;
}

/** Function URL configs. */
export interface FunctionUrlRepository {
  /** The config of the function's unqualified URL (qualifier undefined) or of an alias's URL. */
  get(functionId: number, qualifier: string | undefined): Promise<FunctionUrlConfig | undefined>;
  /** The config a host name's `<url-id>` names, with its function's identity. */
  byUrlId(urlId: string): Promise<{ config: FunctionUrlConfig; owner: FunctionUrlOwner } | undefined>;
  /** Inserts or replaces the config of `(config.functionId, config.qualifier)`. */
  put(config: FunctionUrlConfig): Promise<void>;
  /** Deletes one config; true when it existed. */
  delete(functionId: number, qualifier: string | undefined): Promise<boolean>;
  /** The function's configs whose url id sorts after `after`, by url id, at most `limit`. */
  list(functionId: number, after: string, limit: number): Promise<FunctionUrlConfig[]>;
}

export interface FunctionSettingsRepository {
  /** The function's reserved concurrency, undefined when none is set. */
  reservedConcurrency(functionId: number): Promise<number | undefined>;
  /** Sets (or, with undefined, removes) the function's reserved concurrency. */
  setReservedConcurrency(functionId: number, value: number | undefined): Promise<void>;
  /** The sum of every reservation in the account and region, leaving out `exceptFunctionId`'s. */
  totalReserved(accountId: string, region: string, exceptFunctionId?: number): Promise<number>;
  eventInvokeConfig(functionId: number, qualifier: string): Promise<EventInvokeConfig | undefined>;
  /** Inserts or replaces the config of `config.qualifier`. */
  putEventInvokeConfig(functionId: number, config: EventInvokeConfig): Promise<void>;
  /** Deletes a qualifier's config; true when one existed. */
  deleteEventInvokeConfig(functionId: number, qualifier: string): Promise<boolean>;
  /** Configs whose qualifier sorts after `after`, by qualifier, at most `limit`. */
  listEventInvokeConfigs(functionId: number, after: string, limit: number): Promise<EventInvokeConfig[]>;
  /** Code bytes and functions the account holds in the region. */
  usage(accountId: string, region: string): Promise<AccountUsage>;
}

/**
 * One statement of a function's resource-based policy (AddPermission), with the members its evaluation reads, so
 * nothing outside storage parses the statement's JSON.
 */
export interface FunctionPolicyStatement {
  readonly sid: string;
  /** The statement's JSON exactly as AWS returns it; stored and answered as text, never re-serialized. */
  readonly statement: string;
  /** `lambda:<Operation>`, `lambda:*` or `*`. */
  readonly action: string;
  /** `*`, an IAM ARN (an account's root for a 12-digit principal) or a service principal (`s3.amazonaws.com`). */
  readonly principal: string;
  /** The `aws:PrincipalOrgID` condition, or null. */
  readonly organizationId: string | null;
  /**
   * Whether the statement has conditions on the request's source (SourceArn, SourceAccount, EventSourceToken,
   * FunctionUrlAuthType): keys a direct API call never carries.
   */
  readonly sourceConditions: boolean;
}

/** The policy of one resource: the unqualified function, a version or an alias. */
export interface FunctionPolicy {
  readonly revisionId: string;
  /** In the order they were added. */
  readonly statements: readonly FunctionPolicyStatement[];
}

/**
 * Function resource policies, one per (function, qualifier); the unqualified function's qualifier is `""`. A policy
 * exists while it has statements; rows go with the function. Writes only inside `Storage.transaction`.
 */
export interface FunctionPolicyRepository {
  /** The policy of a resource, undefined when it has no statement. */
  get(functionId: number, qualifier: string): Promise<FunctionPolicy | undefined>;
  /** Appends a statement (creating the policy) and gives the policy `revisionId`. */
  addStatement(
    functionId: number,
    qualifier: string,
    statement: FunctionPolicyStatement,
    revisionId: string,
  ): Promise<void>;
  /**
   * Removes a statement; true when it existed. The policy goes with its last statement, else takes `revisionId`.
   */
  removeStatement(functionId: number, qualifier: string, sid: string, revisionId: string): Promise<boolean>;
  /** Deletes a resource's whole policy (its version or alias is gone). */
  deletePolicy(functionId: number, qualifier: string): Promise<void>;
}

/** A zip as stored: its hashes and sizes. */
export interface StoredCode {
  /** Hex SHA-256: the blob's key. */
  readonly sha256Hex: string;
  /** base64 of the raw SHA-256, as Lambda's `CodeSha256`. */
  readonly codeSha256: string;
  readonly codeSize: number;
  readonly unzippedSize: number;
}

/** Layers, their versions and the versions' policies. Writes only inside `Storage.transaction`. */
export interface LayerRepository {
  /** Takes the next version number of a layer (creating the layer on first use) and inserts the version. */
  publish(accountId: string, region: string, name: string, v: NewLayerVersion): Promise<LayerVersion>;
  /**
   * Inserts a version at exactly `version` (a vendor layer's ARN, an import), creating the layer on first use and
   * raising its last-version counter to at least `version`, so a later publish never takes that number again.
   * The version must not exist (delete it first to replace it).
   */
  putVersion(
    accountId: string,
    region: string,
    name: string,
    version: number,
    v: NewLayerVersion,
  ): Promise<LayerVersion>;
  getVersion(
    accountId: string,
    region: string,
    name: string,
    version: number,
  ): Promise<LayerVersion | undefined>;
  /** Versions below `before`, newest first. */
  listVersions(
    accountId: string,
    region: string,
    name: string,
    filter: VersionFilter,
    before: number,
    limit: number,
  ): Promise<LayerVersion[]>;
  /** Layers named after `after`, by name, each with its newest version matching the filter. */
  listLayers(
    accountId: string,
    region: string,
    filter: VersionFilter,
    after: string,
    limit: number,
  ): Promise<LayerVersion[]>;
  /** Deletes a version with its statements; true when one existed. */
  deleteVersion(accountId: string, region: string, name: string, version: number): Promise<boolean>;
  /** A version's policy statements in insertion order. */
  statements(layerId: number, version: number): Promise<PolicyStatement[]>;
  /** Appends a statement (the caller has checked that its Sid is new). */
  insertStatement(layerId: number, version: number, statement: PolicyStatement): Promise<void>;
  /** Removes a statement; true when it existed. */
  deleteStatement(layerId: number, version: number, sid: string): Promise<boolean>;
  /** Sets (or clears, with undefined) a version's policy RevisionId. */
  setRevision(layerId: number, version: number, revisionId: string | undefined): Promise<void>;
  /** Layers (count) and their versions (versions) per account and region, for the explorer's overview. */
  summary(): Promise<AccountRegionCount[]>;
}

/** Functions and the layer versions attached to them. Writes only inside `Storage.transaction`. */
export interface FunctionRepository {
  /** Inserts a function at `$LATEST`; throws when the name is taken. */
  insert(
    accountId: string,
    region: string,
    name: string,
    fields: FunctionFields,
    layers: readonly FunctionLayer[],
  ): Promise<FunctionVersion>;
  /** Rewrites a function's members, and its layers when given. */
  update(id: number, fields: FunctionFields, layers?: readonly FunctionLayer[]): Promise<void>;
  get(accountId: string, region: string, name: string): Promise<FunctionVersion | undefined>;
  /** Functions named after `after`, by name. */
  list(accountId: string, region: string, after: string, limit: number): Promise<FunctionVersion[]>;
  /** Deletes a function and its layer references, with its published versions and aliases. */
  delete(id: number): Promise<void>;
  /**
   * Publishes `$LATEST` as the function's next version (numbers from 1, never reused): a copy of its members, code
   * and layer snapshot, with the version's own `fields`.
   */
  publishVersion(id: number, fields: PublishedFields): Promise<FunctionVersion>;
  /** A published version, if it exists. */
  getVersion(id: number, version: number): Promise<FunctionVersion | undefined>;
  /** Published versions numbered above `after`, ascending, at most `limit`. */
  listVersions(id: number, after: number, limit: number): Promise<FunctionVersion[]>;
  /** The highest-numbered published version still there, with the digest it was published with. */
  lastPublished(id: number): Promise<{ version: number; configSha256: string } | undefined>;
  /** Deletes a published version and its layer references; true when it existed. */
  deleteVersion(id: number, version: number): Promise<boolean>;
  /** Functions per account and region, for the explorer's overview. */
  summary(): Promise<AccountRegionCount[]>;
  /**
   * Function versions (`$LATEST` and published) whose snapshot holds `layerVersionArn`, by `position` after
   * `after`, at most `limit` (an indexed lookup).
   */
  users(layerVersionArn: string, after: number, limit: number): Promise<LayerUser[]>;
  /** How many function versions hold each of these layer version ARNs (absent ARNs count 0). */
  userCounts(layerVersionArns: readonly string[]): Promise<Record<string, number>>;
}

/** A function's aliases. Writes only inside `Storage.transaction`; they go with their function. */
export interface AliasRepository {
  /** Inserts an alias; throws when the name is taken. */
  insert(alias: Alias): Promise<void>;
  get(functionId: number, name: string): Promise<Alias | undefined>;
  /** Aliases named after `after`, by name, at most `limit`; only those pointing at `functionVersion` if given. */
  list(
    functionId: number,
    functionVersion: string | undefined,
    after: string,
    limit: number,
  ): Promise<Alias[]>;
  /** Rewrites an alias's members. */
  update(alias: Alias): Promise<void>;
  /** Deletes an alias; true when it existed. */
  delete(functionId: number, name: string): Promise<boolean>;
  /** The names of the aliases whose version or routing points at `version`. */
  referencing(functionId: number, version: string): Promise<string[]>;
}

/** The reference-counted rows of stored code: a blob may go once no row references it. */
export interface CodeRepository {
  /** Records a blob (no references yet); the referencing insert raises its count. */
  register(code: StoredCode): Promise<void>;
  /** The unzipped size recorded for a blob (0 if unknown). */
  unzippedSize(sha256Hex: string): Promise<number>;
  /** Whether a row exists for the blob, referenced or not. */
  known(sha256Hex: string): Promise<boolean>;
  /** Deletes the rows nobody references, except those `keep` protects; returns the hashes whose rows went. */
  deleteUnreferenced(keep: (sha256Hex: string) => boolean): Promise<string[]>;
  /** Start-up: deletes every unreferenced row; returns a check of which hashes are still referenced. */
  sweep(): Promise<(sha256Hex: string) => boolean>;
  /**
   * Backends several processes share implement the three below: a hold taken before the bytes are uploaded keeps
   * any process from deleting them until it is dropped (after the referencing transaction), and `whenUnused`
   * runs a blob's deletion only while no row references it and nobody holds it. One-process backends leave them
   * out: `CodeStore`'s in-memory pins are enough there.
   */
  hold?(sha256Hex: string): Promise<string>;
  /** Drops a hold by the token `hold` returned. */
  unhold?(token: string): Promise<void>;
  /** Runs `remove` (outside any transaction) when no row and no hold protects the blob; true when it ran. */
  whenUnused?(sha256Hex: string, remove: () => Promise<void>): Promise<boolean>;
  /** What the extraction cache may keep: every referenced hash, and each function's layer hashes in order. */
  references(): Promise<CodeReferences>;
}

/**
 * The blobs something references, and the ordered layer lists of every function version, published ones included
 * (for merged `/opt` trees).
 */
export interface CodeReferences {
  readonly sha256s: ReadonlySet<string>;
  readonly layerLists: readonly (readonly string[])[];
}

/** An AWS Organization: one per management account. Timestamps are epoch seconds, as the wire carries them. */
export interface Organization {
  /** `o-…` */
  readonly id: string;
  readonly managementAccount: string;
  /** `ALL` or `CONSOLIDATED_BILLING`. */
  readonly featureSet: string;
  /** `r-…`: the one root CreateOrganization makes. */
  readonly rootId: string;
  readonly createdAt: number;
}

/** A member account of an organization, the management account included. */
export interface OrganizationAccount {
  /** The backend's joining order: ListAccounts sorts and pages by it. */
  readonly position: number;
  readonly accountId: string;
  readonly organizationId: string;
  readonly name: string;
  readonly email: string;
  /** `CREATED` or `INVITED`. */
  readonly joinedMethod: string;
  readonly joinedAt: number;
}

/** A new member's members; the backend gives its position. */
export type NewOrganizationAccount = Omit<OrganizationAccount, "position">;

/** A CreateAccount request (lamina completes each at once, so it always reads SUCCEEDED). */
export interface CreateAccountRequest {
  /** `car-…` */
  readonly id: string;
  readonly organizationId: string;
  /** The account it minted; reserved for good, even after that account leaves. */
  readonly accountId: string;
  readonly accountName: string;
  readonly requestedAt: number;
  readonly completedAt: number;
}

/** An invitation handshake from an organization to an account. */
export interface Handshake {
  /** `h-…` */
  readonly id: string;
  readonly organizationId: string;
  readonly targetAccount: string;
  /** `OPEN`, `ACCEPTED` or `CANCELED`. */
  readonly state: string;
  readonly requestedAt: number;
  readonly expiresAt: number;
  /** The inviter's notes; undefined when none were given. */
  readonly notes: string | undefined;
}

/**
 * Organizations, their members, CreateAccount requests and handshakes. Writes only inside
 * `Storage.transaction`; `isMember` is also what layer grants ask at each check.
 */
export interface OrganizationRepository {
  /** The organization `accountId` belongs to, if any. */
  organizationOf(accountId: string): Promise<Organization | undefined>;
  /** An organization by id. */
  get(id: string): Promise<Organization | undefined>;
  /** Inserts an organization (its management account joins through `insertAccount`). */
  insert(org: Organization): Promise<void>;
  /** Deletes an organization with its members and handshakes. */
  delete(id: string): Promise<void>;
  /** The membership of `accountId`, if it is in an organization. */
  account(accountId: string): Promise<OrganizationAccount | undefined>;
  /** Adds a member; throws when the account is already in an organization. */
  insertAccount(account: NewOrganizationAccount): Promise<void>;
  /** Removes a member (its created-account reservation stays). */
  removeAccount(accountId: string): Promise<void>;
  /** How many members an organization has, the management account included. */
  memberCount(organizationId: string): Promise<number>;
  /** Up to `limit` members after paging position `after` (0: from the start), in joining order. */
  listAccounts(organizationId: string, after: number, limit: number): Promise<OrganizationAccount[]>;
  /** Whether `accountId` is a member of `organizationId` now. */
  isMember(organizationId: string, accountId: string): Promise<boolean>;
  /** Whether the id is known as a member or a created account (new ids must avoid it). */
  accountKnown(accountId: string): Promise<boolean>;
  /** Records a CreateAccount request. */
  insertCreateRequest(request: CreateAccountRequest): Promise<void>;
  /** A CreateAccount request by id. */
  createRequest(id: string): Promise<CreateAccountRequest | undefined>;
  /** Records a handshake. */
  insertHandshake(handshake: Handshake): Promise<void>;
  /** A handshake by id. */
  handshake(id: string): Promise<Handshake | undefined>;
  /** The OPEN handshake from an organization to an account, if any. */
  openHandshake(organizationId: string, accountId: string): Promise<Handshake | undefined>;
  /** Moves a handshake to `state`. */
  setHandshakeState(id: string, state: string): Promise<void>;
}

/** Temporary credentials lamina issued (AssumeRole) and the principal their use maps to. */
export interface IssuedCredentials {
  /** `ASIA…` */
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

/**
 * Issued credentials by access key id; kept in storage so they outlive a restart, as AWS's do. `get` runs on
 * every request signed with a key lamina may have issued, so implementations should make it cheap.
 */
export interface CredentialRepository {
  /** Stores newly issued credentials (inside `Storage.transaction`). */
  insert(credentials: IssuedCredentials): Promise<void>;
  /** The credentials of `accessKeyId`, if lamina issued it. */
  get(accessKeyId: string): Promise<IssuedCredentials | undefined>;
}

/** Content-addressed code bytes, keyed by their hex SHA-256. */
export interface BlobStore {
  /** Durably stores the bytes under their SHA-256 (nothing happens when they are already there). */
  put(sha256Hex: string, bytes: Uint8Array): Promise<void>;
  /** A stream of the blob's bytes. */
  open(sha256Hex: string): Readable;
  /** The blob's size, or undefined when it is not stored. */
  size(sha256Hex: string): Promise<number | undefined>;
  /** Removes a blob. The local implementation unlinks before its first await, which `CodeStore` relies on. */
  delete(sha256Hex: string): Promise<void>;
  /** A local file holding the blob's bytes, for execution to extract (a download for remote stores). */
  localPath(sha256Hex: string): Promise<string>;
  /**
   * Start-up clean-up: temp files left by a crash, and blobs `isReferenced` rejects. A shared store deletes each
   * through `guard` (the database's `whenUnused`), since other processes keep serving meanwhile.
   */
  sweep(
    isReferenced: (sha256Hex: string) => boolean,
    guard?: (sha256Hex: string, remove: () => Promise<void>) => Promise<boolean>,
  ): Promise<{ tempFiles: number; orphans: number }>;
}

/** The repositories and the one transaction shape. */
export interface Storage {
  readonly layers: LayerRepository;
  readonly functions: FunctionRepository;
  readonly aliases: AliasRepository;
  readonly functionSettings: FunctionSettingsRepository;
  readonly functionUrls: FunctionUrlRepository;
  readonly functionPolicies: FunctionPolicyRepository;
  readonly code: CodeRepository;
  readonly organizations: OrganizationRepository;
  readonly credentials: CredentialRepository;
  /**
   * Runs `fn` as one atomic, isolated unit: every write happens inside one. Transactions do not nest (an inner
   * call would wait for the outer forever), so code reached from inside one takes what it needs as arguments.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the backend; a networked one ends its connections (awaited by the server's close). */
  close(): void | Promise<void>;
}
