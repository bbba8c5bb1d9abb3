/**
 * The detection core against its yardstick, in one process, on one stream.
 *
 * Stream: generated CloudTrail management events as `detect` receives them (after
 * the member rule dropped AWS-service calls): ~90 % read-only, ~9 % writes, ~1 %
 * destructive, thousands of credentials and actors, in eventTime order.
 *
 * - yardstick: `JSON.parse` of each event's JSON text (the cheapest thing any
 *   consumer of CloudTrail must do). Measured twice, before and after the core;
 *   the faster pass is used, so the ratio is never flattered by a slow parse.
 * - core: the shared pipeline's `detect` (detector + response planning) on the
 *   already-normalised events, memory store, exactly as `blastwall replay` drives it
 *   (`now` = the event's time, `markPublished` after a finding).
 * - also reported: the normaliser alone (intake validation), for context.
 *
 * coreToParseRatio = core time / parse time.
 */
import { Session } from 'node:inspector/promises';
import type { AuditEvent } from '../functions/core/audit-event.ts';
import { createPipeline } from '../functions/core/pipeline.ts';
import { createMemoryStateStore } from '../functions/adapters/memory-state-store.ts';
import { benchConfig, generate, type GeneratedStats } from './generate.ts';

export interface CoreResult {
  coreEventsPerSec: number;
  parseEventsPerSec: number;
  coreToParseRatio: number;
  normaliseEventsPerSec: number;
  coreEvents: number;
  coreFindings: number;
  coreFindingsBySeverity: Record<string, number>;
  coreMs: number;
  parseMs: number;
  meanEventJsonBytes: number;
  generated: GeneratedStats;
}

export interface ProfileEntry {
  function: string;
  location: string;
  selfMs: number;
  selfShare: number;
}

function prepare(events: number, seed: number) {
  const { records, stats } = generate({ events, seed, humanOnly: true });
  const texts = records.map((r) => JSON.stringify(r));
  const config = benchConfig();
  const pipeline = createPipeline({ config, store: createMemoryStateStore() });
  const normT0 = performance.now();
  const normalised: AuditEvent[] = [];
  for (const record of records) {
    const result = pipeline.normalise(record);
    if (!result.ok) throw new Error(`generated record rejected by the normaliser: ${result.reason}`);
    normalised.push(result.event);
  }
  const normaliseMs = performance.now() - normT0;
  return { texts, stats, pipeline, normalised, normaliseMs };
}

function parseAll(texts: readonly string[]): number {
  let sink = 0;
  const t0 = performance.now();
  for (const text of texts) {
    const value = JSON.parse(text) as { eventID?: string };
    sink += value.eventID ? 1 : 0;
  }
  const ms = performance.now() - t0;
  if (sink !== texts.length) throw new Error('parse yardstick lost events');
  return ms;
}

async function runCore(pipeline: ReturnType<typeof createPipeline>, events: readonly AuditEvent[]) {
  const bySeverity: Record<string, number> = {};
  let findings = 0;
  const t0 = performance.now();
  for (const event of events) {
    const outcome = await pipeline.detect(event, new Date(event.timeMs));
    if (outcome.finding && !outcome.duplicate) {
      findings++;
      bySeverity[outcome.finding.severity] = (bySeverity[outcome.finding.severity] ?? 0) + 1;
      await pipeline.detector.markPublished(event, outcome.finding.id);
    }
  }
  return { ms: performance.now() - t0, findings, bySeverity };
}

export async function measureCore(opts: { events: number; seed?: number }): Promise<CoreResult> {
  // Warm both code paths (JIT) on a separate small stream, then measure on a fresh store.
  {
    const warm = prepare(Math.min(20_000, Math.ceil(opts.events / 5)), 99);
    parseAll(warm.texts);
    await runCore(warm.pipeline, warm.normalised);
  }
  const { texts, stats, pipeline, normalised, normaliseMs } = prepare(opts.events, opts.seed ?? 1);
  const parse1 = parseAll(texts);
  const core = await runCore(pipeline, normalised);
  const parse2 = parseAll(texts);
  const parseMs = Math.min(parse1, parse2);
  const n = texts.length;
  return {
    coreEventsPerSec: n / (core.ms / 1000),
    parseEventsPerSec: n / (parseMs / 1000),
    coreToParseRatio: core.ms / parseMs,
    normaliseEventsPerSec: n / (normaliseMs / 1000),
    coreEvents: n,
    coreFindings: core.findings,
    coreFindingsBySeverity: core.bySeverity,
    coreMs: core.ms,
    parseMs,
    meanEventJsonBytes: texts.reduce((a, t) => a + t.length, 0) / n,
    generated: stats,
  };
}

/**
 * CPU profile of the core on its own stream (not the measured one): self time per
 * function, so a missed goal names the function that dominates.
 */
export async function profileCore(opts: { events: number }): Promise<ProfileEntry[]> {
  const { pipeline, normalised } = prepare(opts.events, 5);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  await runCore(pipeline, normalised);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const deltas = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  const selfUs = new Map<number, number>();
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const byFunction = new Map<string, { location: string; us: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const cf = node.callFrame;
    // The inspector's own message dispatch (it builds the profile inside Profiler.stop) and idle time are not the core's.
    if ((cf.functionName === 'dispatch' && cf.url === '') || cf.functionName === '(idle)') continue;
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
    const name = cf.functionName || '(anonymous)';
    const key = `${name}@${file}:${cf.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { location: `${file}:${cf.lineNumber + 1}`, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  return [...byFunction.entries()]
    .map(([key, v]) => ({ function: key.split('@')[0]!, location: v.location, selfMs: v.us / 1000, selfShare: total ? v.us / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, 12);
}
