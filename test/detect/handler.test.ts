/**
 * The `detect` Lambda runs the same pipeline as `blastwall replay`: fed the same
 * records as EventBridge events, it publishes exactly the findings the replay reports.
 */
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { DETAIL_TYPES, METRICS } from '../../functions/core/telemetry-names.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { createDetectHandler } from '../../functions/detect/handler.ts';
import { replayFiles } from '../../bin/cli/replay-engine.ts';
import { DEMO_SCENARIO } from '../../bin/cli/demo-command.ts';
import { readFileSync } from 'node:fs';

const config = parseConfig(EXAMPLE_CONFIG);
const records = JSON.parse(readFileSync(DEMO_SCENARIO, 'utf8')) as Array<Record<string, unknown>>;

function envelope(record: Record<string, unknown>) {
  return {
    version: '0',
    id: `eb-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(record.eventSource).split('.')[0]}`,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

function harness(publishImpl?: (detailType: string, detail: unknown) => Promise<void>) {
  const published: Array<{ detailType: string; detail: Finding }> = [];
  const metricNames: string[] = [];
  const metrics = new Metrics({ namespace: 'BlastwallTest', serviceName: 'test' });
  const addMetric = metrics.addMetric.bind(metrics);
  metrics.addMetric = ((name: string, unit: never, value: number) => {
    metricNames.push(name);
    return addMetric(name, unit, value);
  }) as typeof metrics.addMetric;
  let emfLines = 0;
  metrics.publishStoredMetrics = () => {
    emfLines++;
    // What Powertools does after publishing: the stored metrics are gone.
    metrics.clearMetrics();
    return metrics;
  };
  const warnings: unknown[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  logger.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof logger.warn;
  const handler = createDetectHandler({
    pipeline: createPipeline({ config, store: createMemoryStateStore() }),
    publish:
      publishImpl ??
      (async (detailType, detail) => {
        published.push({ detailType, detail: detail as Finding });
      }),
    logger,
    metrics,
    // Events arrive as they happen: the clock is the event's own time.
    now: () => new Date(current),
  });
  let current = 0;
  return {
    published,
    metricNames,
    emfLines: () => emfLines,
    warnings,
    async send(record: Record<string, unknown>) {
      current = Date.parse(String(record.eventTime));
      return handler(envelope(record));
    },
  };
}

describe('detect handler', () => {
  it('publishes exactly the findings the replay reports, in the same order', async () => {
    const replayed: Finding[] = [];
    await replayFiles([DEMO_SCENARIO], config, { onFinding: ({ finding }) => replayed.push(finding) });
    const h = harness();
    const sorted = [...records].sort((a, b) => Date.parse(String(a.eventTime)) - Date.parse(String(b.eventTime)));
    for (const record of sorted) await h.send(record);
    expect(h.published.every((p) => p.detailType === DETAIL_TYPES.finding)).toBe(true);
    expect(h.published.map((p) => [p.detail.id, p.detail.severity, p.detail.response.map((a) => a.apiCall)])).toEqual(
      replayed.map((f) => [f.id, f.severity, f.response.map((a) => a.apiCall)]),
    );
    expect(replayed.length).toBeGreaterThan(0);
    // Only findings record metrics: a benign event writes no EMF line (log bytes are the cost).
    expect(h.metricNames.filter((n) => n === METRICS.processingLatency)).toHaveLength(replayed.length);
    expect(h.emfLines()).toBe(replayed.length);
    expect(records.length).toBeGreaterThan(10 * replayed.length);
  });

  it('rejects hostile input with a reason, logs and counts it, and does not throw', async () => {
    const h = harness();
    const result = await h.send({ eventTime: '2026-01-01T00:00:00Z', eventName: '__proto__', userIdentity: null });
    expect(result).toMatchObject({ status: 'rejected' });
    expect(h.metricNames).toContain(METRICS.eventsRejected);
    expect(JSON.stringify(h.warnings)).toMatch(/rejected input/);
    expect(h.published).toHaveLength(0);
  });

  it('throws when the bus refuses the finding, and the retry publishes the same finding once', async () => {
    let fail = true;
    const delivered: Finding[] = [];
    const h = harness(async (_type, detail) => {
      if (fail) throw new Error('EventBridge unavailable');
      delivered.push(detail as Finding);
    });
    const destructive = records.find((r) => r.eventName === 'DeleteDBInstance')!;
    await expect(h.send(destructive)).rejects.toThrow(/EventBridge unavailable/);
    fail = false;
    const retry = await h.send(destructive);
    expect(retry).toMatchObject({ status: 'duplicate' });
    const again = await h.send(destructive);
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.eventName).toBe('DeleteDBInstance');
    expect(delivered[0]!.severity).toBe('critical');
  });
});
