/**
 * The backup watchdog's inventory, read through the AWS SDK with the read-only role in
 * each account and region: protected resources (RDS instances, EBS volumes, DynamoDB
 * tables, anything AWS Backup protects) in high-sensitivity environments, and every
 * restorable recovery point of any configured account (so a copy in a backup account is
 * found and counted as offsite).
 *
 * Read-only calls only: rds:Describe*, ec2:DescribeVolumes/DescribeSnapshots,
 * dynamodb:ListTables/DescribeContinuousBackups, backup:List*.
 */
import { BackupClient, paginateListBackupVaults, paginateListProtectedResources, paginateListRecoveryPointsByBackupVault } from '@aws-sdk/client-backup';
import { DescribeContinuousBackupsCommand, DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { EC2Client, paginateDescribeSnapshots, paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import { RDSClient, paginateDescribeDBInstanceAutomatedBackups, paginateDescribeDBInstances, paginateDescribeDBSnapshots } from '@aws-sdk/client-rds';
import type { ProtectedResource, RecoveryPoint } from '../core/audit/backups.ts';

export interface BackupClients {
  rds: RDSClient;
  ec2: EC2Client;
  dynamodb: DynamoDBClient;
  backup: BackupClient;
}

export interface InventoryTarget {
  account: string;
  region: string;
  /** Resources here are watched (a high-sensitivity environment); points are read everywhere. */
  watchResources: boolean;
}

export interface Inventory {
  resources: ProtectedResource[];
  points: RecoveryPoint[];
  /** Account/region pairs that could not be read, with why: the watchdog pages on these too. */
  failures: { account: string; region: string; reason: string }[];
}

const iso = (d: Date | undefined): string | undefined => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined);

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

export async function readInventory(targets: readonly InventoryTarget[], clientsFor: (account: string, region: string) => BackupClients | Promise<BackupClients>): Promise<Inventory> {
  const inventory: Inventory = { resources: [], points: [], failures: [] };
  for (const t of targets) {
    try {
      const got = await readOne(t, await clientsFor(t.account, t.region));
      inventory.resources.push(...got.resources);
      inventory.points.push(...got.points);
    } catch (error) {
      inventory.failures.push({ account: t.account, region: t.region, reason: describe(error) });
    }
  }
  // One resource may be listed by its own service and by AWS Backup.
  const seen = new Set<string>();
  inventory.resources = inventory.resources.filter((r) => (seen.has(r.arn) ? false : (seen.add(r.arn), true)));
  return inventory;
}

async function readOne({ account, region, watchResources }: InventoryTarget, c: BackupClients): Promise<{ resources: ProtectedResource[]; points: RecoveryPoint[] }> {
  const resources: ProtectedResource[] = [];
  const points: RecoveryPoint[] = [];
  const here = { account, region };

  // ── RDS ──
  if (watchResources) {
    for await (const page of paginateDescribeDBInstances({ client: c.rds }, {})) {
      for (const db of page.DBInstances ?? []) {
        if (!db.DBInstanceIdentifier) continue;
        resources.push({ arn: db.DBInstanceArn ?? `arn:aws:rds:${region}:${account}:db:${db.DBInstanceIdentifier}`, type: 'rds:db', name: db.DBInstanceIdentifier, ...here });
      }
    }
  }
  for await (const page of paginateDescribeDBSnapshots({ client: c.rds }, {})) {
    for (const s of page.DBSnapshots ?? []) {
      const at = iso(s.SnapshotCreateTime);
      if (s.Status !== 'available' || !at || !s.DBInstanceIdentifier) continue;
      points.push({ resourceArn: `arn:aws:rds:${s.SourceRegion ?? region}:${account}:db:${s.DBInstanceIdentifier}`, kind: 'rds-snapshot', restorableAt: at, id: s.DBSnapshotIdentifier ?? s.DBSnapshotArn ?? 'snapshot', ...here });
    }
  }
  for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: c.rds }, {})) {
    for (const b of page.DBInstanceAutomatedBackups ?? []) {
      const at = iso(b.RestoreWindow?.LatestTime);
      if (!at || !b.DBInstanceIdentifier) continue;
      points.push({ resourceArn: b.DBInstanceArn ?? `arn:aws:rds:${region}:${account}:db:${b.DBInstanceIdentifier}`, kind: 'rds-automated', restorableAt: at, id: b.DBInstanceAutomatedBackupsArn ?? b.DbiResourceId ?? 'automated', ...here });
    }
  }

  // ── EBS ──
  if (watchResources) {
    for await (const page of paginateDescribeVolumes({ client: c.ec2 }, {})) {
      for (const v of page.Volumes ?? []) {
        if (v.VolumeId) resources.push({ arn: `arn:aws:ec2:${region}:${account}:volume/${v.VolumeId}`, type: 'ec2:volume', name: v.VolumeId, ...here });
      }
    }
  }
  for await (const page of paginateDescribeSnapshots({ client: c.ec2 }, { OwnerIds: ['self'] })) {
    for (const s of page.Snapshots ?? []) {
      const at = iso(s.StartTime);
      if (s.State !== 'completed' || !at || !s.VolumeId) continue;
      points.push({ resourceArn: `arn:aws:ec2:${region}:${account}:volume/${s.VolumeId}`, kind: 'ebs-snapshot', restorableAt: at, id: s.SnapshotId ?? 'snapshot', ...here });
    }
  }

  // ── DynamoDB PITR ──
  if (watchResources) {
    for await (const page of paginateListTables({ client: c.dynamodb }, {})) {
      for (const name of page.TableNames ?? []) {
        const arn = `arn:aws:dynamodb:${region}:${account}:table/${name}`;
        resources.push({ arn, type: 'dynamodb:table', name, ...here });
        const pitr = (await c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
        const at = iso(pitr?.LatestRestorableDateTime);
        if (pitr?.PointInTimeRecoveryStatus === 'ENABLED' && at) points.push({ resourceArn: arn, kind: 'dynamodb-pitr', restorableAt: at, id: `${name} PITR`, ...here });
      }
    }
  }

  // ── AWS Backup ──
  for await (const page of paginateListBackupVaults({ client: c.backup }, {})) {
    for (const vault of page.BackupVaultList ?? []) {
      if (!vault.BackupVaultName) continue;
      for await (const rp of paginateListRecoveryPointsByBackupVault({ client: c.backup }, { BackupVaultName: vault.BackupVaultName })) {
        for (const p of rp.RecoveryPoints ?? []) {
          const at = iso(p.CreationDate);
          if (p.Status !== 'COMPLETED' || !at || !p.ResourceArn) continue;
          points.push({ resourceArn: p.ResourceArn, kind: 'backup-recovery-point', restorableAt: at, id: p.RecoveryPointArn ?? 'recovery point', ...here });
        }
      }
    }
  }
  if (watchResources) {
    for await (const page of paginateListProtectedResources({ client: c.backup }, {})) {
      for (const r of page.Results ?? []) {
        if (!r.ResourceArn) continue;
        resources.push({ arn: r.ResourceArn, type: r.ResourceType ?? 'backup', name: r.ResourceName ?? r.ResourceArn.split(/[:/]/).pop()!, ...here });
      }
    }
  }
  return { resources, points };
}
