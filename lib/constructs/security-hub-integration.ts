/**
 * The Security Hub integration (config `securityHub.enabled`): the `security-hub` function,
 * subscribed to Blastwall's own Finding and Response events on the central bus, with its own
 * dead-letter queue and alarms, and a role that can do exactly two things:
 *
 * - `securityhub:BatchImportFindings` on this account's default product ARN
 *   (`arn:…:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`) and nothing else;
 * - `securityhub:BatchUpdateFindings`, whose only resource type is the hub
 *   (`…:hub/default`): granted on that hub, and only for requests that set
 *   `Workflow.Status` to `RESOLVED` (condition key `securityhub:ASFFSyntaxPath/Workflow.Status`).
 *
 * Its own EventBridge target, so a slow or failing Security Hub never delays the page.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';
import { AUDIT_EVENT_SOURCE, WATCHDOG_EVENT_SOURCE } from '../../functions/core/audit/posture.ts';
import { BlastwallFunction } from './blastwall-function.ts';
import { alarmOnFirstOccurrence, blastwallMetric } from './monitoring.ts';

/** Must match functions/security-hub/handler.ts (kept literal here so the CDK app does not load the handler's SDK imports). */
export const SECURITY_HUB_PRODUCT_ARN_ENV = 'SECURITY_HUB_PRODUCT_ARN';
export const SECURITY_HUB_REJECTED_METRIC = 'SecurityHubRejected';
export const SECURITY_HUB_MEMORY_MB = 256;

export interface SecurityHubIntegrationProps {
  bus: events.IEventBus;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
  /** EventBridge → Lambda delivery retries (the stack's TARGET_RETRY). */
  targetRetry: { retryAttempts: number; maxEventAge: Duration };
}

export class SecurityHubIntegration extends Construct {
  readonly function: BlastwallFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly productArn: string;
  readonly hubArn: string;

  constructor(scope: Construct, id: string, props: SecurityHubIntegrationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.productArn = stack.formatArn({ service: 'securityhub', resource: 'product', resourceName: `${stack.account}/default` });
    this.hubArn = stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' });

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the security-hub function and its EventBridge target; its depth alarm pages.',
    });

    this.function = new BlastwallFunction(this, 'SecurityHub', {
      name: 'security-hub',
      description: 'Blastwall security-hub: finding/response → AWS Security Hub (ASFF), resolved on restore',
      memorySize: SECURITY_HUB_MEMORY_MB,
      timeout: Duration.seconds(30),
      environment: {
        [SECURITY_HUB_PRODUCT_ARN_ENV]: this.productArn,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
      logRetention: props.logRetention,
      asyncFailureQueue: this.deadLetterQueue,
    });
    this.function.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ImportOwnFindings', actions: ['securityhub:BatchImportFindings'], resources: [this.productArn] }),
    );
    this.function.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ResolveOnRestore',
        actions: ['securityhub:BatchUpdateFindings'],
        resources: [this.hubArn],
        conditions: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'RESOLVED' } },
      }),
    );

    new events.Rule(this, 'FindingAndResponseToSecurityHub', {
      eventBus: props.bus,
      description: 'Blastwall Finding and Response → security-hub (import, update, resolve)',
      eventPattern: { source: [BLASTWALL_EVENT_SOURCE], detailType: [DETAIL_TYPES.finding, DETAIL_TYPES.response], account: [stack.account] },
      targets: [new targets.LambdaFunction(this.function.function, { deadLetterQueue: this.deadLetterQueue, ...props.targetRetry })],
    });
    // The scheduled audit's and the backup watchdog's Posture Findings reach Security Hub as they reach on-call.
    new events.Rule(this, 'PostureFindingToSecurityHub', {
      eventBus: props.bus,
      description: 'Blastwall Posture Finding (audit, backup watchdog) → security-hub (import)',
      eventPattern: { source: [AUDIT_EVENT_SOURCE, WATCHDOG_EVENT_SOURCE], detailType: [DETAIL_TYPES.postureFinding], account: [stack.account] },
      targets: [new targets.LambdaFunction(this.function.function, { deadLetterQueue: this.deadLetterQueue, ...props.targetRetry })],
    });

    const fiveMinutes = Duration.minutes(5);
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) => alarmOnFirstOccurrence(this, alarmId, { description, metric, topic: props.alarmTopic });
    alarm('Errors', 'Blastwall security-hub: the import failed (Security Hub unreachable or not enabled?). Slack/PagerDuty are not affected; failed events are in its DLQ.', this.function.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }));
    alarm('DlqDepth', 'Blastwall security-hub: findings never reached Security Hub. Enable Security Hub in this account and region, then redrive the DLQ.', this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }));
    alarm('Rejected', 'Blastwall security-hub: Security Hub refused a finding (validation). Read the function log for the error code.', blastwallMetric(SECURITY_HUB_REJECTED_METRIC, 'Sum', fiveMinutes));
  }
}
