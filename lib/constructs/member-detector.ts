/**
 * Member topology (`deployment.topology: "member"`, docs/deploy.md "Topology"): the member
 * stack's side. Instead of forwarding every management event to the central bus (billed
 * $1.00 per million as a cross-account delivery), the member runs `detect` itself:
 *
 *   default bus ──(MEMBER_EVENT_PATTERN, all management events)──▶ detect (this account)
 *   detect ──▶ central table (DynamoDB resource policy), central bus (Blastwall Finding only)
 *   schedule (5 min) ──▶ heartbeat ──▶ central bus (Blastwall Heartbeat)
 *
 * - The same `functions/detect/handler.ts`, bundled the same way (BlastwallFunction); it
 *   reaches the central table and bus by ARN, and reads the config from the central
 *   account's AppConfig through the central config-reader role (AppConfig has no resource
 *   policies). State stays central: hop and lineage detection need every account's events
 *   in one state.
 * - Function, role and rule names are fixed (functions/core/response/own-principals.ts), so
 *   they are Blastwall's own by exact ARN: never revoked, and any change to them is a
 *   `detector-tamper` finding (critical unless made by CloudFormation).
 * - Least privilege: detect may use exactly its own items of the central table, put only
 *   `Blastwall Finding` on the central bus and assume only the config reader; the heartbeat
 *   may read only detect's configuration and invocation count and put only `Blastwall Heartbeat`.
 */
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import { HEARTBEAT_INTERVAL_MINUTES } from '../../functions/core/heartbeat.ts';
import { configuredOus, ORG_CACHE_KEY } from '../../functions/core/organization.ts';
import { CENTRAL_FUNCTIONS, functionRoleName, HISTORY_FUNCTIONS, memberConfigReaderRoleName, memberDetectRuleName, memberFunctionName, memberFunctionRoleName, PREVENTION_FUNCTIONS } from '../../functions/core/response/own-principals.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';
import type { DeploymentSettings } from '../config.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import { APPCONFIG_NAMES } from './config-store.ts';

/** What detect's store does with the table (the same list the central detect is granted: lib/central-stack.ts TABLE_ACCESS.detect). */
export interface DetectTableAccess {
  actions: readonly string[];
  keyPrefixes: readonly string[];
}

export const MEMBER_DETECT_MEMORY_MB = 512;
export const MEMBER_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface MemberDetectorProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  prefix: string;
  /** The central table's ARN (built from its name: no cross-account reference exists). */
  tableArn: string;
  busArn: string;
  eventPattern: Record<string, unknown>;
  tableAccess: DetectTableAccess;
}

export class MemberDetector extends Construct {
  readonly detect: BlastwallFunction;
  readonly heartbeat: BlastwallFunction;
  readonly rule: events.CfnRule;
  readonly schedule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: MemberDetectorProps) {
    super(scope, id);
    const { config, deployment, prefix, tableArn, busArn } = props;
    const partition = Aws.PARTITION;
    const configReaderRoleArn = `arn:${partition}:iam::${deployment.centralAccount}:role/${memberConfigReaderRoleName(prefix)}`;

    this.deadLetterQueue = new sqs.Queue(this, 'DetectDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the member detect function and its rule; a DLQ of a DLQ would only move the same messages.',
    });

    const centralRoles = JSON.stringify([...CENTRAL_FUNCTIONS, ...PREVENTION_FUNCTIONS, ...HISTORY_FUNCTIONS].map((fn) => `arn:${partition}:iam::${deployment.centralAccount}:role/${functionRoleName(prefix, fn)}`));
    this.detect = new BlastwallFunction(this, 'Detect', {
      name: 'detect',
      description: 'Blastwall detect (member topology): this account\'s CloudTrail events → central state → findings on the central bus',
      memorySize: MEMBER_DETECT_MEMORY_MB,
      timeout: Duration.seconds(30),
      environment: {
        // AppConfig Data accepts names: the central ids are generated and unknown here.
        [ENV_VARS.appConfig]: `${prefix}/${APPCONFIG_NAMES.environment}/${APPCONFIG_NAMES.profile}`,
        [ENV_VARS.appConfigRoleArn]: configReaderRoleArn,
        [ENV_VARS.appConfigRegion]: deployment.centralRegion,
        [ENV_VARS.tableName]: tableArn,
        [ENV_VARS.eventBusName]: busArn,
        [ENV_VARS.ownRoleArns]: centralRoles,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
      logRetention: MEMBER_LOG_RETENTION,
      roleName: memberFunctionRoleName(prefix, 'member-detect', Aws.REGION),
      functionName: memberFunctionName(prefix, 'member-detect'),
      asyncFailureQueue: this.deadLetterQueue,
    });
    const role = this.detect.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnStateItemsInCentralTable',
        actions: [...props.tableAccess.actions],
        resources: [tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': props.tableAccess.keyPrefixes.map((p) => `${p}*`) } },
      }),
    );
    if (configuredOus(config).length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadOrganizationCache',
          actions: ['dynamodb:GetItem'],
          resources: [tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ORG_CACHE_KEY] } },
        }),
      );
    }
    role.addToPolicy(putEventsOn(busArn, 'PublishFindingsToCentralBus', DETAIL_TYPES.finding));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadConfigThroughCentralRole', actions: ['sts:AssumeRole'], resources: [configReaderRoleArn] }));

    this.rule = new events.CfnRule(this, 'Rule', {
      name: memberDetectRuleName(prefix),
      description: 'Blastwall (member topology): CloudTrail management events (read-only included), except AWS services acting as themselves → detect in this account',
      eventBusName: 'default',
      // Without this state, read-only management events (Describe*, List*, Get*) never reach the rule.
      state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      eventPattern: props.eventPattern,
      targets: [
        {
          id: 'Detect',
          arn: this.detect.function.functionArn,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 2 * 60 * 60 },
        },
      ],
    });
    this.detect.function.addPermission('InvokedByRule', {
      principal: new iam.ServicePrincipal('events.amazonaws.com'),
      sourceArn: this.rule.attrArn,
      sourceAccount: Aws.ACCOUNT_ID,
    });
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DetectRuleDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.attrArn } },
      }),
    );

    // ── Heartbeat: every 5 minutes, detect's code hash and invocation count → central bus ──
    this.heartbeat = new BlastwallFunction(this, 'Heartbeat', {
      name: 'heartbeat',
      description: 'Blastwall heartbeat (member topology): detect\'s code hash and events judged → central bus, every 5 minutes',
      memorySize: 128,
      timeout: Duration.seconds(20),
      environment: {
        [ENV_VARS.detectFunctionName]: memberFunctionName(prefix, 'member-detect'),
        [ENV_VARS.eventBusName]: busArn,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      },
      logRetention: MEMBER_LOG_RETENTION,
      roleName: memberFunctionRoleName(prefix, 'member-heartbeat', Aws.REGION),
      functionName: memberFunctionName(prefix, 'member-heartbeat'),
    });
    this.heartbeat.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadDetectCodeHash', actions: ['lambda:GetFunctionConfiguration'], resources: [this.detect.function.functionArn] }));
    this.heartbeat.role.addToPolicy(new iam.PolicyStatement({ sid: 'CountDetectInvocations', actions: ['cloudwatch:GetMetricStatistics'], resources: ['*'] }));
    this.heartbeat.role.addToPolicy(putEventsOn(busArn, 'PublishHeartbeatToCentralBus', DETAIL_TYPES.heartbeat));
    Validations.of(this.heartbeat.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricStatistics supports no resource-level permissions; it is read-only, and the heartbeat reads one metric (AWS/Lambda Invocations of the member detect).',
    });
    this.schedule = new events.Rule(this, 'HeartbeatSchedule', {
      description: `Blastwall heartbeat (member topology): every ${HEARTBEAT_INTERVAL_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(HEARTBEAT_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(this.heartbeat.function, { retryAttempts: 2, maxEventAge: Duration.minutes(4) })],
    });
  }
}

function putEventsOn(busArn: string, sid: string, detailType: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['events:PutEvents'],
    resources: [busArn],
    conditions: { 'ForAllValues:StringEquals': { 'events:source': [BLASTWALL_EVENT_SOURCE], 'events:detail-type': [detailType] } },
  });
}

