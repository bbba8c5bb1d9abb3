/**
 * Write coalescing (issue 13 item 3) and what it costs: a principal's last-seen
 * moves once a day, a machine's use of a principal once per hop window, and the
 * read cache answers a benign event that changes nothing for two minutes. Each is
 * counted on the store the detector writes to; the hop window still catches a hop
 * at its strict edge. Hand-written records of real shape, the example configuration
 * (development and staging low, production high; hop window 15 minutes).
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { createDetector } from '../../functions/core/detection/detector.ts';
import type { ContextQuery, LoadOptions, StateStore, StateUpdate } from '../../functions/core/detection/state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { config, normalise, resolver } from './support.ts';

const DEV = '111111111111';
const PROD = '333333333333';
let seq = 0;

function call(at: string, opts: { account: string; user: string; key: string; ip?: string; name?: string }): AuditEvent {
  return normalise({
    eventVersion: '1.08',
    eventTime: at,
    eventSource: 'ec2.amazonaws.com',
    eventName: opts.name ?? 'DescribeInstances',
    awsRegion: 'eu-west-1',
    sourceIPAddress: opts.ip ?? '203.0.113.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDA${opts.user.toUpperCase()}`,
      arn: `arn:aws:iam::${opts.account}:user/${opts.user}`,
      accountId: opts.account,
      accessKeyId: opts.key,
      userName: opts.user,
    },
    requestParameters: null,
    responseElements: null,
    eventID: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: opts.account,
    eventCategory: 'Management',
  });
}

/** A memory store that counts what the detector reads and writes, and can pose as a remote one (read cache on). */
function countingStore(local: boolean) {
  const inner = createMemoryStateStore();
  const counts = { loads: 0, principalWrites: 0, actorWrites: 0 };
  const store: StateStore = {
    local,
    load: (q: ContextQuery, o?: LoadOptions) => {
      counts.loads++;
      return inner.load(q, o);
    },
    save: (u: StateUpdate) => {
      if (u.principal) counts.principalWrites++;
      if (u.actor) counts.actorWrites++;
      return inner.save(u);
    },
    markPublished: (...args: Parameters<StateStore['markPublished']>) => inner.markPublished(...args),
  };
  return { store, counts };
}

const minutes = (start: string, step: number, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(start) + i * step * 60_000).toISOString().replace('.000', ''));

describe('write coalescing', () => {
  it('a principal in production all day costs one principal write for the day, not one an hour', async () => {
    const { store, counts } = countingStore(true);
    const detector = createDetector({ store, config, resolver });
    // Every 10 minutes from 01:00 to 22:50: 132 calls of one key from one machine in production (no hop source to refresh).
    for (const at of minutes('2026-03-10T01:00:00Z', 10, 132)) await detector.process(call(at, { account: PROD, user: 'app', key: 'AKIAPRODAPP000000001' }));
    expect(counts.principalWrites).toBe(1); // the first sighting; later ones fall in the same day
    expect(counts.actorWrites).toBe(1); // a use in production is no hop source: never refreshed
    await detector.process(call('2026-03-11T00:05:00Z', { account: PROD, user: 'app', key: 'AKIAPRODAPP000000001' }));
    expect(counts.principalWrites).toBe(2); // the next day: one refresh
  });

  it("a machine's use of a development key is refreshed once per hop window (15 min), not per half window", async () => {
    const { store, counts } = countingStore(true);
    const detector = createDetector({ store, config, resolver });
    // Every 2 minutes for an hour from an interval start: 30 calls, 4 hop-window intervals.
    for (const at of minutes('2026-03-10T09:00:00Z', 2, 30)) await detector.process(call(at, { account: DEV, user: 'dev', key: 'AKIADEVUSER000000001' }));
    expect(counts.actorWrites).toBe(4); // 09:00 (new), 09:15, 09:30, 09:45
  });

  it('the hop is still found at the strict edge of the window and up to two windows back, never missed', async () => {
    for (const gapMinutes of [14, 25]) {
      const detector = createDetector({ store: createMemoryStateStore(), config, resolver });
      const ip = `198.51.100.${gapMinutes}`;
      for (const at of minutes('2026-03-10T09:00:00Z', 1, 5)) await detector.process(call(at, { account: DEV, user: 'dev', key: 'AKIADEVUSER000000002', ip }));
      const hopAt = new Date(Date.parse('2026-03-10T09:04:00Z') + gapMinutes * 60_000).toISOString().replace('.000', '');
      const { finding } = await detector.process(call(hopAt, { account: PROD, user: 'app', key: 'AKIAPRODAPP000000002', ip }));
      expect(finding?.reasons.map((r) => r.signal), `${gapMinutes} min after the last development call`).toContain('credential-hop');
    }
    // Beyond two windows the stored last use has lapsed: no hop.
    const detector = createDetector({ store: createMemoryStateStore(), config, resolver });
    await detector.process(call('2026-03-10T09:00:00Z', { account: DEV, user: 'dev', key: 'AKIADEVUSER000000003', ip: '198.51.100.99' }));
    const { finding } = await detector.process(call('2026-03-10T09:31:00Z', { account: PROD, user: 'app', key: 'AKIAPRODAPP000000003', ip: '198.51.100.99' }));
    expect(finding?.reasons.map((r) => r.signal) ?? []).not.toContain('credential-hop');
  });

  it('the read cache answers a benign repeat within two minutes without a request, and reads again after', async () => {
    const { store, counts } = countingStore(false);
    let wall = Date.parse('2026-03-10T12:00:00Z');
    const detector = createDetector({ store, config, resolver, now: () => wall });
    const key = { account: PROD, user: 'app', key: 'AKIAPRODAPP000000004' };
    await detector.process(call('2026-03-10T12:00:00Z', key));
    const afterFirst = counts.loads;
    wall += 90_000;
    await detector.process(call('2026-03-10T12:01:30Z', key));
    expect(counts.loads).toBe(afterFirst); // 90 s later: from the cache
    wall += 150_000;
    await detector.process(call('2026-03-10T12:04:00Z', key));
    expect(counts.loads).toBe(afterFirst + 1); // four minutes after the read: read again
  });
});
