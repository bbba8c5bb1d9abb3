/**
 * At-least-once, unordered delivery (EventBridge → Lambda) across whole scenarios,
 * through the detect handler.
 *
 * Proves, for each acceptance scenario (the incident (docs/architecture.md), cross-account,
 * root, routine CI, tamper), against a clean in-order single delivery:
 *   - every record delivered twice (the second copy up to 20 deliveries later):
 *     the same findings (ids, severities, reasons, planned responses), each
 *     published exactly once; the copies answer `duplicate`, publish nothing and
 *     are counted in DuplicateEvents — on the in-memory store and on DynamoDB
 *     (dynalite);
 *   - out-of-order arrival (each record delayed 0–60 s at random, as EventBridge
 *     may), the guarantee docs/detection.md states: no finding of high or above is
 *     lost or weakened, no revocation is planned that in-order delivery would not
 *     plan, no credential loses a revocation, and what is added is only `low`;
 *   - identical findings under reordering (issue 3f / 7): NOT met — kept as an
 *     expected failure with the evidence (see the last test).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { METRICS } from '../../functions/core/telemetry-names.ts';
import { rng } from '../../bench/generate.ts';
import { startLocalDynamo } from '../support/dynalite.ts';
import { detectHarness, exampleConfig, fingerprint, loadScenario, SCENARIOS } from './support/harness.ts';

type Rec = Record<string, unknown>;

function shuffle<T>(xs: T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Each record delivered again up to `lag` deliveries after its first copy; first copies keep their order. */
function withLateDuplicates(records: Rec[], seed: number, lag = 20): Rec[] {
  const random = rng(seed);
  const out = [...records];
  for (const record of records) {
    const at = out.indexOf(record);
    out.splice(Math.min(out.length, at + 1 + Math.floor(random() * lag)), 0, record);
  }
  return out;
}

/** Arrival = eventTime + a random delay in [0, maxDelayMs); delivered in arrival order. */
function delayedArrival(records: Rec[], seed: number, maxDelayMs: number): Rec[] {
  const random = rng(seed);
  return records
    .map((record) => ({ record, at: Date.parse(String(record.eventTime)) + random() * maxDelayMs }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.record);
}

const RANK = ['info', 'low', 'medium', 'high', 'critical'];
const rank = (severity: string) => RANK.indexOf(severity);

/** Planned revocations (API calls that would act), as `action target` strings. */
function plannedRevocations(findings: Map<string, Finding>): Set<string> {
  const out = new Set<string>();
  for (const f of findings.values()) for (const a of f.response) if (a.action !== 'manual' && a.status === 'planned') out.add(`${a.action} ${a.target}`);
  return out;
}

async function run(store: StateStore, deliveries: Rec[]) {
  const h = detectHarness(store, exampleConfig());
  const statuses: Record<string, number> = {};
  for (const record of deliveries) {
    const r = await h.deliver(record);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  const byId = new Map<string, string>();
  // The last publication of each id is the one that counts (a late event can re-publish a hop's finding, upgraded).
  const findings = new Map<string, Finding>();
  for (const p of h.published) {
    byId.set(p.finding.id, fingerprint(p.finding));
    findings.set(p.finding.id, p.finding);
  }
  return { byId, findings, published: h.published.length, statuses, duplicates: h.telemetry.metricTotals()[METRICS.duplicateEvents] ?? 0 };
}

describe('duplicate and out-of-order delivery', () => {
  it.each(SCENARIOS)('%s: every record delivered twice → the same findings and responses, each published once', async (name) => {
    const records = loadScenario(name);
    const clean = await run(createMemoryStateStore(), records);
    expect(clean.byId.size).toBeGreaterThan(0);
    expect(clean.published).toBe(clean.byId.size);
    for (const seed of [1, 2, 3]) {
      const twice = await run(createMemoryStateStore(), withLateDuplicates(records, seed));
      expect(twice.byId).toEqual(clean.byId);
      expect(twice.published).toBe(clean.byId.size);
      expect(twice.statuses.rejected ?? 0).toBe(0);
      // The second copy of every finding's event is recognised as a duplicate and counted.
      expect(twice.statuses.duplicate).toBeGreaterThanOrEqual(clean.byId.size);
      expect(twice.duplicates).toBe(twice.statuses.duplicate);
    }
  });

  it('cross-account (lineage across accounts), every record twice, on the DynamoDB store (dynalite): the same findings, each published once', async () => {
    const records = loadScenario('cross-account');
    const clean = await run(createMemoryStateStore(), records);
    const local = await startLocalDynamo();
    try {
      const store = createDynamoStateStore({ client: local.client, tableName: local.tableName, config: exampleConfig() });
      const twice = await run(store, withLateDuplicates(records, 7));
      expect(twice.byId).toEqual(clean.byId);
      expect(twice.published).toBe(clean.byId.size);
    } finally {
      await local.close();
    }
  });

  it.each(SCENARIOS)('%s, out of order (0–60 s delays, 5 arrival orders): nothing high is lost or weakened, no revocation added or lost, additions only low', async (name) => {
    const records = loadScenario(name);
    const clean = await run(createMemoryStateStore(), records);
    const cleanRevocations = plannedRevocations(clean.findings);
    for (const seed of [11, 12, 13, 14, 15]) {
      const late = await run(createMemoryStateStore(), delayedArrival(records, seed, 60_000));
      for (const [id, f] of clean.findings) {
        if (rank(f.severity) < rank('high')) continue;
        const got = late.findings.get(id);
        expect(got, `${name} seed ${seed}: ${f.severity} finding on ${f.eventName} at ${f.time}`).toBeDefined();
        expect(rank(got!.severity), `${name} seed ${seed}: ${f.eventName} at ${f.time}`).toBeGreaterThanOrEqual(rank(f.severity));
      }
      for (const [id, f] of late.findings) {
        if (!clean.findings.has(id)) expect(f.severity, `${name} seed ${seed}: extra finding on ${f.eventName} at ${f.time}`).toBe('low');
      }
      expect(plannedRevocations(late.findings)).toEqual(cleanRevocations);
    }
  });

  // NOT MET (reported; functions/core/detection/**, documented in docs/detection.md
  // "What can still differ"): delivered with each record delayed 0–60 s (arrival
  // order), the incident gets a `low` first-use finding for *each* of the production
  // key's first calls that arrives before the true first one (two extra findings for
  // seed 11), `new-source` on the hop finding, and the DeleteRecoveryPoint finding
  // loses `burst` (bursts are not re-scored); routine-ci can gain a low finding and keep
  // a janitor delete at medium. A streaming detector cannot retract what it published,
  // so identical findings would need a buffering delay. Issue 3f/7 ask for identical
  // findings: flip to `it` if that is ever met.
  it.fails('out-of-order arrival (0–60 s delays) → the same findings as in-order delivery', async () => {
    for (const name of ['incident', 'routine-ci']) {
      const records = loadScenario(name);
      const clean = await run(createMemoryStateStore(), records);
      const shuffled = await run(createMemoryStateStore(), delayedArrival(records, 11, 60_000));
      expect(shuffled.byId, name).toEqual(clean.byId);
    }
  });
});
