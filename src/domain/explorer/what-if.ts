/**
 * The explorer's "what if": revoking one grant of a layer version, or deleting the version. Functions that hold
 * the version keep working either way (their snapshot is theirs, `docs/reference/identity.md` §3); what changes
 * is who can attach it from then on. Candidates are the accounts the policy names, the known members of the
 * organizations it names, and the accounts whose functions hold it.
 */
import { parseLayerVersionArn } from "../../arn.js";
import type { PolicyStatement } from "../../storage/types.js";
import { allowsGetLayerVersion } from "../layers/policy.js";
import { userView, type ExplorerService } from "./service.js";
import type { WhatIfView } from "./views.js";

/** What to imagine. */
export type WhatIfAction =
  { readonly action: "delete" } | { readonly action: "revoke"; readonly statementId: string };

const KEEP_WORKING_SHOWN = 1000;

/** The outcome of `action` on the version; undefined when the version (or the statement) does not exist. */
export async function whatIf(
  explorer: ExplorerService,
  arn: string,
  action: WhatIfAction,
): Promise<WhatIfView | undefined> {
  const ref = parseLayerVersionArn(arn);
  if (!ref) {
    return undefined;
  }
  const { storage, organizations, organizationMembers } = explorer.deps;
  const row = await storage.layers.getVersion(ref.accountId, ref.region, ref.name, ref.version);
  if (!row) {
    return undefined;
  }
  const before = await storage.layers.statements(row.layerId, row.version);
  if (action.action === "revoke" && !before.some((s) => s.sid === action.statementId)) {
    return undefined;
  }
  const removed = action.action === "delete" ? before : before.filter((s) => s.sid === action.statementId);
  const after = action.action === "delete" ? [] : before.filter((s) => s.sid !== action.statementId);

  const users = await storage.functions.users(arn, 0, KEEP_WORKING_SHOWN);
  const total = (await storage.functions.userCounts([arn]))[arn] ?? 0;

  const candidates = new Set<string>(users.map((u) => u.accountId));
  for (const s of removed) {
    if (s.principalAccount !== null) {
      candidates.add(s.principalAccount);
    }
    if (s.organizationId !== null) {
      for (const member of await organizationMembers(s.organizationId)) {
        candidates.add(member);
      }
    }
  }
  const loseAttach: string[] = [];
  if (action.action === "delete") {
    // Deleting takes the version from everyone, its owner included.
    candidates.add(ref.accountId);
  }
  for (const account of candidates) {
    const can = async (policy: readonly PolicyStatement[]) =>
      account === ref.accountId || (await allowsGetLayerVersion(policy, account, organizations));
    const canAfter = action.action === "delete" ? false : await can(after);
    if ((await can(before)) && !canAfter) {
      loseAttach.push(account);
    }
  }
  const stillPublic = (org: string | null) =>
    after.some((s) => s.principalAccount === null && (s.organizationId === null || s.organizationId === org));
  return {
    arn,
    action: action.action,
    statementId: action.action === "revoke" ? action.statementId : null,
    keepWorking: users.map(userView),
    keepWorkingTotal: total,
    loseAttach: loseAttach.sort(),
    loseAttachOrganizations: [
      ...new Set(
        removed
          .filter(
            (s) => s.principalAccount === null && s.organizationId !== null && !stillPublic(s.organizationId),
          )
          .map((s) => s.organizationId ?? ""),
      ),
    ].sort(),
    loseAttachPublic:
      removed.some((s) => s.principalAccount === null && s.organizationId === null) && !stillPublic(null),
  };
}
