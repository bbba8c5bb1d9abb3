/** Catalogue predicates, single signals and the scoring table, on hand-made records. */
import { describe, expect, it } from 'vitest';
import { matchCatalogue } from '../../functions/core/detection/catalogue.ts';
import { score } from '../../functions/core/detection/scoring.ts';
import { principalKey } from '../../functions/core/detection/keys.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { config, detectorWith, normalise } from './support.ts';

const PROD = '333333333333';
const STAGING = '222222222222';

function call(name: string, source: string, params: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  return normalise({
    eventVersion: '1.09',
    eventID: `evt-${name}-${JSON.stringify(params)}-${JSON.stringify(extra)}`.slice(0, 120),
    eventTime: '2025-06-01T12:00:00Z',
    eventSource: source,
    eventName: name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '192.0.2.9',
    userAgent: 'aws-cli/2.15.30 md/awscrt#0.19.19',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/ops`, accountId: PROD, accessKeyId: 'AKIAOPSEXAMPLE000001', userName: 'ops' },
    requestParameters: params,
    recipientAccountId: PROD,
    ...extra,
  });
}

const prefix = config.detection.ownResourcePrefix;

describe('catalogue predicates', () => {
  it('DeleteDBInstance: high; critical without final snapshot; backups in blast radius when automated backups go too', () => {
    const withFinal = matchCatalogue(call('DeleteDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', skipFinalSnapshot: false, finalDBSnapshotIdentifier: 'final' }), prefix)!;
    expect(withFinal).toMatchObject({ severity: 'high', destroysBackups: false });
    // deleteAutomatedBackups absent defaults to true: the reason says what is lost.
    expect(withFinal.description).toBe('deletes an RDS database instance with a final snapshot (a backup is kept); its automated backups are deleted (deleteAutomatedBackups defaults to true)');
    // No final snapshot and deleteAutomatedBackups absent: the automated backups go too.
    expect(matchCatalogue(call('DeleteDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', skipFinalSnapshot: true }), prefix)).toMatchObject({ severity: 'critical', destroysBackups: true });
    expect(matchCatalogue(call('DeleteDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', skipFinalSnapshot: true, deleteAutomatedBackups: false }), prefix)).toMatchObject({
      severity: 'critical',
      destroysBackups: false,
      description: 'deletes an RDS database instance without a final snapshot (its automated backups are retained)',
    });
    const worst = matchCatalogue(call('DeleteDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', skipFinalSnapshot: 'true', deleteAutomatedBackups: true }), prefix)!;
    expect(worst).toMatchObject({ severity: 'critical', destroysBackups: true, targets: [{ type: 'rds:db', name: 'db', keys: ['db'] }] });
    expect(worst.description).toBe('deletes an RDS database instance without a final snapshot, and deletes its automated backups (deleteAutomatedBackups is true, or absent: it defaults to true)');
  });

  it('parameter-only entries: versioning suspended yes, enabled no; retention 0; PITR off; management events dropped', () => {
    expect(matchCatalogue(call('PutBucketVersioning', 's3.amazonaws.com', { bucketName: 'b', VersioningConfiguration: { Status: 'Suspended' } }), prefix)?.category).toBe('backup-destruction');
    expect(matchCatalogue(call('PutBucketVersioning', 's3.amazonaws.com', { bucketName: 'b', VersioningConfiguration: { Status: 'Enabled' } }), prefix)).toBeUndefined();
    expect(matchCatalogue(call('ModifyDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', backupRetentionPeriod: 0 }), prefix)).toMatchObject({ severity: 'high', destroysBackups: true });
    expect(matchCatalogue(call('ModifyDBInstance', 'rds.amazonaws.com', { dBInstanceIdentifier: 'db', allocatedStorage: 100 }), prefix)).toBeUndefined();
    expect(matchCatalogue(call('UpdateContinuousBackups', 'dynamodb.amazonaws.com', { tableName: 't', pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false } }), prefix)?.severity).toBe('high');
    expect(matchCatalogue(call('PutEventSelectors', 'cloudtrail.amazonaws.com', { trailName: 't', eventSelectors: [{ includeManagementEvents: false, readWriteType: 'All' }] }), prefix)?.severity).toBe('critical');
    expect(matchCatalogue(call('PutEventSelectors', 'cloudtrail.amazonaws.com', { trailName: 't', eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }] }), prefix)).toBeUndefined();
  });

  it("changes to Blastwall's own resources are detector tamper; the same calls elsewhere are not", () => {
    const own = matchCatalogue(call('UpdateFunctionCode20150331v2', 'lambda.amazonaws.com', { functionName: `arn:aws:lambda:eu-west-1:${PROD}:function:BlastwallDetect` }), prefix)!;
    expect(own).toMatchObject({ category: 'detector-tamper', severity: 'critical' });
    // Elsewhere a hand-made code update is persistence (medium), never detector tamper.
    expect(matchCatalogue(call('UpdateFunctionCode20150331v2', 'lambda.amazonaws.com', { functionName: 'orders-api' }), prefix)).toMatchObject({ category: 'persistence', severity: 'medium' });
    expect(matchCatalogue(call('PutRolePolicy', 'iam.amazonaws.com', { roleName: 'BlastwallResponder', policyName: 'x' }), prefix)?.category).toBe('detector-tamper');
    expect(matchCatalogue(call('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'blastwall-state' }), prefix)?.category).toBe('detector-tamper');
    expect(matchCatalogue(call('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }), prefix)?.category).toBe('data-destruction');
  });
});

describe('signals through the detector', () => {
  it('a refused destructive call is flagged at lower weight', async () => {
    const ok = await detectorWith().process(call('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }));
    const denied = await detectorWith().process(
      call('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }, { errorCode: 'AccessDenied', errorMessage: 'not authorized' }),
    );
    expect(ok.finding!.severity).toBe('high');
    expect(denied.finding!.severity).toBe('low');
    expect(denied.finding!.reasons[0]!.text).toMatch(/AWS refused it \(AccessDenied\)/);
  });

  it('the same call weighs one step less in a low-sensitivity environment, tamper never does', async () => {
    const staging = (name: string, source: string, params: Record<string, unknown>) =>
      call(name, source, params, {
        recipientAccountId: STAGING,
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${STAGING}:user/ops`, accountId: STAGING, accessKeyId: 'AKIAOPSSTAGING000001', userName: 'ops' },
      });
    expect((await detectorWith().process(staging('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }))).finding!.severity).toBe('medium');
    expect((await detectorWith().process(staging('StopLogging', 'cloudtrail.amazonaws.com', { name: 'trail' }))).finding!.severity).toBe('critical');
  });

  it('a deployment through CloudFormation touching Blastwall is medium, not critical', async () => {
    const cfn = call('UpdateFunctionConfiguration20150331v2', 'lambda.amazonaws.com', { functionName: 'BlastwallDetect' }, {
      sourceIPAddress: 'cloudformation.amazonaws.com',
      userAgent: 'cloudformation.amazonaws.com',
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${PROD}:assumed-role/cdk-deploy/AWSCloudFormation`,
        accountId: PROD,
        accessKeyId: 'ASIACDKDEPLOY0000001',
        invokedBy: 'cloudformation.amazonaws.com',
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${PROD}:role/cdk-deploy`, userName: 'cdk-deploy' } },
      },
    });
    expect((await detectorWith().process(cfn)).finding!.severity).toBe('medium');
  });

  it('a burst of destructive calls is its own signal', async () => {
    const detector = detectorWith(createMemoryStateStore());
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await detector.process(
          call('DeleteSnapshot', 'ec2.amazonaws.com', { snapshotId: `snap-${i}` }, { eventTime: `2025-06-01T12:00:0${i}Z`, eventID: `burst-${i}` }),
        ),
      );
    }
    expect(outcomes.map((o) => o.finding!.reasons.some((r) => r.signal === 'burst'))).toEqual([false, false, true, true]);
  });

  it('info-only events make no finding and, once known, no write', async () => {
    const store = createMemoryStateStore();
    const detector = detectorWith(store);
    const read = (i: number) => call('DescribeTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }, { eventTime: `2025-06-01T12:0${i}:00Z`, eventID: `read-${i}` });
    await detector.process(read(0));
    const saves = store.stats().saves;
    for (let i = 1; i < 5; i++) expect((await detector.process(read(i))).finding).toBeUndefined();
    expect(store.stats().saves).toBe(saves);
  });
});

describe('scoring table', () => {
  it('combines, raises and mitigates as documented', () => {
    expect(score([{ id: 'credential-hop', severity: 'high', text: '' }, { id: 'destructive-call', severity: 'low', text: '' }]).severity).toBe('critical');
    expect(score([{ id: 'session-lineage', severity: 'medium', text: '' }, { id: 'destructive-call', severity: 'low', text: '' }]).severity).toBe('high');
    expect(score([{ id: 'session-lineage', severity: 'info', text: '' }, { id: 'destructive-call', severity: 'low', text: '' }]).severity).toBe('low');
    const mitigated = score([{ id: 'destructive-call', severity: 'high', text: '' }, { id: 'deletes-own-recent-creation', severity: 'info', text: '', mitigating: true }]);
    expect(mitigated.severity).toBe('info');
    expect(mitigated.adjustments[0]).toMatch(/Lowered from high to info/);
    // Its own trail, deleted minutes after creating it: still a finding, medium, never a revocation on its own.
    const ownLog = score([
      { id: 'logging-tamper', severity: 'critical', text: '' },
      { id: 'deletes-own-recent-creation', severity: 'info', text: '', mitigating: true },
    ]);
    expect(ownLog.severity).toBe('medium');
    expect(ownLog.adjustments[0]).toMatch(/Lowered from critical to medium \(not further, because of "logging-tamper"\)/);
    const blocked = score([
      { id: 'logging-tamper', severity: 'critical', text: '' },
      { id: 'credential-hop', severity: 'high', text: '' },
      { id: 'deletes-own-recent-creation', severity: 'info', text: '', mitigating: true },
    ]);
    expect(blocked.severity).toBe('critical');
  });

  it("keys: an IAM user's access key, session tokens and console session are one principal; a role's sessions are one", () => {
    const a = call('ListTables', 'dynamodb.amazonaws.com', {});
    expect(principalKey(a.credential)).toBe(`user:arn:aws:iam::${PROD}:user/ops`);
    const token = call('ListTables', 'dynamodb.amazonaws.com', {}, { userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/ops`, accountId: PROD, accessKeyId: 'ASIAOPSTOKEN00000001', userName: 'ops' } });
    expect(token.credential.type).toBe('user-session');
    expect(principalKey(token.credential)).toBe(principalKey(a.credential));
    const console_ = call('ListTables', 'dynamodb.amazonaws.com', {}, {
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/ops`, accountId: PROD, accessKeyId: 'ASIAOPSCONSOLE000001', userName: 'ops', sessionCredentialFromConsole: 'true' },
    });
    expect(console_.credential.type).toBe('console-session');
    expect(principalKey(console_.credential)).toBe(principalKey(a.credential));
    const noArn = call('ListTables', 'dynamodb.amazonaws.com', {}, { userIdentity: { type: 'IAMUser', accountId: PROD, accessKeyId: 'AKIAOPSEXAMPLE000009' } });
    expect(principalKey(noArn.credential)).toBe('key:AKIAOPSEXAMPLE000009');
  });
});
