/**
 * Least privilege of the prevention functions, checked with the IAM policy evaluator on the
 * synthesised templates (not by reading JSON):
 *
 * - the member reader role allows every call the audit collector and the backup inventory
 *   actually make (recorded by the stand-ins during a full run), and none of the catalogue's
 *   destructive calls, nor any IAM or data write; only the two central prevention roles of
 *   the organisation may assume it;
 * - the central audit and watchdog roles may assume only the reader role, publish only
 *   Posture Findings, and (audit only) touch only AUDIT# items and read CRED# histories.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectLive } from '../../functions/adapters/audit-collector.ts';
import { readInventory } from '../../functions/adapters/backup-inventory.ts';
import { destructiveActions } from '../../functions/core/audit/actions.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { ORGANIZATIONS_READ_ACTIONS } from '../../lib/constructs/prevention.ts';
import { credentialsFor, startBackupStandins } from '../standins/aws-world.ts';
import { startIamAuditStandIn } from '../standins/iam-audit.ts';
import { logicalId, roleStatements, synthesise, type Statement, type Synthesised } from '../infra/support.ts';
import { sdkClients, world, REGION } from '../backups/support.ts';
import { fixtureConfig, readFixture, STAGING, PROD } from './support.ts';

const CENTRAL = '999999999999';
const MEMBER = '333333333333';
const ORG = 'o-exampleorg1';
const TABLE = `arn:aws:dynamodb:eu-west-1:${CENTRAL}:table/BlastwallState`;
const BUS = `arn:aws:events:eu-west-1:${CENTRAL}:event-bus/Blastwall-central`;

/** CloudFormation values → the strings they become in the example deployment. */
function resolve(value: unknown, account: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, account));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolve(p, account)).join(sep);
    }
    if ('Ref' in o) return ({ 'AWS::Partition': 'aws', 'AWS::AccountId': account, 'AWS::Region': 'eu-west-1' } as Record<string, string>)[String(o.Ref)] ?? `ref-${String(o.Ref)}`;
    if ('Fn::GetAtt' in o) {
      const [id] = o['Fn::GetAtt'] as string[];
      if (id!.startsWith('State')) return TABLE;
      if (id!.startsWith('Bus')) return BUS;
      return `arn:aws:unknown:::${id}`;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, account)]));
  }
  return value;
}

const doc = (statements: Statement[], account: string) => ({ Version: '2012-10-17', Statement: resolve(statements, account) });

async function allowed(input: { principal: string; policy: unknown; action: string; resource: string; account: string; context?: Record<string, string | string[]>; resourcePolicy?: unknown }): Promise<boolean> {
  const r = await runSimulation(
    {
      request: { principal: input.principal, action: input.action, resource: { resource: input.resource, accountId: input.account }, contextVariables: input.context ?? {} },
      identityPolicies: input.policy ? [{ name: 'role', policy: input.policy }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`${input.action}: ${r.errors.message}`);
  return r.overallResult === 'Allowed';
}

let s: Synthesised;
let recorded: { action: string; resource: string }[];

beforeAll(async () => {
  s = synthesise();
  // Every call the live paths make, recorded by the stand-ins.
  const iam = await startIamAuditStandIn({ [STAGING]: { details: JSON.parse(readFixture('staging-222222222222.json')), report: readFixture('staging-credentials.csv'), accessKeys: { 'ci-deployer': ['AKIA1'] } }, [PROD]: { details: JSON.parse(readFixture('production-333333333333.json')) } });
  const backups = await startBackupStandins(world());
  try {
    const config = { ...fixtureConfig(), environments: fixtureConfig().environments.filter((e) => e.accounts.some((a) => a === STAGING || a === PROD)) };
    await collectLive(config, { iam: (a) => new IAMClient({ endpoint: iam.endpoint, region: 'us-east-1', credentials: credentialsFor(a), maxAttempts: 1 }) }, { log: () => {}, sleep: async () => {} });
    await readInventory([{ account: PROD, region: REGION, watchResources: true }], sdkClients(backups.endpoint));
    recorded = [
      ...iam.calls.filter((c) => c.service === 'iam').map((c) => ({ action: `iam:${c.action}`, resource: c.action === 'ListAccessKeys' ? `arn:aws:iam::${MEMBER}:user/${c.params.UserName}` : '*' })),
      ...backups.calls.map((c) => ({ action: `${c.service}:${c.action}`, resource: c.action === 'DescribeContinuousBackups' ? `arn:aws:dynamodb:${REGION}:${MEMBER}:table/sessions` : '*' })),
    ];
  } finally {
    await iam.close();
    await backups.close();
  }
}, 120_000);

describe('member reader role', () => {
  const reader = () => {
    const id = logicalId(s.member, 'AWS::IAM::Role', 'ReaderRole');
    const role = (s.member.toJSON() as any).Resources[id];
    return { policy: doc(roleStatements(s.member, id), MEMBER), trust: resolve(role.Properties.AssumeRolePolicyDocument, MEMBER), name: role.Properties.RoleName as string };
  };
  const session = `arn:aws:sts::${MEMBER}:assumed-role/BlastwallAuditReader/blastwall-audit`;

  it('allows every call the audit collector and the backup inventory make', async () => {
    const distinct = [...new Map(recorded.map((r) => [`${r.action}|${r.resource}`, r])).values()];
    expect(new Set(distinct.map((r) => r.action.split(':')[0]))).toEqual(new Set(['iam', 'rds', 'ec2', 'dynamodb', 'backup']));
    for (const call of distinct) expect(await allowed({ principal: session, policy: reader().policy, action: call.action, resource: call.resource, account: MEMBER }), call.action).toBe(true);
  });

  it('allows none of the catalogue\'s destructive calls, no IAM write, no data read', async () => {
    const denied = [...destructiveActions().map((a) => a.action), 'iam:CreateAccessKey', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'sts:AssumeRole', 's3:GetObject', 'dynamodb:GetItem', 'dynamodb:Scan', 'rds:CreateDBSnapshot', 'backup:StartRestoreJob', 'ec2:CreateSnapshot'];
    for (const action of denied) expect(await allowed({ principal: session, policy: reader().policy, action, resource: '*', account: MEMBER }), action).toBe(false);
  });

  it('is assumable only by the central audit and backup-watchdog roles, inside the organisation', async () => {
    const { trust, name } = reader();
    expect(name).toBe('BlastwallAuditReader');
    // The caller is a function's session; aws:PrincipalArn is its role.
    const assume = (roleArn: string, org = ORG) => {
      const [, , , , account, rest] = roleArn.split(':');
      return allowed({
        principal: `arn:aws:sts::${account}:assumed-role/${rest!.split('/')[1]}/lambda`,
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${MEMBER}:role/${name}`,
        account: MEMBER,
        resourcePolicy: trust,
        context: { 'aws:PrincipalOrgID': org, 'aws:PrincipalArn': roleArn },
      });
    };
    expect(await assume(`arn:aws:iam::${CENTRAL}:role/Blastwall-audit-function`)).toBe(true);
    expect(await assume(`arn:aws:iam::${CENTRAL}:role/Blastwall-backup-watchdog-function`)).toBe(true);
    expect(await assume(`arn:aws:iam::${CENTRAL}:role/Blastwall-respond-function`)).toBe(false);
    expect(await assume(`arn:aws:iam::${CENTRAL}:role/Blastwall-audit-function`, 'o-otherorg99')).toBe(false);
    expect(await assume(`arn:aws:iam::${STAGING}:role/Blastwall-audit-function`)).toBe(false);
  });
});

describe('central prevention roles', () => {
  const roleOf = (prefix: string) => {
    const id = logicalId(s.central, 'AWS::IAM::Role', prefix);
    return doc(roleStatements(s.central, id), CENTRAL);
  };
  const audit = () => roleOf('PreventionAuditRole');
  const watchdog = () => roleOf('PreventionBackupWatchdogRole');
  const as = (name: string) => `arn:aws:sts::${CENTRAL}:assumed-role/${name}/x`;

  it('may assume the reader role in the organisation, and no other role', async () => {
    for (const [name, policy] of [['Blastwall-audit-function', audit()], ['Blastwall-backup-watchdog-function', watchdog()]] as const) {
      // The target's trust lets the central account in: what is left to decide is the function role's own policy.
      const openTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'sts:AssumeRole' }] };
      const assume = (role: string, org = ORG) =>
        allowed({ principal: as(name), policy, action: 'sts:AssumeRole', resource: `arn:aws:iam::${MEMBER}:role/${role}`, account: MEMBER, resourcePolicy: openTrust, context: { 'aws:ResourceOrgID': org } });
      expect(await assume('BlastwallAuditReader'), name).toBe(true);
      expect(await assume('BlastwallAuditReader', 'o-otherorg99'), name).toBe(false);
      expect(await assume('BlastwallResponder'), name).toBe(false);
      expect(await assume('OrganizationAccountAccessRole'), name).toBe(false);
      for (const action of ['iam:PutRolePolicy', 'iam:UpdateAccessKey', 'rds:DeleteDBInstance', 'secretsmanager:GetSecretValue']) {
        expect(await allowed({ principal: as(name), policy, action, resource: '*', account: CENTRAL }), `${name} ${action}`).toBe(false);
      }
    }
  });

  it('publish only Posture Findings, never Findings (respond acts on those)', async () => {
    for (const policy of [audit(), watchdog()]) {
      const put = (detailType: string) => allowed({ principal: as('r'), policy, action: 'events:PutEvents', resource: BUS, account: CENTRAL, context: { 'events:source': ['blastwall'], 'events:detail-type': [detailType] } });
      expect(await put(DETAIL_TYPES.postureFinding)).toBe(true);
      expect(await put(DETAIL_TYPES.finding)).toBe(false);
      expect(await put(DETAIL_TYPES.restoreRequested)).toBe(false);
    }
  });

  it('audit: writes only AUDIT# items, reads CRED# histories, reads the SCPs; the watchdog touches no table', async () => {
    const item = (policy: unknown, action: string, key: string) => allowed({ principal: as('r'), policy, action, resource: TABLE, account: CENTRAL, context: { 'dynamodb:LeadingKeys': [key] } });
    expect(await item(audit(), 'dynamodb:PutItem', 'AUDIT#arn:aws:iam::1:user/x')).toBe(true);
    expect(await item(audit(), 'dynamodb:BatchGetItem', 'AUDIT#arn:aws:iam::1:user/x')).toBe(true);
    expect(await item(audit(), 'dynamodb:BatchGetItem', 'CRED#key:AKIA1')).toBe(true);
    expect(await item(audit(), 'dynamodb:PutItem', 'CRED#key:AKIA1')).toBe(false);
    expect(await item(audit(), 'dynamodb:PutItem', 'FINDING#x')).toBe(false);
    expect(await item(audit(), 'dynamodb:Scan', 'AUDIT#x')).toBe(false);
    expect(await item(watchdog(), 'dynamodb:GetItem', 'AUDIT#x')).toBe(false);
    for (const action of ORGANIZATIONS_READ_ACTIONS) expect(await allowed({ principal: as('r'), policy: audit(), action, resource: '*', account: CENTRAL }), action).toBe(true);
    for (const action of ['organizations:DetachPolicy', 'organizations:DeletePolicy']) expect(await allowed({ principal: as('r'), policy: audit(), action, resource: '*', account: CENTRAL }), action).toBe(false);
    expect(await allowed({ principal: as('r'), policy: watchdog(), action: 'organizations:ListPolicies', resource: '*', account: CENTRAL })).toBe(false);
  });
});
