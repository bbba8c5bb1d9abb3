/**
 * Stolen sessions (issue 10 item 4): a role session (ASIA…) lives on one
 * machine. The same session key from a second network *and* tool family is
 * theft — strongest when it was minted for an AWS service and is now used by a
 * person's tool from outside AWS. AWS services acting for the session are not a
 * second source. Real-shaped records; production is high-sensitivity.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../functions/core/finding.ts';
import { orderByEventTime } from '../../functions/core/detection/detector.ts';
import { detectorWith, normalise, run } from './support.ts';

const PROD = '333333333333';
const STAGING = '222222222222';
let seq = 0;

interface Use {
  at: string;
  key: string;
  role: string;
  session: string;
  ip: string;
  ua: string;
  name: string;
  source?: string;
  account?: string;
  invokedBy?: string;
  params?: Record<string, unknown>;
}

function use(u: Use): Record<string, unknown> {
  const account = u.account ?? PROD;
  const identity: Record<string, unknown> = {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${u.session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${u.role}/${u.session}`,
    accountId: account,
    accessKeyId: u.key,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${account}:role/${u.role}`, accountId: account, userName: u.role },
      attributes: { creationDate: '2026-11-02T08:00:00Z', mfaAuthenticated: 'false' },
    },
  };
  if (u.invokedBy) identity['invokedBy'] = u.invokedBy;
  return {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: u.at,
    eventSource: u.source ?? 's3.amazonaws.com',
    eventName: u.name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: u.ip,
    userAgent: u.ua,
    requestParameters: u.params ?? null,
    responseElements: null,
    requestID: `req-${++seq}`,
    eventID: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    readOnly: u.name.startsWith('List') || u.name.startsWith('Get') || u.name.startsWith('Describe') || u.name.startsWith('BatchGet'),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

async function findings(records: Record<string, unknown>[]): Promise<Finding[]> {
  const runs = await run(detectorWith(), orderByEventTime(records.map((r) => normalise(r))));
  return runs.flatMap((r) => (r.outcome.finding && !r.outcome.duplicate ? [r.outcome.finding] : []));
}

const stolen = (fs: Finding[]) => fs.filter((f) => f.reasons.some((r) => r.signal === 'stolen-session'));

const LAMBDA_UA = 'awslambda-worker/1.0 rusoto/0.48.0 rust/1.80.1 linux';
const LAPTOP_CLI = 'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3.ls';

describe('stolen sessions', () => {
  it('a Lambda role session used by awslambda-worker, then by aws-cli on a laptop: critical, revocable, the reason says why', async () => {
    const base = { key: 'ASIAQLAMBDAEXAMPLE01', role: 'orders-fn-role', session: 'orders-fn' };
    const fs = await findings([
      use({ ...base, at: '2026-11-02T08:00:01Z', ip: '3.120.181.40', ua: LAMBDA_UA, name: 'CreateLogStream', source: 'logs.amazonaws.com' }),
      use({ ...base, at: '2026-11-02T08:00:02Z', ip: '3.120.181.40', ua: LAMBDA_UA, name: 'PutLogEvents', source: 'logs.amazonaws.com' }),
      use({ ...base, at: '2026-11-02T09:12:40Z', ip: '203.0.113.77', ua: LAPTOP_CLI, name: 'ListBuckets' }),
      use({ ...base, at: '2026-11-02T09:13:05Z', ip: '203.0.113.77', ua: LAPTOP_CLI, name: 'GetAuthorizationToken', source: 'ecr.amazonaws.com' }),
    ]);
    const theft = stolen(fs);
    expect(theft.map((f) => f.eventName)).toEqual(['ListBuckets', 'GetAuthorizationToken']);
    expect(theft[0]!.severity).toBe('critical');
    const reason = theft[0]!.reasons.find((r) => r.signal === 'stolen-session')!.text;
    expect(reason).toMatch(/minted for lambda\.amazonaws\.com/);
    expect(reason).toMatch(/203\.0\.113\.77 \(aws-cli\)/);
    expect(theft[0]!.credential).toMatchObject({ type: 'role-session', accessKeyId: 'ASIAQLAMBDAEXAMPLE01' });
  });

  it('an ECS task-role session used from a laptop: stolen (high or above), with a destructive call: critical', async () => {
    const base = { key: 'ASIAQECSTASKEXAMPL01', role: 'billing-task-role', session: '5f1e0c7d2a9b4c3e8d7f6a5b4c3d2e1f' };
    const ecsUa = 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 exec-env/AWS_ECS_FARGATE api/dynamodb#1.34.4';
    const fs = await findings([
      use({ ...base, at: '2026-11-02T10:00:00Z', ip: '18.197.40.11', ua: ecsUa, name: 'GetItem', source: 'dynamodb.amazonaws.com' }),
      use({ ...base, at: '2026-11-02T10:20:00Z', ip: '198.51.100.23', ua: 'Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.13.0', name: 'ListTables', source: 'dynamodb.amazonaws.com' }),
      use({ ...base, at: '2026-11-02T10:21:00Z', ip: '198.51.100.23', ua: 'Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.13.0', name: 'DeleteTable', source: 'dynamodb.amazonaws.com', params: { tableName: 'invoices' } }),
    ]);
    const theft = stolen(fs);
    expect(theft.map((f) => f.eventName)).toEqual(['ListTables', 'DeleteTable']);
    expect(['high', 'critical']).toContain(theft[0]!.severity);
    expect(theft[1]!.severity).toBe('critical');
  });

  it('an EC2 instance-profile session used from outside: stolen', async () => {
    const base = { key: 'ASIAQEC2PROFILEEXA01', role: 'web-instance-role', session: 'i-0a1b2c3d4e5f60718' };
    const fs = await findings([
      use({ ...base, at: '2026-11-02T11:00:00Z', ip: '52.28.10.200', ua: 'aws-sdk-java/1.12.700 Linux/6.1 OpenJDK_64-Bit_Server_VM/17 java/17 vendor/Amazon.com_Inc.', name: 'GetObject', params: { bucketName: 'web-assets' } }),
      use({ ...base, at: '2026-11-02T11:40:00Z', ip: '192.0.2.200', ua: 'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6', name: 'ListBuckets' }),
    ]);
    expect(stolen(fs).map((f) => [f.eventName, f.severity])).toEqual([['ListBuckets', 'critical']]);
  });

  it('a session first seen without its minting event counts from its first use; in a low-sensitivity environment theft is medium', async () => {
    const base = { key: 'ASIAQSTAGINGEXAMPL01', role: 'staging-ci', session: 'ci-run-881', account: STAGING };
    const fs = await findings([
      use({ ...base, at: '2026-11-02T12:00:00Z', ip: '34.250.1.10', ua: 'Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.70.0', name: 'ListBuckets' }),
      use({ ...base, at: '2026-11-02T12:30:00Z', ip: '203.0.113.9', ua: LAPTOP_CLI, name: 'ListBuckets' }),
    ]);
    expect(stolen(fs).map((f) => [f.eventName, f.severity])).toEqual([['ListBuckets', 'medium']]);
  });

  it('stays quiet for the same session from two AWS-internal services, and for an engineer on one laptop all day (new IP on the same tool, new tool on the same network)', async () => {
    const svc = { key: 'ASIAQSERVICEEXAMP01', role: 'etl-role', session: 'etl' };
    const eng = { key: 'ASIAQENGINEEREXAM01', role: 'developer', session: 'alice@example.com' };
    const fs = await findings([
      use({ ...svc, at: '2026-11-02T08:00:00Z', ip: 'athena.amazonaws.com', ua: 'athena.amazonaws.com', name: 'GetObject', invokedBy: 'athena.amazonaws.com', params: { bucketName: 'lake' } }),
      use({ ...svc, at: '2026-11-02T08:05:00Z', ip: 'AWS Internal', ua: 'AWS Internal', name: 'GetObject', params: { bucketName: 'lake' } }),
      use({ ...svc, at: '2026-11-02T08:06:00Z', ip: 'glue.amazonaws.com', ua: 'glue.amazonaws.com', name: 'ListObjects', invokedBy: 'glue.amazonaws.com', params: { bucketName: 'lake' } }),
      ...Array.from({ length: 8 }, (_, i) =>
        use({ ...eng, at: `2026-11-02T${String(9 + i).padStart(2, '0')}:00:00Z`, ip: '198.51.100.7', ua: LAPTOP_CLI, name: 'ListBuckets' }),
      ),
      use({ ...eng, at: '2026-11-02T17:30:00Z', ip: '198.51.100.200', ua: LAPTOP_CLI, name: 'ListBuckets' }),
      use({ ...eng, at: '2026-11-02T17:45:00Z', ip: '198.51.100.7', ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15', name: 'ListBuckets' }),
    ]);
    expect(stolen(fs)).toEqual([]);
  });
});
