/**
 * The detector's fast path and in-place state (issue 13) change nothing: on the
 * bench's generated organisation (thousands of credentials and machines, hourly
 * role sessions, writes, destructive calls, findings), in event-time order and
 * with every event up to a minute late, three detectors give the same outcome for
 * every event and leave the same state behind:
 *
 *   - copy-on-write: the memory store seen as an ordinary store (no `inPlace`, no `live`),
 *     exactly the path the DynamoDB store takes;
 *   - in place, without the fast path;
 *   - in place with the fast path (the default for the memory store).
 *
 * The golden test (golden.test.ts) proves the same on every fixture.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createDetector } from '../../functions/core/detection/detector.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import { createMemoryStateStore, type MemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { benchConfig, generate } from '../../bench/generate.ts';
import { principalKey } from '../../functions/core/detection/keys.ts';
import { timeOf } from '../../functions/core/detection/event-keys.ts';
import { shuffle } from './support.ts';

const config = benchConfig();
const resolver = createEnvironmentResolver(config);

function stream(events: number, seed: number): AuditEvent[] {
  // A small organisation over three days: each principal recurs often, and day boundaries (daily refreshes) are crossed.
  const records = generate({ events, seed, humanOnly: true, users: 150, roles: 50, actors: 300, spanHours: 72 }).records;
  return withMinting(records).map((record) => {
    const result = normaliseRecord(record, resolver);
    if (!result.ok) throw new Error(result.reason);
    return result.event;
  });
}

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Sessions with a lineage: for the first session of some production roles, an
 * `AssumeRole` by a development user that minted it, a second before its first call
 * (so every call of that session carries session-lineage at medium — a finding on
 * calls that change nothing else).
 */
function withMinting(records: Raw[]): Raw[] {
  const devUser = records.find((r) => r.userIdentity?.type === 'IAMUser' && String(r.recipientAccountId).startsWith('1'))!;
  const minted = new Set<string>();
  const out: Raw[] = [];
  for (const r of records) {
    const key = r.userIdentity?.accessKeyId as string | undefined;
    if (r.userIdentity?.type === 'AssumedRole' && String(r.recipientAccountId).startsWith('3') && key && !minted.has(key) && minted.size < 30) {
      minted.add(key);
      const time = new Date(Date.parse(r.eventTime) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      out.push({
        ...devUser,
        eventTime: time,
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        eventID: `mint-${key}`,
        readOnly: false,
        requestParameters: { roleArn: r.userIdentity.sessionContext.sessionIssuer.arn, roleSessionName: 'hop' },
        responseElements: {
          credentials: { accessKeyId: key, expiration: time, sessionToken: 'x' },
          assumedRoleUser: { arn: r.userIdentity.arn, assumedRoleId: r.userIdentity.principalId },
        },
      });
    }
    out.push(r);
  }
  return out;
}

/** Each event moved up to `lateMs` later in arrival (a seeded shuffle within windows). */
function late(events: AuditEvent[], lateMs: number, seed: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let window: AuditEvent[] = [];
  for (const e of events) {
    if (window.length && e.timeMs - window[0]!.timeMs > lateMs) {
      out.push(...shuffle(window, seed++));
      window = [];
    }
    window.push(e);
  }
  out.push(...shuffle(window, seed));
  return out;
}

async function runWith(kind: 'copy-on-write' | 'in-place' | 'fast-path', events: AuditEvent[]) {
  const memory: MemoryStateStore = createMemoryStateStore();
  // The same store, seen as one that is not its own cache: the detector copies on write and checks versions.
  const store: StateStore =
    kind === 'copy-on-write' ? { load: (q, o) => memory.load(q, o), save: (u) => memory.save(u), markPublished: (a, b, c) => memory.markPublished(a, b, c), local: true } : memory;
  const detector = createDetector({ store, config, resolver, fastPath: kind === 'fast-path' });
  const outcomes: string[] = [];
  for (const event of events) {
    const outcome = await detector.process(event);
    if (outcome.finding && !outcome.duplicate) await detector.markPublished(event, outcome.finding.id);
    for (const f of outcome.additionalFindings ?? []) await detector.markPublished(event, f.id);
    outcomes.push(JSON.stringify(outcome));
  }
  // The state left behind, item by item (each event's principal, machine and session).
  const processLoads = memory.stats().loads;
  const state: string[] = [];
  for (const e of events) {
    const context = await memory.load({
      eventId: `${e.id}#state`,
      principalKey: principalKey(e.credential),
      actorKey: `${e.actor.sourceIp}|${e.actor.userAgentFamily}`,
      ...(e.credential.accessKeyId?.startsWith('ASIA') ? { sessionKey: e.credential.accessKeyId } : {}),
      resources: [],
    });
    state.push(JSON.stringify(context));
  }
  return { outcomes, state, loads: processLoads, findings: outcomes.filter((o) => o.includes('"finding"')).length };
}

describe('fast path and in-place state', () => {
  for (const [label, make] of [
    ['in event-time order', () => stream(12_000, 3)],
    ['with every event up to a minute late', () => late(stream(12_000, 4), 60_000, 11)],
  ] as const) {
    it(`change no outcome and no state, ${label}`, async () => {
      const events = make();
      const cow = await runWith('copy-on-write', events);
      const inPlace = await runWith('in-place', events);
      const fast = await runWith('fast-path', events);
      expect(cow.findings).toBeGreaterThan(100);
      expect(inPlace.outcomes).toEqual(cow.outcomes);
      expect(fast.outcomes).toEqual(cow.outcomes);
      expect(inPlace.state).toEqual(cow.state);
      expect(fast.state).toEqual(cow.state);
      // The fast path answered some events without a load (each load is one event the slow path took).
      expect(inPlace.loads).toBeGreaterThanOrEqual(events.length);
      expect(fast.loads).toBeLessThan(0.95 * events.length);
    }, 120_000);
  }
});

describe('timeOf (the recent lists\' time order)', () => {
  it('reads every time exactly as Date.parse does', () => {
    const times = ['2026-03-02T00:00:00Z', '2026-12-31T23:59:59Z', '2026-02-28T12:30:45Z', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-03-31T23:59:59Z', '2026-02-30T00:00:00Z', '2026-01-31T24:00:00Z', '2026-01-01T10:60:00Z',
      '0050-01-01T00:00:00Z', '1999-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T00:00:00.123Z', '2026-01-01T00:00:00+01:00', '2026-01-01 00:00:00Z', '20x6-01-01T00:00:00Z', 'garbage', ''];
    let seed = 1;
    const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i++) times.push(new Date(Date.UTC(1990 + Math.floor(r() * 60), 0, 1) + Math.floor(r() * 365 * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    for (const t of times) expect(Object.is(timeOf(t), Date.parse(t)), t).toBe(true);
  });
});
