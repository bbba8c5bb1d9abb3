/**
 * `deployment.topology: "member"` (docs/deploy.md, "Topology"): the member stacks run detect
 * next to their default bus instead of forwarding every event; the central stack admits
 * member detect to its table and bus, reads their heartbeats and alarms on silence. The
 * central topology's templates are checked unchanged by the other infra tests.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CLOUDTRAIL_DETAIL_TYPES, MEMBER_EVENT_PATTERN } from '../../lib/member-stack.ts';
import { TABLE_ACCESS } from '../../lib/central-stack.ts';
import { DETAIL_TYPES, ENV_VARS, METRICS } from '../../functions/core/telemetry-names.ts';
import { exampleConfig, flat, synthesise, TEST_STACKSET, type Synthesised } from './support.ts';

const TABLE_NAME = 'Blastwall-Central-State1A2B3C-XYZ';
const memberLoaded = () => exampleConfig((raw) => (raw.deployment.topology = 'member'));
let member: Synthesised;
let central: Synthesised;

beforeAll(() => {
  member = synthesise(memberLoaded(), { context: { centralTableName: TABLE_NAME } });
  central = synthesise();
}, 120_000);

const resources = (t: Template, type: string) => Object.entries(t.findResources(type));
const fnNamed = (t: Template, name: string) => resources(t, 'AWS::Lambda::Function').find(([, r]) => flat(r.Properties.FunctionName) === name);

describe('member topology: the member stacks', () => {
  it('forward nothing: no rule targets the central bus, no forwarder role', () => {
    for (const t of [member.member, member.memberTemplate, member.templates['Blastwall-Member-eu-west-1']!]) {
      for (const [, rule] of resources(t, 'AWS::Events::Rule')) {
        for (const target of rule.Properties.Targets ?? []) expect(flat(target.Arn)).not.toContain(':event-bus/');
      }
      const roleNames = resources(t, 'AWS::IAM::Role').map(([, r]) => flat(r.Properties.RoleName));
      expect(roleNames.some((n) => n.includes('forwarder'))).toBe(false);
    }
    // The central topology's member stack does forward.
    const forwarding = resources(central.member, 'AWS::Events::Rule').flatMap(([, r]) => r.Properties.Targets ?? []);
    expect(forwarding.some((target: { Arn: unknown }) => flat(target.Arn).includes(':event-bus/Blastwall-central'))).toBe(true);
  });

  it('run detect as the target of a rule on the default bus with the forwarding rule\'s pattern (read-only events included)', () => {
    const detect = fnNamed(member.member, 'Blastwall-member-detect');
    expect(detect, 'member detect function').toBeDefined();
    const [detectId, fn] = detect!;
    const rules = resources(member.member, 'AWS::Events::Rule').filter(([, r]) => r.Properties.Name === 'Blastwall-member-detect');
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties;
    expect(rule.EventBusName).toBe('default');
    expect(rule.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(rule.EventPattern).toEqual(JSON.parse(JSON.stringify(MEMBER_EVENT_PATTERN)));
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [detectId, 'Arn'] });
    expect(rule.Targets[0].DeadLetterConfig).toBeDefined();
    // The same handler, the same memory as the central detect; the central table and bus by ARN, the central AppConfig by name.
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.MemorySize).toBe(512);
    const env = fn.Properties.Environment.Variables;
    expect(flat(env[ENV_VARS.tableName])).toBe(`arn:\${AWS::Partition}:dynamodb:eu-west-1:999999999999:table/${TABLE_NAME}`);
    expect(flat(env[ENV_VARS.eventBusName])).toBe('arn:${AWS::Partition}:events:eu-west-1:999999999999:event-bus/Blastwall-central');
    expect(env[ENV_VARS.appConfig]).toBe('Blastwall/central/blastwall-config');
    expect(flat(env[ENV_VARS.appConfigRoleArn])).toBe('arn:${AWS::Partition}:iam::999999999999:role/Blastwall-member-config-reader');
    expect(env[ENV_VARS.appConfigRegion]).toBe('eu-west-1');
    // Invocable by that rule only.
    member.member.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [detectId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [rules[0]![0], 'Arn'] },
    });
  });

  it('send a heartbeat every 5 minutes from a function that reads detect\'s code hash', () => {
    const heartbeat = fnNamed(member.member, 'Blastwall-member-heartbeat');
    expect(heartbeat).toBeDefined();
    const schedules = resources(member.member, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression === 'rate(5 minutes)');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]![1].Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [heartbeat![0], 'Arn'] });
    expect(heartbeat![1].Properties.Environment.Variables[ENV_VARS.detectFunctionName]).toBe('Blastwall-member-detect');
  });

  it('name the roles per region (IAM is global) and keep the responder, reader and history roles', () => {
    const names = (t: Template) => resources(t, 'AWS::IAM::Role').map(([, r]) => flat(r.Properties.RoleName)).filter(Boolean).sort();
    expect(names(member.member)).toEqual(['Blastwall-history-reader', 'Blastwall-member-detect-${AWS::Region}', 'Blastwall-member-heartbeat-${AWS::Region}', 'BlastwallAuditReader', 'BlastwallResponder'].sort());
  });

  it('need the central table\'s name: a real config without -c centralTableName fails with the fix named', () => {
    expect(() => synthesise(memberLoaded(), {})).toThrow(/centralTableName/);
  });

  it('cannot be rolled out as a StackSet yet, and says so', () => {
    expect(() => synthesise(memberLoaded(), { stackSet: TEST_STACKSET, context: { centralTableName: TABLE_NAME } })).toThrow(/StackSet.*memberTopology=central/);
  });

  it('mix with forwarding members: -c memberTopology=central gives the forwarding member stacks and the StackSet again, beside the same central stack', () => {
    const mixed = synthesise(memberLoaded(), { stackSet: TEST_STACKSET, context: { centralTableName: TABLE_NAME, memberTopology: 'central' } });
    expect(mixed.central.toJSON()).toEqual(member.central.toJSON());
    // The forwarding member of the central topology (its responder's deny also lists the member topology's own roles).
    const logicalIds = (t: Template) => Object.keys((t.toJSON() as { Resources: object }).Resources).sort();
    expect(logicalIds(mixed.member)).toEqual(logicalIds(central.member));
    expect(mixed.member.toJSON().Resources.ForwardCloudTrail).toEqual(central.member.toJSON().Resources.ForwardCloudTrail);
    expect(fnNamed(mixed.member, 'Blastwall-member-detect')).toBeUndefined();
    expect(mixed.templates['Blastwall-MemberStackSet']).toBeDefined();
    // Member detect needs the central stack to admit it first.
    expect(() => synthesise(exampleConfig(), { context: { memberTopology: 'member' } })).toThrow(/deployment.topology "member"/);
    expect(() => synthesise(memberLoaded(), { context: { centralTableName: TABLE_NAME, memberTopology: 'both' } })).toThrow(/central or member/);
  });
});

describe('member topology: the central stack', () => {
  it('gives the table a resource policy admitting member detect roles of the organisation, detect\'s calls on detect\'s items only', () => {
    const [, table] = resources(member.central, 'AWS::DynamoDB::Table')[0]!;
    const statements = table.Properties.ResourcePolicy.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({
      Sid: 'MemberDetectOwnStateItems',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...TABLE_ACCESS.detect.actions],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg1' },
        ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Blastwall-member-detect-*' },
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': TABLE_ACCESS.detect.keyPrefixes.map((p) => `${p}*`) },
      },
    });
    // The central topology's table has none.
    expect(resources(central.central, 'AWS::DynamoDB::Table')[0]![1].Properties.ResourcePolicy).toBeUndefined();
  });

  it('admits on the bus CloudTrail events from forwarders, Blastwall Finding from member detect roles, Blastwall Heartbeat from member heartbeat roles', () => {
    const [, bus] = resources(member.central, 'AWS::Events::EventBus')[0]!;
    const statements = bus.Properties.Policy.Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(['OrganizationMembersForwardCloudTrail', 'MemberDetectPublishesFindings', 'MemberHeartbeats']);
    const [forwarders, detect, heartbeat] = statements;
    expect(forwarders.Condition.ArnLike['aws:PrincipalArn']).toBe('arn:aws:iam::*:role/Blastwall-forwarder-*');
    expect(forwarders.Condition['ForAllValues:StringEquals']['events:detail-type']).toEqual([...CLOUDTRAIL_DETAIL_TYPES]);
    expect(forwarders.Condition['ForAllValues:StringLike']['events:source']).toEqual(['aws.*']);
    expect(detect.Condition['ForAllValues:StringEquals']['events:detail-type']).toEqual([DETAIL_TYPES.finding]);
    expect(detect.Condition.Null).toEqual({ 'events:source': 'false', 'events:detail-type': 'false' });
    expect(detect.Condition.ArnLike['aws:PrincipalArn']).toBe('arn:aws:iam::*:role/Blastwall-member-detect-*');
    expect(heartbeat.Condition['ForAllValues:StringEquals']['events:detail-type']).toEqual([DETAIL_TYPES.heartbeat]);
    expect(heartbeat.Condition.ArnLike['aws:PrincipalArn']).toBe('arn:aws:iam::*:role/Blastwall-member-heartbeat-*');
  });

  it('routes member findings to respond and page, heartbeats and a 5-minute schedule to heartbeat-watch', () => {
    member.central.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['blastwall'], 'detail-type': [DETAIL_TYPES.finding], account: [{ 'anything-but': ['999999999999'] }] },
      Targets: Match.arrayWith([Match.objectLike({ Id: 'Target0' }), Match.objectLike({ Id: 'Target1' })]),
    });
    member.central.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['blastwall'], 'detail-type': [DETAIL_TYPES.heartbeat] } });
    member.central.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('imports member findings into Security Hub too, when it is enabled', () => {
    const withHub = synthesise(exampleConfig((raw) => { raw.deployment.topology = 'member'; raw.securityHub = { enabled: true }; }), { context: { centralTableName: TABLE_NAME } });
    const memberFindings = resources(withHub.central, 'AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('anything-but'))![1];
    const hubFn = resources(withHub.central, 'AWS::Lambda::Function').find(([id]) => id.startsWith('SecurityHub'))![0];
    expect(memberFindings.Properties.Targets.map((t: { Arn: unknown }) => flat(t.Arn))).toContain(`\${${hubFn}.Arn}`);
    const without = resources(member.central, 'AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('anything-but'))![1];
    expect(without.Properties.Targets).toHaveLength(2);
  });

  it('alarms on a silent member and on unknown code, and on the watch itself going quiet', () => {
    for (const metric of [METRICS.memberHeartbeatsSilent, METRICS.memberHeartbeatsUnknownCode]) {
      member.central.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'Blastwall',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'breaching',
        Period: 300,
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('counts the events member detectors judged as received for the blind-detector alarm (central topology: detect\'s invocations only)', () => {
    const alarm = (t: Template) => Object.entries(t.findResources('AWS::CloudWatch::Alarm')).find(([id]) => id.includes('NoEventsReceived'))![1].Properties;
    const metrics = alarm(member.central).Metrics;
    expect(metrics.find((m: { Expression?: string }) => m.Expression)?.Expression).toBe('FILL(d, 0) + FILL(m, 0)');
    expect(metrics.find((m: { Id: string }) => m.Id === 'm').MetricStat.Metric.MetricName).toBe(METRICS.memberEventsJudged);
    expect(alarm(central.central).MetricName).toBe('Invocations');
  });

  it('has a config reader role trusted only by member detect roles of the organisation', () => {
    const [, role] = resources(member.central, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === 'Blastwall-member-config-reader')!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg1' }, ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Blastwall-member-detect-*' } },
      },
    ]);
  });
});

describe('member topology: cdk-nag AwsSolutions', () => {
  it('reports zero unsuppressed findings on every stack', () => {
    const report = new AwsSolutionsChecks(member.built.app).validateScope(member.built.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
