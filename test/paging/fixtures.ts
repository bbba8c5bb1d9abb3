/** The design story's finding: a production CI key used from the agent's machine, deleting the database. */
import type { Finding, ResponseAction } from '../../functions/core/finding.ts';
import { parseConfig, EXAMPLE_CONFIG, type BlastwallConfig } from '../../functions/core/config.ts';

export const KEY = 'AKIAPRODCIKEY0000001';
export const STAGING_KEY = 'ASIASTAGINGSESSION01';

export function revokeAction(status: ResponseAction['status'] = 'planned', extra: Partial<ResponseAction> = {}): ResponseAction {
  return {
    action: 'iam:UpdateAccessKey',
    target: KEY,
    account: '333333333333',
    mode: 'enforce',
    status,
    apiCall: { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'ci-deployer', AccessKeyId: KEY, Status: 'Inactive' } },
    undo: `aws iam update-access-key --user-name ci-deployer --access-key-id ${KEY} --status Active`,
    ...(status !== 'planned' ? { at: '2026-11-25T10:00:11.000Z' } : {}),
    ...extra,
  };
}

export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'f-3f2a9c1e7b',
    eventId: 'evt-delete-db-0001',
    time: '2026-11-25T10:00:09Z',
    eventName: 'DeleteDBInstance',
    eventSource: 'rds.amazonaws.com',
    account: '333333333333',
    region: 'eu-west-1',
    environment: 'production',
    severity: 'critical',
    summary: 'The production key AKIAPRODCIKEY0000001 of ci-deployer, until now only used by CI, deleted database prod-db with skipFinalSnapshot from the machine that used a staging session seconds before.',
    credential: {
      type: 'access-key',
      accessKeyId: KEY,
      arn: 'arn:aws:iam::333333333333:user/ci-deployer',
      accountId: '333333333333',
      principalName: 'ci-deployer',
      homeEnvironment: 'production',
    },
    actor: { sourceIp: '203.0.113.7', userAgent: 'aws-cli/2.15.0 Python/3.11', userAgentFamily: 'aws-cli' },
    reasons: [
      { signal: 'credential-hop', text: 'Same machine used staging session ASIASTAGINGSESSION01 9 s earlier, then this production key.', severity: 'critical' },
      { signal: 'destructive-call', text: 'DeleteDBInstance with skipFinalSnapshot=true and deleteAutomatedBackups=true.', severity: 'critical' },
      { signal: 'new-source', text: 'First use of this key outside CI addresses <10.0.0.0/8>.', severity: 'high' },
    ],
    categories: ['data-destruction', 'backup-destruction'],
    environmentsCrossed: ['staging', 'production'],
    lineage: [],
    recentEvents: [
      { eventId: 'e1', time: '2026-11-25T10:00:00Z', eventName: 'DescribeDBInstances', eventSource: 'rds.amazonaws.com', account: '222222222222', environment: 'staging', sourceIp: '203.0.113.7', userAgentFamily: 'aws-cli', accessKeyId: STAGING_KEY, errorCode: 'AccessDenied' },
      { eventId: 'e2', time: '2026-11-25T10:00:05Z', eventName: 'GetCallerIdentity', eventSource: 'sts.amazonaws.com', account: '333333333333', environment: 'production', sourceIp: '203.0.113.7', userAgentFamily: 'aws-cli', accessKeyId: KEY },
      { eventId: 'e3', time: '2026-11-25T10:00:07Z', eventName: 'DescribeDBInstances', eventSource: 'rds.amazonaws.com', account: '333333333333', environment: 'production', sourceIp: '203.0.113.7', userAgentFamily: 'aws-cli', accessKeyId: KEY },
      { eventId: 'evt-delete-db-0001', time: '2026-11-25T10:00:09Z', eventName: 'DeleteDBInstance', eventSource: 'rds.amazonaws.com', account: '333333333333', environment: 'production', sourceIp: '203.0.113.7', userAgentFamily: 'aws-cli', accessKeyId: KEY },
    ],
    mode: 'enforce',
    response: [revokeAction('planned')],
    ...overrides,
  };
}

export const APPROVER = 'U0APPROVER1';

export function testConfig(paging: Partial<BlastwallConfig['paging']> = {}): BlastwallConfig {
  const base = parseConfig({ ...EXAMPLE_CONFIG, paging: { approvers: [APPROVER], slackChannel: 'C0ONCALL01' } });
  return { ...base, paging: { ...base.paging, ...paging } };
}

export const ROUTING_KEY = 'R0UTINGKEY0000000000000000000000';
