import { describe, expect, it } from 'vitest';
import { normaliseRecord, userAgentFamily } from '../../functions/core/normalise.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';

const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));

const base = {
  eventVersion: '1.08',
  eventID: 'e-1',
  eventTime: '2026-11-02T10:00:00Z',
  eventSource: 'rds.amazonaws.com',
  eventName: 'DeleteDBInstance',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1',
  recipientAccountId: '333333333333',
  readOnly: false,
  requestParameters: { dBInstanceIdentifier: 'orders', skipFinalSnapshot: true, deleteAutomatedBackups: true },
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: 'arn:aws:iam::333333333333:user/ci-deployer',
    accountId: '333333333333',
    accessKeyId: 'AKIAPRODCIKEY0000001',
    userName: 'ci-deployer',
  },
};

function ok(value: unknown) {
  const result = normaliseRecord(value, resolver);
  if (!result.ok) throw new Error(`expected to parse, got: ${result.reason}`);
  return result.event;
}

function rejected(value: unknown): string {
  const result = normaliseRecord(value, resolver);
  if (result.ok) throw new Error('expected a rejection');
  return result.reason;
}

describe('normaliseRecord', () => {
  it('normalises a long-term key call into the audit event of docs/architecture.md', () => {
    const event = ok(base);
    expect(event).toMatchObject({
      id: 'e-1',
      account: '333333333333',
      environment: 'production',
      region: 'eu-west-1',
      actor: { sourceIp: '198.51.100.7', userAgentFamily: 'aws-cli' },
      credential: { type: 'access-key', accessKeyId: 'AKIAPRODCIKEY0000001', principalName: 'ci-deployer', homeEnvironment: 'production' },
      action: { service: 'rds', name: 'DeleteDBInstance', readOnly: false },
    });
    expect(event.timeMs).toBe(Date.UTC(2026, 10, 2, 10));
    expect(event.requestParameters).toMatchObject({ skipFinalSnapshot: true });
  });

  it('unwraps EventBridge envelopes of the three CloudTrail detail-types', () => {
    for (const detailType of ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail', 'AWS Service Event via CloudTrail']) {
      expect(ok({ version: '0', id: 'x', 'detail-type': detailType, source: 'aws.rds', detail: base }).id).toBe('e-1');
    }
    expect(rejected({ 'detail-type': 'EC2 Instance State-change Notification', detail: base })).toMatch(/unsupported detail-type/);
  });

  it('derives every credential kind from userIdentity', () => {
    const roleSession = ok({
      ...base,
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::222222222222:assumed-role/agent/session-1',
        accountId: '222222222222',
        accessKeyId: 'ASIASTAGINGSESSION01',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::222222222222:role/agent', userName: 'agent', accountId: '222222222222' },
          attributes: { creationDate: '2026-11-02T09:59:00Z', mfaAuthenticated: 'false' },
        },
      },
    });
    expect(roleSession.credential).toMatchObject({
      type: 'role-session',
      issuerArn: 'arn:aws:iam::222222222222:role/agent',
      principalName: 'agent',
      sessionName: 'session-1',
      mfa: false,
      homeEnvironment: 'staging',
    });
    const sso = ok({ ...base, userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Admin_abc/jane', accountId: '333333333333', accessKeyId: 'ASIASSO', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc', userName: 'AWSReservedSSO_Admin_abc' } } } });
    expect(sso.credential.type).toBe('identity-center');
    expect(ok({ ...base, userIdentity: { type: 'Root', arn: 'arn:aws:iam::333333333333:root', accountId: '333333333333' } }).credential.type).toBe('root');
    expect(ok({ ...base, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/bob', accountId: '333333333333', accessKeyId: 'ASIAUSERSESSION', userName: 'bob' } }).credential.type).toBe('user-session');
    expect(ok({ ...base, userIdentity: { type: 'FederatedUser', arn: 'arn:aws:sts::333333333333:federated-user/bob', accountId: '333333333333', accessKeyId: 'ASIAFED', sessionContext: { sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/bob', userName: 'bob' } } } }).credential).toMatchObject({ type: 'user-session', issuerArn: 'arn:aws:iam::333333333333:user/bob' });
    expect(ok({ ...base, userIdentity: { type: 'WebIdentityUser', principalId: 'accounts.google.com:1', userName: '1' } }).credential.type).toBe('federated');
    expect(ok({ ...base, userIdentity: { type: 'AWSService', invokedBy: 'backup.amazonaws.com' } }).credential.type).toBe('aws-service');
    // Secrets Manager's StartSecretVersionDelete / EndSecretVersionDelete name no type, only the service acting.
    expect(ok({ ...base, userIdentity: { accountId: '333333333333', invokedBy: 'secretsmanager.amazonaws.com' } }).credential.type).toBe('aws-service');
    expect(ok({ ...base, userIdentity: { accountId: '333333333333' } }).credential.type).toBe('unknown');
    const slr = ok({ ...base, userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::333333333333:assumed-role/AWSServiceRoleForBackup/x', accountId: '333333333333', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::333333333333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup' } } } });
    expect(slr.credential.type).toBe('aws-service');
  });

  it('puts unlisted accounts in the unknown environment', () => {
    expect(ok({ ...base, recipientAccountId: '999999999999' }).environment).toBe('unknown');
  });

  it('rejects the bad inputs of the CLI contract with a reason naming the field', () => {
    expect(rejected({})).toMatch(/eventName is missing/);
    expect(rejected([])).toMatch(/expected a JSON object/);
    expect(rejected(null)).toMatch(/expected a JSON object/);
    expect(rejected('junk')).toMatch(/expected a JSON object/);
    expect(rejected({ ...base, userIdentity: null })).toMatch(/userIdentity must be an object, got null/);
    expect(rejected({ ...base, eventTime: 'yesterday at noon' })).toMatch(/eventTime .* not an ISO 8601 timestamp/);
    expect(rejected({ ...base, eventTime: '2026-13-45T99:00:00Z' })).toMatch(/eventTime/);
    expect(rejected({ ...base, eventName: 'A'.repeat(200 * 1024) })).toMatch(/eventName is 204800 characters long; at most 128/);
    expect(rejected({ ...base, eventName: 42 })).toMatch(/eventName must be a string, got a number/);
    expect(rejected({ ...base, eventSource: '<script>' })).toMatch(/eventSource/);
  });

  it('never lets __proto__ or constructor keys reach a prototype', () => {
    const hostile = JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ${JSON.stringify(base).slice(1)}`);
    hostile.userIdentity = JSON.parse(`{"__proto__": {"type": "Root"}, ${JSON.stringify(base.userIdentity).slice(1)}`);
    const event = ok(hostile);
    expect(event.credential.type).toBe('access-key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A record whose only userIdentity.type lives on __proto__ has no type of its own.
    const onlyProto = JSON.parse(`{"__proto__": {"type": "Root", "accessKeyId": "AKIAPROTO"}}`);
    expect(ok({ ...base, userIdentity: onlyProto }).credential).toMatchObject({ type: 'unknown' });
    expect(ok({ ...base, userIdentity: onlyProto }).credential.accessKeyId).toBeUndefined();
  });

  it('derives a stable id for sanitised records without eventID, and reads Panther-style times', () => {
    const { eventID: _drop, ...withoutId } = base;
    const a = ok({ ...withoutId, eventTime: '2022-01-01 19:42:55' });
    const b = ok({ ...withoutId, eventTime: '2022-01-01 19:42:55' });
    expect(a.id).toMatch(/^derived-[0-9a-f]{32}$/);
    expect(a.id).toBe(b.id);
    expect(a.timeMs).toBe(Date.UTC(2022, 0, 1, 19, 42, 55));
    expect(ok({ ...base, eventTime: '2025-01-01 16:52:14.000000000' }).timeMs).toBe(Date.UTC(2025, 0, 1, 16, 52, 14));
  });

  it('truncates an over-long user agent instead of rejecting the record', () => {
    const event = ok({ ...base, userAgent: `aws-cli/2 ${'x'.repeat(5000)}` });
    expect(event.actor.userAgent.length).toBeLessThanOrEqual(1025);
    expect(event.actor.userAgentFamily).toBe('aws-cli');
  });

  it('families user agents so a version bump is not a new actor', () => {
    expect(userAgentFamily('aws-cli/2.15.0 Python/3.11')).toBe(userAgentFamily('aws-cli/2.16.1 Python/3.12'));
    expect(userAgentFamily('APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0')).toBe('terraform');
    expect(userAgentFamily('Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux')).toBe('boto3');
    expect(userAgentFamily('console.amazonaws.com')).toBe('console');
  });
});
