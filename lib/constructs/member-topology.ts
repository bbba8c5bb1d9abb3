/**
 * Member topology (`deployment.topology: "member"`, docs/deploy.md "Topology"): the central
 * stack's side. Members run `detect` themselves (lib/constructs/member-detector.ts); here:
 *
 * - **The table's resource policy** admits the member detect roles — any account of the
 *   organisation (`aws:PrincipalOrgID`), the exact role name pattern
 *   `<prefix>-member-detect-<region>` (`aws:PrincipalArn`) — to detect's own items
 *   (`dynamodb:LeadingKeys`) with only the calls detect's store makes. One pattern, not a
 *   list of roles: a resource policy is limited to 20 KB, a list of 2,000 accounts × regions
 *   is not.
 * - **The bus's policy** admits `Blastwall Finding` from the member detect roles and
 *   `Blastwall Heartbeat` from the member heartbeat roles, nothing else (no forwarder exists
 *   in this topology, so no member may put CloudTrail-shaped events on the central bus).
 * - **The config reader role**: AppConfig has no resource policies, so member detect reads
 *   the config by assuming this role, which may read that one configuration profile only.
 * - **Findings from members** go to respond and page like the central detect's.
 * - **heartbeat-watch** keeps the last heartbeat per member and, every 5 minutes, judges
 *   them; two alarms page on a silent member (> 15 minutes) or one running code other than
 *   the central detect's, and on the watch itself stopping (missing data breaches).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import { HEARTBEAT_INTERVAL_MINUTES, HEARTBEAT_SILENCE_MINUTES } from '../../functions/core/heartbeat.ts';
import { HEARTBEAT_PARTITION } from '../../functions/adapters/heartbeat-store-dynamo.ts';
import { configuredOus, ORG_CACHE_KEY } from '../../functions/core/organization.ts';
import { memberConfigReaderRoleName } from '../../functions/core/response/own-principals.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';
import type { DeploymentSettings } from '../config.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import type { ConfigStore } from './config-store.ts';
import type { DetectTableAccess } from './member-detector.ts';
import { blastwallMetric } from './monitoring.ts';

/** The calls heartbeat-watch makes on its items (heartbeat-store-dynamo.ts): conditional Put, Query. */
export const HEARTBEAT_TABLE_ACCESS = { actions: ['dynamodb:PutItem', 'dynamodb:Query'], keyPrefixes: [HEARTBEAT_PARTITION] } as const;

/** IAM ARN pattern of every member detect role / heartbeat role (any account, any region). */
export function memberRoleArnPattern(prefix: string, fn: 'member-detect' | 'member-heartbeat', partition: string): string {
  return `arn:${partition}:iam::*:role/${prefix}-${fn}-*`;
}

/**
 * The central bus policy's statements in the member topology: member detect roles put
 * `Blastwall Finding`, member heartbeat roles `Blastwall Heartbeat`; forwarder roles (members
 * still on the central topology, e.g. the StackSet's: the two mix, docs/deploy.md "Topology")
 * put only the CloudTrail detail-types they forward, never one of Blastwall's own.
 */
export function memberBusStatements(props: { prefix: string; organizationId: string; busArn: string; partition: string; forwarderRoleArnPattern: string; cloudTrailDetailTypes: readonly string[] }): iam.PolicyStatement[] {
  const statement = (sid: string, principalArn: string, sources: string[], detailTypes: string[], sourceMatch: 'StringEquals' | 'StringLike' = 'StringEquals') =>
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.ALLOW,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [props.busArn],
      // events:source and events:detail-type are multi-valued keys: every value must match (ForAllValues), and be present (Null
      // false), since ForAllValues alone holds for an absent key.
      conditions: {
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
        ArnLike: { 'aws:PrincipalArn': principalArn },
        [`ForAllValues:${sourceMatch}`]: { 'events:source': sources },
        'ForAllValues:StringEquals': { 'events:detail-type': detailTypes },
        Null: { 'events:source': 'false', 'events:detail-type': 'false' },
      },
    });
  return [
    statement('OrganizationMembersForwardCloudTrail', props.forwarderRoleArnPattern, ['aws.*'], [...props.cloudTrailDetailTypes], 'StringLike'),
    statement('MemberDetectPublishesFindings', memberRoleArnPattern(props.prefix, 'member-detect', props.partition), [BLASTWALL_EVENT_SOURCE], [DETAIL_TYPES.finding]),
    statement('MemberHeartbeats', memberRoleArnPattern(props.prefix, 'member-heartbeat', props.partition), [BLASTWALL_EVENT_SOURCE], [DETAIL_TYPES.heartbeat]),
  ];
}

export interface MemberTopologyProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  prefix: string;
  bus: events.IEventBus;
  table: dynamodb.Table;
  tableAccess: DetectTableAccess;
  centralDetect: BlastwallFunction;
  respond: lambda.IFunction;
  page: lambda.IFunction;
  deadLetterQueues: { respond: sqs.IQueue; page: sqs.IQueue };
  targetRetry: { retryAttempts: number; maxEventAge: Duration };
  configStore: ConfigStore;
  /** When Security Hub is enabled: member findings are imported as the central ones are. */
  securityHub?: { function: lambda.IFunction; deadLetterQueue: sqs.IQueue };
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

export class MemberTopology extends Construct {
  readonly configReaderRole: iam.Role;
  readonly watch: BlastwallFunction;
  readonly silentAlarm: cloudwatch.Alarm;
  readonly unknownCodeAlarm: cloudwatch.Alarm;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: MemberTopologyProps) {
    super(scope, id);
    const { deployment, prefix, table } = props;
    const partition = table.stack.partition;
    const memberDetect = memberRoleArnPattern(prefix, 'member-detect', partition);
    const inOrganisation = { 'aws:PrincipalOrgID': deployment.organizationId };

    // ── The table: member detect roles, their own items, detect's calls only ───────────
    // In a table's resource policy "*" is the table itself (its own ARN would be a cycle).
    table.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberDetectOwnStateItems',
        principals: [new iam.AnyPrincipal()],
        actions: [...props.tableAccess.actions],
        resources: ['*'],
        conditions: {
          StringEquals: inOrganisation,
          ArnLike: { 'aws:PrincipalArn': memberDetect },
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': props.tableAccess.keyPrefixes.map((p) => `${p}*`) },
        },
      }),
    );
    if (configuredOus(props.config).length > 0) {
      table.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'MemberDetectReadsOrganizationCache',
          principals: [new iam.AnyPrincipal()],
          actions: ['dynamodb:GetItem'],
          resources: ['*'],
          conditions: { StringEquals: inOrganisation, ArnLike: { 'aws:PrincipalArn': memberDetect }, 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ORG_CACHE_KEY] } },
        }),
      );
    }

    // ── Config: the one profile, through a role (AppConfig has no resource policies) ───
    this.configReaderRole = new iam.Role(this, 'ConfigReaderRole', {
      roleName: memberConfigReaderRoleName(prefix),
      description: 'Blastwall (member topology): member detect functions read the config from AppConfig through this role, nothing else',
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.PrincipalWithConditions(new iam.AnyPrincipal(), { StringEquals: inOrganisation, ArnLike: { 'aws:PrincipalArn': memberDetect } }),
    });
    props.configStore.grantRead(this.configReaderRole);

    // ── Findings from member detect → respond and page ─────────────────────────────────
    const targetOptions = (queue: sqs.IQueue) => ({ deadLetterQueue: queue, ...props.targetRetry });
    new events.Rule(this, 'MemberFindingToRespondAndPage', {
      eventBus: props.bus,
      description: 'Blastwall Finding from a member account\'s detect (member topology) → respond and page',
      // The bus policy admits this detail-type from member accounts only from their detect roles.
      eventPattern: { source: [BLASTWALL_EVENT_SOURCE], detailType: [DETAIL_TYPES.finding], account: events.Match.anythingBut(table.stack.account) },
      targets: [
        new targets.LambdaFunction(props.respond, targetOptions(props.deadLetterQueues.respond)),
        new targets.LambdaFunction(props.page, targetOptions(props.deadLetterQueues.page)),
        ...(props.securityHub ? [new targets.LambdaFunction(props.securityHub.function, targetOptions(props.securityHub.deadLetterQueue))] : []),
      ],
    });

    // ── Heartbeats ─────────────────────────────────────────────────────────────────────
    this.deadLetterQueue = new sqs.Queue(this, 'HeartbeatDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of heartbeat-watch and its rules; a DLQ of a DLQ would only move the same messages, and its depth alarm pages.',
    });
    this.watch = new BlastwallFunction(this, 'HeartbeatWatch', {
      name: 'heartbeat-watch',
      description: 'Blastwall heartbeat-watch (member topology): keeps each member\'s last heartbeat; every 5 minutes, counts silent members and unknown code',
      memorySize: 256,
      timeout: Duration.seconds(60),
      // No config: the watch judges heartbeats only (members are known from their first one).
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        [ENV_VARS.tableName]: table.tableName,
        [ENV_VARS.detectFunctionName]: props.centralDetect.function.functionName,
        [ENV_VARS.heartbeatSilenceMinutes]: String(HEARTBEAT_SILENCE_MINUTES),
      },
      logRetention: props.logRetention,
      asyncFailureQueue: this.deadLetterQueue,
    });
    this.watch.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnHeartbeatItems',
        actions: [...HEARTBEAT_TABLE_ACCESS.actions],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...HEARTBEAT_TABLE_ACCESS.keyPrefixes] } },
      }),
    );
    this.watch.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadCentralDetectCodeHash', actions: ['lambda:GetFunctionConfiguration'], resources: [props.centralDetect.function.functionArn] }));

    new events.Rule(this, 'HeartbeatToWatch', {
      eventBus: props.bus,
      description: 'Blastwall Heartbeat from the member accounts → heartbeat-watch',
      eventPattern: { source: [BLASTWALL_EVENT_SOURCE], detailType: [DETAIL_TYPES.heartbeat] },
      targets: [new targets.LambdaFunction(this.watch.function, targetOptions(this.deadLetterQueue))],
    });
    new events.Rule(this, 'HeartbeatJudgeSchedule', {
      description: `Blastwall heartbeat-watch: judge every member's last heartbeat every ${HEARTBEAT_INTERVAL_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(HEARTBEAT_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(this.watch.function, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(4) })],
    });

    // ≥ 1 in a 5-minute period pages; no data (the watch stopped judging) pages too.
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, missingBreaches = true) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: missingBreaches ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      a.addOkAction(new actions.SnsAction(props.alarmTopic));
      return a;
    };
    this.silentAlarm = alarm(
      'MemberDetectorSilent',
      blastwallMetric(METRICS.memberHeartbeatsSilent, 'Maximum', Duration.minutes(HEARTBEAT_INTERVAL_MINUTES)),
      `Blastwall (member topology): a member's detect sent no heartbeat for more than ${HEARTBEAT_SILENCE_MINUTES} minutes (or never), or heartbeat-watch stopped judging. The heartbeat-watch log names the account and region; a stopped member detector sees nothing in that account and region.`,
    );
    this.unknownCodeAlarm = alarm(
      'MemberDetectorUnknownCode',
      blastwallMetric(METRICS.memberHeartbeatsUnknownCode, 'Maximum', Duration.minutes(HEARTBEAT_INTERVAL_MINUTES)),
      "Blastwall (member topology): a member's detect runs code whose SHA-256 is not the central detect's: changed outside Blastwall's deployment, or not yet updated. The heartbeat-watch log names the account, region and hash.",
    );
    alarm('HeartbeatDlqDepth', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), 'Blastwall (member topology): a heartbeat or a judging run was dead-lettered after retries.', false);
  }
}
