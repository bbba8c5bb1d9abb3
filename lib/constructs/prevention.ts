/**
 * Prevention, in the central stack: the scheduled audit (daily) and the backup watchdog
 * (hourly), each with its own role that can do little more than assume the read-only
 * reader role every member stack deploys, and publish Posture Findings, which a rule on
 * the central bus hands to the page function only (respond never sees them).
 *
 *   EventBridge Scheduler ──(daily)──▶ audit ──▶ reader role in each account (IAM reads)
 *                         ──(hourly)─▶ backup-watchdog ──▶ reader role (RDS/EC2/DynamoDB/Backup reads)
 *   audit, backup-watchdog ──(Blastwall Posture Finding)──▶ central bus ──▶ page
 */
import { functionRoleName } from '../../functions/core/response/own-principals.ts';
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';
import type { DeploymentSettings } from '../config.ts';
import type { ResourceNames } from '../names.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import { alarmOnFirstOccurrence } from './monitoring.ts';
import type { ConfigStore } from './config-store.ts';

/**
 * The reader role's permissions: exactly the calls functions/adapters/audit-collector.ts
 * and functions/adapters/backup-inventory.ts make (test/audit/least-privilege.test.ts
 * checks both directions with the IAM policy evaluator).
 */
export const READER_ACTIONS = {
  iam: ['iam:GetAccountAuthorizationDetails', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  /** On the account's users only. */
  iamUsers: ['iam:ListAccessKeys'],
  /** On the account's tables only. */
  tables: ['dynamodb:DescribeContinuousBackups'],
  backups: [
    'rds:DescribeDBInstances',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBInstanceAutomatedBackups',
    'ec2:DescribeVolumes',
    'ec2:DescribeSnapshots',
    'dynamodb:ListTables',
    'backup:ListBackupVaults',
    'backup:ListRecoveryPointsByBackupVault',
    'backup:ListProtectedResources',
  ],
} as const;

/** Organizations reads of the audit function (SCPs, their targets, OU parents). */
export const ORGANIZATIONS_READ_ACTIONS = ['organizations:ListPolicies', 'organizations:DescribePolicy', 'organizations:ListTargetsForPolicy', 'organizations:ListParents'] as const;

/** The audit's own items and the detector's principal histories it reads for "used by". */
export const AUDIT_TABLE_ACCESS = {
  own: { actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], keyPrefixes: ['AUDIT#'] },
  history: { actions: ['dynamodb:BatchGetItem'], keyPrefixes: ['CRED#'] },
} as const;

export const PREVENTION_MEMORY_MB = { audit: 1024, 'backup-watchdog': 512 } as const;

/** Role names the member reader role trusts (fixed: another account's trust policy names them). */
export function preventionRoleNames(names: ResourceNames) {
  return { audit: functionRoleName(names.prefix, 'audit'), watchdog: functionRoleName(names.prefix, 'backup-watchdog') };
}

export function preventionRoleArns(names: ResourceNames, deployment: DeploymentSettings, partition: string): string[] {
  const n = preventionRoleNames(names);
  return [`arn:${partition}:iam::${deployment.centralAccount}:role/${n.audit}`, `arn:${partition}:iam::${deployment.centralAccount}:role/${n.watchdog}`];
}

export interface PreventionProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  names: ResourceNames;
  bus: events.IEventBus;
  table: dynamodb.ITable;
  page: lambda.IFunction;
  pageDeadLetterQueue: sqs.IQueue;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
  targetRetry: { retryAttempts: number; maxEventAge: Duration };
  /** Where the functions read the config at cold start (AppConfig), as for every other function: no config in an environment variable. */
  configStore: ConfigStore;
}

export class Prevention extends Construct {
  readonly audit: BlastwallFunction;
  readonly watchdog: BlastwallFunction;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PreventionProps) {
    super(scope, id);
    const { config, deployment, names } = props;
    const stack = Stack.of(this);
    const roleNames = preventionRoleNames(names);
    const environment = {
      ...props.configStore.environmentVariables,
      [ENV_VARS.tableName]: props.table.tableName,
      [ENV_VARS.eventBusName]: props.bus.eventBusName,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    };

    // A scheduled run that fails twice is kept here (and alarms), not lost.
    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the two schedules; a DLQ of a DLQ would only move the same messages, and its depth alarm pages.',
    });

    this.audit = new BlastwallFunction(this, 'Audit', {
      name: 'audit',
      description: 'Blastwall audit: the five questions for every credential, daily; pages when a risk rises to high or above',
      memorySize: PREVENTION_MEMORY_MB.audit,
      timeout: Duration.minutes(15),
      environment,
      logRetention: props.logRetention,
      roleName: roleNames.audit,
      iamData: true,
    });
    this.watchdog = new BlastwallFunction(this, 'BackupWatchdog', {
      name: 'backup-watchdog',
      description: 'Blastwall backup watchdog: newest restorable recovery point per protected resource, hourly; pages when stale or not offsite',
      memorySize: PREVENTION_MEMORY_MB['backup-watchdog'],
      timeout: Duration.minutes(5),
      environment,
      logRetention: props.logRetention,
      roleName: roleNames.watchdog,
    });

    // ── Permissions ──────────────────────────────────────────────────────────────────
    const readerArn = `arn:${Aws.PARTITION}:iam::*:role/${config.audit.readerRoleName}`;
    const assumeReader = () =>
      new iam.PolicyStatement({
        sid: 'AssumeMemberReaderRole',
        actions: ['sts:AssumeRole'],
        resources: [readerArn],
        conditions: { StringEquals: { 'aws:ResourceOrgID': deployment.organizationId } },
      });
    const publishPosture = () =>
      new iam.PolicyStatement({
        sid: 'PublishPostureFindings',
        actions: ['events:PutEvents'],
        resources: [props.bus.eventBusArn],
        conditions: { 'ForAllValues:StringEquals': { 'events:source': [BLASTWALL_EVENT_SOURCE], 'events:detail-type': [DETAIL_TYPES.postureFinding] } },
      });
    for (const fn of [this.audit, this.watchdog]) {
      fn.role.addToPolicy(assumeReader());
      fn.role.addToPolicy(publishPosture());
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.audit.readerRoleName}]`,
        reason:
          'The reader role exists in every member account, which the organisation adds and removes over time; the account is the only wildcard, the role name is fixed and aws:ResourceOrgID keeps it inside the organisation.',
      });
    }
    const table = (sid: string, access: { actions: readonly string[]; keyPrefixes: readonly string[] }) =>
      new iam.PolicyStatement({
        sid,
        actions: [...access.actions],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.keyPrefixes.map((p) => `${p}*`) } },
      });
    this.audit.role.addToPolicy(table('OwnAuditItems', AUDIT_TABLE_ACCESS.own));
    this.audit.role.addToPolicy(table('ReadDetectorHistory', AUDIT_TABLE_ACCESS.history));
    this.audit.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadServiceControlPolicies', actions: [...ORGANIZATIONS_READ_ACTIONS], resources: ['*'] }));
    Validations.of(this.audit.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListPolicies and ListParents accept no resource but "*", and the policies and OUs to describe are only known at run time; the four actions are read-only and only answer where this account is the management or a delegated administrator account.',
    });

    // ── Schedules (EventBridge Scheduler: retries, then the DLQ) ──────────────────────
    const schedule = (sid: string, fn: BlastwallFunction, expression: scheduler.ScheduleExpression, description: string) => {
      // The schedule's own role: invoke this one function (CDK grants its versions too, `:*`).
      const role = new iam.Role(this, `${sid}Role`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Blastwall: lets EventBridge Scheduler invoke ${fn.function.node.id === 'Function' ? fn.node.id : 'the function'}, nothing else`,
      });
      new scheduler.Schedule(this, sid, {
        schedule: expression,
        description,
        target: new schedulerTargets.LambdaInvoke(fn.function, { role, deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) }),
      });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'lambda:InvokeFunction on this one function and its versions (the ":*" is the version qualifier CDK grants); the role is assumable only by EventBridge Scheduler of this account.',
      });
    };
    schedule('DailyAudit', this.audit, scheduler.ScheduleExpression.rate(Duration.days(1)), 'Blastwall: audit every credential once a day');
    schedule('HourlyBackupWatchdog', this.watchdog, scheduler.ScheduleExpression.rate(Duration.hours(1)), 'Blastwall: check the backups of high-sensitivity environments every hour');

    // ── Posture Findings → page only ─────────────────────────────────────────────────
    new events.Rule(this, 'PostureFindingToPage', {
      eventBus: props.bus,
      description: 'Blastwall Posture Finding (audit, backup watchdog) → page; never respond',
      eventPattern: { source: [BLASTWALL_EVENT_SOURCE], detailType: [DETAIL_TYPES.postureFinding], account: [stack.account] },
      targets: [new targets.LambdaFunction(props.page, { deadLetterQueue: props.pageDeadLetterQueue, ...props.targetRetry })],
    });

    // ── Alarms: a failed run (an unreadable account included) and a dead-lettered schedule ──
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => alarmOnFirstOccurrence(this, alarmId, { description, metric, topic: props.alarmTopic });
    alarm('AuditErrors', this.audit.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), 'Blastwall audit failed: an account could not be read (reader role missing?) or the run failed. Read the audit function logs.');
    alarm('WatchdogErrors', this.watchdog.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), 'Blastwall backup watchdog failed: an account or region could not be read. Backups there are unwatched.');
    alarm('ScheduleDlqDepth', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), 'A scheduled audit or watchdog run was dead-lettered after retries.');
  }
}
