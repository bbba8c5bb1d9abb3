/**
 * Watching the watcher: alarms that page through one SNS topic, and a dashboard.
 *
 * A blind detector is an incident: `NoEventsReceived` fires when `detect` was not
 * invoked (Lambda's `Invocations`) for `silenceAlarmMinutes`, and treats missing data as breaching (no
 * data *is* the failure: trail stopped, member rule deleted, bus policy broken).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEVERITIES } from '../../functions/core/audit-event.ts';
import { METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../../functions/core/telemetry-names.ts';

/** Powertools Metrics adds `service` to every metric; the alarms must match that dimension set exactly. */
export const METRIC_DIMENSIONS = { service: SERVICE_NAME } as const;

/** Values of the `Channel` dimension of PageFailures (config `paging.routes[].channels`). */
export const PAGE_CHANNELS = ['slack', 'pagerduty'] as const;

export interface MonitoringProps {
  topic: sns.ITopic;
  functions: Record<string, lambda.IFunction>;
  deadLetterQueues: Record<string, sqs.IQueue>;
  silenceAlarmMinutes: number;
  dashboardName: string;
  /** Member topology: events the member detectors judged, as heartbeat-watch sums them every 5 minutes; they count as received. */
  memberEventsJudged?: cloudwatch.IMetric;
}

export function blastwallMetric(metricName: string, statistic: string, period: Duration, extraDimensions: Record<string, string> = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { ...METRIC_DIMENSIONS, ...extraDimensions },
    statistic,
    period,
  });
}

/**
 * An alarm that pages on the first occurrence: ≥ 1 in one period, no data means nothing
 * happened; it notifies `topic` when it fires and when it clears. One shape for every
 * construct's "this must never happen" alarms.
 */
export function alarmOnFirstOccurrence(scope: Construct, id: string, props: { description: string; metric: cloudwatch.IMetric; topic: sns.ITopic }): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const action = new actions.SnsAction(props.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const page = new actions.SnsAction(props.topic);
    const add = (alarm: cloudwatch.Alarm): cloudwatch.Alarm => {
      alarm.addAlarmAction(page);
      alarm.addOkAction(page);
      this.alarms.push(alarm);
      return alarm;
    };
    /** An alarm that pages on the first occurrence: ≥ 1 in one period; no data means nothing happened. */
    const onAny = (alarmId: string, alarmDescription: string, metric: cloudwatch.IMetric): cloudwatch.Alarm =>
      add(
        new cloudwatch.Alarm(this, alarmId, {
          alarmDescription,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    const fiveMinutes = Duration.minutes(5);

    for (const [name, fn] of Object.entries(props.functions)) {
      onAny(`${name}Errors`, `Blastwall ${name}: the function failed (errors). Read its log group; failed async events are in its DLQ.`, fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }));
      onAny(`${name}Throttles`, `Blastwall ${name}: invocations throttled (account concurrency exhausted?).`, fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }));
    }

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      onAny(`${name}DlqDepth`, `Blastwall ${name}: events in the dead-letter queue were never processed. Inspect and redrive them.`, queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }));
    }

    onAny('RevocationFailures', 'Blastwall respond: a revocation failed after retries; the credential may still be live. Act by hand.', blastwallMetric(METRICS.revocationFailures, 'Sum', Duration.minutes(1)));
    onAny('CircuitBreakerOpen', 'Blastwall respond: the circuit breaker is open; revocations are being refused (false-positive storm or a real attack at scale).', blastwallMetric(METRICS.circuitBreakerOpen, 'Sum', Duration.minutes(1)));
    onAny(
      'PageFailures',
      'Blastwall page: Slack or PagerDuty delivery failed after retries; findings may be unseen.',
      // PageFailures carries a Channel dimension; alarms cannot SEARCH, so sum the known channels.
      new cloudwatch.MathExpression({
        expression: PAGE_CHANNELS.map((_, i) => `FILL(c${i}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(PAGE_CHANNELS.map((channel, i) => [`c${i}`, blastwallMetric(METRICS.pageFailures, 'Sum', fiveMinutes, { Channel: channel })])),
        label: 'PageFailures (all channels)',
        period: fiveMinutes,
      }),
    );

    const detect = props.functions.Detect;
    if (!detect) throw new Error('Monitoring needs the Detect function for the blind-detector alarm');
    const detectInvocations = (period: Duration) => detect.metricInvocations({ period, statistic: 'Sum' });

    // One-minute periods, N of N: fires `silenceAlarmMinutes` after the last event, whatever the clock.
    add(
      new cloudwatch.Alarm(this, 'NoEventsReceived', {
        alarmDescription: `Blastwall is blind: detect received no event for ${props.silenceAlarmMinutes} minutes. Check the trail, the member rules and the central bus policy.`,
        // Lambda's own metric: costs nothing per event, unlike an EMF line from every invocation.
        // Member topology: plus the events member detectors judged (reported every 5 minutes by their heartbeats).
        metric: props.memberEventsJudged
          ? new cloudwatch.MathExpression({ expression: 'FILL(d, 0) + FILL(m, 0)', usingMetrics: { d: detectInvocations(Duration.minutes(1)), m: props.memberEventsJudged }, label: 'received (central and member detect)', period: Duration.minutes(1) })
          : detectInvocations(Duration.minutes(1)),
        threshold: 1,
        evaluationPeriods: props.silenceAlarmMinutes,
        datapointsToAlarm: props.silenceAlarmMinutes,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );

    const minute = Duration.minutes(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Events per minute',
        width: 12,
        left: [
          detectInvocations(minute).with({ label: 'received' }),
          blastwallMetric(METRICS.eventsRejected, 'Sum', minute).with({ label: 'rejected' }),
          blastwallMetric(METRICS.duplicateEvents, 'Sum', minute).with({ label: 'duplicates' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Findings by severity',
        width: 12,
        stacked: true,
        left: SEVERITIES.map((severity) => blastwallMetric(METRICS.findings, 'Sum', Duration.minutes(5), { Severity: severity }).with({ label: severity })),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Revocations',
        width: 12,
        left: [
          blastwallMetric(METRICS.revocations, 'Sum', Duration.minutes(5)).with({ label: 'revocations' }),
          blastwallMetric(METRICS.revocationFailures, 'Sum', Duration.minutes(5)).with({ label: 'failures' }),
          blastwallMetric(METRICS.circuitBreakerOpen, 'Sum', Duration.minutes(5)).with({ label: 'refused: circuit breaker open' }),
        ],
        right: [
          // UndoRefused carries a Reason dimension (bad signature, stale, not an approver…): one line per reason.
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRIC_NAMESPACE},Reason,service} MetricName="${METRICS.undoRefused}"', 'Sum', 300)`,
            label: 'undo refused',
            period: Duration.minutes(5),
          }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Processing latency p99 (event time → finding published)',
        width: 12,
        left: [blastwallMetric(METRICS.processingLatency, 'p99', minute).with({ label: 'p99 ms' })],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        width: 12,
        left: Object.entries(props.functions).map(([name, fn]) => fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues (messages visible)',
        width: 12,
        left: Object.entries(props.deadLetterQueues).map(([name, q]) => q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum', label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Paging failures by channel',
        width: 12,
        left: PAGE_CHANNELS.map((channel) => blastwallMetric(METRICS.pageFailures, 'Sum', Duration.minutes(5), { Channel: channel }).with({ label: channel })),
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 12, alarms: this.alarms }),
    );
  }
}
