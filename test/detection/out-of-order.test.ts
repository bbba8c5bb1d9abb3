/**
 * Order independence: Lambda gets CloudTrail records one at a time, at least
 * once, in no order. For every acceptance scenario, delivered through the
 * pipeline (and once through the detect handler) in
 *   (a) event-time order — the reference,
 *   (b) seeded arrival orders with bounded lateness (each record delayed 0–60 s),
 *   (c) every record twice,
 * compare the findings (id → severity, the last publication of each id wins: a
 * re-scored finding updates the same page) and the planned revocations.
 *
 * What holds (docs/detection.md, "Order"):
 *   - twice, in order: exactly the same findings and revocations;
 *   - out of order: exactly the same planned revocations; every in-order finding
 *     exists at the same or a higher severity; nothing at high or above that
 *     in-order delivery does not have. The remainder — extra `low` first-use
 *     findings, and findings whose mitigation arrived too late (a higher
 *     severity, never a lower one) — is what a streaming detector cannot undo.
 * And the case that matters most: the staging event of the hopping actor
 * arriving 30 s after the production key's first call still gets that key
 * revoked at its first call (the late event re-scores it, same finding id).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Severity, severityRank } from '../../functions/core/audit-event.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { findingId } from '../../functions/core/detection/detector.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { rng } from '../../bench/generate.ts';
import { startLocalDynamo } from '../support/dynalite.ts';
import { detectHarness } from '../faults/support/harness.ts';
import { INCIDENT } from '../fixtures/scenarios/build.ts';
import { config, normalise, SCENARIO_DIR } from './support.ts';

type Rec = Record<string, unknown>;
const SCENARIOS = ['incident', 'cross-account', 'routine-ci', 'tamper', 'root'] as const;
const SEEDS = [11, 1, 2, 3, 5];
/** Scenarios whose out-of-order findings are identical (id → severity), not just equivalent. */
const EXACT: readonly string[] = ['cross-account', 'tamper', 'root'];
const HIGH = severityRank('high');

function records(name: string): Rec[] {
  return JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as Rec[];
}

const timeOf = (r: Rec) => Date.parse(String(r.eventTime));
const inOrder = (rs: Rec[]) => [...rs].sort((a, b) => timeOf(a) - timeOf(b) || (String(a.eventID) < String(b.eventID) ? -1 : 1));

/** Arrival = eventTime + a random delay in [0, maxDelayMs); delivered in arrival order. */
function delayedArrival(rs: Rec[], seed: number, maxDelayMs = 60_000): Rec[] {
  const random = rng(seed);
  return rs
    .map((record) => ({ record, at: timeOf(record) + random() * maxDelayMs }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.record);
}

/** Every record twice: the second copy up to 20 deliveries after the first. */
function twice(rs: Rec[], seed: number): Rec[] {
  const random = rng(seed);
  const out = [...rs];
  for (const record of rs) out.splice(Math.min(out.length, out.indexOf(record) + 1 + Math.floor(random() * 20)), 0, record);
  return out;
}

interface Result {
  /** finding id → severity of its last publication. */
  severities: Map<string, Severity>;
  findings: Map<string, Finding>;
  /** `account|action|target` of every planned action that revokes something. */
  revocations: Set<string>;
  publications: number;
}

function collect(into: Result, finding: Finding): void {
  into.publications++;
  into.severities.set(finding.id, finding.severity);
  into.findings.set(finding.id, finding);
  for (const a of finding.response) if (a.status === 'planned' && a.apiCall) into.revocations.add(`${a.account}|${a.action}|${a.target}`);
}

/** Through the pipeline as the detect handler drives it: publish every new, unpublished or re-scored finding. */
async function deliver(rs: Rec[], store: StateStore = createMemoryStateStore()): Promise<Result> {
  const pipeline = createPipeline({ config, store });
  const result: Result = { severities: new Map(), findings: new Map(), revocations: new Set(), publications: 0 };
  for (const record of rs) {
    const event = normalise(record);
    const outcome = await pipeline.detect(event, new Date(event.timeMs + 2_000));
    for (const later of outcome.additionalFindings ?? []) {
      collect(result, later);
      await pipeline.detector.markPublished(event, later.id);
    }
    if (outcome.finding && (!outcome.duplicate || !outcome.published)) {
      collect(result, outcome.finding);
      await pipeline.detector.markPublished(event, outcome.finding.id);
    }
  }
  return result;
}

/** The strongest property that holds for any bounded-lateness arrival order (see the header). */
function expectEquivalent(reference: Result, got: Result, label: string): void {
  expect([...got.revocations].sort(), `${label}: planned revocations`).toEqual([...reference.revocations].sort());
  for (const [id, severity] of reference.severities) {
    expect(got.severities.has(id), `${label}: in-order finding ${id} (${severity}) is missing`).toBe(true);
    expect(severityRank(got.severities.get(id)!), `${label}: ${id} was ${severity} in order`).toBeGreaterThanOrEqual(severityRank(severity));
  }
  for (const [id, severity] of got.severities) {
    const was = reference.severities.get(id);
    if (severityRank(severity) >= HIGH) expect(was, `${label}: ${id} is ${severity} only out of order`).toBeDefined();
    if (was && severityRank(was) >= HIGH) expect(severity, `${label}: ${id}`).toBe(was);
  }
}

function differences(reference: Result, got: Result): string[] {
  const out: string[] = [];
  for (const [id, s] of got.severities) {
    const was = reference.severities.get(id);
    if (was !== s) out.push(`${id} ${got.findings.get(id)!.eventName} ${got.findings.get(id)!.time}: ${was ?? 'none'} in order → ${s}`);
  }
  return out;
}

describe('out-of-order and duplicate delivery through the detector', () => {
  it.each(SCENARIOS)('%s: every record twice → exactly the same findings and revocations', async (name) => {
    const reference = await deliver(inOrder(records(name)));
    expect(reference.severities.size).toBeGreaterThan(0);
    for (const seed of [1, 2]) {
      const got = await deliver(twice(inOrder(records(name)), seed));
      expect(got.severities).toEqual(reference.severities);
      expect(got.revocations).toEqual(reference.revocations);
      expect(got.publications, 'each finding published once').toBe(reference.severities.size);
    }
  });

  it.each(SCENARIOS)('%s: bounded lateness (0–60 s), several seeds, and twice out of order → the same revocations, no finding lost or weakened', async (name) => {
    const rs = records(name);
    const reference = await deliver(inOrder(rs));
    const notes: string[] = [];
    for (const seed of SEEDS) {
      const got = await deliver(delayedArrival(rs, seed));
      expectEquivalent(reference, got, `${name} seed ${seed}`);
      notes.push(...differences(reference, got).map((d) => `seed ${seed}: ${d}`));
      const both = await deliver(twice(delayedArrival(rs, seed), seed + 100));
      expectEquivalent(reference, both, `${name} seed ${seed}, twice`);
    }
    // Every remaining difference is below high: an extra low finding, or a mitigation that arrived too late.
    // Where neither can happen (no first sightings or mitigations near the signal), delivery order changes nothing.
    if (EXACT.includes(name)) expect(notes).toEqual([]);
    console.log(`${name}: ${reference.severities.size} findings in order; out of order over ${SEEDS.length} seeds: ${notes.length ? `\n  ${notes.join('\n  ')}` : 'identical'}`);
  });

  it.each(SCENARIOS)('%s: through the detect handler (memory store), delayed arrival → the same revocations, nothing lost', async (name) => {
    const rs = records(name);
    const reference = await deliver(inOrder(rs));
    const h = detectHarness(createMemoryStateStore());
    for (const record of delayedArrival(rs, 11)) await h.deliver(record);
    const got: Result = { severities: new Map(), findings: new Map(), revocations: new Set(), publications: 0 };
    for (const p of h.published) collect(got, p.finding);
    expectEquivalent(reference, got, `${name} via handler`);
  });
});

describe('a late staging event re-scores the production call it preceded', () => {
  const rs = inOrder(records('incident'));
  const isKey = (r: Rec) => (r.userIdentity as Rec | undefined)?.accessKeyId === INCIDENT.ciKey;
  const incidentStart = Date.parse(`${INCIDENT.incidentDay}T14:00:00Z`);
  const today = (r: Rec) => timeOf(r) >= incidentStart;
  const staging = rs.filter((r) => today(r) && !isKey(r));
  const keyCalls = rs.filter((r) => today(r) && isKey(r));
  const before = rs.filter((r) => !today(r));

  async function scenario(keyCallsBeforeStaging: number) {
    const pipeline = createPipeline({ config, store: createMemoryStateStore() });
    const run = async (record: Rec) => {
      const event = normalise(record);
      const outcome = await pipeline.detect(event, new Date(event.timeMs + 30_000));
      if (outcome.finding && !outcome.duplicate) await pipeline.detector.markPublished(event, outcome.finding.id);
      for (const f of outcome.additionalFindings ?? []) await pipeline.detector.markPublished(event, f.id);
      return { event, outcome };
    };
    for (const r of before) await run(r);
    const early = [];
    for (const r of keyCalls.slice(0, keyCallsBeforeStaging)) early.push(await run(r));
    const late = [];
    for (const r of staging) late.push(await run(r));
    const rest = [];
    for (const r of keyCalls.slice(keyCallsBeforeStaging)) rest.push(await run(r));
    return { pipeline, run, early, late, rest };
  }

  it('the production key’s first call, processed before the staging calls, is re-scored: same finding id, high, the key revoked', async () => {
    const { early, late, run } = await scenario(1);
    const first = early[0]!;
    expect(first.event.action.name).toBe('GetCallerIdentity');
    // Alone, it is only a new source: medium, nothing revoked.
    expect(first.outcome.finding!.severity).toBe('medium');
    expect(first.outcome.finding!.response.filter((a) => a.status === 'planned' && a.apiCall)).toEqual([]);

    const rescored = late.flatMap((l) => l.outcome.additionalFindings ?? []);
    expect(rescored).toHaveLength(1);
    const f = rescored[0]!;
    expect(f.id).toBe(findingId(first.event));
    expect(f.id).toBe(first.outcome.finding!.id);
    expect(f.eventId).toBe(first.event.id);
    expect(f.severity).toBe('high');
    expect(f.reasons.map((r) => r.signal)).toEqual(expect.arrayContaining(['credential-hop', 'new-source']));
    expect(f.environmentsCrossed).toEqual(['staging', 'production']);
    const revoke = f.response.filter((a) => a.status === 'planned' && a.apiCall);
    expect(revoke.map((a) => [a.action, a.target])).toEqual([['iam:UpdateAccessKey', INCIDENT.ciKey]]);

    // Delivered again (at least once), the late events re-score nothing: the upgrade is recorded.
    for (const r of staging) expect((await run(r)).outcome.additionalFindings).toBeUndefined();
  });

  it('with all production calls before the staging calls: the first call is re-scored high and the deletes are critical anyway', async () => {
    const { early, late } = await scenario(keyCalls.length);
    const rescored = late.flatMap((l) => l.outcome.additionalFindings ?? []);
    expect(rescored.map((f) => [f.id, f.severity])).toEqual([[findingId(early[0]!.event), 'high']]);
    expect(rescored[0]!.response.some((a) => a.status === 'planned' && a.target === INCIDENT.ciKey)).toBe(true);
    const del = early.find((e) => e.event.action.name === 'DeleteDBInstance')!;
    expect(del.outcome.finding!.severity).toBe('critical');
  });

  it('through the detect handler: the page for the first call is published again, upgraded under the same id', async () => {
    const h = detectHarness(createMemoryStateStore());
    for (const r of [...before, keyCalls[0]!, ...staging, ...keyCalls.slice(1)]) await h.deliver(r);
    const id = findingId(normalise(keyCalls[0]!));
    const pages = h.published.filter((p) => p.finding.id === id).map((p) => p.finding.severity);
    expect(pages).toEqual(['medium', 'high']);
    expect(h.published.find((p) => p.finding.id === id && p.finding.severity === 'high')!.finding.response.some((a) => a.status === 'planned' && a.target === INCIDENT.ciKey)).toBe(true);
  });
});

describe('processed-marker upgrade (the re-scored finding replaces the recorded one)', () => {
  const base = async (store: StateStore) => {
    const pipeline = createPipeline({ config, store });
    const event = normalise(inOrder(records('tamper')).find((r) => r.eventName === 'StopLogging')!);
    const outcome = await pipeline.detector.process(event);
    return { event, finding: outcome.finding! };
  };
  const marker = (finding: Finding, eventId: string, severity: Severity, upgrade: boolean) => ({
    processed: { value: { eventId, finding: { ...finding, severity }, published: false }, expiresAt: 4_000_000_000, upgrade },
  });

  async function contract(store: StateStore) {
    const { event, finding } = await base(store);
    const { eventKey } = await import('../../functions/core/detection/detector.ts');
    const key = eventKey(event);
    const stored = finding.severity; // critical
    // Not an upgrade, or not higher, or another finding: refused.
    await expect(store.save(marker({ ...finding, severity: 'high' }, key, 'critical', false))).rejects.toThrow(/processed|changed/);
    await expect(store.save(marker(finding, key, stored, true))).rejects.toThrow(/processed|changed/);
    await expect(store.save(marker({ ...finding, id: 'f-other' }, key, 'critical', true))).rejects.toThrow(/processed|changed/);
    // Downgrade the stored marker first by writing a fresh one under another key, then upgrade it.
    const other = `${key}-x`;
    await store.save(marker(finding, other, 'medium', false));
    await store.markPublished(other, finding.id);
    await store.save(marker(finding, other, 'high', true));
    const loaded = await store.load({ eventId: other, principalKey: 'none', resources: [] });
    expect(loaded.processed!.finding.severity).toBe('high');
    expect(loaded.processed!.published, 'an upgraded finding is unpublished until it is published again').toBe(false);
  }

  it('memory store', async () => {
    await contract(createMemoryStateStore());
  });

  it('DynamoDB store (dynalite)', async () => {
    const local = await startLocalDynamo();
    try {
      await contract(createDynamoStateStore({ client: local.client, tableName: local.tableName, config }));
    } finally {
      await local.close();
    }
  });
});
