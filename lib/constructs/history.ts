/**
 * History in the central stack: the one-off `warm-up` function (started by a custom
 * resource on first deploy, continued by its schedule until done) and the scheduled
 * `reconcile` function (every 15 minutes), with exactly their permissions, and the
 * alarm on missed events. Both read CloudTrail in the member accounts through the
 * read-only history role the member stacks deploy (lib/member-stack.ts).
 */
import { CustomResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_WARM_UP_DAYS } from '../../functions/warm-up/warm-up.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRICS } from '../../functions/core/telemetry-names.ts';
import type { ResourceNames } from '../names.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import { blastwallMetric } from './monitoring.ts';

/** Table items each history function touches: detection's state (it runs detect's pipeline) and its own. */
export const HISTORY_TABLE_ACCESS = {
  // warm-up: the detector's reads and writes, and its checkpoint.
  warmUp: {
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
    keyPrefixes: ['CRED#', 'ACTOR#', 'SESSION#', 'RES#', 'EVT#', 'HISTORY#'],
  },
  // reconcile: the detect handler's (detection state, the seen ledger) and its checkpoints.
  reconcile: {
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
    keyPrefixes: ['CRED#', 'ACTOR#', 'SESSION#', 'RES#', 'EVT#', 'SEEN#', 'HISTORY#'],
  },
} as const;

export const RECONCILE_SCHEDULE_MINUTES = 15;

export interface HistoryProps {
  names: ResourceNames;
  organizationId: string | undefined;
  table: dynamodb.ITable;
  bus: events.IEventBus;
  /** Environment every function gets (config, own role ARNs, Powertools). */
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  alarmTopic: sns.ITopic;
}

export class History extends Construct {
  readonly warmUp: BlastwallFunction;
  readonly reconcile: BlastwallFunction;
  readonly missedEventsAlarm: cloudwatch.Alarm;
  readonly deadLetterQueue: sqs.Queue;
  private readonly historyRoleArn: string;
  private readonly partition: string;
  private readonly historyRoleName: string;
  private readonly organizationId: string | undefined;

  /** Lets a role assume the read-only history role in any member account (inside the organisation). */
  allowReadingHistory(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberHistoryRole',
        actions: ['sts:AssumeRole'],
        resources: [this.historyRoleArn],
        ...(this.organizationId ? { conditions: { StringEquals: { 'aws:ResourceOrgID': this.organizationId } } } : {}),
      }),
    );
    Validations.of(role).acknowledge({
      // With @aws-cdk/core:enablePartitionLiterals the partition is a literal when the region is known.
      id: `AwsSolutions-IAM5[Resource::arn:${Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition}:iam::*:role/${this.historyRoleName}]`,
      reason: 'The read-only history role exists in every member account, which the organisation adds and removes over time; the account is the only wildcard, the role name is fixed and aws:ResourceOrgID keeps it inside the organisation.',
    });
  }

  constructor(scope: Construct, id: string, props: HistoryProps) {
    super(scope, id);
    const { names } = props;
    const partition = Stack.of(this).partition;
    const env = {
      ...props.environment,
      [ENV_VARS.tableName]: props.table.tableName,
      [ENV_VARS.historyRoleName]: names.historyReaderRole,
    };

    this.warmUp = new BlastwallFunction(this, 'WarmUp', {
      name: 'warm-up',
      description: 'Blastwall warm-up: the last days of CloudTrail into the detection state (once, resumable)',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: { ...env, [ENV_VARS.warmUpDays]: String(DEFAULT_WARM_UP_DAYS) },
      logRetention: props.logRetention,
      roleName: names.warmUpFunctionRole,
      // One at a time: two runs would process the same slice.
      reservedConcurrentExecutions: 1,
    });
    this.reconcile = new BlastwallFunction(this, 'Reconcile', {
      name: 'reconcile',
      description: 'Blastwall reconcile: CloudTrail write events detect never received → detect',
      memorySize: 512,
      timeout: Duration.minutes(5),
      environment: { ...env, [ENV_VARS.eventBusName]: props.bus.eventBusName },
      logRetention: props.logRetention,
      roleName: names.reconcileFunctionRole,
      reservedConcurrentExecutions: 1,
    });

    const tableAccess = (access: (typeof HISTORY_TABLE_ACCESS)[keyof typeof HISTORY_TABLE_ACCESS]) =>
      new iam.PolicyStatement({
        sid: 'OwnStateTableItems',
        actions: [...access.actions],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.keyPrefixes.map((p) => `${p}*`) } },
      });
    this.partition = partition;
    this.historyRoleArn = `arn:${partition}:iam::*:role/${names.historyReaderRole}`;
    this.organizationId = props.organizationId;
    this.historyRoleName = names.historyReaderRole;
    this.warmUp.role.addToPolicy(tableAccess(HISTORY_TABLE_ACCESS.warmUp));
    this.reconcile.role.addToPolicy(tableAccess(HISTORY_TABLE_ACCESS.reconcile));
    this.allowReadingHistory(this.warmUp.role);
    this.allowReadingHistory(this.reconcile.role);
    this.reconcile.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishFindings',
        actions: ['events:PutEvents'],
        resources: [props.bus.eventBusArn],
        conditions: { 'ForAllValues:StringEquals': { 'events:source': [BLASTWALL_EVENT_SOURCE], 'events:detail-type': [DETAIL_TYPES.finding] } },
      }),
    );

    // First deploy: a custom resource whose provider is the function itself (it answers
    // CloudFormation at once, then works); the schedule continues it until done.
    new CustomResource(this, 'WarmUpOnFirstDeploy', { serviceToken: this.warmUp.function.functionArn, resourceType: 'Custom::BlastwallWarmUp' });
    // Schedules live on the default bus (EventBridge's rule). A run that cannot be delivered is
    // dead-lettered (and alarmed on); the next run redoes its work anyway: both jobs resume.
    this.deadLetterQueue = new sqs.Queue(this, 'HistoryDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the history schedules; a DLQ of a DLQ would only move the same messages, and its depth alarm pages.',
    });
    const scheduled = { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(RECONCILE_SCHEDULE_MINUTES) };
    new events.Rule(this, 'ContinueWarmUp', {
      description: 'Blastwall warm-up: continue until the baseline is warm (then each run is one read)',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.warmUp.function, scheduled)],
    });
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'Blastwall reconcile: every 15 minutes, CloudTrail write events detect never received',
      schedule: events.Schedule.rate(Duration.minutes(RECONCILE_SCHEDULE_MINUTES)),
      targets: [new targets.LambdaFunction(this.reconcile.function, scheduled)],
    });

    this.missedEventsAlarm = new cloudwatch.Alarm(this, 'MissedEvents', {
      alarmDescription:
        'Blastwall reconcile: CloudTrail recorded write events that never reached detect (now detected late). Check the member forwarding rules, their DLQs and the central bus policy.',
      metric: blastwallMetric(METRICS.missedEvents, 'Sum', Duration.minutes(RECONCILE_SCHEDULE_MINUTES)),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.missedEventsAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    this.missedEventsAlarm.addOkAction(new actions.SnsAction(props.alarmTopic));
  }
}
