/**
 * A deterministic generator of realistic CloudTrail management events for the
 * benchmark: thousands of credentials (long-term keys of IAM users, role
 * sessions that rotate hourly) used by thousands of actors (source IP + user
 * agent), in the accounts of the bench config, ordered by eventTime.
 *
 * Mix of what reaches `detect` (after the member rule's filter): ~90 % read-only,
 * ~9 % writes that change nothing dangerous, ~1 % destructive calls from the
 * catalogue. On top of that, a share of calls made by AWS services themselves
 * (`userIdentity.type = AWSService`, service-linked role sessions) which the
 * member rule drops at the source: the generator emits them so the saving can be
 * measured, and `humanOnly` leaves them out.
 *
 * Seeded PRNG: the same options give byte-identical records on every machine.
 */
import { parseConfig, type BlastwallConfig } from '../functions/core/config.ts';

export type Rng = () => number;

/** mulberry32: small, fast, good enough for workload generation. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Accounts of the bench organisation: 4 development, 4 staging, 4 production. */
export const BENCH_ACCOUNTS = {
  development: ['111111111111', '111111111112', '111111111113', '111111111114'],
  staging: ['222222222222', '222222222223', '222222222224', '222222222225'],
  production: ['333333333333', '333333333334', '333333333335', '333333333336'],
} as const;
type EnvName = keyof typeof BENCH_ACCOUNTS;
const ENVS: readonly EnvName[] = ['development', 'staging', 'production'];

export function benchConfig(): BlastwallConfig {
  return parseConfig(
    {
      environments: [
        { name: 'development', accounts: [...BENCH_ACCOUNTS.development], sensitivity: 'low', response: 'dry-run' },
        { name: 'staging', accounts: [...BENCH_ACCOUNTS.staging], sensitivity: 'low', response: 'enforce' },
        { name: 'production', accounts: [...BENCH_ACCOUNTS.production], sensitivity: 'high', response: 'enforce' },
      ],
      protectedPrincipals: ['arn:aws:iam::*:role/BreakGlass*'],
    },
    'bench config',
  );
}

/** Read-only calls, weighted roughly as they appear in real management-event streams. */
const READS: ReadonlyArray<[string, string, number]> = [
  ['sts.amazonaws.com', 'GetCallerIdentity', 6],
  ['ec2.amazonaws.com', 'DescribeInstances', 10],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', 4],
  ['ec2.amazonaws.com', 'DescribeVolumes', 3],
  ['s3.amazonaws.com', 'ListBuckets', 4],
  ['s3.amazonaws.com', 'GetBucketPolicy', 3],
  ['s3.amazonaws.com', 'GetBucketAcl', 3],
  ['iam.amazonaws.com', 'GetRole', 4],
  ['iam.amazonaws.com', 'ListRoles', 2],
  ['iam.amazonaws.com', 'ListAttachedRolePolicies', 2],
  ['rds.amazonaws.com', 'DescribeDBInstances', 4],
  ['lambda.amazonaws.com', 'ListFunctions20150331', 3],
  ['lambda.amazonaws.com', 'GetFunction20150331v2', 2],
  ['dynamodb.amazonaws.com', 'DescribeTable', 5],
  ['cloudformation.amazonaws.com', 'DescribeStacks', 5],
  ['logs.amazonaws.com', 'DescribeLogGroups', 4],
  ['kms.amazonaws.com', 'DescribeKey', 3],
  ['kms.amazonaws.com', 'Decrypt', 8],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', 5],
  ['ssm.amazonaws.com', 'GetParameters', 6],
  ['ecr.amazonaws.com', 'GetAuthorizationToken', 3],
  ['monitoring.amazonaws.com', 'GetMetricData', 4],
];

/** Writes that are routine (not in the destructive catalogue). */
const WRITES: ReadonlyArray<[string, string]> = [
  ['ec2.amazonaws.com', 'CreateTags'],
  ['ec2.amazonaws.com', 'RunInstances'],
  ['ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress'],
  ['s3.amazonaws.com', 'PutBucketTagging'],
  ['lambda.amazonaws.com', 'UpdateFunctionConfiguration20150331v2'],
  ['cloudformation.amazonaws.com', 'CreateChangeSet'],
  ['cloudformation.amazonaws.com', 'ExecuteChangeSet'],
  ['dynamodb.amazonaws.com', 'UpdateTable'],
  ['logs.amazonaws.com', 'CreateLogStream'],
  ['ssm.amazonaws.com', 'PutParameter'],
  ['sts.amazonaws.com', 'AssumeRole'],
  ['ecs.amazonaws.com', 'UpdateService'],
];

/** Destructive calls, with the parameters that make them so. */
const DESTRUCTIVE: ReadonlyArray<[string, string, (r: Rng, account: string, region: string) => Record<string, unknown>]> = [
  ['ec2.amazonaws.com', 'TerminateInstances', (r) => ({ instancesSet: { items: [{ instanceId: `i-${hex(r, 17)}` }] } })],
  ['ec2.amazonaws.com', 'DeleteVolume', (r) => ({ volumeId: `vol-${hex(r, 17)}` })],
  ['ec2.amazonaws.com', 'DeleteSnapshot', (r) => ({ snapshotId: `snap-${hex(r, 17)}` })],
  ['s3.amazonaws.com', 'DeleteBucket', (r) => ({ bucketName: `tmp-artifacts-${hex(r, 8)}`, Host: 's3.amazonaws.com' })],
  ['cloudformation.amazonaws.com', 'DeleteStack', (r, account, region) => ({ stackName: `arn:aws:cloudformation:${region}:${account}:stack/preview-${hex(r, 6)}/${uuid(r)}` })],
  ['dynamodb.amazonaws.com', 'DeleteTable', (r) => ({ tableName: `scratch-${hex(r, 6)}` })],
  ['rds.amazonaws.com', 'DeleteDBSnapshot', (r) => ({ dBSnapshotIdentifier: `manual-${hex(r, 8)}` })],
  ['kms.amazonaws.com', 'ScheduleKeyDeletion', () => ({ keyId: 'alias/scratch', pendingWindowInDays: 7 })],
];

const USER_AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  'aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0',
  'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0',
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.209 lang/js md/nodejs#20.11.1 api/dynamodb#3.540.0',
  'aws-sdk-java/2.25.16 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
];

const AWS_SERVICES = ['lambda.amazonaws.com', 'cloudformation.amazonaws.com', 'config.amazonaws.com', 'autoscaling.amazonaws.com', 'ecs-tasks.amazonaws.com', 'cloudtrail.amazonaws.com', 'elasticloadbalancing.amazonaws.com'];
const SERVICE_CALLS: ReadonlyArray<[string, string, boolean]> = [
  ['kms.amazonaws.com', 'Decrypt', true],
  ['kms.amazonaws.com', 'GenerateDataKey', true],
  ['sts.amazonaws.com', 'AssumeRole', false],
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['config.amazonaws.com', 'PutEvaluations', false],
  ['s3.amazonaws.com', 'GetBucketAcl', true],
];
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'us-west-2'];

function hex(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}
function upper(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[Math.floor(r() * 32)];
  return s;
}
function uuid(r: Rng): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

interface Principal {
  kind: 'user' | 'role';
  env: EnvName;
  account: string;
  name: string;
  /** AKIA key for users; for roles the current session key (rotated hourly). */
  key: string;
  sessionHour: number;
  sessionIssued: string;
  principalId: string;
  /** Indexes into the actor table: the few machines that use this principal. */
  actors: number[];
  /** Principals that write (CI, operators) vs read-mostly (dashboards, apps). */
  writer: boolean;
}

interface Actor {
  ip: string;
  ua: string;
}

export interface GenerateOptions {
  events: number;
  seed?: number;
  /** Share of all emitted events made by AWS services themselves (dropped by the member rule). Default 0.35. */
  awsServiceShare?: number;
  /** Leave out the AWS-service calls (what `detect` receives after the member rule). */
  humanOnly?: boolean;
  users?: number;
  roles?: number;
  actors?: number;
  /** Start of the stream; events are spaced over `spanHours`. */
  start?: Date;
  spanHours?: number;
}

export interface GeneratedStats {
  events: number;
  readOnly: number;
  writes: number;
  destructive: number;
  awsService: number;
  credentials: number;
  actors: number;
}

export interface Generated {
  records: Record<string, unknown>[];
  stats: GeneratedStats;
}

/**
 * Emits `events` CloudTrail records in eventTime order. Destructive calls come
 * mostly from writer principals in their home environment (CI cleaning up), so
 * the stream looks like a working organisation, not an attack.
 */
export function generate(options: GenerateOptions): Generated {
  const r = rng(options.seed ?? 7);
  const nUsers = options.users ?? 1500;
  const nRoles = options.roles ?? 400;
  const nActors = options.actors ?? 3000;
  const awsShare = options.humanOnly ? 0 : (options.awsServiceShare ?? 0.35);
  const start = (options.start ?? new Date('2026-03-02T00:00:00Z')).getTime();
  const spanMs = (options.spanHours ?? 72) * 3600_000;

  const actors: Actor[] = [];
  for (let i = 0; i < nActors; i++) {
    const ip = r() < 0.7 ? `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}` : `${3 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    actors.push({ ip, ua: pick(r, USER_AGENTS) });
  }
  const principals: Principal[] = [];
  for (let i = 0; i < nUsers + nRoles; i++) {
    const kind = i < nUsers ? 'user' : 'role';
    const env = pick(r, ENVS);
    const account = pick(r, BENCH_ACCOUNTS[env]);
    const name = kind === 'user' ? `svc-${env}-${i}` : `app-${env}-${i}`;
    const actorCount = 1 + Math.floor(r() * 3);
    const mine: number[] = [];
    for (let j = 0; j < actorCount; j++) mine.push(Math.floor(r() * nActors));
    principals.push({
      kind,
      env,
      account,
      name,
      key: kind === 'user' ? `AKIA${upper(r, 16)}` : `ASIA${upper(r, 16)}`,
      sessionHour: -1,
      sessionIssued: '',
      principalId: `${kind === 'user' ? 'AIDA' : 'AROA'}${upper(r, 17)}`,
      actors: mine,
      writer: r() < 0.2,
    });
  }

  const readWeights = READS.map(([, , w]) => w);
  const readTotal = readWeights.reduce((a, b) => a + b, 0);
  const pickRead = (): [string, string] => {
    let x = r() * readTotal;
    for (const [source, name, w] of READS) {
      x -= w;
      if (x <= 0) return [source, name];
    }
    return [READS[0]![0], READS[0]![1]];
  };

  const writers = principals.filter((p) => p.writer);
  const stats: GeneratedStats = { events: 0, readOnly: 0, writes: 0, destructive: 0, awsService: 0, credentials: 0, actors: 0 };
  const records: Record<string, unknown>[] = [];
  const credentialsSeen = new Set<string>();
  const actorsSeen = new Set<number>();
  const step = spanMs / options.events;

  for (let i = 0; i < options.events; i++) {
    const timeMs = start + Math.floor(i * step + r() * step);
    const time = new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const region = r() < 0.6 ? 'us-east-1' : pick(r, REGIONS);
    const id = uuid(r);
    if (r() < awsShare) {
      records.push(serviceEvent(r, time, region, id));
      stats.awsService++;
      stats.events++;
      continue;
    }
    const roll = r();
    const destructive = roll < 0.01;
    const write = !destructive && roll < 0.1;
    const p = destructive || write ? pick(r, writers) : pick(r, principals);
    const actorIndex = pick(r, p.actors);
    const actor = actors[actorIndex]!;
    if (p.kind === 'role') {
      const hour = Math.floor(timeMs / 3600_000);
      if (hour !== p.sessionHour) {
        p.sessionHour = hour;
        p.key = `ASIA${upper(r, 16)}`;
        p.sessionIssued = new Date(hour * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      }
    }
    credentialsSeen.add(p.key);
    actorsSeen.add(actorIndex);
    let source: string;
    let name: string;
    let params: Record<string, unknown> | null;
    if (destructive) {
      const [s, n, make] = pick(r, DESTRUCTIVE);
      source = s;
      name = n;
      params = make(r, p.account, region);
      stats.destructive++;
    } else if (write) {
      [source, name] = pick(r, WRITES);
      params = { resourcesSet: { items: [{ resourceId: `i-${hex(r, 17)}` }] }, tagSet: { items: [{ key: 'team', value: 'platform' }] } };
      stats.writes++;
    } else {
      [source, name] = pickRead();
      params = name.startsWith('List') || name === 'GetCallerIdentity' ? null : { filterSet: {}, maxResults: 100 };
      stats.readOnly++;
    }
    stats.events++;
    records.push(humanEvent(p, actor, time, region, id, source, name, !destructive && !write, params, r));
  }
  stats.credentials = credentialsSeen.size;
  stats.actors = actorsSeen.size;
  return { records, stats };
}

function humanEvent(p: Principal, actor: Actor, time: string, region: string, id: string, source: string, name: string, readOnly: boolean, params: Record<string, unknown> | null, r: Rng): Record<string, unknown> {
  const userIdentity =
    p.kind === 'user'
      ? { type: 'IAMUser', principalId: p.principalId, arn: `arn:aws:iam::${p.account}:user/${p.name}`, accountId: p.account, accessKeyId: p.key, userName: p.name }
      : {
          type: 'AssumedRole',
          principalId: `${p.principalId}:session-${p.sessionHour}`,
          arn: `arn:aws:sts::${p.account}:assumed-role/${p.name}/session-${p.sessionHour}`,
          accountId: p.account,
          accessKeyId: p.key,
          sessionContext: {
            sessionIssuer: { type: 'Role', principalId: p.principalId, arn: `arn:aws:iam::${p.account}:role/${p.name}`, accountId: p.account, userName: p.name },
            webIdFederationData: {},
            attributes: { creationDate: p.sessionIssued, mfaAuthenticated: 'false' },
          },
        };
  return {
    eventVersion: '1.09',
    userIdentity,
    eventTime: time,
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: actor.ip,
    userAgent: actor.ua,
    requestParameters: params,
    responseElements: readOnly ? null : { requestId: uuid(r), _return: true },
    requestID: uuid(r),
    eventID: id,
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: p.account,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${source.split('.')[0]}.${region}.amazonaws.com` },
  };
}

function serviceEvent(r: Rng, time: string, region: string, id: string): Record<string, unknown> {
  const env = pick(r, ENVS);
  const account = pick(r, BENCH_ACCOUNTS[env]);
  const service = pick(r, AWS_SERVICES);
  const [source, name, readOnly] = pick(r, SERVICE_CALLS);
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'AWSService', invokedBy: service },
    eventTime: time,
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: service,
    userAgent: service,
    requestParameters: { encryptionContext: { 'aws:lambda:FunctionArn': `arn:aws:lambda:${region}:${account}:function:app-${hex(r, 6)}` }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    responseElements: null,
    requestID: uuid(r),
    eventID: id,
    readOnly,
    resources: [{ accountId: account, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${region}:${account}:key/${uuid(r)}` }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    sharedEventID: uuid(r),
    eventCategory: 'Management',
  };
}

/**
 * The member rule's "made by an AWS service" test, as a predicate over a raw
 * record. Kept in step with the member stack's event pattern.
 */
export function isAwsServiceRecord(record: Record<string, unknown>): boolean {
  const identity = record.userIdentity as Record<string, unknown> | undefined;
  return identity?.type === 'AWSService';
}

/** The EventBridge envelope a CloudTrail record arrives in (`AWS API Call via CloudTrail`). */
export function envelope(record: Record<string, unknown>): Record<string, unknown> {
  const source = String(record.eventSource ?? 'aws.unknown').split('.')[0];
  return {
    version: '0',
    id: `env-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${source}`,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
