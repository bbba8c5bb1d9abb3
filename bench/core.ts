/**
 * The detection core against its yardstick, in one process, on one stream.
 *
 * Stream: generated CloudTrail management events as `detect` receives them (after
 * the member rule dropped AWS-service calls): ~90 % read-only, ~9 % writes, ~1 %
 * destructive, thousands of credentials and actors, in eventTime order.
 *
 * - yardstick: `JSON.parse` of each event's JSON text (the cheapest thing any
 *   consumer of CloudTrail must do).
 * - the two sides alternate: parse, core, parse, core … (at least 5 pairs); the
 *   ratio is the median of the pairs' ratios, with min and max beside it.
 * - core: the shared pipeline's `detect` (detector + response planning) on the
 *   already-normalised events, memory store, exactly as `blastwall replay` drives it
 *   (`now` = the event's time, `markPublished` after a finding).
 * - also reported: the normaliser alone (intake validation), for context.
 *
 * coreToParseRatio = median over pairs of (core time / parse time).
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

/** CPU time of this process (user + system, all its threads) in ms: what a side costs, less what other processes on a shared machine take from it. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function parseAll(texts: readonly string[]): number {
  return parseAllTimed(texts).ms;
}

function parseAllTimed(texts: readonly string[]): { ms: number; cpuMs: number } {
  let sink = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const text of texts) {
    const value = JSON.parse(text) as { eventID?: string };
    sink += value.eventID ? 1 : 0;
  }
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  if (sink !== texts.length) throw new Error('parse yardstick lost events');
  return { ms, cpuMs: cpu };
}

async function runCore(pipeline: ReturnType<typeof createPipeline>, events: readonly AuditEvent[]) {
  const bySeverity: Record<string, number> = {};
  let findings = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const event of events) {
    const outcome = await pipeline.detect(event, new Date(event.timeMs));
    if (outcome.finding && !outcome.duplicate) {
      findings++;
      bySeverity[outcome.finding.severity] = (bySeverity[outcome.finding.severity] ?? 0) + 1;
      await pipeline.detector.markPublished(event, outcome.finding.id);
    }
  }
  const ms = performance.now() - t0;
  return { ms, cpuMs: cpuMs() - c0, findings, bySeverity };
}

export interface RatioStats {
  median: number;
  min: number;
  max: number;
  pairs: number[];
}

export function ratioStats(pairs: number[]): RatioStats {
  const sorted = [...pairs].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, pairs };
}

/**
 * Interleaved pairs: parse the stream, then run the core over it on a fresh store,
 * `pairs` times in a row (at least 5), so machine drift (other processes, thermal,
 * GC state) falls on both sides alike. The ratio is the median of the pairs' ratios,
 * reported with its min and max; the events per second are the medians of each side.
 */
export async function measureCore(opts: { events: number; seed?: number; pairs?: number }): Promise<CoreResult & { coreToParseRatioStats: RatioStats; coreToParseRatioCpuStats: RatioStats }> {
  // Warm both code paths (JIT) on a separate small stream, then measure on fresh stores.
  {
    const warm = prepare(Math.min(20_000, Math.ceil(opts.events / 5)), 99);
    parseAll(warm.texts);
    await runCore(warm.pipeline, warm.normalised);
  }
  const { texts, stats, normalised, normaliseMs } = prepare(opts.events, opts.seed ?? 1);
  const config = benchConfig();
  const pairs = Math.max(5, opts.pairs ?? 5);
  const ratios: number[] = [];
  // The same pairs in CPU time (process.cpuUsage): on a machine shared with other processes, wall time also counts
  // the time others took; CPU time does not (it still counts this process's GC threads, on both sides alike).
  const cpuRatios: number[] = [];
  const parseMsAll: number[] = [];
  const coreMsAll: number[] = [];
  let core: Awaited<ReturnType<typeof runCore>> | undefined;
  for (let i = 0; i < pairs; i++) {
    const parsed = parseAllTimed(texts);
    const parseMs = parsed.ms;
    // A fresh store each pass: every pass sees the same stream on the same (empty) history.
    const pipeline = createPipeline({ config, store: createMemoryStateStore() });
    core = await runCore(pipeline, normalised);
    parseMsAll.push(parseMs);
    coreMsAll.push(core.ms);
    ratios.push(core.ms / parseMs);
    cpuRatios.push(core.cpuMs / parsed.cpuMs);
  }
  const n = texts.length;
  const ratio = ratioStats(ratios);
  const coreMs = ratioStats(coreMsAll).median;
  const parseMs = ratioStats(parseMsAll).median;
  return {
    coreEventsPerSec: n / (coreMs / 1000),
    parseEventsPerSec: n / (parseMs / 1000),
    coreToParseRatio: ratio.median,
    coreToParseRatioStats: ratio,
    coreToParseRatioCpuStats: ratioStats(cpuRatios),
    normaliseEventsPerSec: n / (normaliseMs / 1000),
    coreEvents: n,
    coreFindings: core!.findings,
    coreFindingsBySeverity: core!.bySeverity,
    coreMs,
    parseMs,
    meanEventJsonBytes: texts.reduce((a, t) => a + t.length, 0) / n,
    generated: stats,
  };
}

/**
 * CPU profile of the core on its own stream (not the measured one): self time per
 * function, so a missed goal names the function that dominates.
 */
export async function profileCore(opts: { events: number; top?: number }): Promise<ProfileEntry[]> {
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
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/work\/(main|wt\/[^/]+)\//, '');
    const name = cf.functionName || '(anonymous)';
    const key = `${name}@${file}:${cf.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { location: `${file}:${cf.lineNumber + 1}`, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  return [...byFunction.entries()]
    .map(([key, v]) => ({ function: key.split('@')[0]!, location: v.location, selfMs: v.us / 1000, selfShare: total ? v.us / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, opts.top ?? 12);
}
