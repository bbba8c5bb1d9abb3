/**
 * At-least-once, unordered delivery (EventBridge → Lambda) across whole scenarios,
 * through the detect handler.
 *
 * Proves, for each acceptance scenario (the DESIGN.md incident, cross-account,
 * root, routine CI, tamper), against a clean in-order single delivery:
 *   - every record delivered twice (the second copy up to 20 deliveries later):
 *     the same findings (ids, severities, reasons, planned responses), each
 *     published exactly once; the copies answer `duplicate`, publish nothing and
 *     are counted in DuplicateEvents — on the in-memory store and on DynamoDB
 *     (dynalite);
 *   - out-of-order arrival (each record delayed 0–60 s at random, as EventBridge
 *     may): NOT the same findings today — kept as an expected failure, with the
 *     evidence, until the detector is order-independent (see the last test).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
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

async function run(store: StateStore, deliveries: Rec[]) {
  const h = detectHarness(store, exampleConfig());
  const statuses: Record<string, number> = {};
  for (const record of deliveries) {
    const r = await h.deliver(record);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  const byId = new Map<string, string>();
  for (const p of h.published) byId.set(p.finding.id, fingerprint(p.finding));
  return { byId, published: h.published.length, statuses, duplicates: h.telemetry.metricTotals()[METRICS.duplicateEvents] ?? 0 };
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

  // BUG (reported; functions/core/detection/**): detection through the handler is
  // order-sensitive. Delivered in arrival order with each record delayed 0–60 s
  // at random, the incident gains a `first-use-in-environment` finding and changes
  // reasons (`new-source` appears/disappears), routine-ci and tamper change
  // severities and reasons (`burst` vs `first-use-in-environment`). Replay hides
  // it because it sorts by eventTime first; Lambda cannot. Flip to `it` when the
  // detector is order-independent (DESIGN.md: "order by eventTime, not arrival").
  it.fails('out-of-order arrival (0–60 s delays) → the same findings as in-order delivery', async () => {
    for (const name of ['incident', 'routine-ci', 'tamper']) {
      const records = loadScenario(name);
      const clean = await run(createMemoryStateStore(), records);
      const shuffled = await run(createMemoryStateStore(), delayedArrival(records, 11, 60_000));
      expect(shuffled.byId, name).toEqual(clean.byId);
    }
  });
});
