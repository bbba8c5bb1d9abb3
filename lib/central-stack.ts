/**
 * Central stack (security account): the bus the organisation forwards CloudTrail
 * to, the four functions, the state table, the secrets, the undo URL, DLQs, alarms
 * and the dashboard.
 *
 *   member default buses ──▶ central bus ──(aws.* CloudTrail)──▶ detect
 *                            central bus ──(Blastwall Finding)──▶ respond, page
 *                            central bus ──(Blastwall Response)─▶ page
 *                            central bus ──(Restore Requested)──▶ respond
 *                            central bus ──(Finding, Response)──▶ security-hub (config securityHub.enabled)
 *                            central bus ──(aws.organizations membership)──▶ org-sync (config organizationalUnits)
 *   Slack button ──▶ undo (Function URL) ──▶ central bus
 *   The functions read the config from AWS AppConfig at cold start (constructs/config-store.ts).
 *
 * Each function has its own role with exactly its own permissions: detect cannot
 * revoke, respond cannot read the Slack token, page cannot touch IAM.
 */
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BlastwallConfig } from '../functions/core/config.ts';
import { TABLE_SCHEMA } from '../functions/adapters/table-schema.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../functions/core/telemetry-names.ts';
import type { DeploymentSettings } from './config.ts';
import { BlastwallFunction } from './constructs/blastwall-function.ts';
import { History } from './constructs/history.ts';
import { blastwallMetric, Monitoring } from './constructs/monitoring.ts';
import { SecurityHubIntegration } from './constructs/security-hub-integration.ts';
import { Prevention } from './constructs/prevention.ts';
import { ConfigStore } from './constructs/config-store.ts';
import { OrganizationSync } from './constructs/organization-sync.ts';
import { MemberTopology, memberBusStatements } from './constructs/member-topology.ts';
import { configuredOus } from '../functions/core/organization.ts';
import { CLOUDTRAIL_DETAIL_TYPES } from './member-stack.ts';
import { CENTRAL_FUNCTIONS, functionRoleName, HISTORY_FUNCTIONS, PREVENTION_FUNCTIONS } from '../functions/core/response/own-principals.ts';
import type { ResourceNames } from './names.ts';

export interface CentralStackProps extends StackProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  names: ResourceNames;
}

export type FunctionName = 'detect' | 'respond' | 'page' | 'undo';

/**
 * The single table is shared, but each function owns its key prefixes
 * (functions/adapters/table-schema.ts): every table statement is narrowed to the
 * function's own items with `dynamodb:LeadingKeys`, and to the item-level calls its
 * adapter makes. No Scan, no table management, no other function's items.
 */
export const TABLE_ACCESS = {
  // dynamo-state-store.ts: BatchGetItem, PutItem / TransactWriteItems (Put, Update, ConditionCheck), UpdateItem.
  detect: {
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
    // SEEN#: the ledger of write events that arrived, for the reconciler (seen-ledger-dynamo.ts).
    keyPrefixes: ['CRED#', 'ACTOR#', 'SESSION#', 'RES#', 'EVT#', 'SEEN#'],
  },
  // response-ledger-dynamodb.ts: Get, Put, Update, Delete, Query on findings, holds and the circuit breaker.
  respond: {
    actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    keyPrefixes: ['FINDING#', 'BREAKER#'],
  },
  // page-ledger-dynamo.ts: Get and conditional Put of the page record.
  page: { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], keyPrefixes: ['PAGE#'] },
  undo: { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], keyPrefixes: ['PAGE#'] },
} as const satisfies Record<FunctionName, { actions: readonly string[]; keyPrefixes: readonly string[] }>;

/** Memory per function: also what the benchmark's cost model reads. */
export const FUNCTION_MEMORY_MB = { detect: 512, respond: 256, page: 256, undo: 256 } as const;

/** EventBridge → Lambda delivery: retried this long, then the target's DLQ. */
export const TARGET_RETRY = { retryAttempts: 10, maxEventAge: Duration.hours(2) } as const;

/** Concurrency reserved for (and capping) the public undo URL. */
export const UNDO_RESERVED_CONCURRENCY = 5;

export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export class CentralStack extends Stack {
  readonly bus: events.EventBus;
  readonly table: dynamodb.Table;
  readonly functions: Record<FunctionName, BlastwallFunction>;
  readonly deadLetterQueues: Record<'detect' | 'respond' | 'page', sqs.Queue>;
  readonly alarmTopic: sns.Topic;
  readonly undoUrl: lambda.FunctionUrl;
  /** Present when the config enables `securityHub`. */
  readonly securityHub?: SecurityHubIntegration;
  readonly prevention: Prevention;
  /** Present when the config names an organisational unit (`environments[].organizationalUnits`). */
  readonly organizationSync?: OrganizationSync;
  /** Present in the member topology (`deployment.topology: "member"`). */
  readonly memberTopology?: MemberTopology;

  constructor(scope: Construct, id: string, props: CentralStackProps) {
    super(scope, id, props);
    const { config, deployment, names } = props;

    // ── Bus: the organisation may put events, nobody else ────────────────────────────
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: names.centralBus,
      description: 'Blastwall: CloudTrail management events forwarded by every member account, and Blastwall findings/responses',
    });
    // The bus's own Policy property (one document, our sids verbatim) rather than
    // AWS::Events::EventBusPolicy resources, which prefix every sid with "cdk-".
    const busPolicy = new iam.PolicyDocument({
      // Member topology: forwarders put only CloudTrail detail-types, member detect and heartbeat roles their own (lib/constructs/member-topology.ts).
      statements: deployment.topology === 'member' ? memberBusStatements({ prefix: names.prefix, organizationId: deployment.organizationId, busArn: this.formatArn({ service: 'events', resource: 'event-bus', resourceName: names.centralBus }), partition: this.partition, forwarderRoleArnPattern: names.forwarderRoleArnPattern(this.partition), cloudTrailDetailTypes: CLOUDTRAIL_DETAIL_TYPES }) : [
        new iam.PolicyStatement({
          sid: 'OrganizationMembersForwardCloudTrail',
          effect: iam.Effect.ALLOW,
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          // Built from the name: the bus's own Arn attribute inside its policy would be a cycle.
          resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: names.centralBus })],
          // Inside the organisation, and only the member stacks' forwarder roles (the rule's
          // target role is the principal of a forwarded event): no other identity of the
          // organisation can put events on the central bus.
          conditions: {
            StringEquals: { 'aws:PrincipalOrgID': deployment.organizationId },
            ArnLike: { 'aws:PrincipalArn': names.forwarderRoleArnPattern(this.partition) },
          },
        }),
      ],
    });
    (this.bus.node.defaultChild as events.CfnEventBus).policy = busPolicy.toJSON();

    // ── State ─────────────────────────────────────────────────────────────────────────
    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      // Findings, lineage and the circuit breaker outlive any redeploy.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Secrets: created with placeholders, filled by the operator (docs/deploy.md) ────
    const slackSecret = new secretsmanager.Secret(this, 'SlackSecret', {
      secretName: names.slackSecret,
      description: 'Blastwall Slack app: {"botToken":"xoxb-…","signingSecret":"…","channel":"C…"}. Fill after deploy.',
      secretObjectValue: {
        botToken: SecretValue.unsafePlainText('REPLACE_ME'),
        signingSecret: SecretValue.unsafePlainText('REPLACE_ME'),
        channel: SecretValue.unsafePlainText('REPLACE_ME'),
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const pagerDutySecret = new secretsmanager.Secret(this, 'PagerDutySecret', {
      secretName: names.pagerDutySecret,
      description: 'Blastwall PagerDuty Events API v2: {"routingKey":"…"}. Fill after deploy.',
      secretObjectValue: { routingKey: SecretValue.unsafePlainText('REPLACE_ME') },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const secret of [slackSecret, pagerDutySecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Third-party tokens (Slack bot token and signing secret, PagerDuty routing key) are issued by those services and cannot be rotated by a Secrets Manager rotation Lambda; rotate them in Slack/PagerDuty and put the new value (docs/deploy.md).',
      });
    }

    // ── Dead-letter queues: one per asynchronously invoked function ───────────────────
    const dlq = (name: string): sqs.Queue =>
      new sqs.Queue(this, `${name}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    this.deadLetterQueues = { detect: dlq('Detect'), respond: dlq('Respond'), page: dlq('Page') };
    for (const queue of Object.values(this.deadLetterQueues)) {
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of a Lambda function and its EventBridge targets; a DLQ of a DLQ would only move the same messages, and its depth alarm pages.',
      });
    }

    // ── Functions ─────────────────────────────────────────────────────────────────────
    // Blastwall's own roles are never revoked — by exact ARN, never by a name glob (a role an
    // attacker names `Blastwall-anything` must not be immune). respond, detect and `blastwall
    // replay` compute the full list from the config (functions/core/response/own-principals.ts);
    // the function roles below are named from the same module, and their ARNs are passed too.
    const ownRoleArns = JSON.stringify([...CENTRAL_FUNCTIONS, ...PREVENTION_FUNCTIONS, ...HISTORY_FUNCTIONS].map((fn) => `arn:${this.partition}:iam::${this.account}:role/${functionRoleName(names.prefix, fn)}`));
    // The config: read from AppConfig at cold start (lib/constructs/config-store.ts), not an environment variable.
    const configStore = new ConfigStore(this, 'Config', { config, prefix: names.prefix });
    const common = {
      ...configStore.environmentVariables,
      [ENV_VARS.ownRoleArns]: ownRoleArns,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    };

    const detect = new BlastwallFunction(this, 'Detect', {
      name: 'detect',
      description: 'Blastwall detect: CloudTrail event → signals → finding',
      memorySize: FUNCTION_MEMORY_MB.detect,
      timeout: Duration.seconds(30),
      environment: { ...common, [ENV_VARS.tableName]: this.table.tableName, [ENV_VARS.eventBusName]: this.bus.eventBusName },
      logRetention: LOG_RETENTION,
      roleName: names.functionRole('detect'),
      asyncFailureQueue: this.deadLetterQueues.detect,
    });
    const respond = new BlastwallFunction(this, 'Respond', {
      name: 'respond',
      description: 'Blastwall respond: finding → revoke exactly that credential in the member account',
      memorySize: FUNCTION_MEMORY_MB.respond,
      timeout: Duration.seconds(60),
      environment: { ...common, [ENV_VARS.tableName]: this.table.tableName, [ENV_VARS.eventBusName]: this.bus.eventBusName },
      logRetention: LOG_RETENTION,
      roleName: names.functionRole('respond'),
      asyncFailureQueue: this.deadLetterQueues.respond,
    });
    const page = new BlastwallFunction(this, 'Page', {
      name: 'page',
      description: 'Blastwall page: finding/response → Slack message and PagerDuty incident',
      memorySize: FUNCTION_MEMORY_MB.page,
      timeout: Duration.seconds(30),
      environment: {
        ...common,
        [ENV_VARS.tableName]: this.table.tableName,
        [ENV_VARS.slackSecretArn]: slackSecret.secretArn,
        [ENV_VARS.pagerDutySecretArn]: pagerDutySecret.secretArn,
        // The credential's recent CloudTrail events under each page (functions/page/context.ts).
        [ENV_VARS.historyRoleName]: names.historyReaderRole,
      },
      logRetention: LOG_RETENTION,
      // Named: the member history role trusts it (and the responder's deny lists it).
      roleName: names.functionRole('page'),
      asyncFailureQueue: this.deadLetterQueues.page,
    });
    const undo = new BlastwallFunction(this, 'Undo', {
      name: 'undo',
      description: 'Blastwall undo: signed Slack interaction → restore request, with approval',
      memorySize: FUNCTION_MEMORY_MB.undo,
      // Slack expects an answer within 3 s.
      timeout: Duration.seconds(10),
      // The URL is public (Slack's signature is checked inside): a flood of requests must
      // not take the account's concurrency from detect. Throttled requests get 429.
      reservedConcurrentExecutions: UNDO_RESERVED_CONCURRENCY,
      environment: {
        ...common,
        [ENV_VARS.tableName]: this.table.tableName,
        [ENV_VARS.eventBusName]: this.bus.eventBusName,
        [ENV_VARS.slackSecretArn]: slackSecret.secretArn,
      },
      logRetention: LOG_RETENTION,
      roleName: names.functionRole('undo'),
    });
    this.functions = { detect, respond, page, undo };
    for (const fn of Object.values(this.functions)) configStore.grantRead(fn.role);

    // ── Permissions: each function exactly its own ────────────────────────────────────
    const tableAccess = (fn: FunctionName) =>
      new iam.PolicyStatement({
        sid: 'OwnStateTableItems',
        actions: [...TABLE_ACCESS[fn].actions],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': TABLE_ACCESS[fn].keyPrefixes.map((p) => `${p}*`) } },
      });
    const putEvents = (sid: string, detailType: string) =>
      new iam.PolicyStatement({
        sid,
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': [BLASTWALL_EVENT_SOURCE], 'events:detail-type': [detailType] },
        },
      });
    const readSecret = (sid: string, secret: secretsmanager.ISecret) =>
      new iam.PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] });

    detect.role.addToPolicy(tableAccess('detect'));
    detect.role.addToPolicy(putEvents('PublishFindings', DETAIL_TYPES.finding));

    respond.role.addToPolicy(tableAccess('respond'));
    respond.role.addToPolicy(putEvents('PublishResponses', DETAIL_TYPES.response));
    respond.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberResponderRole',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${this.partition}:iam::*:role/${config.response.responderRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': deployment.organizationId } },
      }),
    );

    page.role.addToPolicy(tableAccess('page'));
    page.role.addToPolicy(readSecret('ReadSlackSecret', slackSecret));
    page.role.addToPolicy(readSecret('ReadPagerDutySecret', pagerDutySecret));

    undo.role.addToPolicy(tableAccess('undo'));
    undo.role.addToPolicy(readSecret('ReadSlackSigningSecret', slackSecret));
    undo.role.addToPolicy(putEvents('PublishRestoreRequests', DETAIL_TYPES.restoreRequested));

    Validations.of(respond.role).acknowledge({
      // With @aws-cdk/core:enablePartitionLiterals the partition is a literal when the region is known.
      id: `AwsSolutions-IAM5[Resource::arn:${Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition}:iam::*:role/${config.response.responderRoleName}]`,
      reason:
        'The responder role exists in every member account, which the organisation adds and removes over time; the account is the only wildcard, the role name is fixed and aws:ResourceOrgID keeps it inside the organisation.',
    });

    // ── Routing on the central bus ────────────────────────────────────────────────────
    const targetOptions = (queue: sqs.IQueue) => ({ deadLetterQueue: queue, ...TARGET_RETRY });

    new events.Rule(this, 'CloudTrailToDetect', {
      eventBus: this.bus,
      description: 'CloudTrail management events forwarded by the member accounts → detect',
      eventPattern: { source: events.Match.prefix('aws.'), detailType: [...CLOUDTRAIL_DETAIL_TYPES] },
      targets: [new targets.LambdaFunction(detect.function, targetOptions(this.deadLetterQueues.detect))],
    });
    // Blastwall's own events are only trusted from this account: an organisation member
    // may put events on the bus, so `account` stops a forged finding or restore request.
    const own = (detailType: string): events.EventPattern => ({
      source: [BLASTWALL_EVENT_SOURCE],
      detailType: [detailType],
      account: [this.account],
    });
    new events.Rule(this, 'FindingToRespondAndPage', {
      eventBus: this.bus,
      description: 'Blastwall Finding → respond (revoke) and page',
      eventPattern: own(DETAIL_TYPES.finding),
      targets: [
        new targets.LambdaFunction(respond.function, targetOptions(this.deadLetterQueues.respond)),
        new targets.LambdaFunction(page.function, targetOptions(this.deadLetterQueues.page)),
      ],
    });
    new events.Rule(this, 'ResponseToPage', {
      eventBus: this.bus,
      description: 'Blastwall Response → page (updates the same message and incident)',
      eventPattern: own(DETAIL_TYPES.response),
      targets: [new targets.LambdaFunction(page.function, targetOptions(this.deadLetterQueues.page))],
    });
    new events.Rule(this, 'RestoreRequestedToRespond', {
      eventBus: this.bus,
      description: 'Blastwall Restore Requested (approved in Slack) → respond (restore)',
      eventPattern: own(DETAIL_TYPES.restoreRequested),
      targets: [new targets.LambdaFunction(respond.function, targetOptions(this.deadLetterQueues.respond))],
    });

    // ── Undo URL: Slack signs every request; the function verifies the signature ──────
    this.undoUrl = undo.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    // ── Alarms → SNS topic (encrypted with a key CloudWatch may use) ──────────────────
    // Written out instead of CDK's default key policy, which grants the account `kms:*`.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Blastwall alarm topic encryption',
      enableKeyRotation: true,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersKey',
            principals: [new iam.AccountRootPrincipal()],
            actions: [
              'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*',
              'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
            ],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'AccountPrincipalsUseKeyViaIam',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'CloudWatchAlarmsPublish',
            principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            resources: ['*'],
          }),
        ],
      }),
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Blastwall alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    configStore.alarmTo(this.alarmTopic);
    if (deployment.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(deployment.alarmEmail));
    }

    // ── History: warm baseline on first deploy, reconciler of missed events (lib/constructs/history.ts) ──
    const history = new History(this, 'History', {
      names,
      organizationId: deployment.organizationId,
      table: this.table,
      bus: this.bus,
      environment: common,
      logRetention: LOG_RETENTION,
      alarmTopic: this.alarmTopic,
    });
    history.allowReadingHistory(page.role);
    configStore.grantRead(history.warmUp.role);
    configStore.grantRead(history.reconcile.role);

    const monitoring = new Monitoring(this, 'Monitoring', {
      topic: this.alarmTopic,
      functions: { Detect: detect.function, Respond: respond.function, Page: page.function, Undo: undo.function, WarmUp: history.warmUp.function, Reconcile: history.reconcile.function },
      deadLetterQueues: { Detect: this.deadLetterQueues.detect, Respond: this.deadLetterQueues.respond, Page: this.deadLetterQueues.page, History: history.deadLetterQueue },
      silenceAlarmMinutes: deployment.silenceAlarmMinutes,
      dashboardName: names.dashboard,
      ...(deployment.topology === 'member' ? { memberEventsJudged: blastwallMetric(METRICS.memberEventsJudged, 'Sum', Duration.minutes(1)) } : {}),
    });

    // ── Security Hub (config securityHub.enabled): its own function and target, so it never delays a page ──
    if (config.securityHub.enabled) {
      this.securityHub = new SecurityHubIntegration(this, 'SecurityHub', { bus: this.bus, alarmTopic: this.alarmTopic, logRetention: LOG_RETENTION, targetRetry: TARGET_RETRY });
    }
    // ── Prevention: the daily audit and the hourly backup watchdog (lib/constructs/prevention.ts) ──
    this.prevention = new Prevention(this, 'Prevention', {
      config,
      deployment,
      names,
      bus: this.bus,
      table: this.table,
      page: page.function,
      pageDeadLetterQueue: this.deadLetterQueues.page,
      alarmTopic: this.alarmTopic,
      logRetention: LOG_RETENTION,
      targetRetry: TARGET_RETRY,
      configStore,
    });
    configStore.grantRead(this.prevention.audit.role);
    configStore.grantRead(this.prevention.watchdog.role);
    // ── Environments by organisational unit: org-sync, and detect's and respond's read of its cache (lib/constructs/organization-sync.ts) ──
    if (configuredOus(config).length > 0) {
      this.organizationSync = new OrganizationSync(this, 'OrganizationSync', { bus: this.bus, table: this.table, readerRoles: [detect.role, respond.role], alarmTopic: this.alarmTopic, logRetention: LOG_RETENTION, targetRetry: TARGET_RETRY, configStore });
    }

    // ── Member topology: the table's and bus's doors for member detect, config reader, heartbeats (lib/constructs/member-topology.ts) ──
    if (deployment.topology === 'member') {
      this.memberTopology = new MemberTopology(this, 'MemberTopology', {
        config, deployment, prefix: names.prefix, bus: this.bus, table: this.table, tableAccess: TABLE_ACCESS.detect, centralDetect: detect,
        respond: respond.function, page: page.function, deadLetterQueues: this.deadLetterQueues, targetRetry: TARGET_RETRY,
        configStore, alarmTopic: this.alarmTopic, logRetention: LOG_RETENTION,
        ...(this.securityHub ? { securityHub: { function: this.securityHub.function.function, deadLetterQueue: this.securityHub.deadLetterQueue } } : {}),
      });
    }

    // ── Outputs ───────────────────────────────────────────────────────────────────────
    new CfnOutput(this, 'UndoFunctionUrl', {
      value: this.undoUrl.url,
      description: 'Slack app → Interactivity & Shortcuts → Request URL',
    });
    new CfnOutput(this, 'EventBusArn', { value: this.bus.eventBusArn, description: 'Member stacks forward here' });
    new CfnOutput(this, 'RespondRoleArn', { value: respond.role.roleArn, description: 'The only principal the member responder roles trust' });
    new CfnOutput(this, 'SlackSecretArn', { value: slackSecret.secretArn, description: `Fill: aws secretsmanager put-secret-value --secret-id ${names.slackSecret}` });
    new CfnOutput(this, 'PagerDutySecretArn', { value: pagerDutySecret.secretArn, description: `Fill: aws secretsmanager put-secret-value --secret-id ${names.pagerDutySecret}` });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Subscribe your pager here' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
  }
}
