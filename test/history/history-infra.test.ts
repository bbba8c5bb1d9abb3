/** The history pieces in the templates: warm-up and reconcile functions, their schedules, the custom resource, the alarm, the member's read-only role. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { METRICS } from '../../functions/core/telemetry-names.ts';
import { TABLE_ACCESS } from '../../lib/central-stack.ts';
import { HISTORY_TABLE_ACCESS } from '../../lib/constructs/history.ts';
import { actionsOf, flat, logicalId, roleStatements, synthesise, type Synthesised } from '../infra/support.ts';

let s: Synthesised;
let central: Template;
let resources: Record<string, { Type: string; Properties: any; Condition?: string }>;
beforeAll(() => {
  s = synthesise();
  central = s.central;
  resources = (central.toJSON() as any).Resources;
});

const fnId = (name: string) => logicalId(central, 'AWS::Lambda::Function', `History${name}Function`);
const roleOf = (name: string) => logicalId(central, 'AWS::IAM::Role', `History${name}Role`);

describe('central stack: warm-up and reconcile', () => {
  it('page reads the credential history through the same role (its role is named for the member trust)', () => {
    const pageFn = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('PageFunction'))!;
    expect(pageFn[1].Properties.Environment.Variables.HISTORY_ROLE_NAME).toBe('Blastwall-history-reader');
    expect(Object.values(resources).some((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === 'Blastwall-page-function')).toBe(true);
  });

  it('both functions have fixed role names (the member history role trusts exactly those) and one run at a time', () => {
    expect(resources[roleOf('WarmUp')]!.Properties.RoleName).toBe('Blastwall-warm-up-function');
    expect(resources[roleOf('Reconcile')]!.Properties.RoleName).toBe('Blastwall-reconcile-function');
    for (const name of ['WarmUp', 'Reconcile']) {
      expect(resources[fnId(name)]!.Properties.ReservedConcurrentExecutions).toBe(1);
      expect(resources[fnId(name)]!.Properties.Environment.Variables.HISTORY_ROLE_NAME).toBe('Blastwall-history-reader');
    }
    expect(resources[fnId('WarmUp')]!.Properties.Timeout).toBe(900);
  });

  it('each may assume only the history role (inside the organisation), reach only its own table items, and reconcile may publish only findings', () => {
    for (const [name, access] of [['WarmUp', HISTORY_TABLE_ACCESS.warmUp], ['Reconcile', HISTORY_TABLE_ACCESS.reconcile]] as const) {
      const statements = roleStatements(central, roleOf(name));
      const actions = statements.flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith('iam:') || a.startsWith('secretsmanager:'))).toEqual([]);
      const assume = statements.filter((st) => actionsOf(st).includes('sts:AssumeRole'));
      expect(assume).toHaveLength(1);
      expect(flat(assume[0]!.Resource).replace('${AWS::Partition}', 'aws')).toBe('arn:aws:iam::*:role/Blastwall-history-reader');
      expect(assume[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-exampleorg1' } });
      const table = statements.find((st) => st.Sid === 'OwnStateTableItems')!;
      expect(table.Condition!['ForAllValues:StringLike']!['dynamodb:LeadingKeys']).toEqual(access.keyPrefixes.map((p) => `${p}*`));
      expect(actionsOf(table)).not.toContain('dynamodb:Scan');
      const put = statements.filter((st) => actionsOf(st).includes('events:PutEvents'));
      if (name === 'WarmUp') expect(put).toEqual([]);
      else expect(put[0]!.Condition!['ForAllValues:StringEquals']).toEqual({ 'events:source': ['blastwall'], 'events:detail-type': ['Blastwall Finding'] });
    }
    // detect writes the seen ledger the reconciler reads.
    expect(TABLE_ACCESS.detect.keyPrefixes).toContain('SEEN#');
  });

  it('the warm-up starts on first deploy (a custom resource served by the function itself) and its schedule continues it; reconcile runs every 15 minutes', () => {
    const custom = Object.values(resources).filter((r) => r.Type === 'Custom::BlastwallWarmUp');
    expect(custom).toHaveLength(1);
    expect(custom[0]!.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId('WarmUp'), 'Arn'] });
    const scheduled = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression);
    const targetOf = (fn: string) => scheduled.find((r) => r.Properties.Targets[0].Arn['Fn::GetAtt'][0] === fnId(fn));
    expect(targetOf('WarmUp')!.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(targetOf('Reconcile')!.Properties.ScheduleExpression).toBe('rate(15 minutes)');
  });

  it('an alarm pages on the first missed event, and on errors of either function', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const missed = alarms.find((a) => a.Properties.MetricName === METRICS.missedEvents)!;
    expect(missed.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', Namespace: 'Blastwall' });
    expect(missed.Properties.AlarmActions).toHaveLength(1);
    for (const name of ['WarmUp', 'Reconcile']) {
      expect(alarms.some((a) => a.Properties.MetricName === 'Errors' && JSON.stringify(a.Properties.Dimensions).includes(fnId(name)))).toBe(true);
    }
  });
});

describe('member stack: the read-only history role', () => {
  it('exists once per account (us-east-1 stack), trusts only the central warm-up, reconcile and page roles, and may only LookupEvents', () => {
    const member = (s.member.toJSON() as any).Resources as Record<string, any>;
    const [id, role] = Object.entries(member).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === 'Blastwall-history-reader')!;
    expect(id).toMatch(/^HistoryReaderRole/);
    expect(role.Condition).toBe('IsResponderRegion');
    const trust = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    const text = (v: unknown) => flat(v).replace('${AWS::Partition}', 'aws');
    expect(text(trust[0].Principal.AWS)).toBe('arn:aws:iam::999999999999:root');
    expect(trust[0].Condition.ArnEquals['aws:PrincipalArn'].map(text)).toEqual([
      'arn:aws:iam::999999999999:role/Blastwall-warm-up-function',
      'arn:aws:iam::999999999999:role/Blastwall-reconcile-function',
      'arn:aws:iam::999999999999:role/Blastwall-page-function',
    ]);
    expect(trust[0].Condition.StringEquals).toEqual({ 'aws:PrincipalOrgID': 'o-exampleorg1' });
    const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toEqual([{ Sid: 'ReadManagementEventHistory', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }]);
  });
});
