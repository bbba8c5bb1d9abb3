/**
 * Test cases of `data-destruction.ts` (see ./case.ts). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const bucket = (bucketName: string) => ({ bucketName, Host: `${bucketName}.s3.eu-west-1.amazonaws.com` });
const lifecycle = (bucketName: string, rule: Record<string, unknown>) => ({
  ...bucket(bucketName),
  lifecycle: '',
  LifecycleConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', Rule: { ID: 'expire', Filter: { Prefix: 'tmp/' }, ...rule } },
});

export const CASES: readonly CatalogueCase[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    entry: 'rds.delete-db-instance',
    name: 'without a final snapshot, deleteAutomatedBackups absent (defaults to true)',
    record: { eventName: 'DeleteDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', skipFinalSnapshot: true } },
    expect: { category: 'data-destruction', severity: 'critical', says: 'without a final snapshot, and deletes its automated backups' },
  },
  {
    entry: 'rds.delete-db-instance',
    name: 'without a final snapshot, automated backups retained',
    record: { eventName: 'DeleteDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', skipFinalSnapshot: true, deleteAutomatedBackups: false } },
    expect: { category: 'data-destruction', severity: 'critical', says: 'without a final snapshot (its automated backups are retained)' },
  },
  {
    entry: 'rds.delete-db-instance',
    name: 'with a final snapshot, automated backups deleted',
    record: { eventName: 'DeleteDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', skipFinalSnapshot: false, finalDBSnapshotIdentifier: 'orders-db-final', deleteAutomatedBackups: true } },
    expect: { category: 'data-destruction', severity: 'high', says: 'with a final snapshot (a backup is kept)' },
  },
  {
    entry: 'rds.delete-db-instance',
    name: 'with a final snapshot, automated backups retained',
    record: { eventName: 'DeleteDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', skipFinalSnapshot: false, finalDBSnapshotIdentifier: 'orders-db-final', deleteAutomatedBackups: false } },
    expect: { category: 'data-destruction', severity: 'high', says: 'keeping its automated backups' },
  },
  {
    entry: 'rds.delete-db-cluster',
    name: 'an Aurora cluster without a final snapshot',
    record: { eventName: 'DeleteDBCluster', requestParameters: { dBClusterIdentifier: 'orders-aurora', skipFinalSnapshot: true } },
    expect: { category: 'data-destruction', severity: 'critical', says: 'without a final snapshot' },
  },
  {
    entry: 'rds.delete-db-cluster',
    name: 'an Aurora cluster with a final snapshot',
    record: { eventName: 'DeleteDBCluster', requestParameters: { dBClusterIdentifier: 'orders-aurora', skipFinalSnapshot: false, finalDBSnapshotIdentifier: 'orders-aurora-final' } },
    expect: { category: 'data-destruction', severity: 'high', says: 'with a final snapshot' },
  },
  {
    entry: 'rds.delete-db-cluster',
    name: 'an Aurora cluster without a final snapshot, automated backups retained',
    record: { eventName: 'DeleteDBCluster', requestParameters: { dBClusterIdentifier: 'orders-aurora', skipFinalSnapshot: true, deleteAutomatedBackups: false } },
    expect: { category: 'data-destruction', severity: 'critical', says: 'its automated backups are retained' },
  },
  {
    entry: 'rds.delete-db-cluster',
    name: 'an Aurora cluster with a final snapshot, automated backups retained',
    record: { eventName: 'DeleteDBCluster', requestParameters: { dBClusterIdentifier: 'orders-aurora', skipFinalSnapshot: false, finalDBSnapshotIdentifier: 'orders-aurora-final', deleteAutomatedBackups: false } },
    expect: { category: 'data-destruction', severity: 'high', says: 'keeping its automated backups' },
  },
  // ── EC2 / EBS ─────────────────────────────────────────────────────────────
  {
    entry: 'ec2.delete-volume',
    name: 'an EBS volume',
    record: { eventName: 'DeleteVolume', requestParameters: { volumeId: 'vol-0a1b2c3d4e5f60718' }, responseElements: { requestId: '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b', _return: true } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 'ec2.terminate-instances',
    name: 'one instance',
    record: { eventName: 'TerminateInstances', requestParameters: { instancesSet: { items: [{ instanceId: 'i-0a1b2c3d4e5f60718' }] } } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 'ec2.stop-instances',
    name: 'stopped normally',
    record: { eventName: 'StopInstances', requestParameters: { instancesSet: { items: [{ instanceId: 'i-0a1b2c3d4e5f60718' }] }, force: false } },
    expect: { category: 'data-destruction', severity: 'low' },
  },
  {
    entry: 'ec2.stop-instances',
    name: 'stopped forcibly',
    record: { eventName: 'StopInstances', requestParameters: { instancesSet: { items: [{ instanceId: 'i-0a1b2c3d4e5f60718' }] }, force: true } },
    expect: { category: 'data-destruction', severity: 'low', says: 'forcibly' },
  },
  // ── S3 ────────────────────────────────────────────────────────────────────
  {
    entry: 's3.delete-bucket',
    name: 'a bucket',
    record: { eventName: 'DeleteBucket', requestParameters: bucket('orders-assets-prod') },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 's3.delete-bucket',
    name: "one of Blastwall's own buckets is detector tamper",
    record: { eventName: 'DeleteBucket', requestParameters: bucket('blastwall-central-reports') },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 's3.delete-objects',
    name: 'objects in bulk',
    record: { eventName: 'DeleteObjects', requestParameters: { ...bucket('orders-assets-prod'), delete: '' } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 's3.delete-object',
    name: 'one object',
    record: { eventName: 'DeleteObject', requestParameters: { ...bucket('orders-assets-prod'), key: 'exports/2025-06-10.csv' } },
    expect: { category: 'data-destruction', severity: 'low' },
  },
  {
    entry: 's3.lifecycle-expiration',
    name: 'objects expire after 30 days',
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('orders-assets-prod', { Status: 'Enabled', Expiration: { Days: 30 } }) },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 's3.lifecycle-expiration',
    name: 'objects expire after one day',
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('orders-assets-prod', { Status: 'Enabled', Expiration: { Days: 1 } }) },
    expect: { category: 'data-destruction', severity: 'high', says: 'within days' },
  },
  {
    entry: 's3.lifecycle-expiration',
    name: 'a transition to Glacier expires nothing',
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('orders-assets-prod', { Status: 'Enabled', Transition: { Days: 30, StorageClass: 'GLACIER' } }) },
    expect: null,
  },
  {
    entry: 's3.lifecycle-expiration',
    name: 'a disabled expiration rule',
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('orders-assets-prod', { Status: 'Disabled', Expiration: { Days: 1 } }) },
    expect: null,
  },
  // ── DynamoDB ──────────────────────────────────────────────────────────────
  {
    entry: 'dynamodb.delete-table',
    name: 'a table',
    record: { eventName: 'DeleteTable', requestParameters: { tableName: 'orders' } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 'dynamodb.delete-table',
    name: "Blastwall's state table is detector tamper",
    record: { eventName: 'DeleteTable', requestParameters: { tableName: 'BlastwallState' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  // ── EFS ───────────────────────────────────────────────────────────────────
  {
    entry: 'efs.delete-file-system',
    name: 'a file system',
    record: { eventName: 'DeleteFileSystem', requestParameters: { fileSystemId: 'fs-0a1b2c3d4e5f60718' } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 'efs.delete-mount-target',
    name: 'a mount target',
    record: { eventName: 'DeleteMountTarget', requestParameters: { mountTargetId: 'fsmt-0a1b2c3d4e5f60718' } },
    expect: { category: 'data-destruction', severity: 'low' },
  },
  // ── KMS ───────────────────────────────────────────────────────────────────
  {
    entry: 'kms.schedule-key-deletion',
    name: 'with the default 30-day waiting period',
    record: { eventName: 'ScheduleKeyDeletion', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 30 } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 'kms.schedule-key-deletion',
    name: 'with the shortest waiting period',
    record: { eventName: 'ScheduleKeyDeletion', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 7 } },
    expect: { category: 'data-destruction', severity: 'high', says: 'with the shortest waiting period' },
  },
  {
    entry: 'kms.disable-key',
    name: 'a key',
    record: { eventName: 'DisableKey', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 'kms.delete-imported-key-material',
    name: 'imported key material',
    record: { eventName: 'DeleteImportedKeyMaterial', requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  // ── CloudFormation ────────────────────────────────────────────────────────
  {
    entry: 'cloudformation.delete-stack',
    name: 'a stack',
    record: { eventName: 'DeleteStack', requestParameters: { stackName: 'OrdersStack' } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 'cloudformation.delete-stack',
    name: "Blastwall's own stack is detector tamper",
    record: { eventName: 'DeleteStack', requestParameters: { stackName: 'BlastwallCentral' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    entry: 'lambda.delete-function',
    name: 'a function (versioned event name)',
    record: { eventName: 'DeleteFunction20150331', requestParameters: { functionName: 'orders-api' } },
    expect: { category: 'data-destruction', severity: 'low' },
  },
  {
    entry: 'lambda.delete-function',
    name: "one of Blastwall's functions, by ARN, is detector tamper",
    record: { eventName: 'DeleteFunction20150331', requestParameters: { functionName: 'arn:aws:lambda:eu-west-1:333333333333:function:BlastwallDetect' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  // ── Other data stores ─────────────────────────────────────────────────────
  {
    entry: 'secretsmanager.delete-secret',
    name: 'with a recovery window',
    record: { eventName: 'DeleteSecret', requestParameters: { secretId: 'prod/orders/db-password', recoveryWindowInDays: 30 }, responseElements: { arn: 'arn:aws:secretsmanager:eu-west-1:333333333333:secret:prod/orders/db-password-AbC123', name: 'prod/orders/db-password', deletionDate: 'Jul 10, 2025, 10:00:00 AM' } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
  {
    entry: 'secretsmanager.delete-secret',
    name: 'without recovery',
    record: { eventName: 'DeleteSecret', requestParameters: { secretId: 'arn:aws:secretsmanager:eu-west-1:333333333333:secret:prod/orders/db-password-AbC123', forceDeleteWithoutRecovery: true } },
    expect: { category: 'data-destruction', severity: 'high', says: 'with no recovery window' },
  },
  {
    entry: 'ecr.delete-repository',
    name: 'an empty repository',
    record: { eventName: 'DeleteRepository', requestParameters: { repositoryName: 'orders/api' } },
    expect: { category: 'data-destruction', severity: 'low' },
  },
  {
    entry: 'ecr.delete-repository',
    name: 'a repository with all its images',
    record: { eventName: 'DeleteRepository', requestParameters: { repositoryName: 'orders/api', force: true } },
    expect: { category: 'data-destruction', severity: 'medium', says: 'with all its images' },
  },
  {
    entry: 'redshift.delete-cluster',
    name: 'with a final snapshot',
    record: { eventName: 'DeleteCluster', requestParameters: { clusterIdentifier: 'analytics', skipFinalClusterSnapshot: false, finalClusterSnapshotIdentifier: 'analytics-final' } },
    expect: { category: 'data-destruction', severity: 'high' },
  },
  {
    entry: 'redshift.delete-cluster',
    name: 'without a final snapshot',
    record: { eventName: 'DeleteCluster', requestParameters: { clusterIdentifier: 'analytics', skipFinalClusterSnapshot: true } },
    expect: { category: 'data-destruction', severity: 'critical', says: 'without a final snapshot' },
  },
  {
    entry: 'elasticache.delete',
    name: 'a replication group',
    record: { eventName: 'DeleteReplicationGroup', requestParameters: { replicationGroupId: 'orders-cache', retainPrimaryCluster: false } },
    expect: { category: 'data-destruction', severity: 'medium' },
  },
];
