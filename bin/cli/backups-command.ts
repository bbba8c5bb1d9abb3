/**
 * `blastwall backups --live [--config FILE] [--format text|json]`
 *
 * What the hourly backup watchdog sees, now: for every protected resource in a
 * high-sensitivity environment, the newest restorable recovery point, its age against
 * backups.maxAgeHours, and whether a copy lives in another account or region. Read
 * through the reader role (audit.readerRoleName) in every configured account and region.
 *
 * Exit 0 = every watched resource is fine; 1 = at least one would page; 2 = usage error;
 * 4 = an account or region could not be read (the rest is printed).
 */
import { parseArgs } from 'node:util';
import type { BackupClients } from '../../functions/adapters/backup-inventory.ts';
import { backupsText } from '../../functions/core/audit/backups.ts';
import { checkBackups } from '../../functions/backup-watchdog/watchdog.ts';
import { loadConfig } from './load-config.ts';
import { UsageError, type Io } from './io.ts';

export const BACKUPS_EXIT = { ok: 0, failing: 1, usage: 2, unreadable: 4 } as const;

export const BACKUPS_USAGE = `usage: blastwall backups --live [--config FILE] [--format text|json]

For every protected resource (RDS instances, EBS volumes, DynamoDB tables, anything AWS
Backup protects) in a high-sensitivity environment: the newest restorable recovery point
(RDS automated backups and snapshots, AWS Backup recovery points, EBS snapshots, DynamoDB
point-in-time recovery), its age against backups.maxAgeHours (default 26), and whether a
copy lives outside the resource's account or region (3-2-1). The same check the hourly
backup watchdog pages on.

  --live           read through the reader role (audit.readerRoleName) in every account
                   of the config and every region of deployment.regions (required)
  --format text    a table, worst first (default)
  --format json    JSON lines: a "backup" object per resource, then a "summary"

Exit status: 0 all fine; 1 something would page; 4 an account could not be read; 2 usage.`;

type ClientsFor = (account: string, region: string) => BackupClients | Promise<BackupClients>;

async function defaultClients(readerRoleName: string): Promise<ClientsFor> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const { ResponderCredentials } = await import('../../functions/adapters/responder-credentials.ts');
  const { readerClients } = await import('../../functions/adapters/reader-clients.ts');
  return readerClients(new ResponderCredentials({ sts: new STSClient({}), roleName: readerRoleName, sessionName: 'blastwall-backups' }));
}

export async function backupsCommand(args: string[], io: Io, deps: { clientsFor?: ClientsFor; now?: () => Date } = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: false, options: { config: { type: 'string' }, format: { type: 'string', default: 'text' }, live: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${BACKUPS_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${BACKUPS_USAGE}\n`);
    return BACKUPS_EXIT.ok;
  }
  if (!v.live) throw new UsageError(`backups reads the accounts themselves: pass --live\n\n${BACKUPS_USAGE}`);
  if (v.format !== 'text' && v.format !== 'json') throw new UsageError(`--format must be "text" or "json", not "${v.format}"`);
  const { config, source } = await loadConfig(v.config, io.cwd);
  io.stderr(`config: ${source}\n`);
  const clientsFor = deps.clientsFor ?? (await defaultClients(config.audit.readerRoleName));
  const { statuses, failures } = await checkBackups(config, clientsFor, deps.now?.() ?? new Date());
  if (v.format === 'json') {
    for (const s of statuses) {
      io.stdout(
        `${JSON.stringify({ type: 'backup', resource: s.resource.arn, resourceType: s.resource.type, account: s.resource.account, region: s.resource.region, environment: s.environment, newest: s.newest ?? null, ageHours: s.ageHours, offsite: s.offsite, problems: s.problems, severity: s.severity, summary: s.summary })}\n`,
      );
    }
    io.stdout(`${JSON.stringify({ type: 'summary', resources: statuses.length, failing: statuses.filter((s) => !s.problems.includes('none')).length, maxAgeHours: config.backups.maxAgeHours, unreadable: failures })}\n`);
  } else io.stdout(backupsText(statuses, config.backups.maxAgeHours));
  for (const f of failures) io.stderr(`blastwall: ${f.account}/${f.region} not read: ${f.reason}\n`);
  if (failures.length > 0) return BACKUPS_EXIT.unreadable;
  return statuses.some((s) => !s.problems.includes('none')) ? BACKUPS_EXIT.failing : BACKUPS_EXIT.ok;
}
