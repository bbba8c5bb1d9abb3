/**
 * One org-sync run: walk every organisational unit the config names and write what was found as
 * the one cache item. All or nothing: when one OU cannot be walked the run fails (and is retried,
 * then alarms) and the last complete item stays — a partial item would turn accounts `unknown`.
 */
import type { BlastwallConfig } from '../core/config.ts';
import { configuredOus, type OuMembership } from '../core/organization.ts';

export interface OrgSyncDeps {
  config: BlastwallConfig;
  walk(ou: string): Promise<Array<[string, number]>>;
  write(membership: OuMembership): Promise<'written' | 'stale'>;
  now?: () => Date;
}

export interface OrgSyncOutcome {
  status: 'written' | 'stale' | 'nothing-configured';
  ous: number;
  accounts: number;
  syncedAt?: string;
}

export async function runOrgSync(deps: OrgSyncDeps): Promise<OrgSyncOutcome> {
  const ous = configuredOus(deps.config);
  if (ous.length === 0) return { status: 'nothing-configured', ous: 0, accounts: 0 };
  const syncedAt = (deps.now ?? (() => new Date()))().toISOString();
  const membership: OuMembership = { syncedAt, ous: {} };
  // One OU after another: Organizations throttles its List calls per account, and a few OUs take seconds.
  for (const ou of ous) membership.ous[ou] = await deps.walk(ou);
  const accounts = new Set(Object.values(membership.ous).flatMap((list) => list.map(([a]) => a))).size;
  return { status: await deps.write(membership), ous: ous.length, accounts, syncedAt };
}
