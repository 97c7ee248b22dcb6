/**
 * Organization membership as grants see it: configured organizations (`--organization`) and those created
 * through the Organizations API, asked in turn at the moment of each check. Async because the API-created ones
 * live in storage (`OrganizationRepository` satisfies this interface as it is).
 */

/** Who belongs to which AWS Organization, at the moment of a check. */
export interface OrganizationDirectory {
  /** Whether `accountId` is a member of `organizationId` now. */
  isMember(organizationId: string, accountId: string): Promise<boolean>;
}

/** An organization directory backed by a fixed map (`--organization o-…=acct,acct`). */
export class StaticOrganizations implements OrganizationDirectory {
  private readonly members: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(organizations: Readonly<Record<string, readonly string[]>>) {
    this.members = new Map(Object.entries(organizations).map(([org, accts]) => [org, new Set(accts)]));
  }

  isMember(organizationId: string, accountId: string): Promise<boolean> {
    return Promise.resolve(this.members.get(organizationId)?.has(accountId) ?? false);
  }
}

/**
 * A directory that asks several in turn: configured organizations (`--organization`) and those created through
 * the Organizations API. An account is a member when any of them says so.
 */
export class CombinedOrganizations implements OrganizationDirectory {
  constructor(private readonly directories: readonly OrganizationDirectory[]) {}

  async isMember(organizationId: string, accountId: string): Promise<boolean> {
    // In turn, not in parallel: the configured map answers most checks without reaching storage.
    for (const d of this.directories) {
      if (await d.isMember(organizationId, accountId)) {
        return true;
      }
    }
    return false;
  }
}
