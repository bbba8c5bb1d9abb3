/** Findings and config for the response tests. */
import type { Credential } from '../../functions/core/audit-event.ts';
import { EXAMPLE_CONFIG, parseConfig, type BlastwallConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';

export const PROD = '333333333333';
export const STAGING = '222222222222';
export const DEV = '111111111111';

export const PROD_KEY = 'AKIAPRODCIDEPLOYER01';
export const PROD_OTHER_KEY = 'AKIAPRODCIDEPLOYER02';
export const STAGING_KEY = 'AKIASTAGINGDEVUSER01';

/** The approver the response tests restore as (respond refuses every restore when paging.approvers is empty). */
export const APPROVER_ID = 'U0ONCALL1';

export function testConfig(overrides: Record<string, unknown> = {}): BlastwallConfig {
  return parseConfig({ ...EXAMPLE_CONFIG, paging: { approvers: [APPROVER_ID] }, ...overrides });
}

export function prodKeyCredential(): Credential {
  return {
    type: 'access-key',
    accessKeyId: PROD_KEY,
    arn: `arn:aws:iam::${PROD}:user/ci-deployer`,
    accountId: PROD,
    principalName: 'ci-deployer',
    homeEnvironment: 'production',
  };
}

export function stagingKeyCredential(): Credential {
  return {
    type: 'access-key',
    accessKeyId: STAGING_KEY,
    arn: `arn:aws:iam::${STAGING}:user/stg-dev`,
    accountId: STAGING,
    principalName: 'stg-dev',
    homeEnvironment: 'staging',
  };
}

export function prodRoleSession(): Credential {
  return {
    type: 'role-session',
    accessKeyId: 'ASIAPRODROLESESSION1',
    arn: `arn:aws:sts::${PROD}:assumed-role/ProdDeploy/agent-session`,
    issuerArn: `arn:aws:iam::${PROD}:role/ProdDeploy`,
    issuerType: 'Role',
    accountId: PROD,
    principalName: 'ProdDeploy',
    sessionName: 'agent-session',
    homeEnvironment: 'production',
  };
}

let counter = 0;

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  counter++;
  const credential = overrides.credential ?? prodKeyCredential();
  return {
    id: `finding-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    eventId: `evt-${counter}`,
    time: '2026-11-25T10:00:00Z',
    eventName: 'DeleteDBInstance',
    eventSource: 'rds.amazonaws.com',
    account: PROD,
    region: 'eu-west-1',
    environment: 'production',
    severity: 'critical',
    summary: 'A production key never used from this machine deleted a database.',
    credential,
    actor: { sourceIp: '203.0.113.7', userAgent: 'aws-cli/2.15.0', userAgentFamily: 'aws-cli' },
    reasons: [{ signal: 'destructive-call', text: 'DeleteDBInstance without a final snapshot', severity: 'critical' }],
    categories: ['data-destruction'],
    environmentsCrossed: ['staging', 'production'],
    lineage: [],
    recentEvents: [],
    mode: 'enforce',
    response: [],
    ...overrides,
  };
}

export const NOW = new Date('2026-11-25T10:00:05.250Z');
/** The cut-off Blastwall writes for NOW: rounded up to the second. */
export const NOW_CUTOFF = '2026-11-25T10:00:06Z';
