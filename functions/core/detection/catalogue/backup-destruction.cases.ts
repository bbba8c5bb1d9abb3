/**
 * Test cases of `backup-destruction.ts` (see ./case.ts). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const versioning = (configuration: Record<string, unknown>) => ({
  bucketName: 'orders-assets-prod',
  Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com',
  versioning: '',
  VersioningConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', ...configuration },
});

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'rds.delete-snapshot',
    name: 'a manual snapshot',
    record: { eventName: 'DeleteDBSnapshot', requestParameters: { dBSnapshotIdentifier: 'orders-db-2025-06-01' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 'rds.delete-snapshot',
    name: 'a cluster snapshot',
    record: { eventName: 'DeleteDBClusterSnapshot', requestParameters: { dBClusterSnapshotIdentifier: 'orders-aurora-2025-06-01' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 'rds.delete-automated-backup',
    name: 'retained automated backups',
    record: { eventName: 'DeleteDBInstanceAutomatedBackup', requestParameters: { dbiResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 'rds.modify-backup-or-protection',
    name: 'backup retention set to 0',
    record: { eventName: 'ModifyDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', backupRetentionPeriod: 0, applyImmediately: true } },
    expect: { category: 'backup-destruction', severity: 'high', says: 'to keep no automated backups (retention 0)' },
  },
  {
    entry: 'rds.modify-backup-or-protection',
    name: 'deletion protection turned off is a security-control change',
    record: { eventName: 'ModifyDBCluster', requestParameters: { dBClusterIdentifier: 'orders-aurora', deletionProtection: false, applyImmediately: true } },
    expect: { category: 'security-control-tamper', severity: 'medium', says: 'to turn deletion protection off' },
  },
  {
    entry: 'rds.modify-backup-or-protection',
    name: 'a larger instance class',
    record: { eventName: 'ModifyDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', dBInstanceClass: 'db.r6g.large', applyImmediately: true } },
    expect: null,
  },
  {
    entry: 'rds.modify-backup-or-protection',
    name: 'deletion protection turned on, retention 7 days',
    record: { eventName: 'ModifyDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', deletionProtection: true, backupRetentionPeriod: 7 } },
    expect: null,
  },
  {
    entry: 'ec2.delete-snapshot',
    name: 'an EBS snapshot',
    record: { eventName: 'DeleteSnapshot', requestParameters: { snapshotId: 'snap-0a1b2c3d4e5f60718' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 's3.suspend-versioning',
    name: 'versioning suspended',
    record: { eventName: 'PutBucketVersioning', requestParameters: versioning({ Status: 'Suspended' }) },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 's3.suspend-versioning',
    name: 'versioning enabled',
    record: { eventName: 'PutBucketVersioning', requestParameters: versioning({ Status: 'Enabled' }) },
    expect: null,
  },
  {
    entry: 's3.delete-replication',
    name: 'replication removed',
    record: { eventName: 'DeleteBucketReplication', requestParameters: { bucketName: 'orders-assets-prod', Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com', replication: '' } },
    expect: { category: 'backup-destruction', severity: 'medium' },
  },
  {
    entry: 'dynamodb.delete-backup',
    name: 'an on-demand backup',
    record: { eventName: 'DeleteBackup', requestParameters: { backupArn: 'arn:aws:dynamodb:eu-west-1:333333333333:table/orders/backup/01718012345678-abcdef12' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 'dynamodb.disable-pitr',
    name: 'point-in-time recovery off',
    record: { eventName: 'UpdateContinuousBackups', requestParameters: { tableName: 'orders', pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false } } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
  {
    entry: 'dynamodb.disable-pitr',
    name: 'point-in-time recovery on',
    record: { eventName: 'UpdateContinuousBackups', requestParameters: { tableName: 'orders', pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } } },
    expect: null,
  },
  {
    entry: 'backup.delete-recovery-point',
    name: 'a recovery point',
    record: { eventName: 'DeleteRecoveryPoint', requestParameters: { backupVaultName: 'orders-vault', recoveryPointArn: 'arn:aws:rds:eu-west-1:333333333333:snapshot:awsbackup:job-0a1b2c3d' } },
    expect: { category: 'backup-destruction', severity: 'critical' },
  },
  {
    entry: 'backup.delete-vault',
    name: 'a vault',
    record: { eventName: 'DeleteBackupVault', requestParameters: { backupVaultName: 'orders-vault' } },
    expect: { category: 'backup-destruction', severity: 'critical' },
  },
  {
    entry: 'backup.delete-vault',
    name: "a vault's lock",
    record: { eventName: 'DeleteBackupVaultLockConfiguration', requestParameters: { backupVaultName: 'orders-vault' } },
    expect: { category: 'backup-destruction', severity: 'critical' },
  },
  {
    entry: 'backup.delete-plan',
    name: 'a backup plan',
    record: { eventName: 'DeleteBackupPlan', requestParameters: { backupPlanId: '8f7e6d5c-4b3a-4921-8a9b-0c1d2e3f4a5b' } },
    expect: { category: 'backup-destruction', severity: 'high' },
  },
];
