/**
 * The backup watchdog (hourly): for every high-sensitivity environment, the newest
 * restorable recovery point of each protected resource; a page when it is older than
 * `backups.maxAgeHours` or has no copy outside its own account or region.
 */
import type { EventPublisher } from '../adapters/event-publisher.ts';
import { readInventory, type BackupClients, type InventoryTarget } from '../adapters/backup-inventory.ts';
import { assessBackups, type BackupStatus } from '../core/audit/backups.ts';
import { backupFinding } from '../core/audit/posture.ts';
import type { BlastwallConfig } from '../core/config.ts';
import { createEnvironmentResolver } from '../core/environment.ts';
import { DETAIL_TYPES } from '../core/telemetry-names.ts';

/** Every configured account in every configured region; resources are watched only where the environment is high-sensitivity. */
export function watchdogTargets(config: BlastwallConfig): InventoryTarget[] {
  const resolver = createEnvironmentResolver(config);
  const accounts = [...new Set(config.environments.flatMap((e) => e.accounts))].sort();
  return accounts.flatMap((account) => config.deployment.regions.map((region) => ({ account, region, watchResources: resolver.sensitivity(resolver.forAccount(account)) === 'high' })));
}

export async function checkBackups(config: BlastwallConfig, clientsFor: (account: string, region: string) => BackupClients | Promise<BackupClients>, now: Date) {
  const inventory = await readInventory(watchdogTargets(config), clientsFor);
  const resolver = createEnvironmentResolver(config);
  const statuses = assessBackups({ resources: inventory.resources, points: inventory.points, environmentOf: resolver.forAccount, maxAgeHours: config.backups.maxAgeHours, now });
  return { statuses, failures: inventory.failures };
}

export interface WatchdogOutcome {
  resources: number;
  paged: { resource: string; problems: string[]; findingId: string }[];
  failures: { account: string; region: string; reason: string }[];
}

export async function runWatchdog(deps: {
  config: BlastwallConfig;
  clientsFor: (account: string, region: string) => BackupClients | Promise<BackupClients>;
  publisher: EventPublisher;
  now?: () => Date;
  log?: { info(m: string, d?: unknown): void; error(m: string, d?: unknown): void };
}): Promise<WatchdogOutcome> {
  const now = deps.now?.() ?? new Date();
  const { statuses, failures } = await checkBackups(deps.config, deps.clientsFor, now);
  const paged: WatchdogOutcome['paged'] = [];
  for (const status of statuses.filter((s: BackupStatus) => !s.problems.includes('none'))) {
    const finding = backupFinding(status, now);
    await deps.publisher.publish(DETAIL_TYPES.postureFinding, finding, { resources: [status.resource.arn], time: now });
    paged.push({ resource: status.resource.arn, problems: status.problems, findingId: finding.id });
  }
  deps.log?.info('backups checked', { resources: statuses.length, paged: paged.length, failures: failures.length });
  // An account the watchdog cannot read is a blind spot: after the pages for what it could
  // read, the invocation fails, so the function's error alarm fires (deterministic ids keep
  // Lambda's retries from paging twice).
  if (failures.length > 0) {
    for (const f of failures) deps.log?.error('backups not readable', f);
    throw new UnreadableAccountsError('backups', failures);
  }
  return { resources: statuses.length, paged, failures };
}

export class UnreadableAccountsError extends Error {
  constructor(
    what: string,
    readonly failures: readonly { account: string; region?: string; reason: string }[],
  ) {
    super(`${what} not readable in ${failures.map((f) => `${f.account}${f.region ? `/${f.region}` : ''} (${f.reason})`).join(', ')}: is the member stack (reader role) deployed there?`);
    this.name = 'UnreadableAccountsError';
  }
}
