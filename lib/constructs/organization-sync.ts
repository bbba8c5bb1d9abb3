/**
 * Environments by organisational unit, in the central stack (only when the config names an OU in
 * `environments[].organizationalUnits`): the org-sync function, what invokes it, and detect's and
 * respond's read of its one cache item.
 *
 *   EventBridge Scheduler ──(hourly)──────────────────────────────▶ org-sync ──▶ Organizations (List calls)
 *   central bus ──(aws.organizations: CreateAccountResult, …)─────▶ org-sync ──▶ state table ORG#OU-ACCOUNTS
 *   detect, respond ──(GetItem ORG#OU-ACCOUNTS at cold start, then every few minutes)──▶ state table
 *
 * The membership events come from the management account's own CloudTrail, forwarded by the member
 * stack deployed there (docs/deploy.md): a new account is placed before its own first events arrive.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORG_CACHE_KEY } from '../../functions/core/organization.ts';
import { ENV_VARS, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import { alarmOnFirstOccurrence } from './monitoring.ts';
import type { ConfigStore } from './config-store.ts';

/** Exactly the calls functions/adapters/organizations-ou-walker.ts makes. */
export const ORG_SYNC_ORGANIZATIONS_ACTIONS = ['organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent'] as const;

/** The one cache item: org-sync writes it, detect reads it; neither reaches any other item through these statements. */
export const ORG_CACHE_ACCESS = { orgSync: ['dynamodb:PutItem'], readers: ['dynamodb:GetItem'] } as const;

/**
 * Organizations' CloudTrail events that change which accounts an OU holds. CreateAccountResult is
 * the service event when a new account exists (CreateAccount itself only starts it); MoveAccount
 * moves one between OUs; AcceptHandshake brings an invited account in;
 * RemoveAccountFromOrganization and LeaveOrganization take one out.
 */
export const ORG_MEMBERSHIP_EVENTS = ['CreateAccountResult', 'MoveAccount', 'AcceptHandshake', 'RemoveAccountFromOrganization', 'LeaveOrganization'] as const;

/** Hourly: the events above do the timely work; the schedule repairs a missed event. */
export const ORG_SYNC_SCHEDULE = Duration.hours(1);

export interface OrganizationSyncProps {
  bus: events.IEventBus;
  table: dynamodb.ITable;
  /** detect's and respond's roles: granted GetItem on the cache item (both resolve target accounts' environments). */
  readerRoles: iam.IRole[];
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
  targetRetry: { retryAttempts: number; maxEventAge: Duration };
  configStore: ConfigStore;
}

export class OrganizationSync extends Construct {
  readonly function: BlastwallFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly membershipRule: events.Rule;

  constructor(scope: Construct, id: string, props: OrganizationSyncProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // A run that fails after retries — from the schedule, an event, or Lambda's own async retries — lands here.
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the org-sync function, its schedule and its rule; a DLQ of a DLQ would only move the same messages, and its depth alarm pages.',
    });

    this.function = new BlastwallFunction(this, 'OrgSync', {
      name: 'org-sync',
      description: 'Blastwall org-sync: accounts of the configured organisational units → state table, hourly and on account creation or move',
      memorySize: 256,
      timeout: Duration.minutes(2),
      environment: {
        ...props.configStore.environmentVariables,
        [ENV_VARS.tableName]: props.table.tableName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
      logRetention: props.logRetention,
      // One walk at a time: a burst of account creations queues (Lambda retries throttled async
      // invocations) instead of multiplying Organizations calls, which that API throttles.
      reservedConcurrentExecutions: 1,
      asyncFailureQueue: this.deadLetterQueue,
    });
    props.configStore.grantRead(this.function.role);

    // ── Permissions ──────────────────────────────────────────────────────────────────
    this.function.role.addToPolicy(new iam.PolicyStatement({ sid: 'WalkOrganizationalUnits', actions: [...ORG_SYNC_ORGANIZATIONS_ACTIONS], resources: ['*'] }));
    Validations.of(this.function.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListAccountsForParent and ListOrganizationalUnitsForParent support no resource-level permission (only "*"); both are read-only, list one parent\'s children, and answer only in the management account or a delegated administrator account.',
    });
    const cacheItem = (sid: string, calls: readonly string[]) =>
      new iam.PolicyStatement({
        sid,
        actions: [...calls],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ORG_CACHE_KEY] } },
      });
    this.function.role.addToPolicy(cacheItem('WriteOrganizationCache', ORG_CACHE_ACCESS.orgSync));
    for (const role of props.readerRoles) role.addToPrincipalPolicy(cacheItem('ReadOrganizationCache', ORG_CACHE_ACCESS.readers));

    // ── Invocations: membership events on the central bus, and the schedule ───────────
    this.membershipRule = new events.Rule(this, 'MembershipChangeToOrgSync', {
      eventBus: props.bus,
      description: 'Organizations membership changes (CreateAccountResult, MoveAccount, …) → org-sync',
      eventPattern: {
        source: ['aws.organizations'],
        detailType: ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
        detail: { eventSource: ['organizations.amazonaws.com'], eventName: [...ORG_MEMBERSHIP_EVENTS] },
      },
      targets: [new targets.LambdaFunction(this.function.function, { deadLetterQueue: this.deadLetterQueue, ...props.targetRetry })],
    });

    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Blastwall: lets EventBridge Scheduler invoke org-sync, nothing else',
    });
    new scheduler.Schedule(this, 'HourlyOrgSync', {
      schedule: scheduler.ScheduleExpression.rate(ORG_SYNC_SCHEDULE),
      description: 'Blastwall: re-read the accounts of the configured organisational units',
      target: new schedulerTargets.LambdaInvoke(this.function.function, { role, deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) }),
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.function.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on this one function and its versions (the ":*" is the version qualifier CDK grants); the role is assumable only by EventBridge Scheduler of this account.',
    });

    // ── Alarms: a failed walk leaves the last cache item (accounts keep their last environment; new ones stay unknown) ──
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => alarmOnFirstOccurrence(this, alarmId, { description, metric, topic: props.alarmTopic });
    alarm('Errors', this.function.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), 'Blastwall org-sync failed: the organisational units could not be read (not the management or a delegated administrator account? an OU id that does not exist?). New accounts in those OUs resolve as unknown until it succeeds.');
    alarm('DlqDepth', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), 'An org-sync run was dead-lettered after retries.');
  }
}
