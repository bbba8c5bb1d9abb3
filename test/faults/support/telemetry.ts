/**
 * Real Powertools Logger and Metrics whose output is captured instead of printed:
 * what the detect handler logs and which metrics it emits (EMF) can be asserted
 * and measured, with the exact code paths Lambda runs.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../../../functions/core/telemetry-names.ts';

export interface CapturedTelemetry {
  logger: Logger;
  metrics: Metrics;
  /** Every line written by the logger and by the metrics (EMF), parsed when JSON. */
  lines(): unknown[];
  /** Log lines only (objects with a `message`). */
  logs(): Array<Record<string, unknown>>;
  /** Sum of each metric's values across every EMF blob flushed so far. */
  metricTotals(): Record<string, number>;
  bytes(): number;
  clear(): void;
}

class Sink extends Writable {
  chunks: string[] = [];
  byteCount = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    const text = chunk.toString('utf8');
    this.byteCount += chunk.length;
    this.chunks.push(text);
    cb();
  }
}

/** Powertools keeps its console in a private field; replacing it is the only way to capture without touching process.stdout. */
function redirect(target: Logger | Metrics, sink: Sink) {
  (target as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
}

export function captureTelemetry(options: { keepLines?: boolean } = {}): CapturedTelemetry {
  const keep = options.keepLines ?? true;
  const sink = new Sink();
  if (!keep) sink._write = function (chunk: Buffer, _enc, cb) { this.byteCount += chunk.length; cb(); };
  const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: 'INFO' });
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME, logger });
  redirect(logger, sink);
  redirect(metrics, sink);
  // singleMetric() builds a fresh Metrics (with its own console) per call: capture those too.
  const single = metrics.singleMetric.bind(metrics);
  metrics.singleMetric = () => {
    const m = single();
    redirect(m, sink);
    return m;
  };
  const lines = () =>
    sink.chunks
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return l;
        }
      });
  return {
    logger,
    metrics,
    lines,
    logs: () => lines().filter((l): l is Record<string, unknown> => typeof l === 'object' && l !== null && 'message' in l),
    metricTotals() {
      const totals: Record<string, number> = {};
      for (const line of lines()) {
        if (typeof line !== 'object' || line === null || !('_aws' in line)) continue;
        const blob = line as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } };
        for (const directive of blob._aws.CloudWatchMetrics) {
          for (const { Name } of directive.Metrics) {
            const value = blob[Name];
            const sum = Array.isArray(value) ? value.reduce((a: number, b: unknown) => a + Number(b), 0) : Number(value);
            totals[Name] = (totals[Name] ?? 0) + sum;
          }
        }
      }
      return totals;
    },
    bytes: () => sink.byteCount,
    clear() {
      sink.chunks = [];
      sink.byteCount = 0;
    },
  };
}
