/**
 * The layer explorer's read side: who shares what with whom, across every account and region. It reads through
 * the storage interfaces only (usage by layer version ARN is an indexed repository query), never writes, and
 * judges "could this account attach it today" with the same policy check attaching uses.
 */
import {
  functionArn,
  layerArn,
  layerVersionArn,
  parseFunctionName,
  parseLayerVersionArn,
  partitionOf,
  type LayerVersionRef,
} from "../../arn.js";
import { readInvocations } from "../../execution/log-reader.js";
import type { OrganizationDirectory } from "../../identity/organizations.js";
import type { BlobStore, FunctionVersion, LayerUser, PolicyStatement, Storage } from "../../storage/types.js";
import { userPosition } from "../../storage/types.js";
import type { ChangeEvent, EventBus } from "../../util/events.js";
import { codeSha256Of } from "../code.js";
import { allowsGetLayerVersion } from "../layers/policy.js";
import { mergedOpt, type OptTree } from "./opt-tree.js";
import type {
  FunctionLayerView,
  FunctionView,
  GrantView,
  InvocationView,
  LayerVersionView,
  OverviewView,
  RegionView,
  UserPage,
  UserView,
} from "./views.js";

/** What the explorer reads from. */
export interface ExplorerDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  /** Membership, as grants are checked. */
  readonly organizations: OrganizationDirectory;
  /** The organization an account belongs to (configured or API-created), if any. */
  readonly organizationOf: (accountId: string) => Promise<string | undefined>;
  /** The known members of an organization (for the what-if). */
  readonly organizationMembers: (organizationId: string) => Promise<string[]>;
  /** `<data dir>/logs`. */
  readonly logsRoot: string;
  /** Live changes: invocations seen are remembered with their time and outcome. */
  readonly events?: EventBus;
}

/** The default and largest page of users. */
export const USERS_PAGE = 100;
const MAX_USERS_PAGE = 1000;
const LIST_IN_OVERVIEW = 100;
const OTHER_VERSIONS = 50;
/** Invocations remembered with their time; older ones show time null. */
const REMEMBERED_INVOCATIONS = 5000;

/** The explorer's queries. */
export class ExplorerService {
  private readonly seen = new Map<string, ChangeEvent>();

  constructor(readonly deps: ExplorerDeps) {
    deps.events?.subscribe((e) => {
      if (e.kind === "invoked" && e.requestId !== undefined) {
        this.seen.set(e.requestId, e);
        if (this.seen.size > REMEMBERED_INVOCATIONS) {
          const oldest = this.seen.keys().next().value;
          if (oldest !== undefined) {
            this.seen.delete(oldest);
          }
        }
      }
    });
  }

  /** Every account and region holding layers or functions, with counts and the first names. */
  async overview(): Promise<OverviewView> {
    const { layers, functions } = this.deps.storage;
    const keyOf = (a: string, r: string) => `${a}\u0000${r}`;
    const cells = new Map<string, { accountId: string; region: string; l: number; v: number; f: number }>();
    const cell = (accountId: string, region: string) => {
      const key = keyOf(accountId, region);
      let c = cells.get(key);
      if (!c) {
        c = { accountId, region, l: 0, v: 0, f: 0 };
        cells.set(key, c);
      }
      return c;
    };
    for (const s of await layers.summary()) {
      const c = cell(s.accountId, s.region);
      c.l = s.count;
      c.v = s.versions ?? 0;
    }
    for (const s of await functions.summary()) {
      cell(s.accountId, s.region).f = s.count;
    }
    const byAccount = new Map<string, RegionView[]>();
    const sorted = [...cells.values()].sort((a, b) =>
      keyOf(a.accountId, a.region).localeCompare(keyOf(b.accountId, b.region)),
    );
    for (const c of sorted) {
      const partition = partitionOf(c.region);
      const latest = await layers.listLayers(c.accountId, c.region, {}, "", LIST_IN_OVERVIEW);
      const fns = await functions.list(c.accountId, c.region, "", LIST_IN_OVERVIEW);
      const regions = byAccount.get(c.accountId) ?? [];
      regions.push({
        region: c.region,
        layerCount: c.l,
        layerVersionCount: c.v,
        functionCount: c.f,
        layers: latest.map((v) => ({
          name: v.name,
          latestVersion: v.version,
          latestVersionArn: layerVersionArn({ ...v, partition }),
        })),
        functions: fns.map((f) => ({ name: f.name, arn: arnOf(f), layerCount: f.layers.length })),
      });
      byAccount.set(c.accountId, regions);
    }
    const accounts = [];
    for (const [accountId, regions] of byAccount) {
      accounts.push({
        accountId,
        organizationId: (await this.deps.organizationOf(accountId)) ?? null,
        regions,
      });
    }
    return {
      accounts,
      totals: {
        accounts: accounts.length,
        layers: sorted.reduce((n, c) => n + c.l, 0),
        layerVersions: sorted.reduce((n, c) => n + c.v, 0),
        functions: sorted.reduce((n, c) => n + c.f, 0),
      },
    };
  }

  /** A page of the function versions holding a layer version, by paging position after `after`. */
  async users(arn: string, after: number, limit: number): Promise<UserPage> {
    const size = Math.max(1, Math.min(limit, MAX_USERS_PAGE));
    const { functions } = this.deps.storage;
    const rows = await functions.users(arn, after, size + 1);
    const total = (await functions.userCounts([arn]))[arn] ?? 0;
    const items = rows.slice(0, size);
    const last = items[items.length - 1];
    return {
      total,
      items: items.map(userView),
      next: rows.length > size && last ? String(last.position) : null,
    };
  }

  /** A layer version with its grants, users and sibling versions; undefined when neither it nor a user exists. */
  async layerVersion(arn: string, after = 0, limit = USERS_PAGE): Promise<LayerVersionView | undefined> {
    const ref = parseLayerVersionArn(arn);
    if (!ref) {
      return undefined;
    }
    const { layers, functions } = this.deps.storage;
    const row = await layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    const users = await this.users(arn, after, limit);
    if (!row && users.total === 0) {
      return undefined;
    }
    const statements = row ? await layers.statements(row.layerId, row.version) : [];
    const siblings = await layers.listVersions(
      ref.accountId,
      ref.region,
      ref.name,
      {},
      Number.MAX_SAFE_INTEGER,
      OTHER_VERSIONS + 2,
    );
    const others = siblings.filter((v) => v.version !== ref.version).slice(0, OTHER_VERSIONS);
    const arns = others.map((v) => layerVersionArn({ ...ref, version: v.version }));
    const counts = await functions.userCounts(arns);
    return {
      arn: layerVersionArn(ref),
      layerArn: layerArn(ref),
      accountId: ref.accountId,
      region: ref.region,
      name: ref.name,
      version: ref.version,
      exists: row !== undefined,
      // As GetLayerVersion shows it: "" when none was given; null only for a version that is gone.
      description: row ? (row.description ?? "") : null,
      licenseInfo: row?.licenseInfo ?? null,
      compatibleRuntimes: row?.compatibleRuntimes ? [...row.compatibleRuntimes] : null,
      compatibleArchitectures: row?.compatibleArchitectures ? [...row.compatibleArchitectures] : null,
      codeSize: row?.codeSize ?? null,
      codeSha256: row ? codeSha256Of(row.sha256Hex) : null,
      createdDate: row?.createdDate ?? null,
      grants: statements.map(grantView),
      users,
      otherVersions: {
        items: others.map((v, i) => ({
          version: v.version,
          arn: arns[i] ?? "",
          createdDate: v.createdDate,
          users: counts[arns[i] ?? ""] ?? 0,
        })),
        more: siblings.filter((v) => v.version !== ref.version).length > OTHER_VERSIONS,
      },
    };
  }

  /** The function an ARN names ($LATEST), if it exists. */
  async functionOf(arn: string): Promise<FunctionVersion | undefined> {
    const parts = parseFunctionName(arn);
    if (!parts?.accountId || !parts.region) {
      return undefined;
    }
    return this.deps.storage.functions.get(parts.accountId, parts.region, parts.name);
  }

  /** A function's configuration and layers, each judged attachable today or kept by the snapshot rule. */
  async function(fn: FunctionVersion): Promise<FunctionView> {
    const layers: FunctionLayerView[] = [];
    const since = await this.attachTimes(fn);
    for (const l of fn.layers) {
      const ref = parseLayerVersionArn(l.arn);
      const status = ref ? await this.attachStatus(ref, fn.accountId, fn.region) : "version-deleted";
      layers.push({
        arn: l.arn,
        ownerAccountId: ref?.accountId ?? "",
        codeSize: l.codeSize,
        codeSha256: codeSha256Of(l.sha256Hex),
        since: since.get(l.arn) ?? fn.lastModified,
        attachableToday: status === "attachable",
        status,
      });
    }
    return {
      arn: arnOf(fn),
      accountId: fn.accountId,
      region: fn.region,
      name: fn.name,
      qualifier: fn.qualifier,
      configuration: {
        runtime: fn.runtime ?? null,
        handler: fn.handler ?? null,
        role: fn.role,
        description: fn.description,
        timeout: fn.timeout,
        memorySize: fn.memorySize,
        architectures: fn.architectures,
        ephemeralStorage: fn.ephemeralStorage,
        tracingMode: fn.tracingMode,
        environment: fn.environment ?? {},
        codeSize: fn.codeSize,
        codeSha256: codeSha256Of(fn.sha256Hex),
        lastModified: fn.lastModified,
        revisionId: fn.revisionId,
      },
      layers,
    };
  }

  /** The function's merged `/opt`. */
  opt(fn: FunctionVersion): Promise<OptTree> {
    return mergedOpt(this.deps.blobs, fn.layers);
  }

  /** The function's last `limit` invocations, newest first. */
  async invocations(fn: FunctionVersion, limit: number): Promise<InvocationView[]> {
    const logged = await readInvocations(this.deps.logsRoot, fn.accountId, fn.region, fn.name, limit);
    return logged.map((i) => {
      const live = this.seen.get(i.requestId);
      // REPORT names runtime errors only; a handler's error is known from the live invocation.
      const status = live?.status ?? i.status;
      return {
        requestId: i.requestId,
        time: live?.at ?? null,
        durationMs: i.durationMs,
        initDurationMs: i.initDurationMs,
        status,
        errorType: live?.errorType ?? i.errorType,
        lines: i.lines,
      };
    });
  }

  /** Whether `accountId` (in `region`) could attach the version now, else why it is kept by snapshot only. */
  async attachStatus(
    ref: LayerVersionRef,
    accountId: string,
    region: string,
    statements?: readonly PolicyStatement[],
  ): Promise<FunctionLayerView["status"]> {
    const row = await this.deps.storage.layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
    if (!row) {
      return "version-deleted";
    }
    if (ref.accountId === accountId && ref.region === region) {
      return "attachable";
    }
    const policy = statements ?? (await this.deps.storage.layers.statements(row.layerId, row.version));
    const allowed =
      ref.region === region && (await allowsGetLayerVersion(policy, accountId, this.deps.organizations));
    return allowed ? "attachable" : "grant-revoked";
  }

  /** When the function took each of its layers (from the usage query, which carries attach times). */
  private async attachTimes(fn: FunctionVersion): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const l of fn.layers) {
      // The user rows are ordered by (function, version): start just below this function's $LATEST.
      const [row] = await this.deps.storage.functions.users(l.arn, userPosition(fn.id, 0) - 1, 1);
      if (row && row.functionId === fn.id && row.qualifier === fn.qualifier) {
        out.set(l.arn, row.attachedAt);
      }
    }
    return out;
  }
}

/** The unqualified ARN of a function. */
export function arnOf(fn: Pick<FunctionVersion, "accountId" | "region" | "name">): string {
  return functionArn({ ...fn, partition: partitionOf(fn.region) });
}

/** A usage row as the API shows it. */
export function userView(u: LayerUser): UserView {
  return {
    functionArn: arnOf(u),
    accountId: u.accountId,
    region: u.region,
    name: u.name,
    qualifier: u.qualifier,
    since: u.attachedAt,
  };
}

function grantView(s: PolicyStatement): GrantView {
  return { statementId: s.sid, principal: s.principalAccount ?? "*", organizationId: s.organizationId };
}
