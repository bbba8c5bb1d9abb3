/**
 * The creation table, beside the catalogue: which calls create a resource, and
 * how each service names that resource on both sides. A team's own teardown
 * (Terraform, CDK) deletes what the same principal created minutes earlier; to
 * see that, a delete must find its create although the two calls name the
 * resource differently:
 *
 *   - the create names it in `responseElements` (an ARN), the delete in
 *     `requestParameters` (a name or id) — or the other way round;
 *   - Secrets Manager appends a random six-character suffix to the secret's ARN
 *     (`…:secret:db-password-AbCdEf`), and accepts the name, the full ARN or the
 *     partial ARN (without the suffix) on delete;
 *   - log group ARNs end in `:*`; IAM ARNs carry a path; Lambda ARNs a qualifier.
 *
 * So each resource is keyed by its canonical name(s) per type ({@link resourceKeys}),
 * computed the same way for both calls. Sources: each service's API reference
 * (request and response syntax of the create and delete calls).
 *
 * Pure module: no I/O.
 */
import type { AuditEvent } from '../../audit-event.ts';
import { type Condition, evaluate, stringsAt } from '../conditions.ts';
import { re, rp } from './types.ts';

export interface CreationEntry {
  eventSource: string;
  eventNames: readonly string[];
  /** Resource type shared with the catalogue's targets: `rds:db`, `secretsmanager:secret` … */
  type: string;
  /** Where the create call names the resource (request name, response ARN or id): every form is recorded. */
  paths: readonly string[];
  /** Only a creation when this holds (`CreateChangeSet` creates a stack only with `changeSetType` CREATE). */
  when?: Condition;
}

/** How a type's names read inside an ARN, so a name, an id and an ARN compare equal. */
interface Naming {
  /** ARN resource prefixes before the name (`secret:`, `log-group:`, `role/` …). */
  prefixes: readonly string[];
  /** The name may contain `/` (log groups): keep it whole instead of its last segment. */
  slashes?: boolean;
  /** The name is the first segment after the prefix (CloudFormation `stack/NAME/uuid`). */
  firstSegment?: boolean;
  /** The ARN carries a random six-character suffix (Secrets Manager): an ARN also names the resource without it. */
  randomSuffix?: boolean;
  /** Names are case-insensitive and stored in lower case (RDS identifiers): compare them in lower case. */
  lowerCase?: boolean;
  /** A partial ARN without `arn:partition:service:region:` (`123456789012:function:NAME`, Lambda) names the resource too. */
  accountPrefixed?: boolean;
}

const NAMING: Record<string, Naming> = {
  'rds:db': { prefixes: ['db:'], lowerCase: true },
  'rds:cluster': { prefixes: ['cluster:'], lowerCase: true },
  'rds:snapshot': { prefixes: ['snapshot:', 'cluster-snapshot:'], lowerCase: true },
  'ec2:instance': { prefixes: ['instance/'] },
  'ec2:volume': { prefixes: ['volume/'] },
  'ec2:snapshot': { prefixes: ['snapshot/'] },
  'ec2:flow-log': { prefixes: ['vpc-flow-log/'] },
  's3:bucket': { prefixes: [], lowerCase: true },
  'dynamodb:table': { prefixes: ['table/'], firstSegment: true },
  'cloudformation:stack': { prefixes: ['stack/'], firstSegment: true },
  'efs:file-system': { prefixes: ['file-system/'] },
  'lambda:function': { prefixes: ['function:'], accountPrefixed: true },
  // Secret names are paths by convention (`prod/orders/db-password`): the whole name is the name.
  'secretsmanager:secret': { prefixes: ['secret:'], randomSuffix: true, slashes: true },
  'logs:log-group': { prefixes: ['log-group:'], slashes: true },
  'cloudtrail:trail': { prefixes: ['trail/'] },
  'kms:key': { prefixes: ['key/'] },
  'iam:role': { prefixes: ['role/'] },
  'iam:user': { prefixes: ['user/'] },
  'iam:policy': { prefixes: ['policy/'] },
  'ecr:repository': { prefixes: ['repository/'], slashes: true },
  'redshift:cluster': { prefixes: ['cluster:'] },
  'elasticache:replication-group': { prefixes: ['replicationgroup:'] },
  'backup:vault': { prefixes: ['backup-vault:'] },
  'backup:plan': { prefixes: ['backup-plan:'] },
  'sns:topic': { prefixes: [] },
  'sqs:queue': { prefixes: [] },
  'events:rule': { prefixes: ['rule/'], slashes: true },
  'config:rule': { prefixes: ['config-rule/'] },
  'guardduty:detector': { prefixes: ['detector/'] },
  'route53resolver:query-log-config': { prefixes: ['resolver-query-log-config/'] },
};

const SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The canonical names a value stands for, for a resource type: `db-pass`,
 * `arn:aws:secretsmanager:…:secret:db-pass-AbCdEf` and the partial ARN
 * `arn:aws:secretsmanager:…:secret:db-pass` all give `db-pass` (the full ARN
 * also its suffixed form, since an ARN alone cannot say whether its last
 * `-XXXXXX` is the random suffix or part of the name). A plain name is exactly
 * the name: `orders-master` never also stands for `orders`, or creating the one
 * would excuse deleting the other. Bounded and pure.
 */
export function resourceKeys(type: string, value: string): string[] {
  let v = value.trim();
  if (v.length === 0 || v.length > 2048) return [];
  const naming = NAMING[type];
  let isArn = v.startsWith('arn:');
  if (isArn) v = v.split(':').slice(5).join(':');
  else if (naming?.accountPrefixed && /^[0-9]{12}:/.test(v)) {
    // Lambda's partial ARN: `123456789012:function:NAME[:QUALIFIER]`.
    v = v.slice(13);
    isArn = true;
  }
  if (naming) {
    for (const prefix of naming.prefixes) {
      if (v.startsWith(prefix)) {
        v = v.slice(prefix.length);
        break;
      }
    }
    if (naming.slashes) v = v.replace(/:\*$/, '');
    else if (naming.firstSegment) v = v.split('/')[0] ?? v;
    else {
      v = v.slice(v.lastIndexOf('/') + 1);
      // Lambda qualifiers (`name:3`, `name:live`) and other `:`-suffixes name the same resource.
      if (isArn || type === 'lambda:function') v = v.split(':')[0] ?? v;
    }
    if (naming.lowerCase) v = v.toLowerCase();
  } else if (isArn) v = v.slice(Math.max(v.lastIndexOf('/'), v.lastIndexOf(':')) + 1);
  if (v.length === 0) return [];
  if (naming?.randomSuffix && isArn && SUFFIX.test(v)) return [v.slice(0, -7), v];
  return [v];
}

export const CREATION_CATALOGUE: readonly CreationEntry[] = [
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'CreateDBInstanceReadReplica', 'RestoreDBInstanceToPointInTime'], type: 'rds:db', paths: [rp('dBInstanceIdentifier'), rp('targetDBInstanceIdentifier'), re('dBInstanceArn')] },
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBCluster', 'RestoreDBClusterFromSnapshot', 'RestoreDBClusterToPointInTime'], type: 'rds:cluster', paths: [rp('dBClusterIdentifier'), re('dBClusterArn')] },
  { eventSource: 'rds.amazonaws.com', eventNames: ['CreateDBSnapshot', 'CreateDBClusterSnapshot'], type: 'rds:snapshot', paths: [rp('dBSnapshotIdentifier'), rp('dBClusterSnapshotIdentifier')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['RunInstances'], type: 'ec2:instance', paths: [re('instancesSet.items.instanceId')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['CreateVolume'], type: 'ec2:volume', paths: [re('volumeId')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['CreateSnapshot'], type: 'ec2:snapshot', paths: [re('snapshotId')] },
  { eventSource: 'ec2.amazonaws.com', eventNames: ['CreateFlowLogs'], type: 'ec2:flow-log', paths: [re('CreateFlowLogsResponse.flowLogIdSet.item'), re('flowLogIdSet.item')] },
  { eventSource: 's3.amazonaws.com', eventNames: ['CreateBucket'], type: 's3:bucket', paths: [rp('bucketName')] },
  { eventSource: 'dynamodb.amazonaws.com', eventNames: ['CreateTable'], type: 'dynamodb:table', paths: [rp('tableName'), re('tableDescription.tableArn')] },
  { eventSource: 'cloudformation.amazonaws.com', eventNames: ['CreateStack'], type: 'cloudformation:stack', paths: [rp('stackName'), re('stackId')] },
  // `cdk deploy` and `sam deploy` create a stack through a change set of type CREATE (an UPDATE change set creates nothing).
  { eventSource: 'cloudformation.amazonaws.com', eventNames: ['CreateChangeSet'], type: 'cloudformation:stack', paths: [rp('stackName'), re('stackId')], when: { param: rp('changeSetType'), equals: 'CREATE' } },
  { eventSource: 'elasticfilesystem.amazonaws.com', eventNames: ['CreateFileSystem'], type: 'efs:file-system', paths: [re('fileSystemId'), re('fileSystemArn')] },
  { eventSource: 'lambda.amazonaws.com', eventNames: ['CreateFunction'], type: 'lambda:function', paths: [rp('functionName'), re('functionArn')] },
  { eventSource: 'secretsmanager.amazonaws.com', eventNames: ['CreateSecret', 'ReplicateSecretToRegions'], type: 'secretsmanager:secret', paths: [rp('name'), re('arn')] },
  { eventSource: 'logs.amazonaws.com', eventNames: ['CreateLogGroup'], type: 'logs:log-group', paths: [rp('logGroupName')] },
  { eventSource: 'cloudtrail.amazonaws.com', eventNames: ['CreateTrail'], type: 'cloudtrail:trail', paths: [rp('name'), re('trailARN'), re('name')] },
  { eventSource: 'kms.amazonaws.com', eventNames: ['CreateKey'], type: 'kms:key', paths: [re('keyMetadata.keyId'), re('keyMetadata.arn')] },
  { eventSource: 'iam.amazonaws.com', eventNames: ['CreateRole'], type: 'iam:role', paths: [rp('roleName'), re('role.arn')] },
  { eventSource: 'iam.amazonaws.com', eventNames: ['CreateUser'], type: 'iam:user', paths: [rp('userName'), re('user.arn')] },
  { eventSource: 'iam.amazonaws.com', eventNames: ['CreatePolicy'], type: 'iam:policy', paths: [rp('policyName'), re('policy.arn')] },
  { eventSource: 'ecr.amazonaws.com', eventNames: ['CreateRepository'], type: 'ecr:repository', paths: [rp('repositoryName'), re('repository.repositoryArn')] },
  { eventSource: 'redshift.amazonaws.com', eventNames: ['CreateCluster'], type: 'redshift:cluster', paths: [rp('clusterIdentifier')] },
  { eventSource: 'elasticache.amazonaws.com', eventNames: ['CreateReplicationGroup'], type: 'elasticache:replication-group', paths: [rp('replicationGroupId')] },
  { eventSource: 'backup.amazonaws.com', eventNames: ['CreateBackupVault'], type: 'backup:vault', paths: [rp('backupVaultName'), re('backupVaultArn')] },
  { eventSource: 'backup.amazonaws.com', eventNames: ['CreateBackupPlan'], type: 'backup:plan', paths: [re('backupPlanId'), re('backupPlanArn')] },
  { eventSource: 'events.amazonaws.com', eventNames: ['PutRule'], type: 'events:rule', paths: [rp('name'), re('ruleArn')] },
  { eventSource: 'config.amazonaws.com', eventNames: ['PutConfigRule'], type: 'config:rule', paths: [rp('configRule.configRuleName')] },
  { eventSource: 'guardduty.amazonaws.com', eventNames: ['CreateDetector'], type: 'guardduty:detector', paths: [re('detectorId')] },
  { eventSource: 'route53resolver.amazonaws.com', eventNames: ['CreateResolverQueryLogConfig'], type: 'route53resolver:query-log-config', paths: [re('resolverQueryLogConfig.id')] },
];

const creationByKey = new Map<string, CreationEntry>();
for (const entry of CREATION_CATALOGUE) for (const name of entry.eventNames) creationByKey.set(`${entry.eventSource}:${name}`, entry);

/** The creation entry for a call (`eventSource:baseEventName`), if it creates something. */
export function creationFor(key: string): CreationEntry | undefined {
  return creationByKey.get(key);
}

/** At most this many names per created resource are kept (each form of each name). */
const MAX_CREATED_KEYS = 20;

/** Resources a successful create call names, each under every canonical key it can be deleted by. */
export function createdResources(event: AuditEvent, key: string): { type: string; name: string }[] {
  if (event.action.errorCode) return [];
  const entry = creationByKey.get(key);
  if (!entry || (entry.when && !evaluate(entry.when, event))) return [];
  const out: { type: string; name: string }[] = [];
  const seen = new Set<string>();
  for (const path of entry.paths) {
    for (const value of stringsAt(event, path, MAX_CREATED_KEYS)) {
      for (const name of resourceKeys(entry.type, value)) {
        if (seen.has(name) || out.length >= MAX_CREATED_KEYS) continue;
        seen.add(name);
        out.push({ type: entry.type, name });
      }
    }
  }
  return out;
}
