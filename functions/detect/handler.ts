/**
 * `detect`: one CloudTrail event from the central bus → normalise → detect →
 * publish `Blastwall Finding`. Thin: all decisions live in the shared pipeline,
 * the same code `blastwall replay` runs.
 *
 * Failure semantics (EventBridge → Lambda is asynchronous, at least once):
 * - hostile or malformed input is rejected, logged with its reason and counted;
 *   retrying cannot fix it, so the invocation succeeds;
 * - a state-store or bus failure throws: Lambda retries, then the event lands in
 *   the DLQ. Never a silent drop. The detector's ledger makes the retry re-publish
 *   the finding it computed the first time, never a second one.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseOwnRoleArns } from '../core/response/protected.ts';
import { createPipeline, type Pipeline } from '../core/pipeline.ts';
import { DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../core/telemetry-names.ts';
import type { AuditEvent } from '../core/audit-event.ts';
import { createDynamoStateStore } from '../adapters/dynamo-state-store.ts';
import { createDynamoSeenLedger, type SeenLedger } from '../adapters/seen-ledger-dynamo.ts';
import { createEventPublisher } from '../adapters/event-publisher.ts';
import { configFromEnvironment, regionOfArn, requiredEnv } from '../adapters/lambda-environment.ts';
import { createOrganizationCache } from '../adapters/organization-cache-dynamo.ts';
import { OrganizationAccounts } from '../core/organization.ts';
import { UNKNOWN_ENVIRONMENT } from '../core/config-schema.ts';
import { reconcileScope } from '../core/detection/reconcile-scope.ts';

export type DetectResult =
  | { status: 'rejected'; reason: string }
  | { status: 'duplicate'; findingId?: string }
  | { status: 'processed'; findingId?: string; severity?: string };

export interface DetectDeps {
  pipeline: Pipeline;
  publish(detailType: string, detail: unknown): Promise<void>;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
  /**
   * The ledger of write events that arrived, which the reconciler compares with CloudTrail (functions/reconcile).
   * Only events in the reconciler's scope are recorded (functions/core/detection/reconcile-scope.ts): the reconciler
   * compares only those, so recording any other would be a DynamoDB write nobody reads.
   */
  seen?: Pick<SeenLedger, 'record'>;
  /** Accounts placed by organisational unit (config `organizationalUnits`): kept fresh before each event; the pipeline's resolver reads its map. */
  organization?: Pick<OrganizationAccounts, 'ensureFresh' | 'refreshForUnknown'>;
}

export function createDetectHandler(deps: DetectDeps) {
  const now = deps.now ?? (() => new Date());
  // Built at the first write event, not at cold start (a container of read-only calls never needs it).
  let scope: ReturnType<typeof reconcileScope> | undefined;
  return async (raw: EventBridgeEvent<string, unknown> | unknown): Promise<DetectResult> => {
    try {
      return await handle(raw);
    } finally {
      // A benign event records no metric and so writes no EMF line: CloudWatch Logs are
      // billed per byte and benign events are ~99 % of the stream. (The blind-detector
      // alarm watches Lambda's own Invocations metric instead.)
      if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    }
  };

  async function handle(raw: unknown): Promise<DetectResult> {
    const { pipeline, logger, metrics } = deps;
    await deps.organization?.ensureFresh(now());
    let normalised = pipeline.normalise(raw);
    // An account nobody placed may be one created a moment ago in a configured OU: reload the cache (bounded) and resolve again.
    if (normalised.ok && deps.organization && (await deps.organization.refreshForUnknown(unplacedAccounts(pipeline, normalised.event), now()))) {
      normalised = pipeline.normalise(raw);
    }
    if (!normalised.ok) {
      metrics.addMetric(METRICS.eventsRejected, MetricUnit.Count, 1);
      logger.warn('rejected input', { reason: normalised.reason, envelopeId: envelopeId(raw) });
      return { status: 'rejected', reason: normalised.reason };
    }
    const event = normalised.event;
    const result = await detectAndPublish(event);
    // Recorded once fully processed: an event whose processing failed is retried, or missed and reconciled.
    // Only write events the reconciler compares (the same predicate as its side): one DynamoDB write each.
    if (deps.seen && !event.action.readOnly && (scope ??= reconcileScope(deps.pipeline.config.detection.rules)).matters(event)) await deps.seen.record(event);
    return result;
  }

  async function detectAndPublish(event: AuditEvent): Promise<DetectResult> {
    const { pipeline, logger, metrics } = deps;
    const outcome = await pipeline.detect(event, now());
    const finding = outcome.finding;
    if (outcome.suppressed) {
      // Never silent: counted, and logged with the suppression's reason and the severity it would have had.
      metrics.addMetric(METRICS.suppressedEvents, MetricUnit.Count, 1);
      logger.info('suppressed by detection.suppressions', { eventId: event.id, eventName: event.action.name, ...outcome.suppressed });
    }
    // A late event can change the findings of later events it precedes (same ids, higher severity): publish each.
    for (const later of outcome.additionalFindings ?? []) {
      await deps.publish(DETAIL_TYPES.finding, later);
      await pipeline.detector.markPublished(event, later.id);
      logger.info('finding of a later event re-scored by a late event, published', { findingId: later.id, severity: later.severity, lateEventId: event.id });
    }
    if (outcome.duplicate) {
      metrics.addMetric(METRICS.duplicateEvents, MetricUnit.Count, 1);
      if (!finding || outcome.published) return { status: 'duplicate', ...(finding ? { findingId: finding.id } : {}) };
      logger.info('re-publishing a finding whose first publication did not complete', { findingId: finding.id });
    }
    if (!finding) return { status: 'processed' };

    await deps.publish(DETAIL_TYPES.finding, finding);
    await pipeline.detector.markPublished(event, finding.id);
    const severityMetric = metrics.singleMetric();
    severityMetric.addDimension('Severity', finding.severity);
    severityMetric.addMetric(METRICS.findings, MetricUnit.Count, 1);
    metrics.addMetric(METRICS.processingLatency, MetricUnit.Milliseconds, Math.max(0, now().getTime() - event.timeMs));
    logger.info('finding published', {
      findingId: finding.id,
      severity: finding.severity,
      eventId: event.id,
      eventName: event.action.name,
      accessKeyId: event.credential.accessKeyId,
      reasons: finding.reasons.map((r) => r.signal),
    });
    return { status: outcome.duplicate ? 'duplicate' : 'processed', findingId: finding.id, severity: finding.severity };
  }
}

/** The event's accounts (receiving, and the principal's own) that resolve to no environment. */
function unplacedAccounts(pipeline: Pipeline, event: AuditEvent): string[] {
  return [event.account, event.credential.accountId].filter((a): a is string => a !== undefined && pipeline.resolver.forAccount(a) === UNKNOWN_ENVIRONMENT);
}

/** The envelope's own id, for the log line of a rejected event (never the whole hostile payload). */
function envelopeId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = Object.prototype.hasOwnProperty.call(raw, 'id') ? (raw as { id: unknown }).id : undefined;
  return typeof id === 'string' ? id.slice(0, 128) : undefined;
}

let cached: ReturnType<typeof createDetectHandler> | undefined;

/** Built on first invocation from the environment the CDK stack sets (the reconciler builds the same handler). */
export function fromEnvironment(): ReturnType<typeof createDetectHandler> {
  const config = configFromEnvironment('detect');
  const tableName = requiredEnv('detect', ENV_VARS.tableName);
  const busName = requiredEnv('detect', ENV_VARS.eventBusName);
  // Bounded: a request that hangs must throw (so Lambda retries) well inside the function
  // timeout, not wait for it; the SDK's own retries cover throttling.
  // Member topology: the table and the bus are the central account's, named by ARN (their region may not be this function's).
  const tableRegion = regionOfArn(tableName);
  const client = new DynamoDBClient({ maxAttempts: 3, ...(tableRegion ? { region: tableRegion } : {}), requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } });
  const store = createDynamoStateStore({ client, tableName, config });
  const ownRoleArns = parseOwnRoleArns(process.env[ENV_VARS.ownRoleArns]);
  // The EventBridge client is built on the first finding: a container that only sees benign events never needs it.
  let publisher: ReturnType<typeof createEventPublisher> | undefined;
  const logger = new Logger({ serviceName: SERVICE_NAME });
  // Environments by organisational unit: the org-sync cache item, read on the first event and kept fresh.
  const cache = createOrganizationCache(client, tableName);
  const organization = new OrganizationAccounts({ config, load: () => cache.get(), log: { warn: (m, d) => logger.warn(m, (d ?? {}) as never) } });
  return createDetectHandler({
    pipeline: createPipeline({ config, store, ownRoleArns, ...(organization.enabled ? { ouAccounts: organization.current } : {}) }),
    publish: (detailType, detail) => (publisher ??= createEventPublisher({ eventBusName: busName, ...(regionOfArn(busName) ? { region: regionOfArn(busName)! } : {}) })).publish(detailType, detail),
    logger,
    metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME }),
    seen: createDynamoSeenLedger(client, tableName),
    ...(organization.enabled ? { organization } : {}),
  });
}

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<DetectResult> => {
  cached ??= fromEnvironment();
  return cached(event);
};
