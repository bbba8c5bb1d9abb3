/**
 * The member topology's new permissions, proven with a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate) on the synthesised policies, cross-account as AWS evaluates
 * them: the member role's identity policy AND the central resource's policy (the table's
 * resource policy, the bus policy, the config reader's trust policy) must both allow.
 *
 * Member detect may use exactly its own state items in the central table and put exactly
 * `Blastwall Finding` on the central bus; the heartbeat exactly `Blastwall Heartbeat`; nobody
 * else in the organisation gets anything from the new resource policies.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { flat, exampleConfig, roleStatements, synthesise, templateResolver, type Statement, type Synthesised } from '../infra/support.ts';

type Result = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
type Policy = { Version: '2012-10-17'; Statement: Statement[] };

const CENTRAL = '999999999999';
const MEMBER = '333333333333';
const ORG = 'o-exampleorg1';
const CENTRAL_REGION = 'eu-west-1';
const TABLE_NAME = 'Blastwall-Central-State1A2B3C-XYZ';
const TABLE = `arn:aws:dynamodb:${CENTRAL_REGION}:${CENTRAL}:table/${TABLE_NAME}`;
const OTHER_TABLE = `arn:aws:dynamodb:${CENTRAL_REGION}:${CENTRAL}:table/payroll`;
const BUS = `arn:aws:events:${CENTRAL_REGION}:${CENTRAL}:event-bus/Blastwall-central`;
const DETECT_ROLE = `arn:aws:iam::${MEMBER}:role/Blastwall-member-detect-us-east-1`;
const HEARTBEAT_ROLE = `arn:aws:iam::${MEMBER}:role/Blastwall-member-heartbeat-us-east-1`;
const CONFIG_READER = `arn:aws:iam::${CENTRAL}:role/Blastwall-member-config-reader`;
const MEMBER_DETECT_FN = `arn:aws:lambda:us-east-1:${MEMBER}:function:Blastwall-member-detect`;

let s: Synthesised;
const identity: Record<string, Policy> = {};
const resourcePolicy: Record<'table' | 'bus' | 'configReaderTrust', Policy> = {} as never;
const ALLOW_ALL: Policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

function roleId(template: Synthesised['central'], name: string): string {
  const entry = Object.entries(template.findResources('AWS::IAM::Role')).find(([, r]) => flat(r.Properties?.RoleName) === name);
  if (!entry) throw new Error(`no role ${name}`);
  return entry[0];
}

beforeAll(() => {
  s = synthesise(exampleConfig((raw) => (raw.deployment.topology = 'member')), { context: { centralTableName: TABLE_NAME } });
  const member = templateResolver(s.member, MEMBER, 'us-east-1', (type) => (type === 'AWS::Lambda::Function' ? MEMBER_DETECT_FN : undefined));
  // AppConfig ids are generated: concrete stand-ins, so no `${…}` is left (IAM would read it as a policy variable).
  const APPCONFIG_IDS: Record<string, string> = { 'AWS::AppConfig::Application': 'app1234', 'AWS::AppConfig::Environment': 'env5678', 'AWS::AppConfig::ConfigurationProfile': 'prf9012' };
  const central = templateResolver(s.central, CENTRAL, CENTRAL_REGION, (type) => APPCONFIG_IDS[type]);
  const policy = (statements: unknown): Policy => ({ Version: '2012-10-17', Statement: statements as Statement[] });
  identity.detect = policy(member(roleStatements(s.member, roleId(s.member, 'Blastwall-member-detect-${AWS::Region}'))));
  identity.heartbeat = policy(member(roleStatements(s.member, roleId(s.member, 'Blastwall-member-heartbeat-${AWS::Region}'))));
  identity.configReader = policy(central(roleStatements(s.central, roleId(s.central, 'Blastwall-member-config-reader'))));
  const json = s.central.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
  const byType = (type: string) => Object.values(json.Resources).find((r) => r.Type === type)!;
  resourcePolicy.table = central(byType('AWS::DynamoDB::Table').Properties.ResourcePolicy.PolicyDocument) as Policy;
  resourcePolicy.bus = central(byType('AWS::Events::EventBus').Properties.Policy) as Policy;
  resourcePolicy.configReaderTrust = central(json.Resources[roleId(s.central, 'Blastwall-member-config-reader')]!.Properties.AssumeRolePolicyDocument) as Policy;
}, 120_000);

async function simulate(request: { principal: string; identity: Policy; resourcePolicy?: Policy; action: string; resource: string; context?: Record<string, string | string[]>; org?: string }): Promise<Result> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'synthesised', policy: request.identity }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      request: {
        action: request.action,
        principal: request.principal,
        // A resource without an account ("*": CloudWatch metrics) is the caller's own account's.
        resource: { accountId: request.resource.split(':')[4] || request.principal.split(':')[4]!, resource: request.resource },
        contextVariables: { 'aws:PrincipalOrgID': request.org ?? ORG, 'aws:PrincipalArn': request.principal, 'aws:PrincipalAccount': request.principal.split(':')[4]!, ...(request.context ?? {}) },
      },
    } as never,
    {},
  );
  const r = response as { resultType: string; overallResult?: Result; errors?: unknown };
  if (r.resultType === 'error') throw new Error(`simulation rejected: ${JSON.stringify(r.errors)}`);
  return r.overallResult!;
}

const keys = (...k: string[]) => ({ 'dynamodb:LeadingKeys': k });
const ev = (detailType: string) => ({ 'events:source': ['blastwall'], 'events:detail-type': [detailType] });

describe('member detect (its role in the member account, the central table and bus)', () => {
  const detect = (action: string, resource: string, context: Record<string, string | string[]>, rp: Policy | undefined) => simulate({ principal: DETECT_ROLE, identity: identity.detect!, resourcePolicy: rp, action, resource, context });

  it.each([
    ['dynamodb:GetItem', keys('CRED#AKIAEXAMPLE')],
    ['dynamodb:BatchGetItem', keys('ACTOR#198.18.0.7|aws-cli')],
    ['dynamodb:PutItem', keys('EVT#evt-1')],
    ['dynamodb:UpdateItem', keys('SEEN#333333333333#us-east-1#2026-12-04T12:00')],
    ['dynamodb:ConditionCheckItem', keys('SESSION#ASIAEXAMPLE')],
  ])('%s on its own state items %j: allowed', async (action, context) => {
    expect(await detect(action, TABLE, context, resourcePolicy.table)).toBe('Allowed');
  });

  it.each([
    ['dynamodb:GetItem', keys('FINDING#f-1')],
    ['dynamodb:PutItem', keys('BREAKER#global')],
    ['dynamodb:PutItem', keys('HEARTBEAT')],
    ['dynamodb:GetItem', keys('PAGE#p-1')],
    ['dynamodb:DeleteItem', keys('CRED#AKIAEXAMPLE')],
    ['dynamodb:Query', keys('CRED#AKIAEXAMPLE')],
    ['dynamodb:Scan', {}],
    ['dynamodb:DeleteTable', {}],
  ])('%s %j: denied', async (action, context) => {
    expect(await detect(action, TABLE, context, resourcePolicy.table)).not.toBe('Allowed');
  });

  it('another table of the central account: denied (no resource policy admits it, none names it)', async () => {
    expect(await detect('dynamodb:GetItem', OTHER_TABLE, keys('CRED#AKIAEXAMPLE'), undefined)).not.toBe('Allowed');
  });

  it('puts Blastwall Finding on the central bus, and nothing else', async () => {
    expect(await detect('events:PutEvents', BUS, ev('Blastwall Finding'), resourcePolicy.bus)).toBe('Allowed');
    for (const dt of ['Blastwall Response', 'Blastwall Restore Requested', 'Blastwall Heartbeat', 'AWS API Call via CloudTrail']) {
      expect(await detect('events:PutEvents', BUS, ev(dt), resourcePolicy.bus), dt).not.toBe('Allowed');
    }
    expect(await detect('events:PutEvents', BUS, { 'events:source': ['aws.iam'], 'events:detail-type': ['Blastwall Finding'] }, resourcePolicy.bus)).not.toBe('Allowed');
  });

  it('assumes the central config reader (its trust admits it), no other role', async () => {
    expect(await detect('sts:AssumeRole', CONFIG_READER, {}, resourcePolicy.configReaderTrust)).toBe('Allowed');
    expect(await detect('sts:AssumeRole', `arn:aws:iam::${CENTRAL}:role/Blastwall-respond-function`, {}, ALLOW_ALL)).not.toBe('Allowed');
    expect(await detect('appconfig:GetLatestConfiguration', `arn:aws:appconfig:${CENTRAL_REGION}:${CENTRAL}:application/a/environment/e/configuration/c`, {}, undefined)).not.toBe('Allowed');
  });
});

describe('the member heartbeat', () => {
  const heartbeat = (action: string, resource: string, context: Record<string, string | string[]>, rp?: Policy) => simulate({ principal: HEARTBEAT_ROLE, identity: identity.heartbeat!, resourcePolicy: rp, action, resource, context });

  it('puts Blastwall Heartbeat on the central bus, nothing else', async () => {
    expect(await heartbeat('events:PutEvents', BUS, ev('Blastwall Heartbeat'), resourcePolicy.bus)).toBe('Allowed');
    expect(await heartbeat('events:PutEvents', BUS, ev('Blastwall Finding'), resourcePolicy.bus)).not.toBe('Allowed');
  });

  it("reads member detect's configuration and invocation count, changes nothing", async () => {
    expect(await heartbeat('lambda:GetFunctionConfiguration', MEMBER_DETECT_FN, {})).toBe('Allowed');
    expect(await heartbeat('cloudwatch:GetMetricStatistics', '*', {})).toBe('Allowed');
    expect(await heartbeat('lambda:GetFunctionConfiguration', `arn:aws:lambda:us-east-1:${MEMBER}:function:payments`, {})).not.toBe('Allowed');
    expect(await heartbeat('lambda:UpdateFunctionCode', MEMBER_DETECT_FN, {})).not.toBe('Allowed');
    expect(await heartbeat('cloudwatch:PutMetricData', '*', {})).not.toBe('Allowed');
    expect(await heartbeat('dynamodb:GetItem', TABLE, keys('CRED#AKIAEXAMPLE'), resourcePolicy.table)).not.toBe('Allowed');
  });
});

describe('the new resource policies admit nobody else', () => {
  const admin = (principal: string, action: string, resource: string, context: Record<string, string | string[]>, rp: Policy, org = ORG) => simulate({ principal, identity: ALLOW_ALL, resourcePolicy: rp, action, resource, context, org });

  it('an administrator role of a member account (allowed everything at home) gets nothing from the central table or bus', async () => {
    const root = `arn:aws:iam::${MEMBER}:role/Admin`;
    expect(await admin(root, 'dynamodb:GetItem', TABLE, keys('CRED#AKIAEXAMPLE'), resourcePolicy.table)).not.toBe('Allowed');
    expect(await admin(root, 'events:PutEvents', BUS, ev('Blastwall Finding'), resourcePolicy.bus)).not.toBe('Allowed');
    expect(await admin(root, 'sts:AssumeRole', CONFIG_READER, {}, resourcePolicy.configReaderTrust)).not.toBe('Allowed');
  });

  it('forwarders (members still on the central topology) put CloudTrail events, never one of Blastwall\'s own', async () => {
    const forwarder = `arn:aws:iam::${MEMBER}:role/Blastwall-forwarder-us-east-1`;
    expect(await admin(forwarder, 'events:PutEvents', BUS, { 'events:source': ['aws.iam'], 'events:detail-type': ['AWS API Call via CloudTrail'] }, resourcePolicy.bus)).toBe('Allowed');
    expect(await admin(forwarder, 'events:PutEvents', BUS, { 'events:source': ['aws.signin'], 'events:detail-type': ['AWS Console Sign In via CloudTrail'] }, resourcePolicy.bus)).toBe('Allowed');
    expect(await admin(forwarder, 'events:PutEvents', BUS, { 'events:source': ['blastwall'], 'events:detail-type': ['AWS API Call via CloudTrail'] }, resourcePolicy.bus)).not.toBe('Allowed');
    expect(await admin(forwarder, 'events:PutEvents', BUS, ev('Blastwall Heartbeat'), resourcePolicy.bus)).not.toBe('Allowed');
  });

  it('a look-alike name (the heartbeat role, a forwarder) gets no state; a member detect role outside the organisation gets nothing', async () => {
    expect(await admin(HEARTBEAT_ROLE, 'dynamodb:GetItem', TABLE, keys('CRED#AKIAEXAMPLE'), resourcePolicy.table)).not.toBe('Allowed');
    expect(await admin(`arn:aws:iam::${MEMBER}:role/Blastwall-forwarder-us-east-1`, 'events:PutEvents', BUS, ev('Blastwall Finding'), resourcePolicy.bus)).not.toBe('Allowed');
    expect(await admin(DETECT_ROLE, 'dynamodb:GetItem', TABLE, keys('CRED#AKIAEXAMPLE'), resourcePolicy.table, 'o-otherorg99')).not.toBe('Allowed');
    expect(await admin(DETECT_ROLE, 'events:PutEvents', BUS, ev('Blastwall Finding'), resourcePolicy.bus, 'o-otherorg99')).not.toBe('Allowed');
    expect(await admin(DETECT_ROLE, 'sts:AssumeRole', CONFIG_READER, {}, resourcePolicy.configReaderTrust, 'o-otherorg99')).not.toBe('Allowed');
  });

  it('the config reader may read its one configuration profile, nothing else', async () => {
    const statement = identity.configReader!.Statement.find((st) => st.Sid === 'ReadOwnConfig')!;
    const profile = flat((statement as { Resource: unknown }).Resource);
    expect(profile).toBe(`arn:aws:appconfig:${CENTRAL_REGION}:${CENTRAL}:application/app1234/environment/env5678/configuration/prf9012`);
    const reader = (action: string, resource: string) => simulate({ principal: CONFIG_READER, identity: identity.configReader!, action, resource });
    expect(await reader('appconfig:GetLatestConfiguration', profile)).toBe('Allowed');
    expect(await reader('appconfig:StartConfigurationSession', profile)).toBe('Allowed');
    expect(await reader('appconfig:GetLatestConfiguration', profile.replace(/configuration\/.*$/, 'configuration/other'))).not.toBe('Allowed');
    expect(await reader('dynamodb:GetItem', TABLE)).not.toBe('Allowed');
  });
});
