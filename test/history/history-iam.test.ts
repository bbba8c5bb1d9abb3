/**
 * The history role's power, as IAM evaluates the synthesised policies
 * (@cloud-copilot/iam-simulate): the member role may only read CloudTrail's event
 * history, and only the central warm-up, reconcile and page roles, inside the
 * organisation, may assume it; none of them may assume the responder role.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { flat, roleStatements, synthesise, templateResolver, type Statement, type Synthesised } from '../infra/support.ts';

const CENTRAL = '999999999999'; // the example config's central account
const MEMBER = '333333333333';
const ORG = 'o-exampleorg1';
const REGION = 'eu-west-1';
type Policy = { Version: '2012-10-17'; Statement: Statement[] };
type Result = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

let s: Synthesised;
const central = new Map<string, Policy>();
let historyPolicy: Policy;
let historyTrust: Policy;

/** CloudFormation references → concrete ARNs (the table, bus and secrets by their type). */
function resolve(template: Synthesised['central'], account: string, region: string) {
  return templateResolver(template, account, region, (type, id) =>
    ({
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${region}:${account}:table/Blastwall-State`,
      'AWS::Events::EventBus': `arn:aws:events:${region}:${account}:event-bus/Blastwall-central`,
      'AWS::SecretsManager::Secret': `arn:aws:secretsmanager:${region}:${account}:secret:blastwall/${id.startsWith('Slack') ? 'slack' : 'pagerduty'}-AbCdEf`,
    })[type],
  );
}

const roleNamed = (template: Synthesised['central'], name: string) => Object.entries(template.findResources('AWS::IAM::Role')).find(([, r]) => flat(r.Properties?.RoleName) === name)![0];

beforeAll(() => {
  s = synthesise();
  const c = resolve(s.central, CENTRAL, REGION);
  for (const name of ['Blastwall-warm-up-function', 'Blastwall-reconcile-function', 'Blastwall-page-function', 'Blastwall-respond-function']) {
    central.set(name, { Version: '2012-10-17', Statement: c(roleStatements(s.central, roleNamed(s.central, name))) as Statement[] });
  }
  const m = resolve(s.memberTemplate, MEMBER, 'us-east-1');
  const history = roleNamed(s.memberTemplate, 'Blastwall-history-reader');
  historyPolicy = { Version: '2012-10-17', Statement: m(roleStatements(s.memberTemplate, history)) as Statement[] };
  historyTrust = m((s.memberTemplate.toJSON() as any).Resources[history].Properties.AssumeRolePolicyDocument) as Policy;
}, 120_000);

async function simulate(args: { identity: Policy; principal: string; action: string; resource: string; trust?: Policy; org?: string }): Promise<Result> {
  const org = args.org ?? ORG;
  const response = (await runSimulation(
    {
      identityPolicies: [{ name: 'synthesised', policy: args.identity }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(args.trust ? { resourcePolicy: args.trust } : {}),
      request: {
        action: args.action,
        principal: args.principal,
        resource: { accountId: args.resource.split(':')[4] || MEMBER, resource: args.resource },
        contextVariables: { 'aws:PrincipalOrgID': org, 'aws:ResourceOrgID': ORG, 'aws:PrincipalArn': args.principal, 'aws:PrincipalAccount': args.principal.split(':')[4]! },
      },
    } as never,
    {},
  )) as { resultType: string; overallResult?: Result; errors?: unknown };
  if (response.resultType === 'error') throw new Error(`simulation rejected: ${JSON.stringify(response.errors)}`);
  return response.overallResult!;
}

const HISTORY_ROLE = `arn:aws:iam::${MEMBER}:role/Blastwall-history-reader`;
const RESPONDER_ROLE = `arn:aws:iam::${MEMBER}:role/BlastwallResponder`;
const centralRole = (name: string) => `arn:aws:iam::${CENTRAL}:role/${name}`;
const assume = (from: string, resource = HISTORY_ROLE, org?: string) =>
  simulate({ identity: central.get(from)!, principal: centralRole(from), action: 'sts:AssumeRole', resource, trust: resource === HISTORY_ROLE ? historyTrust : undefined, org });

describe('the member history role, evaluated', () => {
  it.each([
    ['cloudtrail:LookupEvents', '*', 'Allowed'],
    ['cloudtrail:StopLogging', `arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/org-trail`, 'ImplicitlyDenied'],
    ['cloudtrail:DeleteTrail', `arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/org-trail`, 'ImplicitlyDenied'],
    ['cloudtrail:StartQuery', `arn:aws:cloudtrail:us-east-1:${MEMBER}:eventdatastore/x`, 'ImplicitlyDenied'],
    ['iam:UpdateAccessKey', `arn:aws:iam::${MEMBER}:user/ci`, 'ImplicitlyDenied'],
    ['s3:GetObject', 'arn:aws:s3:::org-trail-bucket/AWSLogs/x.json.gz', 'ImplicitlyDenied'],
  ] as const)('%s on %s → %s', async (action, resource, expected) => {
    expect(await simulate({ identity: historyPolicy, principal: HISTORY_ROLE.replace(':role/', ':assumed-role/').replace('iam::', 'sts::') + '/s', action, resource })).toBe(expected);
  });

  it.each([
    ['Blastwall-warm-up-function', 'Allowed'],
    ['Blastwall-reconcile-function', 'Allowed'],
    ['Blastwall-page-function', 'Allowed'],
    ['Blastwall-respond-function', 'ImplicitlyDenied'],
  ] as const)('%s may assume it: %s', async (from, expected) => {
    expect(await assume(from)).toBe(expected);
  });

  it('not from outside the organisation, and its trust admits no other principal of the central account', async () => {
    expect(await assume('Blastwall-reconcile-function', HISTORY_ROLE, 'o-otherorg00')).not.toBe('Allowed');
    const admin = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] as Statement[] };
    expect(await simulate({ identity: admin, principal: centralRole('Admin'), action: 'sts:AssumeRole', resource: HISTORY_ROLE, trust: historyTrust })).not.toBe('Allowed');
  });

  it('none of the history readers may assume the responder role (reading is all they can do in a member account)', async () => {
    for (const from of ['Blastwall-warm-up-function', 'Blastwall-reconcile-function', 'Blastwall-page-function']) {
      expect(await assume(from, RESPONDER_ROLE)).toBe('ImplicitlyDenied');
    }
  });
});
