import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, METRICS } from '../../functions/core/telemetry-names.ts';
import { TABLE_ACCESS, UNDO_RESERVED_CONCURRENCY } from '../../lib/central-stack.ts';
import { PLACEHOLDER } from '../../functions/page/secrets.ts';
import { CLOUDTRAIL_DETAIL_TYPES } from '../../lib/member-stack.ts';
import { actionsOf, flat, logicalId, roleStatements, synthesise, type Statement, type Synthesised } from './support.ts';

let s: Synthesised;
let t: Template;
let resources: Record<string, { Type: string; Properties: any; DeletionPolicy?: string }>;

beforeAll(() => {
  s = synthesise();
  t = s.central;
  resources = (t.toJSON() as any).Resources;
});

const functionId = (name: string) => logicalId(t, 'AWS::Lambda::Function', `${name}Function`);
const roleId = (name: string) => logicalId(t, 'AWS::IAM::Role', `${name}Role`);
const statementsOf = (name: string): Statement[] => roleStatements(t, roleId(name));
const allActions = (name: string) => statementsOf(name).flatMap(actionsOf);

describe('central bus', () => {
  it('is a custom bus whose policy admits only the organisation, every statement with a sid', () => {
    const buses = Object.values(t.findResources('AWS::Events::EventBus'));
    expect(buses).toHaveLength(1);
    expect(buses[0]!.Properties.Name).toBe('Blastwall-central');
    const statements = buses[0]!.Properties.Policy.Statement as (Statement & { Principal: unknown })[];
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      expect(st.Sid, 'every bus policy statement needs a sid').toMatch(/^[A-Za-z0-9]+$/);
      expect(st.Effect).toBe('Allow');
      expect(actionsOf(st)).toEqual(['events:PutEvents']);
      expect(flat(st.Resource)).toBe('arn:aws:events:eu-west-1:999999999999:event-bus/Blastwall-central');
      // Any account of the organisation, but only through the member stacks' forwarder roles.
      expect(st.Principal).toEqual({ AWS: '*' });
      expect(st.Condition!.StringEquals).toEqual({ 'aws:PrincipalOrgID': 'o-exampleorg1' });
      expect(flat(st.Condition!.ArnLike!['aws:PrincipalArn'])).toBe('arn:aws:iam::*:role/Blastwall-forwarder-*');
      expect(Object.keys(st.Condition!).sort()).toEqual(['ArnLike', 'StringEquals']);
    }
    expect(Object.keys(t.findResources('AWS::Events::EventBusPolicy'))).toHaveLength(0);
  });

  it('routes CloudTrail events (aws.* sources, the three detail-types) to detect', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: [{ prefix: 'aws.' }], 'detail-type': [...CLOUDTRAIL_DETAIL_TYPES] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId('Detect'), 'Arn'] } })],
    });
  });

  it('routes Blastwall Finding to respond and page, Response to page, Restore Requested to respond — from this account only', () => {
    const own = (detailType: string) => ({ source: [BLASTWALL_EVENT_SOURCE], 'detail-type': [detailType], account: ['999999999999'] });
    const target = (fn: string) => Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(fn), 'Arn'] } });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: own(DETAIL_TYPES.finding), Targets: Match.arrayWith([target('Respond'), target('Page')]) });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: own(DETAIL_TYPES.response), Targets: [target('Page')] });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: own(DETAIL_TYPES.restoreRequested), Targets: [target('Respond')] });
  });

  it('every rule sits on the central bus, never the default bus (the history schedules excepted: schedules are rules of the default bus)', () => {
    const busId = logicalId(t, 'AWS::Events::EventBus', 'Bus');
    const rules = Object.values(t.findResources('AWS::Events::Rule'));
    for (const rule of rules.filter((r) => !r.Properties.ScheduleExpression)) {
      expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    }
    expect(rules.filter((r) => r.Properties.ScheduleExpression).map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)', 'rate(15 minutes)']);
  });
});

describe('asynchronous delivery never drops silently', () => {
  it('every rule target has a dead-letter queue and an explicit retry policy', () => {
    const rules = Object.values(t.findResources('AWS::Events::Rule'));
    // + Posture Finding → page (lib/constructs/prevention.ts), + the two history schedules (lib/constructs/history.ts)
    expect(rules).toHaveLength(7);
    const targets = rules.flatMap((r) => r.Properties.Targets);
    expect(targets).toHaveLength(8);
    for (const target of targets) {
      expect(target.DeadLetterConfig?.Arn, JSON.stringify(target)).toBeDefined();
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
    }
  });

  it('each target dead-letters into its own function’s DLQ, and EventBridge may write only there', () => {
    for (const fn of ['Detect', 'Respond', 'Page']) {
      const queue = logicalId(t, 'AWS::SQS::Queue', `${fn}Dlq`);
      const rules = Object.values(t.findResources('AWS::Events::Rule'));
      const targets = rules.flatMap((r) => r.Properties.Targets).filter((x: any) => x.Arn['Fn::GetAtt'][0] === functionId(fn));
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
    }
  });

  it('asynchronously invoked functions retry, then dead-letter; undo (synchronous Function URL) has no async config', () => {
    for (const fn of ['Detect', 'Respond', 'Page']) {
      const id = functionId(fn);
      expect(resources[id]!.Properties.DeadLetterConfig.TargetArn).toEqual({ 'Fn::GetAtt': [logicalId(t, 'AWS::SQS::Queue', `${fn}Dlq`), 'Arn'] });
      t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: Match.anyValue(),
      });
    }
    expect(resources[functionId('Undo')]!.Properties.DeadLetterConfig).toBeUndefined();
  });

  it('the public undo URL has capped concurrency, so a flood cannot starve detect', () => {
    expect(resources[functionId('Undo')]!.Properties.ReservedConcurrentExecutions).toBe(UNDO_RESERVED_CONCURRENCY);
    expect(resources[functionId('Detect')]!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('DLQs are encrypted and refuse plain-text transport', () => {
    const queues = t.findResources('AWS::SQS::Queue');
    // + the prevention schedules' DLQ, + the history schedules' DLQ
    expect(Object.keys(queues)).toHaveLength(5);
    for (const [id, q] of Object.entries(queues)) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('state table', () => {
  it('is on-demand, point-in-time recoverable, expires history by TTL, and survives stack deletion', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
      },
    });
  });
});

describe('functions', () => {
  it('eight functions (the four, audit and backup-watchdog, warm-up and reconcile), nodejs22.x on arm64, each with its own role and its own log group with retention', () => {
    const fns = t.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(8);
    const roles = new Set<string>();
    for (const fn of Object.values(fns)) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      roles.add(JSON.stringify(fn.Properties.Role));
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroup]!.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroup]!.Properties.RetentionInDays).toBeGreaterThan(0);
    }
    expect(roles.size).toBe(8);
    // No CDK log-retention custom resource (its role would hold logs:* on *).
    expect(Object.keys(t.findResources('Custom::LogRetention'))).toHaveLength(0);
  });

  it('each function gets where the validated config is (AppConfig) and the names it needs, nothing more', () => {
    const env = (fn: string) => resources[functionId(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
    const hosted = Object.values(t.findResources('AWS::AppConfig::HostedConfigurationVersion'));
    expect(hosted).toHaveLength(1);
    const config = JSON.parse(hosted[0]!.Properties.Content as string);
    expect(config.deployment.organizationId).toBe('o-exampleorg1');
    expect(config.response.responderRoleName).toBe('BlastwallResponder');
    for (const fn of ['Detect', 'Respond', 'Page', 'Undo']) {
      expect(env(fn)[ENV_VARS.config], fn).toBeUndefined();
      expect(env(fn)[ENV_VARS.appConfig], fn).toBeDefined();
    }
    expect(Object.keys(env('Detect'))).toEqual(expect.arrayContaining([ENV_VARS.tableName, ENV_VARS.eventBusName, ENV_VARS.ownRoleArns]));
    expect(env('Detect')[ENV_VARS.slackSecretArn]).toBeUndefined();
    expect(env('Respond')[ENV_VARS.slackSecretArn]).toBeUndefined();
    expect(Object.keys(env('Page'))).toEqual(expect.arrayContaining([ENV_VARS.slackSecretArn, ENV_VARS.pagerDutySecretArn, ENV_VARS.tableName]));
    expect(env('Undo')[ENV_VARS.pagerDutySecretArn]).toBeUndefined();
    expect(Object.keys(env('Undo'))).toEqual(expect.arrayContaining([ENV_VARS.slackSecretArn, ENV_VARS.tableName, ENV_VARS.eventBusName]));
    // Exact ARNs of the central function roles (no name glob: issue 15 item 1).
    expect(JSON.parse(flat(env('Detect')[ENV_VARS.ownRoleArns]))).toEqual(
      ['detect', 'respond', 'page', 'undo', 'audit', 'backup-watchdog', 'warm-up', 'reconcile'].map((fn) => `arn:aws:iam::999999999999:role/Blastwall-${fn}-function`),
    );
  });

  it('each function’s environment fits Lambda’s 4 KB limit (deploy-time ARNs counted at 256 bytes)', () => {
    for (const fn of ['Detect', 'Respond', 'Page', 'Undo']) {
      const vars = resources[functionId(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
      const bytes = Object.entries(vars).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 256), 0);
      expect(bytes, fn).toBeLessThan(4096);
    }
  });

  it('the undo function has a Function URL (Slack signs requests) exported as an output', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [functionId('Undo'), 'Arn'] } });
    t.hasOutput('UndoFunctionUrl', { Value: { 'Fn::GetAtt': [logicalId(t, 'AWS::Lambda::Url', 'UndoFunction'), 'FunctionUrl'] } });
    expect(Object.keys(t.findResources('AWS::Lambda::Url'))).toHaveLength(1);
  });

  it('the respond function role has the fixed name the member responder roles trust', () => {
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'Blastwall-respond-function' });
    // Every function role is named from functions/core/response/own-principals.ts: what respond and replay protect.
    for (const fn of ['detect', 'page', 'undo']) t.hasResourceProperties('AWS::IAM::Role', { RoleName: `Blastwall-${fn}-function` });
    t.hasOutput('RespondRoleArn', Match.anyValue());
  });
});

describe('least privilege', () => {
  const tableArn = () => ({ 'Fn::GetAtt': [logicalId(t, 'AWS::DynamoDB::Table', 'State'), 'Arn'] });
  const busArn = () => ({ 'Fn::GetAtt': [logicalId(t, 'AWS::Events::EventBus', 'Bus'), 'Arn'] });

  it('no statement anywhere grants "*" or a whole service (svc:*), and nothing grants iam:*', () => {
    for (const template of Object.values(s.templates)) {
      const statements: Statement[] = [];
      const collect = (json: string) =>
        JSON.parse(json, (key, value) => {
          if (value && typeof value === 'object' && 'Effect' in value && 'Action' in value) statements.push(value);
          // A StackSet carries its template as a string: check inside it too.
          if (key === 'TemplateBody' && typeof value === 'string') collect(value);
          return value;
        });
      collect(JSON.stringify(template.toJSON()));
      expect(statements.length).toBeGreaterThan(0);
      for (const st of statements.filter((x) => x.Effect === 'Allow')) {
        for (const action of actionsOf(st)) {
          expect(action, JSON.stringify(st)).not.toBe('*');
          expect(action, JSON.stringify(st)).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
      }
    }
  });

  it('each function reaches only its own items of the shared table (dynamodb:LeadingKeys), with only the calls its adapter makes', () => {
    const owners = { Detect: 'detect', Respond: 'respond', Page: 'page', Undo: 'undo' } as const;
    for (const [fn, key] of Object.entries(owners)) {
      const table = statementsOf(fn).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
      expect(table, fn).toHaveLength(1);
      expect(actionsOf(table[0]!).sort()).toEqual([...TABLE_ACCESS[key].actions].sort());
      expect(table[0]!.Resource).toEqual(tableArn());
      expect(table[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': TABLE_ACCESS[key].keyPrefixes.map((p) => `${p}*`) } });
      for (const a of actionsOf(table[0]!)) expect(a).not.toMatch(/Scan|Table|Export|Import|Stream/);
    }
    // No two functions share a prefix: detect cannot forge a page record, page cannot touch the breaker.
    const all = Object.values(TABLE_ACCESS).flatMap((x, i) => (i === 3 ? [] : x.keyPrefixes));
    expect(new Set(all).size).toBe(all.length);
  });

  it('detect: table items and PutEvents of findings on the bus; no IAM, no STS, no secrets', () => {
    const actions = allActions('Detect');
    expect(actions.filter((a) => /^(iam|sts|secretsmanager):/.test(a))).toEqual([]);
    expect(actions).not.toContain('dynamodb:Scan');
    const put = statementsOf('Detect').find((st) => actionsOf(st).includes('events:PutEvents'))!;
    expect(put.Resource).toEqual(busArn());
    expect(put.Condition).toEqual({ 'ForAllValues:StringEquals': { 'events:source': [BLASTWALL_EVENT_SOURCE], 'events:detail-type': [DETAIL_TYPES.finding] } });
  });

  it('respond: may assume only the responder role name (in the organisation), publish responses, use the table; no secrets, no IAM', () => {
    const st = statementsOf('Respond');
    const assume = st.filter((x) => actionsOf(x).some((a) => a.startsWith('sts:')));
    expect(assume).toHaveLength(1);
    expect(actionsOf(assume[0]!)).toEqual(['sts:AssumeRole']);
    expect(flat(assume[0]!.Resource)).toBe('arn:aws:iam::*:role/BlastwallResponder');
    expect(assume[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-exampleorg1' } });
    const actions = allActions('Respond');
    expect(actions.filter((a) => /^(iam|secretsmanager):/.test(a))).toEqual([]);
    const put = st.find((x) => actionsOf(x).includes('events:PutEvents'))!;
    expect(put.Condition!['ForAllValues:StringEquals']!['events:detail-type']).toEqual([DETAIL_TYPES.response]);
  });

  it('page: the table and the two secrets, and only the read-only history role to assume (the page context); no IAM, cannot publish events', () => {
    const actions = allActions('Page');
    expect(actions.filter((a) => /^(iam|events):/.test(a))).toEqual([]);
    const sts = statementsOf('Page').filter((x) => actionsOf(x).some((a) => a.startsWith('sts:')));
    expect(sts.map((x) => [actionsOf(x), flat(x.Resource).replace('${AWS::Partition}', 'aws')])).toEqual([[['sts:AssumeRole'], 'arn:aws:iam::*:role/Blastwall-history-reader']]);
    const secrets = statementsOf('Page').filter((x) => actionsOf(x).includes('secretsmanager:GetSecretValue'));
    expect(secrets.map((x) => x.Resource)).toEqual([
      { Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'SlackSecret') },
      { Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'PagerDutySecret') },
    ]);
  });

  it('undo: the Slack secret, its page records and PutEvents of restore requests; no PagerDuty, no IAM, no STS', () => {
    const actions = allActions('Undo');
    expect(actions.filter((a) => /^(iam|sts):/.test(a))).toEqual([]);
    const secrets = statementsOf('Undo').filter((x) => actionsOf(x).includes('secretsmanager:GetSecretValue'));
    expect(secrets.map((x) => x.Resource)).toEqual([{ Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'SlackSecret') }]);
    const put = statementsOf('Undo').find((x) => actionsOf(x).includes('events:PutEvents'))!;
    expect(put.Condition!['ForAllValues:StringEquals']!['events:detail-type']).toEqual([DETAIL_TYPES.restoreRequested]);
  });

  it('only respond can act in another account: detect and undo have no sts:AssumeRole (page, warm-up and reconcile only the read-only history role)', () => {
    for (const fn of ['Detect', 'Undo']) expect(allActions(fn).filter((a) => a.startsWith('sts:'))).toEqual([]);
    // (warm-up and reconcile assume only the read-only history role: test/history/history-infra.test.ts)
  });
});

describe('secrets', () => {
  it('Slack and PagerDuty secrets exist with the placeholders the functions recognise as "not filled in"', () => {
    const secret = (name: string) => JSON.parse(Object.values(t.findResources('AWS::SecretsManager::Secret', { Properties: { Name: name } }))[0]!.Properties.SecretString);
    expect(secret('blastwall/slack')).toEqual({ botToken: PLACEHOLDER, signingSecret: PLACEHOLDER, channel: PLACEHOLDER });
    expect(secret('blastwall/pagerduty')).toEqual({ routingKey: PLACEHOLDER });
    t.hasOutput('SlackSecretArn', Match.anyValue());
    t.hasOutput('PagerDutySecretArn', Match.anyValue());
  });
});

describe('watching the watcher', () => {
  const alarms = () => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const topicRef = () => ({ Ref: logicalId(t, 'AWS::SNS::Topic', 'AlarmTopic') });

  it('every alarm notifies the alarm topic; the topic is KMS-encrypted and has the email subscription', () => {
    expect(alarms().length).toBeGreaterThanOrEqual(15);
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([topicRef()]);
      expect(a.OKActions).toEqual([topicRef()]);
    }
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security-oncall@example.com', TopicArn: topicRef() });
  });

  it('errors and throttles for each function, depth for each DLQ', () => {
    for (const fn of ['Detect', 'Respond', 'Page', 'Undo']) {
      for (const metric of ['Errors', 'Throttles']) {
        t.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(fn) } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    }
    for (const fn of ['Detect', 'Respond', 'Page']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(t, 'AWS::SQS::Queue', `${fn}Dlq`), 'QueueName'] } }],
        Threshold: 1,
      });
    }
  });

  it('revocation failures and the circuit breaker opening page at the first occurrence', () => {
    for (const metric of [METRICS.revocationFailures, METRICS.circuitBreakerOpen]) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRIC_NAMESPACE,
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'blastwall' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('a blind detector pages: detect not invoked for silenceAlarmMinutes, missing data breaching', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 30,
      DatapointsToAlarm: 30,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('dashboard: events per minute, findings by severity, revocations, processing latency p99', () => {
    const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = flat(dashboards[0]!.Properties.DashboardBody);
    for (const title of ['Events per minute', 'Findings by severity', 'Revocations', 'Processing latency p99']) expect(body).toContain(title);
    expect(body).toContain(`"${METRICS.processingLatency}"`);
    expect(body).toContain('"stat":"p99"');
    for (const severity of ['info', 'low', 'medium', 'high', 'critical']) expect(body).toContain(`"Severity","${severity}"`);
    // Metrics with a free-valued dimension are graphed with SEARCH, so every value shows.
    expect(body).toContain(`SEARCH('{${METRIC_NAMESPACE},Reason,service} MetricName=\\"${METRICS.undoRefused}\\"'`);
  });
});
