/**
 * The destructive-call catalogue: data, not an if-chain.
 *
 * Each entry maps `eventSource` + `eventName` to a category and a base severity,
 * names where the detection idea comes from (AWS API reference, Sigma, Panther,
 * Elastic), and carries parameter predicates that raise or lower the severity
 * (`DeleteDBInstance` with `skipFinalSnapshot` and `deleteAutomatedBackups` is
 * the worst case). Entries with `when` only apply when the parameters say the
 * call is destructive (`PutBucketVersioning` only when it suspends versioning).
 *
 * Changes to Blastwall's own resources (names starting with
 * `config.detection.ownResourcePrefix`) are detector tamper, whatever the call.
 *
 * Pure module: no I/O.
 */
import type { AuditEvent, Severity } from '../audit-event.ts';
import { maxSeverity } from '../audit-event.ts';
import { type Condition, evaluate, stringsAt } from './conditions.ts';

export const CATEGORIES = [
  'data-destruction',
  'backup-destruction',
  'logging-tamper',
  'detector-tamper',
  'security-control-tamper',
  'identity-change',
  'exposure',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type SourceKind = 'aws-docs' | 'sigma' | 'panther' | 'elastic' | 'blastwall';
export interface SourceRef {
  kind: SourceKind;
  /** API reference page name, rule file name or rule title. */
  ref: string;
}

export interface Modifier {
  when: Condition;
  /** Replaces the base severity when it matches (the highest matching modifier wins). */
  severity: Severity;
  /** Clause appended to the description, e.g. "without a final snapshot". */
  text: string;
  /** The call also destroys the backups that would restore the data. */
  destroysBackups?: boolean;
  /** Moves the call to another category (e.g. deletion protection off is a security-control change). */
  category?: Category;
}

/** Where the call names the resource it acts on, so "deletes what it created" can be checked. */
export interface TargetSpec {
  /** Resource type, shared with {@link CREATION_CATALOGUE}: `rds:db`, `s3:bucket` … */
  type: string;
  /** Dotted paths into the event (`requestParameters.dBInstanceIdentifier`). */
  paths: readonly string[];
}

export interface CatalogueEntry {
  /** Stable id, e.g. `rds.delete-db-instance`. */
  id: string;
  eventSource: string;
  /** Event names without Lambda's API-version suffix (`UpdateFunctionCode`, not `UpdateFunctionCode20150331v2`). */
  eventNames: readonly string[];
  category: Category;
  severity: Severity;
  /** What the call does, as a verb phrase: "deletes an RDS database instance". */
  what: string;
  sources: readonly SourceRef[];
  /** Only a catalogue hit when this holds. */
  when?: Condition;
  modifiers?: readonly Modifier[];
  /** The call destroys backups by its nature. */
  destroysBackups?: boolean;
  target?: TargetSpec;
  /**
   * Paths naming the resource, checked against the own-resource prefix.
   * A hit turns the call into `detector-tamper` at `critical`.
   */
  ownResourcePaths?: readonly string[];
  /** Only a hit when it touches Blastwall's own resources (`PutRule`, `UpdateFunctionCode` …). */
  onlyOwnResources?: boolean;
}

const docs = (ref: string): SourceRef => ({ kind: 'aws-docs', ref });
const sigma = (ref: string): SourceRef => ({ kind: 'sigma', ref });
const panther = (ref: string): SourceRef => ({ kind: 'panther', ref });
const elastic = (ref: string): SourceRef => ({ kind: 'elastic', ref });
const blastwall = (ref: string): SourceRef => ({ kind: 'blastwall', ref });

const rp = (name: string) => `requestParameters.${name}`;
const isTrue = (param: string): Condition => ({ param: rp(param), equals: true });
const isFalse = (param: string): Condition => ({ param: rp(param), equals: false });
const publicGroup = (path: string): Condition => ({ param: rp(path), equals: 'all' });

export const CATALOGUE: readonly CatalogueEntry[] = [
  // ── RDS ──────────────────────────────────────────────────────────────────
  {
    id: 'rds.delete-db-instance',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['DeleteDBInstance'],
    category: 'data-destruction',
    severity: 'high',
    what: 'deletes an RDS database instance',
    sources: [docs('RDS API Reference: DeleteDBInstance'), panther('AWS.RDS.InstanceDeletion'), elastic('Deletion of RDS Instance or Cluster')],
    modifiers: [
      { when: isTrue('skipFinalSnapshot'), severity: 'critical', text: 'without a final snapshot' },
      { when: isTrue('deleteAutomatedBackups'), severity: 'critical', text: 'and deletes its automated backups', destroysBackups: true },
    ],
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
    modifiers: [
      { when: isTrue('skipFinalSnapshot'), severity: 'critical', text: 'without a final snapshot' },
      { when: isTrue('deleteAutomatedBackups'), severity: 'critical', text: 'and deletes its automated backups', destroysBackups: true },
    ],
    target: { type: 'rds:cluster', paths: [rp('dBClusterIdentifier')] },
  },
  {
    id: 'rds.delete-snapshot',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['DeleteDBSnapshot', 'DeleteDBClusterSnapshot'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'deletes an RDS snapshot',
    sources: [docs('RDS API Reference: DeleteDBSnapshot / DeleteDBClusterSnapshot'), panther('AWS.RDS.SnapshotDeleted'), elastic('AWS RDS Snapshot Deleted')],
    destroysBackups: true,
    target: { type: 'rds:snapshot', paths: [rp('dBSnapshotIdentifier'), rp('dBClusterSnapshotIdentifier')] },
  },
  {
    id: 'rds.delete-automated-backup',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['DeleteDBInstanceAutomatedBackup', 'DeleteDBClusterAutomatedBackup'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'deletes retained RDS automated backups',
    sources: [docs('RDS API Reference: DeleteDBInstanceAutomatedBackup'), panther('AWS.RDS.AutomatedBackupDeleted')],
    destroysBackups: true,
  },
  {
    id: 'rds.modify-backup-or-protection',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['ModifyDBInstance', 'ModifyDBCluster'],
    category: 'backup-destruction',
    severity: 'medium',
    what: 'changes an RDS database',
    when: { any: [{ param: rp('backupRetentionPeriod'), equals: 0 }, isFalse('deletionProtection')] },
    sources: [docs('RDS API Reference: ModifyDBInstance (BackupRetentionPeriod, DeletionProtection)'), panther('AWS.RDS.DeletionProtectionDisabled'), elastic('AWS RDS DB Instance or Cluster Deletion Protection Disabled')],
    modifiers: [
      { when: { param: rp('backupRetentionPeriod'), equals: 0 }, severity: 'high', text: 'to keep no automated backups (retention 0)', destroysBackups: true },
      { when: isFalse('deletionProtection'), severity: 'medium', text: 'to turn deletion protection off', category: 'security-control-tamper' },
    ],
    target: { type: 'rds:db', paths: [rp('dBInstanceIdentifier'), rp('dBClusterIdentifier')] },
  },
  {
    id: 'rds.stop-activity-stream',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['StopActivityStream'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'stops an RDS database activity stream',
    sources: [docs('RDS API Reference: StopActivityStream'), panther('AWS.RDS.ActivityStreamStopped')],
  },
  {
    id: 'rds.remove-role',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['RemoveRoleFromDBInstance', 'RemoveRoleFromDBCluster'],
    category: 'identity-change',
    severity: 'low',
    what: 'removes an IAM role from an RDS database (features that use it, such as exports, stop)',
    sources: [docs('RDS API Reference: RemoveRoleFromDBInstance')],
  },
  {
    id: 'rds.share-snapshot',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'],
    category: 'exposure',
    severity: 'medium',
    what: 'shares an RDS snapshot with another account',
    when: { all: [{ param: rp('attributeName'), equals: 'restore' }, { not: { param: rp('valuesToAdd'), empty: true } }] },
    sources: [docs('RDS API Reference: ModifyDBSnapshotAttribute'), panther('AWS.RDS.SnapshotShared'), sigma('aws_snapshot_backup_exfiltration.yml')],
    modifiers: [{ when: { param: rp('valuesToAdd'), equals: 'all' }, severity: 'high', text: 'with everyone (public)' }],
  },
  // ── EC2 / EBS ────────────────────────────────────────────────────────────
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
    id: 'ec2.delete-snapshot',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DeleteSnapshot'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'deletes an EBS snapshot',
    destroysBackups: true,
    sources: [docs('EC2 API Reference: DeleteSnapshot'), elastic('AWS EC2 Snapshot Activity')],
    target: { type: 'ec2:snapshot', paths: [rp('snapshotId')] },
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
  {
    id: 'ec2.delete-flow-logs',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DeleteFlowLogs'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes VPC flow logs',
    sources: [docs('EC2 API Reference: DeleteFlowLogs'), panther('AWS.VPCFlow.LogsDeleted'), elastic('AWS VPC Flow Logs Deletion')],
  },
  {
    id: 'ec2.disable-ebs-encryption-default',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DisableEbsEncryptionByDefault'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'turns off EBS encryption by default',
    sources: [docs('EC2 API Reference: DisableEbsEncryptionByDefault'), panther('AWS.EC2.EBS.Encryption.Disabled'), sigma('aws_ec2_disable_encryption.yml')],
  },
  {
    id: 'ec2.delete-traffic-mirror',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DeleteTrafficMirrorTarget', 'DeleteTrafficMirrorSession', 'DeleteTrafficMirrorFilter'],
    category: 'security-control-tamper',
    severity: 'low',
    what: 'deletes a traffic-mirroring resource (network monitoring)',
    sources: [docs('EC2 API Reference: DeleteTrafficMirrorTarget'), panther('AWS.EC2.Traffic.Mirroring')],
  },
  {
    id: 'ec2.share-snapshot',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['ModifySnapshotAttribute'],
    category: 'exposure',
    severity: 'medium',
    what: 'shares an EBS snapshot with another account',
    when: { param: rp('createVolumePermission.add.items'), exists: true },
    modifiers: [{ when: publicGroup('createVolumePermission.add.items.group'), severity: 'high', text: 'with everyone (public)' }],
    sources: [docs('EC2 API Reference: ModifySnapshotAttribute'), panther('AWS.CloudTrail.SnapshotMadePublic'), sigma('aws_snapshot_backup_exfiltration.yml')],
  },
  {
    id: 'ec2.share-image',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['ModifyImageAttribute'],
    category: 'exposure',
    severity: 'low',
    what: 'shares an AMI with another account',
    when: { param: rp('launchPermission.add.items'), exists: true },
    modifiers: [{ when: publicGroup('launchPermission.add.items.group'), severity: 'medium', text: 'with everyone (public)' }],
    sources: [docs('EC2 API Reference: ModifyImageAttribute'), panther('AWS.CloudTrail.AMIModifiedForPublicAccess')],
  },
  {
    id: 'ec2.open-ingress-to-world',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupIngress'],
    category: 'exposure',
    severity: 'low',
    what: 'opens a security group to the whole internet',
    when: { any: [{ param: rp('ipPermissions.items.ipRanges.items.cidrIp'), equals: '0.0.0.0/0' }, { param: rp('ipPermissions.items.ipv6Ranges.items.cidrIpv6'), equals: '::/0' }] },
    sources: [docs('EC2 API Reference: AuthorizeSecurityGroupIngress'), panther('AWS.EC2.SecurityGroupModified')],
  },
  // ── S3 ───────────────────────────────────────────────────────────────────
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
    id: 's3.suspend-versioning',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketVersioning'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'suspends versioning on an S3 bucket (deleted objects can no longer be recovered)',
    destroysBackups: true,
    when: { param: rp('VersioningConfiguration.Status'), equals: 'Suspended' },
    sources: [docs('S3 API Reference: PutBucketVersioning'), panther('AWS.S3.SuspendVersioning'), sigma('aws_s3_data_management_tampering.yml')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
  },
  {
    id: 's3.disable-mfa-delete',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketVersioning'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'turns off MFA delete on an S3 bucket',
    when: { param: rp('VersioningConfiguration.MfaDelete'), equals: 'Disabled' },
    sources: [docs('S3 API Reference: PutBucketVersioning'), panther('AWS.S3.DisableMfaDelete')],
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
  {
    id: 's3.delete-replication',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteBucketReplication'],
    category: 'backup-destruction',
    severity: 'medium',
    what: 'removes replication from an S3 bucket (its off-site copy stops)',
    destroysBackups: true,
    sources: [docs('S3 API Reference: DeleteBucketReplication'), panther('AWS.S3.DeleteBucketReplication'), sigma('aws_s3_data_management_tampering.yml')],
    target: { type: 's3:bucket', paths: [rp('bucketName')] },
  },
  {
    id: 's3.delete-encryption',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteBucketEncryption'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'removes default encryption from an S3 bucket',
    sources: [docs('S3 API Reference: DeleteBucketEncryption'), panther('AWS.S3.DeleteBucketEncryption'), sigma('aws_s3_data_management_tampering.yml')],
  },
  {
    id: 's3.delete-public-access-block',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock'],
    category: 'exposure',
    severity: 'medium',
    what: 'removes the S3 public-access block',
    sources: [docs('S3 API Reference: DeletePublicAccessBlock'), panther('AWS.S3.DeletePublicAccessBlock')],
  },
  {
    id: 's3.disable-logging',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketLogging'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'turns off server access logging on an S3 bucket',
    when: { param: rp('BucketLoggingStatus.LoggingEnabled'), exists: false },
    sources: [docs('S3 API Reference: PutBucketLogging'), panther('AWS.S3.DisableBucketLogging')],
  },
  {
    id: 's3.public-bucket-policy',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketPolicy'],
    category: 'exposure',
    severity: 'high',
    what: 'grants everyone (Principal "*") access in an S3 bucket policy',
    when: {
      any: [
        { param: rp('bucketPolicy.Statement.Principal'), equals: '*' },
        { param: rp('bucketPolicy.Statement.Principal.AWS'), equals: '*' },
      ],
    },
    sources: [docs('S3 API Reference: PutBucketPolicy'), panther('AWS.S3.BucketPolicyModified'), panther('AWS.CloudTrail.ResourceMadePublic')],
  },
  {
    id: 's3.public-acl',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketAcl'],
    category: 'exposure',
    severity: 'high',
    what: 'grants everyone access through an S3 bucket ACL',
    when: { param: rp('AccessControlPolicy.AccessControlList.Grant.Grantee.URI'), matches: 'AllUsers|AuthenticatedUsers' },
    sources: [docs('S3 API Reference: PutBucketAcl'), panther('AWS.CloudTrail.ResourceMadePublic')],
  },
  // ── DynamoDB ─────────────────────────────────────────────────────────────
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
  {
    id: 'dynamodb.delete-backup',
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['DeleteBackup'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'deletes a DynamoDB on-demand backup',
    destroysBackups: true,
    sources: [docs('DynamoDB API Reference: DeleteBackup')],
  },
  {
    id: 'dynamodb.disable-pitr',
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['UpdateContinuousBackups'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'turns off point-in-time recovery on a DynamoDB table',
    destroysBackups: true,
    when: { param: rp('pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled'), equals: false },
    sources: [docs('DynamoDB API Reference: UpdateContinuousBackups')],
    target: { type: 'dynamodb:table', paths: [rp('tableName')] },
    ownResourcePaths: [rp('tableName')],
  },
  {
    id: 'dynamodb.own-table-change',
    eventSource: 'dynamodb.amazonaws.com',
    eventNames: ['UpdateTable', 'UpdateTimeToLive', 'DeleteResourcePolicy', 'PutResourcePolicy'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's state table",
    onlyOwnResources: true,
    ownResourcePaths: [rp('tableName'), rp('resourceArn')],
    sources: [blastwall('own resources'), docs('DynamoDB API Reference: UpdateTable')],
  },
  // ── AWS Backup ───────────────────────────────────────────────────────────
  {
    id: 'backup.delete-recovery-point',
    eventSource: 'backup.amazonaws.com',
    eventNames: ['DeleteRecoveryPoint'],
    category: 'backup-destruction',
    severity: 'critical',
    what: 'deletes an AWS Backup recovery point',
    destroysBackups: true,
    sources: [docs('AWS Backup API Reference: DeleteRecoveryPoint')],
  },
  {
    id: 'backup.delete-vault',
    eventSource: 'backup.amazonaws.com',
    eventNames: ['DeleteBackupVault', 'DeleteBackupVaultLockConfiguration', 'DeleteBackupVaultAccessPolicy'],
    category: 'backup-destruction',
    severity: 'critical',
    what: 'deletes an AWS Backup vault or removes its lock',
    destroysBackups: true,
    sources: [docs('AWS Backup API Reference: DeleteBackupVault / DeleteBackupVaultLockConfiguration')],
  },
  {
    id: 'backup.delete-plan',
    eventSource: 'backup.amazonaws.com',
    eventNames: ['DeleteBackupPlan', 'DeleteBackupSelection'],
    category: 'backup-destruction',
    severity: 'high',
    what: 'deletes an AWS Backup plan (no new backups will be taken)',
    destroysBackups: true,
    sources: [docs('AWS Backup API Reference: DeleteBackupPlan')],
  },
  // ── EFS ──────────────────────────────────────────────────────────────────
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
  // ── KMS ──────────────────────────────────────────────────────────────────
  {
    id: 'kms.schedule-key-deletion',
    eventSource: 'kms.amazonaws.com',
    eventNames: ['ScheduleKeyDeletion'],
    category: 'data-destruction',
    severity: 'high',
    what: 'schedules a KMS key for deletion (everything it encrypts becomes unreadable)',
    sources: [docs('KMS API Reference: ScheduleKeyDeletion'), panther('AWS.KMS.CustomerManagedKeyLoss'), elastic('AWS KMS Customer Managed Key Disabled or Scheduled for Deletion')],
    modifiers: [{ when: { param: rp('pendingWindowInDays'), in: [7, 8, 9, 10] }, severity: 'high', text: 'with the shortest waiting period' }],
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
  // ── CloudTrail ───────────────────────────────────────────────────────────
  {
    id: 'cloudtrail.stop-logging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['StopLogging'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'stops CloudTrail logging',
    sources: [docs('CloudTrail API Reference: StopLogging'), panther('AWS.CloudTrail.Stopped'), sigma('aws_cloudtrail_disable_logging.yml'), elastic('AWS CloudTrail Log Suspended')],
  },
  {
    id: 'cloudtrail.delete-trail',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['DeleteTrail', 'DeleteEventDataStore'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'deletes a CloudTrail trail',
    sources: [docs('CloudTrail API Reference: DeleteTrail'), panther('AWS.CloudTrail.Stopped'), sigma('aws_cloudtrail_disable_logging.yml'), elastic('AWS CloudTrail Log Deleted')],
  },
  {
    id: 'cloudtrail.update-trail',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['UpdateTrail'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'changes a CloudTrail trail',
    sources: [docs('CloudTrail API Reference: UpdateTrail'), elastic('AWS CloudTrail Log Updated')],
    modifiers: [
      { when: { param: rp('isMultiRegionTrail'), equals: false }, severity: 'high', text: 'so that it no longer records every region' },
      { when: { param: rp('includeGlobalServiceEvents'), equals: false }, severity: 'high', text: 'so that it no longer records IAM and STS events' },
    ],
  },
  {
    id: 'cloudtrail.event-selectors',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['PutEventSelectors', 'PutAdvancedEventSelectors'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'changes CloudTrail event selectors so that management events are no longer recorded',
    when: {
      any: [
        { param: rp('eventSelectors.includeManagementEvents'), equals: false },
        { param: rp('eventSelectors.readWriteType'), equals: 'ReadOnly' },
        { param: rp('eventSelectors.excludeManagementEventSources'), matches: '[a-z]' },
      ],
    },
    sources: [docs('CloudTrail API Reference: PutEventSelectors'), panther('AWS.CloudTrail.EventSelectorsDisabled'), sigma('aws_cloudtrail_disable_logging.yml')],
  },
  // ── GuardDuty, Config, Security Hub, Macie, Detective, WAF ──────────────
  {
    id: 'guardduty.delete-or-disable',
    eventSource: 'guardduty.amazonaws.com',
    eventNames: ['DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount', 'StopMonitoringMembers', 'DeleteMembers', 'CreateFilter', 'CreateIPSet', 'UpdateIPSet'],
    category: 'security-control-tamper',
    severity: 'high',
    what: 'weakens GuardDuty (leaves the administrator account, stops member monitoring or adds a suppression filter or trusted IP list)',
    sources: [docs('GuardDuty API Reference: DeleteDetector'), sigma('aws_guardduty_disruption.yml'), elastic('AWS GuardDuty Detector Deletion'), panther('AWS.IPSet.Modified')],
  },
  {
    id: 'guardduty.delete-detector',
    eventSource: 'guardduty.amazonaws.com',
    eventNames: ['DeleteDetector'],
    category: 'security-control-tamper',
    severity: 'critical',
    what: 'deletes the GuardDuty detector',
    sources: [docs('GuardDuty API Reference: DeleteDetector'), sigma('aws_guardduty_disruption.yml'), elastic('AWS GuardDuty Detector Deletion')],
  },
  {
    id: 'guardduty.disable-detector',
    eventSource: 'guardduty.amazonaws.com',
    eventNames: ['UpdateDetector'],
    category: 'security-control-tamper',
    severity: 'critical',
    what: 'disables the GuardDuty detector',
    when: { param: rp('enable'), equals: false },
    sources: [docs('GuardDuty API Reference: UpdateDetector'), sigma('aws_guardduty_disruption.yml')],
  },
  {
    id: 'config.stop-recorder',
    eventSource: 'config.amazonaws.com',
    eventNames: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel', 'DeleteConfigRule'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'stops or deletes AWS Config recording',
    sources: [docs('AWS Config API Reference: StopConfigurationRecorder'), panther('AWS.ConfigService.DisabledDeleted'), sigma('aws_config_disable_recording.yml'), elastic('AWS Config Resource Deletion')],
  },
  {
    id: 'securityhub.disable',
    eventSource: 'securityhub.amazonaws.com',
    eventNames: ['DisableSecurityHub', 'BatchDisableStandards', 'DeleteInsight', 'DeleteActionTarget', 'DisableImportFindingsForProduct'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'weakens Security Hub',
    modifiers: [{ when: { param: rp('StandardsSubscriptionArns'), exists: true }, severity: 'medium', text: 'by turning standards off' }],
    sources: [docs('Security Hub API Reference: DisableSecurityHub'), panther('AWS.SecurityHub.Finding.Evasion')],
  },
  {
    id: 'securityhub.suppress-findings',
    eventSource: 'securityhub.amazonaws.com',
    eventNames: ['BatchUpdateFindings', 'UpdateFindings'],
    category: 'security-control-tamper',
    severity: 'low',
    what: 'changes Security Hub findings (possibly to suppress them)',
    sources: [docs('Security Hub API Reference: BatchUpdateFindings'), panther('AWS.SecurityHub.Finding.Evasion')],
  },
  {
    id: 'macie.disable',
    eventSource: 'macie2.amazonaws.com',
    eventNames: ['DisableMacie', 'UpdateMacieSession', 'DisableOrganizationAdminAccount'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'pauses or disables Amazon Macie',
    when: { any: [{ param: rp('status'), equals: 'PAUSED' }, { not: { param: rp('findingPublishingFrequency'), exists: true } }] },
    sources: [docs('Macie API Reference: UpdateMacieSession'), panther('AWS.Macie.Evasion')],
  },
  {
    id: 'detective.delete',
    eventSource: 'detective.amazonaws.com',
    eventNames: ['DeleteGraph', 'DisassociateMembership'],
    category: 'security-control-tamper',
    severity: 'high',
    what: 'deletes or leaves the Amazon Detective behaviour graph',
    sources: [docs('Detective API Reference: DeleteGraph')],
  },
  {
    id: 'waf.disassociate',
    eventSource: 'wafv2.amazonaws.com',
    eventNames: ['DisassociateWebACL', 'DeleteWebACL', 'DeleteLoggingConfiguration'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'removes WAF protection or its logging',
    sources: [docs('WAFV2 API Reference: DisassociateWebACL'), panther('AWS.WAF.Disassociation'), elastic('AWS WAF Access Control List Deletion')],
  },
  {
    id: 'access-analyzer.delete',
    eventSource: 'access-analyzer.amazonaws.com',
    eventNames: ['DeleteAnalyzer'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'deletes an IAM Access Analyzer',
    sources: [docs('IAM Access Analyzer API Reference: DeleteAnalyzer')],
  },
  // ── Logging elsewhere ────────────────────────────────────────────────────
  {
    id: 'logs.delete',
    eventSource: 'logs.amazonaws.com',
    eventNames: ['DeleteLogGroup', 'DeleteLogStream', 'DeleteSubscriptionFilter', 'PutRetentionPolicy'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'deletes CloudWatch logs or shortens their retention',
    when: { any: [{ not: { param: rp('retentionInDays'), exists: true } }, { param: rp('retentionInDays'), in: [1, 3] }] },
    sources: [docs('CloudWatch Logs API Reference: DeleteLogGroup'), elastic('AWS CloudWatch Log Group Deletion')],
    ownResourcePaths: [rp('logGroupName')],
  },
  {
    id: 'cloudwatch.delete-alarms',
    eventSource: 'monitoring.amazonaws.com',
    eventNames: ['DeleteAlarms', 'DisableAlarmActions'],
    category: 'security-control-tamper',
    severity: 'low',
    what: 'deletes or silences CloudWatch alarms',
    sources: [docs('CloudWatch API Reference: DeleteAlarms'), elastic('AWS CloudWatch Alarm Deletion')],
    ownResourcePaths: [rp('alarmNames')],
  },
  {
    id: 'route53resolver.delete-query-logging',
    eventSource: 'route53resolver.amazonaws.com',
    eventNames: ['DeleteResolverQueryLogConfig', 'DisassociateResolverQueryLogConfig'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes Route 53 Resolver DNS query logging',
    sources: [docs('Route 53 Resolver API Reference: DeleteResolverQueryLogConfig'), panther('AWS.CloudTrail.DNSLogsDeleted')],
  },
  {
    id: 'bedrock.delete-invocation-logging',
    eventSource: 'bedrock.amazonaws.com',
    eventNames: ['DeleteModelInvocationLoggingConfiguration'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes Bedrock model-invocation logging',
    sources: [docs('Bedrock API Reference: DeleteModelInvocationLoggingConfiguration'), panther('AWS.Bedrock.DeleteModelInvocationLoggingConfiguration')],
  },
  {
    id: 'bedrock.delete-guardrail',
    eventSource: 'bedrock.amazonaws.com',
    eventNames: ['DeleteGuardrail'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'deletes a Bedrock guardrail',
    sources: [docs('Bedrock API Reference: DeleteGuardrail'), panther('AWS.Bedrock.GuardrailUpdateDelete')],
  },
  // ── Organizations, CloudFormation ────────────────────────────────────────
  {
    id: 'organizations.leave',
    eventSource: 'organizations.amazonaws.com',
    eventNames: ['LeaveOrganization', 'RemoveAccountFromOrganization', 'DetachPolicy', 'DeletePolicy', 'DisableAWSServiceAccess'],
    category: 'security-control-tamper',
    severity: 'critical',
    what: 'takes an account out of the organisation or removes an organisation guard-rail',
    modifiers: [{ when: { param: rp('policyId'), exists: true }, severity: 'high', text: '(a service-control policy)' }],
    sources: [docs('Organizations API Reference: LeaveOrganization'), panther('AWS.CloudTrail.AttemptToLeaveOrg')],
  },
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
  {
    id: 'cloudformation.own-stack-change',
    eventSource: 'cloudformation.amazonaws.com',
    eventNames: ['UpdateStack', 'UpdateTerminationProtection', 'SetStackPolicy'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's CloudFormation stack",
    onlyOwnResources: true,
    ownResourcePaths: [rp('stackName')],
    sources: [blastwall('own resources')],
  },
  // ── EventBridge (Blastwall's forwarding rules and bus) ──────────────────
  {
    id: 'events.disable-rule',
    eventSource: 'events.amazonaws.com',
    eventNames: ['DisableRule', 'DeleteRule', 'RemoveTargets'],
    category: 'security-control-tamper',
    severity: 'low',
    what: 'disables or deletes an EventBridge rule (security events may stop flowing)',
    sources: [docs('EventBridge API Reference: DisableRule / DeleteRule'), elastic('AWS EventBridge Rule Disabled or Deleted')],
    ownResourcePaths: [rp('name'), rp('rule'), rp('eventBusName')],
  },
  {
    id: 'events.own-change',
    eventSource: 'events.amazonaws.com',
    eventNames: ['PutRule', 'PutTargets', 'DeleteEventBus', 'PutPermission', 'RemovePermission', 'UpdateEventBus'],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes Blastwall's event bus or rules",
    onlyOwnResources: true,
    ownResourcePaths: [rp('name'), rp('rule'), rp('eventBusName')],
    sources: [blastwall('own resources')],
  },
  // ── Lambda ───────────────────────────────────────────────────────────────
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
  {
    id: 'lambda.own-change',
    eventSource: 'lambda.amazonaws.com',
    eventNames: [
      'UpdateFunctionCode',
      'UpdateFunctionConfiguration',
      'PutFunctionConcurrency',
      'DeleteFunctionConcurrency',
      'RemovePermission',
      'AddPermission',
      'DeleteEventSourceMapping',
      'UpdateEventSourceMapping',
      'DeleteFunctionUrlConfig',
      'UpdateFunctionUrlConfig',
    ],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes one of Blastwall's Lambda functions",
    onlyOwnResources: true,
    ownResourcePaths: [rp('functionName')],
    sources: [blastwall('own resources'), panther('AWS.Lambda.UpdateFunctionCode')],
  },
  {
    id: 'lambda.public-permission',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['AddPermission'],
    category: 'exposure',
    severity: 'medium',
    what: 'lets any AWS principal invoke a Lambda function',
    when: { param: rp('principal'), equals: '*' },
    sources: [docs('Lambda API Reference: AddPermission'), panther('AWS.Potential.Backdoor.Lambda')],
    ownResourcePaths: [rp('functionName')],
  },
  {
    id: 'lambda.remove-permission',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['RemovePermission'],
    category: 'identity-change',
    severity: 'low',
    what: "removes a statement from a Lambda function's resource policy",
    sources: [docs('Lambda API Reference: RemovePermission'), panther('AWS.LAMBDA.CRUD')],
    ownResourcePaths: [rp('functionName')],
  },
  // ── IAM: identity changes (and any change to Blastwall's roles) ─────────
  {
    id: 'iam.own-role-change',
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'PutRolePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'DeleteRolePolicy',
      'UpdateAssumeRolePolicy',
      'DeleteRole',
      'PutRolePermissionsBoundary',
      'DeleteRolePermissionsBoundary',
      'UpdateRole',
    ],
    category: 'detector-tamper',
    severity: 'critical',
    what: "changes one of Blastwall's IAM roles",
    onlyOwnResources: true,
    ownResourcePaths: [rp('roleName')],
    sources: [blastwall('own resources'), panther('AWS.IAM.PolicyModified')],
  },
  {
    id: 'iam.admin-policy',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'],
    category: 'identity-change',
    severity: 'low',
    what: 'grants permissions to an IAM identity',
    modifiers: [
      { when: { param: rp('policyArn'), matches: 'AdministratorAccess$|IAMFullAccess$' }, severity: 'high', text: '(administrator access)' },
      { when: { param: rp('policyDocument'), matches: '"Action"\\s*:\\s*"\\*"|"Action"\\s*:\\s*\\[\\s*"\\*"' }, severity: 'high', text: '(every action)' },
    ],
    sources: [docs('IAM API Reference: AttachUserPolicy'), panther('AWS.IAM.AttachAdminUserPolicy'), panther('AWS.IAM.AttachAdminRolePolicy')],
    ownResourcePaths: [rp('roleName')],
  },
  {
    id: 'iam.backdoor-trust',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['UpdateAssumeRolePolicy'],
    category: 'identity-change',
    severity: 'medium',
    what: 'changes who may assume an IAM role',
    modifiers: [{ when: { param: rp('policyDocument'), matches: '"AWS"\\s*:\\s*"\\*"|"Principal"\\s*:\\s*"\\*"' }, severity: 'high', text: 'to anyone' }],
    sources: [docs('IAM API Reference: UpdateAssumeRolePolicy'), panther('AWS.IAM.BackdoorRole')],
    ownResourcePaths: [rp('roleName')],
  },
  {
    id: 'iam.credentials',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile'],
    category: 'identity-change',
    severity: 'low',
    what: 'creates or changes credentials of an IAM user',
    sources: [docs('IAM API Reference: CreateAccessKey'), panther('AWS.IAM.Backdoor.User.Keys'), panther('AWS.CloudTrail.LoginProfileCreatedOrModified')],
  },
  {
    id: 'iam.mfa-removal',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'removes an MFA device',
    sources: [docs('IAM API Reference: DeactivateMFADevice'), elastic('AWS IAM Deactivation of MFA Device')],
  },
  {
    id: 'iam.identity-deletion',
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'DeleteUser',
      'DeleteRole',
      'DeleteGroup',
      'DeleteLoginProfile',
      'DeleteAccessKey',
      'DeleteUserPolicy',
      'DeleteGroupPolicy',
      'DeletePolicy',
      'DeletePolicyVersion',
      'DetachUserPolicy',
      'DetachGroupPolicy',
      'RemoveUserFromGroup',
      'DeleteServiceLinkedRole',
      'DeleteInstanceProfile',
      'DeleteSSHPublicKey',
    ],
    category: 'identity-change',
    severity: 'low',
    what: 'deletes or detaches an IAM identity, credential or policy',
    sources: [docs('IAM API Reference: DeleteUser / DeleteGroupPolicy / DeleteLoginProfile'), panther('AWS.CloudTrail.IAMAnythingChanged')],
  },
  {
    id: 'iam.saml-provider',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['DeleteSAMLProvider', 'UpdateSAMLProvider', 'CreateSAMLProvider', 'DeleteOpenIDConnectProvider'],
    category: 'identity-change',
    severity: 'medium',
    what: 'changes how federated users sign in (SAML/OIDC provider)',
    sources: [docs('IAM API Reference: UpdateSAMLProvider'), panther('AWS.Suspicious.SAML.Activity')],
  },
  {
    id: 'iam.password-policy',
    eventSource: 'iam.amazonaws.com',
    eventNames: ['DeleteAccountPasswordPolicy'],
    category: 'security-control-tamper',
    severity: 'medium',
    what: 'deletes the account password policy',
    sources: [docs('IAM API Reference: DeleteAccountPasswordPolicy')],
  },
  // ── Other data stores ────────────────────────────────────────────────────
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
  },
  {
    id: 'elasticache.delete',
    eventSource: 'elasticache.amazonaws.com',
    eventNames: ['DeleteReplicationGroup', 'DeleteCacheCluster', 'DeleteSnapshot'],
    category: 'data-destruction',
    severity: 'medium',
    what: 'deletes an ElastiCache cluster or snapshot',
    sources: [docs('ElastiCache API Reference: DeleteReplicationGroup')],
  },
];

/** Creations that make a later delete "routine": the same principal deleting what it created recently. */
export interface CreationEntry {
  eventSource: string;
  eventNames: readonly string[];
  type: string;
  paths: readonly string[];
}

const re = (name: string) => `responseElements.${name}`;
export const CREATION_CATALOGUE: readonly CreationEntry[] = [
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'CreateDBInstanceReadReplica'], type: 'rds:db', paths: [rp('dBInstanceIdentifier')] },
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBCluster', 'RestoreDBClusterFromSnapshot'], type: 'rds:cluster', paths: [rp('dBClusterIdentifier')] },
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBSnapshot', 'CreateDBClusterSnapshot'], type: 'rds:snapshot', paths: [rp('dBSnapshotIdentifier'), rp('dBClusterSnapshotIdentifier')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['RunInstances'], type: 'ec2:instance', paths: [re('instancesSet.items.instanceId')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['CreateVolume'], type: 'ec2:volume', paths: [re('volumeId')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['CreateSnapshot'], type: 'ec2:snapshot', paths: [re('snapshotId')] },
  { eventSource: 's3.amazonaws.com', eventNames: ['CreateBucket'], type: 's3:bucket', paths: [rp('bucketName')] },
  { eventSource: 'dynamodb.amazonaws.com', eventNames: ['CreateTable'], type: 'dynamodb:table', paths: [rp('tableName')] },
  { eventSource: 'cloudformation.amazonaws.com', eventNames: ['CreateStack'], type: 'cloudformation:stack', paths: [rp('stackName')] },
  { eventSource: 'elasticfilesystem.amazonaws.com', eventNames: ['CreateFileSystem'], type: 'efs:file-system', paths: [re('fileSystemId')] },
  { eventSource: 'lambda.amazonaws.com', eventNames: ['CreateFunction'], type: 'lambda:function', paths: [rp('functionName')] },
];

// ── Lookup ────────────────────────────────────────────────────────────────

/** Lambda records `UpdateFunctionCode20150331v2`; the catalogue says `UpdateFunctionCode`. */
const baseNames = new Map<string, string>();
export function baseEventName(name: string): string {
  let base = baseNames.get(name);
  if (base === undefined) {
    base = name.replace(/\d{8}(v\d+)?$/, '');
    if (baseNames.size < 10_000) baseNames.set(name, base);
  }
  return base;
}

const bySourceAndName = new Map<string, CatalogueEntry[]>();
const byName = new Map<string, CatalogueEntry[]>();
for (const entry of CATALOGUE) {
  for (const name of entry.eventNames) {
    const key = `${entry.eventSource}:${name}`;
    bySourceAndName.set(key, [...(bySourceAndName.get(key) ?? []), entry]);
    byName.set(name, [...(byName.get(name) ?? []), entry]);
  }
}
const creationByKey = new Map<string, CreationEntry>();
for (const entry of CREATION_CATALOGUE) for (const name of entry.eventNames) creationByKey.set(`${entry.eventSource}:${name}`, entry);

/** Entries for this call. Falls back to the event name alone when the source is unknown for it and the name is unambiguous (hand-edited exports). */
function candidates(event: AuditEvent): CatalogueEntry[] {
  const name = baseEventName(event.action.name);
  const exact = bySourceAndName.get(`${event.action.eventSource}:${name}`);
  if (exact) return exact;
  const loose = byName.get(name) ?? [];
  return new Set(loose.map((e) => e.eventSource)).size === 1 ? loose : [];
}

export interface CatalogueMatch {
  entry: CatalogueEntry;
  category: Category;
  severity: Severity;
  /** "deletes an RDS database instance without a final snapshot and deletes its automated backups". */
  description: string;
  destroysBackups: boolean;
  /** The own resource touched, when this is detector tamper. */
  ownResource?: string;
  /** Resource keys (`type:name`) the call acts on, for "deletes what it created". */
  targets: { type: string; name: string }[];
}

/** Last ARN/path segment, so `arn:…:function:BlastwallDetect` and `BlastwallDetect` both compare. */
function resourceNames(value: string): string[] {
  const parts = value.split(/[:/]/).filter(Boolean);
  return [value, ...(parts.length > 1 ? [parts[parts.length - 1]!] : [])];
}

function ownResource(event: AuditEvent, entry: CatalogueEntry, prefix: string): string | undefined {
  const lower = prefix.toLowerCase();
  const values = (entry.ownResourcePaths ?? []).flatMap((path) => stringsAt(event, path));
  if (entry.ownResourcePaths) values.push(...event.resources.flatMap((r) => (r.arn ? [r.arn] : [])));
  for (const value of values) {
    if (resourceNames(value).some((name) => name.toLowerCase().startsWith(lower))) return value;
  }
  return undefined;
}

function matchEntry(event: AuditEvent, entry: CatalogueEntry, ownPrefix: string): CatalogueMatch | undefined {
  const own = ownResource(event, entry, ownPrefix);
  if (entry.onlyOwnResources && !own) return undefined;
  if (own) {
    return {
      entry,
      category: 'detector-tamper',
      severity: 'critical',
      description: `${entry.what.replace("one of Blastwall's", 'a').replace("Blastwall's", 'the')} — ${own} is one of Blastwall's own resources`,
      destroysBackups: false,
      ownResource: own,
      targets: [],
    };
  }
  if (entry.when && !evaluate(entry.when, event)) return undefined;
  let severity: Severity | undefined;
  let category = entry.category;
  let destroysBackups = entry.destroysBackups ?? false;
  const clauses: string[] = [];
  for (const modifier of entry.modifiers ?? []) {
    if (!evaluate(modifier.when, event)) continue;
    severity = severity ? maxSeverity(severity, modifier.severity) : modifier.severity;
    if (modifier.text) clauses.push(modifier.text);
    if (modifier.destroysBackups) destroysBackups = true;
    if (modifier.category && clauses.length === 1) category = modifier.category;
  }
  const targets = entry.target
    ? entry.target.paths.flatMap((path) => stringsAt(event, path).map((name) => ({ type: entry.target!.type, name })))
    : [];
  return {
    entry,
    category,
    severity: severity ?? entry.severity,
    description: [entry.what, ...clauses].join(' '),
    destroysBackups,
    targets,
  };
}

/** The strongest catalogue hit for this call, or undefined when the call is not destructive. */
export function matchCatalogue(event: AuditEvent, ownPrefix: string): CatalogueMatch | undefined {
  let best: CatalogueMatch | undefined;
  for (const entry of candidates(event)) {
    const match = matchEntry(event, entry, ownPrefix);
    if (!match) continue;
    if (!best || severityOrder(match.severity) > severityOrder(best.severity)) best = match;
  }
  return best;
}

const ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
function severityOrder(s: Severity): number {
  return ORDER[s];
}

/** True when the catalogue looks at this call at all (a destructive/tamper entry or a creation entry): only then do its parameters matter. */
export function catalogueReads(event: AuditEvent): boolean {
  return candidates(event).length > 0 || creationByKey.has(`${event.action.eventSource}:${baseEventName(event.action.name)}`);
}

/** Resources this call creates (for the "deletes what it created" mitigation). */
export function createdResources(event: AuditEvent): { type: string; name: string }[] {
  if (event.action.errorCode) return [];
  const entry = creationByKey.get(`${event.action.eventSource}:${baseEventName(event.action.name)}`);
  if (!entry) return [];
  return entry.paths.flatMap((path) => stringsAt(event, path, 20).map((name) => ({ type: entry.type, name })));
}
