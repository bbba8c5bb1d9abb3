/**
 * Environments by organisational unit in the central stack: org-sync exists only when the config
 * names an OU; its invocations (schedule, membership events on the central bus) and its DLQ; least
 * privilege for org-sync and detect's read of the cache, decided by a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate) over the synthesised policies; cdk-nag clean.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ORG_CACHE_KEY } from '../../functions/core/organization.ts';
import { matchesEventPattern } from '../../lib/event-pattern.ts';
import { MEMBER_EVENT_PATTERN } from '../../lib/member-stack.ts';
import { exampleConfig, importAsBundled, synthesise, templateResolver } from '../infra/support.ts';

const PROD_OU = 'ou-ab12-prod0001';
const withOus = synthesise(exampleConfig((raw) => (raw.environments[2].organizationalUnits = [PROD_OU])));
type Resources = Record<string, { Type: string; Properties: any }>;
const central = (withOus.central.toJSON() as { Resources: Resources }).Resources;
const ACCOUNT = withOus.built.central.account;
const REGION = withOus.built.central.region;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/state`;

const tableId = Object.entries(central).find(([, r]) => r.Type === 'AWS::DynamoDB::Table')![0];

/** CloudFormation intrinsics → plain strings for the evaluator (the state table → a real table ARN, a function → its ARN). */
const resolve = templateResolver(withOus.central, ACCOUNT, REGION, (type, id) =>
  id === tableId ? TABLE_ARN : type === 'AWS::Lambda::Function' ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}` : undefined,
);

function functionOf(resources: Resources, description: RegExp) {
  return Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && description.test(r.Properties.Description ?? ''));
}

function policyOf(description: RegExp) {
  const [, fn] = functionOf(central, description)!;
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const statements = Object.values(central)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as Array<{ Ref: string }>).some((x) => x.Ref === role))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
  return resolve({ Version: '2012-10-17', Statement: statements }) as any;
}

async function decide(policy: unknown, action: string, resource: string, context: Record<string, string | string[]> = {}) {
  const simulation: Simulation = {
    identityPolicies: [{ name: 'fn', policy: policy as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: { action, principal: `arn:aws:iam::${ACCOUNT}:role/fn`, resource: { accountId: ACCOUNT, resource }, contextVariables: context },
  };
  const out = await runSimulation(simulation, {});
  if (out.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(out.errors)}`);
  return out.overallResult;
}

const keys = (...k: string[]) => ({ 'dynamodb:LeadingKeys': k });

describe('org-sync in the central stack', () => {
  it('is absent, and detect cannot read the cache, unless the config names an organisational unit', () => {
    const plain = (synthesise().central.toJSON() as { Resources: Resources }).Resources;
    expect(functionOf(plain, /org-sync/)).toBeUndefined();
    expect(JSON.stringify(plain)).not.toContain(ORG_CACHE_KEY);
    expect(JSON.stringify(plain)).not.toContain('organizations:ListAccountsForParent');
  });

  it('runs hourly (EventBridge Scheduler) and on membership events on the central bus, each with retries and a DLQ; one run at a time', () => {
    const [fnId, fn] = functionOf(central, /org-sync/)!;
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.DeadLetterConfig.TargetArn).toBeDefined();
    const schedules = Object.values(central).filter((r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target.Arn).includes(fnId));
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(schedules[0]!.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
    const rules = Object.values(central).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.Targets.some((x: any) => x.Arn['Fn::GetAtt']?.[0] === fnId));
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: Object.entries(central).find(([, r]) => r.Type === 'AWS::Events::EventBus')![0] });
    expect(rule.Targets[0].DeadLetterConfig.Arn).toEqual(fn.Properties.DeadLetterConfig.TargetArn);
    expect(rule.Targets[0].RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);

    // The organisation's own CloudTrail events: forwarded by the management account's member stack, and matched here.
    const envelope = (detailType: string, detail: Record<string, unknown>) => ({ source: 'aws.organizations', 'detail-type': detailType, account: '999999999999', detail: { eventSource: 'organizations.amazonaws.com', ...detail } });
    const createAccountResult = envelope('AWS Service Event via CloudTrail', { eventName: 'CreateAccountResult', userIdentity: { accountId: '999999999999', invokedBy: 'AWS Internal' }, serviceEventDetails: { createAccountStatus: { state: 'SUCCEEDED', accountId: '444444444444' } } });
    const moveAccount = envelope('AWS API Call via CloudTrail', { eventName: 'MoveAccount', userIdentity: { type: 'AssumedRole', accountId: '999999999999' } });
    for (const event of [createAccountResult, moveAccount]) {
      expect(matchesEventPattern(MEMBER_EVENT_PATTERN, event)).toBe(true);
      expect(matchesEventPattern(rule.EventPattern, event)).toBe(true);
    }
    expect(matchesEventPattern(rule.EventPattern, envelope('AWS API Call via CloudTrail', { eventName: 'DescribeOrganization' }))).toBe(false);
    expect(matchesEventPattern(rule.EventPattern, { ...moveAccount, source: 'aws.iam', detail: { ...moveAccount.detail, eventSource: 'iam.amazonaws.com' } })).toBe(false);
  });

  it('org-sync: the two Organizations List calls and PutItem on the one cache item, nothing else', async () => {
    const policy = policyOf(/org-sync/);
    // The two List calls have no resource type (the evaluator insists on "*", as IAM does).
    expect(await decide(policy, 'organizations:ListAccountsForParent', '*')).toBe('Allowed');
    expect(await decide(policy, 'organizations:ListOrganizationalUnitsForParent', '*')).toBe('Allowed');
    for (const action of ['organizations:CreateAccount', 'organizations:ListAccounts', 'organizations:ListPolicies', 'organizations:ListRoots']) {
      expect(await decide(policy, action, '*'), action).toBe('ImplicitlyDenied');
    }
    const account = `arn:aws:organizations::${ACCOUNT}:account/o-exampleorg1/444444444444`;
    for (const action of ['organizations:MoveAccount', 'organizations:DescribeAccount', 'organizations:RemoveAccountFromOrganization']) {
      expect(await decide(policy, action, account), action).toBe('ImplicitlyDenied');
    }
    expect(await decide(policy, 'dynamodb:PutItem', TABLE_ARN, keys(ORG_CACHE_KEY))).toBe('Allowed');
    expect(await decide(policy, 'dynamodb:PutItem', TABLE_ARN, keys('CRED#AKIA1'))).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'dynamodb:PutItem', TABLE_ARN, keys('FINDING#f-1'))).toBe('ImplicitlyDenied');
    for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query']) {
      expect(await decide(policy, action, TABLE_ARN, keys(ORG_CACHE_KEY)), action).toBe('ImplicitlyDenied');
    }
    expect(await decide(policy, 'events:PutEvents', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/Blastwall-central`)).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'sts:AssumeRole', `arn:aws:iam::444444444444:role/BlastwallResponder`)).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'iam:UpdateAccessKey', `arn:aws:iam::${ACCOUNT}:user/x`)).toBe('ImplicitlyDenied');
  });

  it.each([[/Blastwall detect/], [/Blastwall respond/]])('%s: GetItem on the cache item, and still no write to it', async (description) => {
    const policy = policyOf(description);
    expect(await decide(policy, 'dynamodb:GetItem', TABLE_ARN, keys(ORG_CACHE_KEY))).toBe('Allowed');
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(await decide(policy, action, TABLE_ARN, keys(ORG_CACHE_KEY)), action).toBe('ImplicitlyDenied');
    }
    expect(await decide(policy, 'dynamodb:GetItem', TABLE_ARN, keys('ORG#OTHER'))).toBe('ImplicitlyDenied');
    expect(await decide(policy, 'organizations:ListAccountsForParent', '*')).toBe('ImplicitlyDenied');
  });

  it('cdk-nag AwsSolutions: zero unsuppressed findings with org-sync in the stack', () => {
    const report = new AwsSolutionsChecks(withOus.built.app).validateScope(withOus.built.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('the org-sync handler bundles as CDK bundles it and exports the handler', async () => {
    const mod = await importAsBundled('functions/org-sync/handler.ts');
    expect(typeof mod['handler']).toBe('function');
  });
});
