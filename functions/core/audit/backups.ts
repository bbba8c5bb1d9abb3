/**
 * The backup watchdog's judgement: for every protected resource in a high-sensitivity
 * environment, the newest restorable recovery point, how old it is, and whether a copy
 * lives outside the resource's own account or region (3-2-1: a copy the credential that
 * can delete the resource cannot also delete).
 *
 * Recovery points come from RDS (automated backups: the latest restorable time; manual
 * and automated snapshots), AWS Backup (recovery points in any vault of any audited
 * account, matched by the resource ARN they were taken from), EBS snapshots and DynamoDB
 * point-in-time recovery (the latest restorable time). Only points that can be restored
 * count: an RDS snapshot `available`, an EBS snapshot `completed`, a Backup recovery point
 * `COMPLETED`, PITR `ENABLED`.
 *
 * Pure module: the inventory comes from functions/adapters/backup-inventory.ts.
 */
import type { Severity } from '../audit-event.ts';

export type RecoveryKind = 'rds-automated' | 'rds-snapshot' | 'backup-recovery-point' | 'ebs-snapshot' | 'dynamodb-pitr';

export interface ProtectedResource {
  /** Full ARN: `arn:aws:rds:eu-west-1:333333333333:db:orders`. */
  arn: string;
  /** `rds:db`, `rds:cluster`, `ec2:volume`, `dynamodb:table`, or AWS Backup's resource type. */
  type: string;
  account: string;
  region: string;
  name: string;
}

export interface RecoveryPoint {
  /** The ARN of the resource it restores. */
  resourceArn: string;
  kind: RecoveryKind;
  /** Where the copy lives. */
  account: string;
  region: string;
  /** The point in time it restores to (ISO). */
  restorableAt: string;
  /** Snapshot id, recovery point ARN … */
  id: string;
}

export type BackupProblem = 'none' | 'stale' | 'no-offsite-copy' | 'no-recovery-point';

export interface BackupStatus {
  resource: ProtectedResource;
  environment: string;
  newest?: RecoveryPoint;
  /** Hours since the newest restorable point (floored), or null when there is none. */
  ageHours: number | null;
  /** A restorable copy in another account or another region. */
  offsite: 'other-account' | 'other-region' | 'none';
  offsiteCopy?: RecoveryPoint;
  problems: BackupProblem[];
  severity: Severity;
  /** One sentence for the table and the page. */
  summary: string;
}

const HOUR_MS = 60 * 60 * 1000;

const KIND_NAMES: Record<RecoveryKind, string> = {
  'rds-automated': 'RDS automated backup',
  'rds-snapshot': 'RDS snapshot',
  'backup-recovery-point': 'AWS Backup recovery point',
  'ebs-snapshot': 'EBS snapshot',
  'dynamodb-pitr': 'DynamoDB point-in-time recovery',
};

/** ARNs compare without case differences in the service/region parts a caller may vary. */
const norm = (arn: string) => arn.trim();

export function assessBackups(input: {
  resources: readonly ProtectedResource[];
  points: readonly RecoveryPoint[];
  environmentOf: (account: string) => string;
  maxAgeHours: number;
  now: Date;
}): BackupStatus[] {
  const byResource = new Map<string, RecoveryPoint[]>();
  for (const p of input.points) {
    const key = norm(p.resourceArn);
    byResource.set(key, [...(byResource.get(key) ?? []), p]);
  }
  const out: BackupStatus[] = [];
  for (const resource of input.resources) {
    const points = (byResource.get(norm(resource.arn)) ?? []).filter((p) => !Number.isNaN(Date.parse(p.restorableAt)));
    const newest = points.reduce<RecoveryPoint | undefined>((n, p) => (!n || Date.parse(p.restorableAt) > Date.parse(n.restorableAt) ? p : n), undefined);
    const ageHours = newest ? Math.max(0, Math.floor((input.now.getTime() - Date.parse(newest.restorableAt)) / HOUR_MS)) : null;
    const otherAccount = points.find((p) => p.account !== resource.account);
    const otherRegion = points.find((p) => p.account === resource.account && p.region !== resource.region);
    const offsite = otherAccount ? 'other-account' : otherRegion ? 'other-region' : 'none';
    const offsiteCopy = otherAccount ?? otherRegion;
    const problems: BackupProblem[] = [];
    if (!newest) problems.push('no-recovery-point');
    else if (ageHours! > input.maxAgeHours) problems.push('stale');
    if (offsite === 'none') problems.push('no-offsite-copy');
    if (problems.length === 0) problems.push('none');
    const severity: Severity = problems.includes('no-recovery-point') ? 'critical' : problems.includes('none') ? 'info' : 'high';
    const where = `${resource.type} ${resource.name} in ${resource.account}/${resource.region}`;
    const parts: string[] = [];
    if (!newest) parts.push(`${where} has no restorable recovery point at all`);
    else {
      parts.push(
        `${where}: newest restorable point is ${ageHours} h old (${KIND_NAMES[newest.kind]} ${newest.id}${newest.account !== resource.account || newest.region !== resource.region ? ` in ${newest.account}/${newest.region}` : ''})${problems.includes('stale') ? `, older than backups.maxAgeHours (${input.maxAgeHours} h)` : ''}`,
      );
    }
    if (offsite === 'none') parts.push(`no copy outside ${resource.account}/${resource.region}: a credential that can delete it can delete every backup too`);
    else parts.push(`copy in ${offsiteCopy!.account}/${offsiteCopy!.region} (${offsite === 'other-account' ? 'another account' : 'another region of the same account'})`);
    out.push({
      resource,
      environment: input.environmentOf(resource.account),
      ...(newest ? { newest } : {}),
      ageHours,
      offsite,
      ...(offsiteCopy ? { offsiteCopy } : {}),
      problems,
      severity,
      summary: parts.join('; '),
    });
  }
  const rank: Record<string, number> = { critical: 0, high: 1, info: 2 };
  // Worst first: severity, then more problems, then the older newest point.
  return out.sort(
    (a, b) =>
      (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) ||
      b.problems.length - a.problems.length ||
      (b.ageHours ?? Infinity) - (a.ageHours ?? Infinity) ||
      a.resource.arn.localeCompare(b.resource.arn),
  );
}

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s + ' '.repeat(n - s.length);
}

/** `blastwall backups --live`: the same as a table, worst first. */
export function backupsText(statuses: readonly BackupStatus[], maxAgeHours: number): string {
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const widths = [9, 14, 16, 44, 8, 22, 14];
  const line = (cells: string[]) => cells.map((c, i) => pad(clean(c), widths[i]!)).join(' ').trimEnd();
  const rows = statuses.map((s) =>
    line([
      s.problems.includes('none') ? 'OK' : s.severity.toUpperCase(),
      s.environment,
      s.resource.type,
      `${s.resource.name} (${s.resource.account}/${s.resource.region})`,
      s.ageHours === null ? 'none' : `${s.ageHours}h`,
      s.newest ? KIND_NAMES[s.newest.kind] : '-',
      s.offsite === 'none' ? 'NONE' : s.offsite,
    ]),
  );
  const failing = statuses.filter((s) => !s.problems.includes('none'));
  return [
    line(['STATUS', 'ENV', 'TYPE', 'RESOURCE', 'AGE', 'NEWEST FROM', 'OFFSITE COPY']),
    ...rows,
    '',
    `${statuses.length} protected resources, ${failing.length} failing (max age ${maxAgeHours} h; offsite = a copy in another account or region)`,
    ...failing.map((s) => `  ${s.severity.toUpperCase()} ${clean(s.summary)}`),
    '',
  ].join('\n');
}
