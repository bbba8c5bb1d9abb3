/** Shared helpers for the detection tests. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { type BlastwallConfig, EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { createEnvironmentResolver, type EnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createDetector, type DetectionOutcome, type Detector } from '../../functions/core/detection/detector.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import type { Finding } from '../../functions/core/finding.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const SCENARIO_DIR = join(here, '..', 'fixtures', 'scenarios');
export const CORPUS_DIR = join(here, '..', 'fixtures', 'corpus');

export const config: BlastwallConfig = parseConfig(EXAMPLE_CONFIG);
export const resolver: EnvironmentResolver = createEnvironmentResolver(config);

export function normalise(record: unknown, r: EnvironmentResolver = resolver): AuditEvent {
  const result = normaliseRecord(record, r);
  if (!result.ok) throw new Error(`fixture record rejected: ${result.reason}`);
  return result.event;
}

export function loadScenario(file: string): AuditEvent[] {
  const records = JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as unknown[];
  return records.map((r) => normalise(r));
}

export function detectorWith(store: StateStore = createMemoryStateStore(), c: BlastwallConfig = config): Detector {
  return createDetector({ store, config: c, resolver: createEnvironmentResolver(c) });
}

export interface Run {
  event: AuditEvent;
  outcome: DetectionOutcome;
}

/** Runs events through the detector in the given order, publishing every new finding like the detect handler. */
export async function run(detector: Detector, events: AuditEvent[]): Promise<Run[]> {
  const out: Run[] = [];
  for (const event of events) {
    const outcome = await detector.process(event);
    if (outcome.finding && !outcome.published) await detector.markPublished(event, outcome.finding.id);
    out.push({ event, outcome });
  }
  return out;
}

/** New findings (not duplicates), keyed by id. */
export function findingsOf(runs: Run[]): Map<string, Finding> {
  const map = new Map<string, Finding>();
  for (const { outcome } of runs) if (outcome.finding && !outcome.duplicate) map.set(outcome.finding.id, outcome.finding);
  return map;
}

/** Deterministic shuffle (mulberry32). */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
