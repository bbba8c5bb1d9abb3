/** The backup watchdog's world for tests: a stale backup, a same-account-only backup, a healthy one. */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import type { BackupClients } from '../../functions/adapters/backup-inventory.ts';
import { parseConfig, type BlastwallConfig } from '../../functions/core/config.ts';
import { credentialsFor, emptyWorld, type BackupWorld } from '../standins/aws-world.ts';

export const NOW = new Date('2026-06-01T12:00:00Z');
export const PROD = '333333333333';
export const STAGING = '222222222222';
/** The organisation's backup account: a copy there is one a production credential cannot delete. */
export const VAULT = '555555555555';
export const REGION = 'eu-west-1';
export const DR_REGION = 'eu-central-1';

const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

export const config = (): BlastwallConfig =>
  parseConfig({
    environments: [
      { name: 'staging', accounts: [STAGING], sensitivity: 'low', response: 'enforce' },
      { name: 'production', accounts: [PROD], sensitivity: 'high', response: 'enforce' },
      { name: 'backup-vault', accounts: [VAULT], sensitivity: 'low', response: 'page-only' },
    ],
    deployment: { regions: [REGION, DR_REGION] },
  });

/**
 * - `orders` (RDS): healthy — automated backups 1 h old, and an AWS Backup copy in the vault account;
 * - `ledger` (RDS): stale — the last snapshot is 3 months old (the incident's backup), only in production;
 * - `vol-0data` (EBS): same-account only — a fresh snapshot, no copy anywhere else;
 * - `sessions` (DynamoDB): PITR 5 minutes behind, copied to the DR region by AWS Backup;
 * - staging has an unprotected database: not watched (low sensitivity).
 */
export function world(): BackupWorld {
  const w = emptyWorld();
  const rdsArn = (id: string) => `arn:aws:rds:${REGION}:${PROD}:db:${id}`;
  w.rdsInstances.push({ account: PROD, region: REGION, id: 'orders' }, { account: PROD, region: REGION, id: 'ledger' }, { account: STAGING, region: REGION, id: 'scratch' });
  w.rdsAutomatedBackups.push({ account: PROD, region: REGION, instanceId: 'orders', latest: hoursAgo(1) });
  w.rdsSnapshots.push(
    { account: PROD, region: REGION, instanceId: 'ledger', id: 'ledger-2026-03-01', created: hoursAgo(24 * 92) },
    { account: PROD, region: REGION, instanceId: 'ledger', id: 'ledger-failed', created: hoursAgo(2), status: 'failed' },
  );
  w.vaults.push({ account: VAULT, region: REGION, name: 'org-vault' }, { account: PROD, region: DR_REGION, name: 'dr' });
  w.recoveryPoints.push(
    { account: VAULT, region: REGION, vault: 'org-vault', arn: `arn:aws:backup:${REGION}:${VAULT}:recovery-point:orders-1`, resourceArn: rdsArn('orders'), resourceType: 'RDS', created: hoursAgo(20) },
    { account: PROD, region: DR_REGION, vault: 'dr', arn: `arn:aws:backup:${DR_REGION}:${PROD}:recovery-point:sessions-1`, resourceArn: `arn:aws:dynamodb:${REGION}:${PROD}:table/sessions`, resourceType: 'DynamoDB', created: hoursAgo(10) },
  );
  w.volumes.push({ account: PROD, region: REGION, id: 'vol-0data' });
  w.ebsSnapshots.push({ account: PROD, region: REGION, volumeId: 'vol-0data', id: 'snap-0fresh', start: hoursAgo(3) }, { account: PROD, region: REGION, volumeId: 'vol-0data', id: 'snap-0pending', start: hoursAgo(0), state: 'pending' });
  w.tables.push({ account: PROD, region: REGION, name: 'sessions', pitrLatest: new Date(NOW.getTime() - 5 * 60_000) });
  return w;
}

export function sdkClients(endpoint: string) {
  return (account: string, region: string): BackupClients => {
    const common = { endpoint, region, credentials: credentialsFor(account), maxAttempts: 1 };
    return { rds: new RDSClient(common), ec2: new EC2Client(common), dynamodb: new DynamoDBClient(common), backup: new BackupClient(common) };
  };
}
