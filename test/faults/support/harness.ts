/**
 * The detect handler wired as Lambda wires it, but over given stores and a
 * publisher that records what reached "the bus" (and can be made to fail).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_CONFIG, parseConfig, type BlastwallConfig } from '../../../functions/core/config.ts';
import type { Finding } from '../../../functions/core/finding.ts';
import type { StateStore } from '../../../functions/core/detection/state-store.ts';
import { createPipeline } from '../../../functions/core/pipeline.ts';
import { eventKey } from '../../../functions/core/detection/detector.ts';
import { createDetectHandler, type DetectResult } from '../../../functions/detect/handler.ts';
import { DETAIL_TYPES } from '../../../functions/core/telemetry-names.ts';
import { captureTelemetry, type CapturedTelemetry } from './telemetry.ts';

export const SCENARIO_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'scenarios');
export const SCENARIOS = ['incident', 'cross-account', 'root', 'routine-ci', 'tamper'] as const;

export function loadScenario(name: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>[];
}

export function exampleConfig(): BlastwallConfig {
  return parseConfig(EXAMPLE_CONFIG, 'example');
}

/** The EventBridge envelope a CloudTrail record arrives in. */
export function envelopeOf(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: `env-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(record.eventSource ?? '').split('.')[0]}`,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

export interface Published {
  detailType: string;
  finding: Finding;
}

export interface DetectHarness {
  handler: (raw: unknown) => Promise<DetectResult>;
  /** Everything that reached the bus, in order, re-publications included. */
  published: Published[];
  telemetry: CapturedTelemetry;
  /** The next `times` publications fail (the bus is down). */
  failPublish(times: number): void;
  /** Runs one record with the clock at its own event time (deterministic planned responses). */
  deliver(record: Record<string, unknown>): Promise<DetectResult>;
}

export function detectHarness(store: StateStore, config = exampleConfig()): DetectHarness {
  const telemetry = captureTelemetry();
  const published: Published[] = [];
  let publishFailures = 0;
  let clock = new Date('2026-01-01T00:00:00Z');
  const handler = createDetectHandler({
    pipeline: createPipeline({ config, store }),
    publish: async (detailType, detail) => {
      if (publishFailures > 0) {
        publishFailures--;
        throw Object.assign(new Error('EventBridge PutEvents failed: ServiceUnavailable'), { name: 'ServiceUnavailable' });
      }
      // What crosses the bus is JSON: keep a serialised copy, never a live reference.
      published.push({ detailType, finding: JSON.parse(JSON.stringify(detail)) as Finding });
    },
    logger: telemetry.logger,
    metrics: telemetry.metrics,
    now: () => clock,
  });
  return {
    handler,
    published,
    telemetry,
    failPublish: (times) => void (publishFailures = times),
    deliver(record) {
      const time = Date.parse(String(record.eventTime));
      clock = new Date(Number.isFinite(time) ? time + 2_000 : 0);
      return handler(envelopeOf(record));
    },
  };
}

export { DETAIL_TYPES };

/** A finding as a comparable fingerprint: everything a consumer acts on. */
export function fingerprint(f: Finding): string {
  return JSON.stringify({
    id: f.id,
    severity: f.severity,
    eventId: f.eventId,
    reasons: f.reasons.map((r) => r.signal).sort(),
    response: f.response.map((a) => ({ action: a.action, target: a.target, mode: a.mode, status: a.status })),
  });
}

/** The detector's processed-marker key for a record (what the store's load takes as `eventId`). */
export function markerKey(record: Record<string, unknown>, config = exampleConfig()): string {
  const result = createPipeline({ config, store: { load: async () => ({ created: [] }), save: async () => {}, markPublished: async () => {} } }).normalise(record);
  if (!result.ok) throw new Error(`not a valid record: ${result.reason}`);
  return eventKey(result.event);
}
