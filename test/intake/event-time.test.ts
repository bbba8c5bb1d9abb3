/**
 * eventTime in CloudTrail's own shape (`YYYY-MM-DDTHH:MM:SSZ`) is read digit by digit
 * (normalise.ts parseCloudTrailTime, issue 13: the general path was a quarter of
 * normalising). It must agree with the general path on every input: the same epoch ms
 * as Date.parse for a real date and time, and for an impossible one (30 February, 24:00,
 * 29 February of a non-leap year) or one outside 2006–2100 the same refusal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';

const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));
const record = (eventTime: string) => ({
  eventVersion: '1.08',
  eventID: `time-${eventTime}`,
  eventTime,
  eventSource: 's3.amazonaws.com',
  eventName: 'ListBuckets',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  recipientAccountId: '333333333333',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::333333333333:user/jane', accountId: '333333333333', accessKeyId: 'AKIAEXAMPLE000000001', userName: 'jane' },
});

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** What the normaliser must answer, computed without it. */
function expected(y: number, mo: number, d: number, h: number, mi: number, s: number): { ok: true; ms: number } | { ok: false; reason: RegExp } {
  const calendar = mo >= 1 && mo <= 12 && d >= 1 && d <= DAYS[mo - 1]! + (mo === 2 && isLeap(y) ? 1 : 0) && h <= 23 && mi <= 59 && s <= 59;
  if (!calendar) return { ok: false, reason: /is not a calendar date and time/ };
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (ms < Date.UTC(2006, 0, 1) || ms > Date.UTC(2100, 0, 1)) return { ok: false, reason: /is outside 2006–2100/ };
  return { ok: true, ms };
}

function check(y: number, mo: number, d: number, h: number, mi: number, s: number): void {
  const time = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z`;
  const want = expected(y, mo, d, h, mi, s);
  const got = normaliseRecord(record(time), resolver);
  if (want.ok) {
    expect(got.ok, time).toBe(true);
    if (got.ok) {
      expect(got.event.timeMs, time).toBe(want.ms);
      expect(got.event.timeMs, time).toBe(Date.parse(time));
    }
  } else {
    expect(got.ok, time).toBe(false);
    if (!got.ok) expect(got.reason, time).toMatch(want.reason);
  }
}

describe('eventTime in CloudTrail shape', () => {
  it('agrees with the calendar and Date.parse on the edges: leap years, month ends, 23:59:59, 24:00, 2006 and 2100', () => {
    for (const [y, mo, d] of [
      [2024, 2, 29], [2023, 2, 29], [2100, 2, 29], [2000, 2, 29], [2026, 2, 30], [2026, 4, 31], [2026, 12, 31], [2026, 1, 0], [2026, 13, 1], [2026, 0, 10],
      [2005, 12, 31], [2006, 1, 1], [2099, 12, 31], [2100, 1, 1], [2100, 1, 2],
    ] as const) {
      for (const [h, mi, s] of [[0, 0, 0], [23, 59, 59], [24, 0, 0], [12, 60, 0], [12, 0, 60]] as const) check(y, mo, d, h, mi, s);
    }
  });

  it('agrees on random dates and times, valid and not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1990, max: 2120 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
        (y, mo, d, h, mi, s) => check(y, mo, d, h, mi, s),
      ),
      { seed: 13, numRuns: 3000 },
    );
  });

  it('other ISO shapes keep the general path: fractions, offsets, a space for the T', () => {
    const cases: Array<[string, number]> = [
      ['2026-11-02T10:00:00.123Z', Date.parse('2026-11-02T10:00:00.123Z')],
      ['2026-11-02T10:00:00+02:00', Date.parse('2026-11-02T10:00:00+02:00')],
      ['2026-11-02 10:00:00', Date.parse('2026-11-02T10:00:00Z')],
    ];
    for (const [time, ms] of cases) {
      const got = normaliseRecord(record(time), resolver);
      expect(got.ok && got.event.timeMs, time).toBe(ms);
    }
    for (const time of ['2026-11-02T10:00:0aZ', '2026-11-02X10:00:00Z', '２０２６-11-02T10:00:00Z']) expect(normaliseRecord(record(time), resolver).ok, time).toBe(false);
  });
});
