/**
 * `heartbeat-watch` (central, member topology): two doors, one function.
 *
 * - `Blastwall Heartbeat` from a member (central bus): validated (every field is
 *   attacker-controlled; the sender's account is the envelope's) and kept as that member's
 *   last heartbeat. A malformed one is counted (`HeartbeatsRejected`) and logged, not retried.
 * - The 5-minute schedule: reads every member's last heartbeat and the central detect's
 *   `CodeSha256` (both detects are built from the same bundle by the same `cdk deploy`),
 *   judges them (functions/core/heartbeat.ts) and publishes `MemberHeartbeatsSilent` and
 *   `MemberHeartbeatsUnknownCode` (the alarms page on ≥ 1, and on missing data, so a stopped
 *   watch pages too), logging each member at fault.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { judgeHeartbeats, parseHeartbeat, type HeartbeatJudgement } from '../core/heartbeat.ts';
import { ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { requiredEnv } from '../adapters/lambda-environment.ts';
import { createDynamoHeartbeatStore, type HeartbeatStore } from '../adapters/heartbeat-store-dynamo.ts';
import { functionCodeSha256 } from '../heartbeat/handler.ts';

export interface HeartbeatWatchDeps {
  store: HeartbeatStore;
  /** The code hashes a member's detect may run: the central detect's. */
  knownCodeSha256(): Promise<string[]>;
  silenceMinutes?: number;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
}

export type HeartbeatWatchResult = { status: 'recorded' | 'stale' } | { status: 'rejected'; reason: string } | ({ status: 'judged' } & HeartbeatJudgement);

function isSchedule(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>).source === 'aws.events' && (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event';
}

export function createHeartbeatWatchHandler(deps: HeartbeatWatchDeps) {
  const now = deps.now ?? (() => new Date());
  return async (event: unknown): Promise<HeartbeatWatchResult> => {
    try {
      return isSchedule(event) ? await judge() : await record(event);
    } finally {
      if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    }
  };

  async function record(event: unknown): Promise<HeartbeatWatchResult> {
    const parsed = parseHeartbeat(event);
    if (!parsed.ok) {
      deps.metrics.addMetric(METRICS.heartbeatsRejected, MetricUnit.Count, 1);
      deps.logger.warn('heartbeat rejected', { reason: parsed.reason });
      return { status: 'rejected', reason: parsed.reason };
    }
    const h = parsed.heartbeat;
    // Kept at arrival time, not the member's own clock (which its administrator controls).
    const kept = await deps.store.record({ account: h.account, region: h.region, seenAtMs: now().getTime(), codeSha256: h.codeSha256, eventsJudged: h.eventsJudged });
    return { status: kept ? 'recorded' : 'stale' };
  }

  async function judge(): Promise<HeartbeatWatchResult> {
    const [last, known] = await Promise.all([deps.store.all(), deps.knownCodeSha256()]);
    const judgement = judgeHeartbeats({ last, knownCodeSha256: known, nowMs: now().getTime(), ...(deps.silenceMinutes ? { silenceMinutes: deps.silenceMinutes } : {}) });
    deps.metrics.addMetric(METRICS.memberHeartbeatsSilent, MetricUnit.Count, judgement.silent.length);
    deps.metrics.addMetric(METRICS.memberHeartbeatsUnknownCode, MetricUnit.Count, judgement.unknownCode.length);
    deps.metrics.addMetric(METRICS.memberEventsJudged, MetricUnit.Count, judgement.eventsJudged);
    for (const m of judgement.silent) deps.logger.error('member detector silent', { account: m.account, region: m.region, lastSeen: new Date(m.lastSeenMs).toISOString() });
    for (const m of judgement.unknownCode) deps.logger.error('member detector runs unknown code', { account: m.account, region: m.region, codeSha256: m.codeSha256, expected: known });
    return { status: 'judged', ...judgement };
  }
}

export function fromEnvironment(): ReturnType<typeof createHeartbeatWatchHandler> {
  const tableName = requiredEnv('heartbeat-watch', ENV_VARS.tableName);
  const detectName = requiredEnv('heartbeat-watch', ENV_VARS.detectFunctionName);
  const silence = Number(process.env[ENV_VARS.heartbeatSilenceMinutes] ?? '');
  const bounded = { maxAttempts: 3, requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } } as const;
  const lambdaClient = new LambdaClient(bounded);
  return createHeartbeatWatchHandler({
    store: createDynamoHeartbeatStore(new DynamoDBClient(bounded), tableName),
    knownCodeSha256: async () => [await functionCodeSha256(lambdaClient, detectName)],
    ...(Number.isInteger(silence) && silence > 0 ? { silenceMinutes: silence } : {}),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME }),
  });
}

let cached: ReturnType<typeof createHeartbeatWatchHandler> | undefined;

export const handler = async (event: unknown): Promise<HeartbeatWatchResult> => {
  cached ??= fromEnvironment();
  return cached(event);
};
