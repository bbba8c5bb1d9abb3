/**
 * Catalogue: data-destruction. Data, one entry per call family, each with its sources.
 * Test cases stand beside it in `data-destruction.cases.ts`.
 */
import type { CatalogueEntry, Modifier } from './types.ts';
import { docs, sigma, panther, elastic, rp, isFalse, isTrue } from './types.ts';

/**
 * What an RDS delete loses. A final snapshot keeps a backup (then it is no
 * "backups in blast radius"); `deleteAutomatedBackups` defaults to true when
 * absent (RDS API Reference), so the automated backups go unless retained.
 */
const FINAL_SNAPSHOT_SKIPPED = isTrue('skipFinalSnapshot');
const AUTOMATED_BACKUPS_KEPT = isFalse('deleteAutomatedBackups');
const RDS_DELETE_MODIFIERS: readonly Modifier[] = [
  {
    when: { all: [FINAL_SNAPSHOT_SKIPPED, { not: AUTOMATED_BACKUPS_KEPT }] },
    severity: 'critical',
    text: 'without a final snapshot, and deletes its automated backups (deleteAutomatedBackups is true, or absent: it defaults to true)',
    destroysBackups: true,
  },
  { when: { all: [FINAL_SNAPSHOT_SKIPPED, AUTOMATED_BACKUPS_KEPT] }, severity: 'critical', text: 'without a final snapshot (its automated backups are retained)' },
  {
    when: { all: [{ not: FINAL_SNAPSHOT_SKIPPED }, { not: AUTOMATED_BACKUPS_KEPT }] },
    severity: 'high',
    text: 'with a final snapshot (a backup is kept); its automated backups are deleted (deleteAutomatedBackups defaults to true)',
  },
  { when: { all: [{ not: FINAL_SNAPSHOT_SKIPPED }, AUTOMATED_BACKUPS_KEPT] }, severity: 'high', text: 'with a final snapshot, keeping its automated backups' },
];

export const DATA_DESTRUCTION: readonly CatalogueEntry[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    id: 'rds.delete-db-instance',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['DeleteDBInstance'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an RDS database instance',
    sources: [docs('RDS API Reference: DeleteDBInstance'), panther('AWS.RDS.InstanceDeletion'), elastic('Deletion of RDS Instance or Cluster')],
    modifiers: RDS_DELETE_MODIFIERS,
    target: { type: 'rds:db', paths: [rp('dBInstanceIdentifier')] },
  },
  {
    id: 'rds.delete-db-cluster',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['DeleteDBCluster'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an RDS/Aurora database cluster',
    sources: [docs('RDS API Reference: DeleteDBCluster'), elastic('AWS RDS Cluster Deletion')],
    modifiers: RDS_DELETE_MODIFIERS,
    target: { type: 'rds:cluster', paths: [rp('dBClusterIdentifier')] },
  },
  // ── EC2 / EBS ─────────────────────────────────────────────────────────────
  {
    id: 'ec2.delete-volume',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DeleteVolume'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an EBS volume',
    sources: [docs('EC2 API Reference: DeleteVolume')],
    target: { type: 'ec2:volume', paths: [rp('volumeId')] },
  },
  {
    id: 'ec2.terminate-instances',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['TerminateInstances'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'terminates EC2 instances',
    sources: [docs('EC2 API Reference: TerminateInstances'), panther('AWS.Modify.Cloud.Compute.Infrastructure')],
    target: { type: 'ec2:instance', paths: [rp('instancesSet.items.instanceId')] },
  },
  {
    id: 'ec2.stop-instances',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['StopInstances'],
    category: 'data-destruction',
    severity: 'low',
    what: 'stops EC2 instances',
    sources: [docs('EC2 API Reference: StopInstances'), panther('AWS.EC2.StopInstances')],
    modifiers: [{ when: isTrue('force'), severity: 'low', text: 'forcibly (without flushing file systems)' }],
    target: { type: 'ec2:instance', paths: [rp('instancesSet.items.instanceId')] },
  },
  // ── S3 ────────────────────────────────────────────────────────────────────
  {
    id: 's3.delete-bucket',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteBucket'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an S3 bucket',
    sources: [docs('S3 API Reference: DeleteBucket'), panther('AWS.S3.BucketDeleted')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
    ownResourcePaths: [rp('bucketName')],
  },
  {
    id: 's3.delete-objects',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteObjects'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'deletes objects from an S3 bucket in bulk',
    sources: [docs('S3 API Reference: DeleteObjects'), panther('AWS.S3.DeleteObjects')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
  },
  {
    id: 's3.delete-object',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteObject'],
    category: 'data-destruction',
    severity: 'low',
    what: 'deletes an S3 object',
    sources: [docs('S3 API Reference: DeleteObject'), panther('AWS.S3.DeleteObject')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
  },
  {
    id: 's3.lifecycle-expiration',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketLifecycle', 'PutBucketLifecycleConfiguration'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'adds a lifecycle rule that expires (deletes) objects',
    when: {
      all: [
        { param: rp('LifecycleConfiguration.Rule.Expiration'), exists: true },
        { param: rp('LifecycleConfiguration.Rule.Status'), equals: 'Enabled' },
      ],
    },
    modifiers: [{ when: { param: rp('LifecycleConfiguration.Rule.Expiration.Days'), in: [0, 1, 2, 3] }, severity: 'high', text: 'within days' }],
    sources: [docs('S3 API Reference: PutBucketLifecycleConfiguration'), panther('AWS.CloudTrail.ShortLifecycle'), elastic('AWS S3 Bucket Expiration Lifecycle Configuration Added')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
  },
  // ── DynamoDB ──────────────────────────────────────────────────────────────
  {
    id: 'dynamodb.delete-table',
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['DeleteTable'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes a DynamoDB table',
    sources: [docs('DynamoDB API Reference: DeleteTable')],
    target: { type: 'dynamodb:table', paths: [rp('tableName')] },
    ownResourcePaths: [rp('tableName')],
  },
  // ── EFS ───────────────────────────────────────────────────────────────────
  {
    id: 'efs.delete-file-system',
    eventSource: 'elasticfilesystem.amazonaws.com',
    eventNames: ['DeleteFileSystem'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an EFS file system',
    sources: [docs('EFS API Reference: DeleteFileSystem'), sigma('aws_efs_fileshare_modified_or_deleted.yml'), elastic('AWS EFS File System or Mount Deleted')],
    target: { type: 'efs:file-system', paths: [rp('fileSystemId')] },
  },
  {
    id: 'efs.delete-mount-target',
    eventSource: 'elasticfilesystem.amazonaws.com',
    eventNames: ['DeleteMountTarget'],
    category: 'data-destruction',
    severity: 'low',
    what: 'deletes an EFS mount target',
    sources: [docs('EFS API Reference: DeleteMountTarget'), sigma('aws_efs_fileshare_mount_modified_or_deleted.yml')],
  },
  // ── KMS ───────────────────────────────────────────────────────────────────
  {
    id: 'kms.schedule-key-deletion',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['ScheduleKeyDeletion'],
    category: 'data-destruction',
    severity: 'high',
    what: 'schedules a KMS key for deletion (everything it encrypts becomes unreadable)',
    sources: [docs('KMS API Reference: ScheduleKeyDeletion'), panther('AWS.KMS.CustomerManagedKeyLoss'), elastic('AWS KMS Customer Managed Key Disabled or Scheduled for Deletion')],
    modifiers: [{ when: { param: rp('pendingWindowInDays'), in: [7, 8, 9, 10] }, severity: 'high', text: 'with the shortest waiting period' }],
    target: { type: 'kms:key', paths: [rp('keyId')] },
  },
  {
    id: 'kms.disable-key',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['DisableKey'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'disables a KMS key (data it encrypts cannot be read until it is re-enabled)',
    sources: [docs('KMS API Reference: DisableKey'), panther('AWS.KMS.CustomerManagedKeyLoss'), elastic('AWS KMS Customer Managed Key Disabled or Scheduled for Deletion')],
  },
  {
    id: 'kms.delete-imported-key-material',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['DeleteImportedKeyMaterial'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes imported KMS key material',
    sources: [docs('KMS API Reference: DeleteImportedKeyMaterial')],
  },
  // ── Organizations, CloudFormation ─────────────────────────────────────────
  {
    id: 'cloudformation.delete-stack',
    eventSource: 'cloudformation.amazonaws.com',
    eventNames: ['DeleteStack', 'DeleteStackSet', 'DeleteStackInstances'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'deletes a CloudFormation stack and the resources it owns',
    sources: [docs('CloudFormation API Reference: DeleteStack')],
    target: { type: 'cloudformation:stack', paths: [rp('stackName')] },
    ownResourcePaths: [rp('stackName')],
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    id: 'lambda.delete-function',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['DeleteFunction'],
    category: 'data-destruction',
    severity: 'low',
    what: 'deletes a Lambda function',
    sources: [docs('Lambda API Reference: DeleteFunction'), panther('AWS.LAMBDA.CRUD')],
    target: { type: 'lambda:function', paths: [rp('functionName')] },
    ownResourcePaths: [rp('functionName')],
  },
  // ── Other data stores ─────────────────────────────────────────────────────
  {
    id: 'secretsmanager.delete-secret',
    eventSource: 'secretsmanager.amazonaws.com',
    eventNames: ['DeleteSecret'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'deletes a Secrets Manager secret',
    modifiers: [{ when: isTrue('forceDeleteWithoutRecovery'), severity: 'high', text: 'with no recovery window' }],
    sources: [docs('Secrets Manager API Reference: DeleteSecret')],
    ownResourcePaths: [rp('secretId')],
    target: { type: 'secretsmanager:secret', paths: [rp('secretId')] },
  },
  {
    id: 'ecr.delete-repository',
    eventSource: 'ecr.amazonaws.com',
    eventNames: ['DeleteRepository', 'BatchDeleteImage'],
    category: 'data-destruction',
    severity: 'low',
    what: 'deletes container images or an ECR repository',
    modifiers: [{ when: isTrue('force'), severity: 'medium', text: 'with all its images' }],
    sources: [docs('ECR API Reference: DeleteRepository'), panther('AWS.ECR.CRUD')],
    target: { type: 'ecr:repository', paths: [rp('repositoryName')] },
  },
  {
    id: 'redshift.delete-cluster',
    eventSource: 'redshift.amazonaws.com',
    eventNames: ['DeleteCluster'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes a Redshift cluster',
    modifiers: [{ when: isTrue('skipFinalClusterSnapshot'), severity: 'critical', text: 'without a final snapshot' }],
    sources: [docs('Redshift API Reference: DeleteCluster')],
    target: { type: 'redshift:cluster', paths: [rp('clusterIdentifier')] },
  },
  {
    id: 'elasticache.delete',
    eventSource: 'elasticache.amazonaws.com',
    eventNames: ['DeleteReplicationGroup', 'DeleteCacheCluster', 'DeleteSnapshot'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'deletes an ElastiCache cluster or snapshot',
    sources: [docs('ElastiCache API Reference: DeleteReplicationGroup')],
    target: { type: 'elasticache:replication-group', paths: [rp('replicationGroupId')] },
  },
];
