/**
 * Hostile input through the `detect` handler, property-based (fast-check, fixed
 * seeds: the same cases on every run).
 *
 * Proves: whatever arrives on the bus — random JSON, wrong types in every field of
 * a real record, 1 MB strings, deep nesting, `__proto__` / `constructor` keys,
 * impossible dates, unknown detail-types — the handler
 *   - never throws (a throw would make Lambda retry garbage into the DLQ),
 *   - never pollutes Object.prototype,
 *   - rejects with a reason that names what is wrong, logs that reason, and counts
 *     it in the EventsRejected metric (one per rejected event, no more, no less).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RECORD_LIMITS } from '../../functions/core/normalise.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { METRICS } from '../../functions/core/telemetry-names.ts';
import { detectHarness, envelopeOf, loadScenario } from './support/harness.ts';

const SEED = 20260301;
const base = loadScenario('incident')[0]!;

/** Every key path of a record (objects only), e.g. ['userIdentity', 'accessKeyId']. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function withAt(record: Record<string, unknown>, path: string[], replacement: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy;
}

function nestedObject(levels: number): Record<string, unknown> {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) deep = { n: deep };
  return deep;
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const PROTO_BEFORE = prototypeKeys();

function assertUnpolluted() {
  expect(prototypeKeys()).toBe(PROTO_BEFORE);
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'admin', 'toString2']) expect(probe[k]).toBeUndefined();
}

/** Runs one input; asserts the invariants; returns the result. */
async function expectHandled(h: ReturnType<typeof detectHarness>, input: unknown) {
  const result = await h.handler(input);
  expect(['rejected', 'processed', 'duplicate']).toContain(result.status);
  if (result.status === 'rejected') {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.length).toBeGreaterThan(5);
    // The reason is bounded: a 1 MB field never comes back whole in a log line.
    expect(result.reason.length).toBeLessThan(600);
  }
  assertUnpolluted();
  return result;
}

/** Rejections in the results == rejections logged with their reason == EventsRejected metric. */
function expectRejectionsAccounted(h: ReturnType<typeof detectHarness>, reasons: string[]) {
  const logged = h.telemetry.logs().filter((l) => l.message === 'rejected input').map((l) => l.reason);
  expect(logged).toEqual(reasons);
  expect(h.telemetry.metricTotals()[METRICS.eventsRejected] ?? 0).toBe(reasons.length);
}

describe('detect handler under hostile input', () => {
  afterEach(() => assertUnpolluted());

  it('random JSON values: never throws, every rejection is logged with its reason and counted', async () => {
    const h = detectHarness(createMemoryStateStore());
    const reasons: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const r = await expectHandled(h, value);
        if (r.status === 'rejected') reasons.push(r.reason);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(reasons.length).toBeGreaterThan(250);
    expectRejectionsAccounted(h, reasons);
  });

  it('random values inside an envelope and as its detail', async () => {
    const h = detectHarness(createMemoryStateStore());
    const reasons: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 4, withNullPrototype: true, withBoxedValues: true }), fc.boolean(), async (value, asDetail) => {
        const input = asDetail ? { ...envelopeOf(base), detail: value } : value;
        const r = await expectHandled(h, input);
        if (r.status === 'rejected') reasons.push(r.reason);
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
    expectRejectionsAccounted(h, reasons);
  });

  it('wrong types in every field of a real record: rejected naming the field, or accepted when the field is optional', async () => {
    const h = detectHarness(createMemoryStateStore());
    const fields = paths(base);
    expect(fields.length).toBeGreaterThan(15);
    const wrong = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
      fc.string({ maxLength: 40 }),
    );
    const reasons: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), wrong, async (path, value) => {
        const record = withAt(base, path, value);
        record.eventID = `hostile-${reasons.length}-${Math.random()}`;
        const r = await expectHandled(h, envelopeOf(record));
        if (r.status === 'rejected') reasons.push(r.reason);
      }),
      { seed: SEED + 2, numRuns: 400 },
    );
    expectRejectionsAccounted(h, reasons);
  });

  it.each([
    ['eventName', 'eventName'],
    ['eventSource', 'eventSource'],
    ['eventTime', 'eventTime'],
    ['userIdentity', 'userIdentity'],
    ['recipientAccountId', 'recipientAccountId'],
  ])('a required field of the wrong type (%s) is rejected with a reason naming it', async (field, named) => {
    const h = detectHarness(createMemoryStateStore());
    for (const value of [42, true, [], {}, null]) {
      if (field === 'recipientAccountId' && value === null) continue; // absent → falls back to userIdentity.accountId
      if (field === 'userIdentity' && !Array.isArray(value) && typeof value === 'object' && value !== null) continue; // {} is an (empty) identity: credential type unknown
      const r = await expectHandled(h, envelopeOf(withAt(base, [field], value)));
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toContain(named);
    }
  });

  it('1 MB strings in every string field: bounded, never echoed whole, never a throw', async () => {
    const h = detectHarness(createMemoryStateStore());
    const huge = 'A'.repeat(1024 * 1024);
    const stringFields = paths(base).filter((p) => typeof p.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], base) === 'string');
    expect(stringFields.length).toBeGreaterThan(10);
    const reasons: string[] = [];
    for (const path of stringFields) {
      const r = await expectHandled(h, envelopeOf(withAt(base, path, huge)));
      if (r.status === 'rejected') reasons.push(r.reason);
    }
    // eventName, eventSource and eventTime cannot be 1 MB: those must be refused.
    for (const field of ['eventName', 'eventSource', 'eventTime']) {
      expect(reasons.some((reason) => reason.includes(field))).toBe(true);
    }
    expectRejectionsAccounted(h, reasons);
    // No log line carries the megabyte.
    for (const line of h.telemetry.logs()) expect(JSON.stringify(line).length).toBeLessThan(64 * 1024);
  });

  it('deep nesting (10,000 levels) in requestParameters and as the whole input', async () => {
    const h = detectHarness(createMemoryStateStore());
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { n: deep };
    const deepArray = JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) as unknown;
    // A destructive call, so the event goes all the way through detection and into a finding.
    const destructive = loadScenario('incident').find((r) => String(r.eventName).startsWith('Delete'))!;
    for (const input of [
      envelopeOf({ ...base, eventID: 'deep-1', requestParameters: deep }),
      envelopeOf({ ...destructive, eventID: 'deep-2', requestParameters: deep, responseElements: deep, additionalEventData: deep }),
      envelopeOf({ ...base, eventID: 'deep-3', resources: deepArray }),
      deep,
      deepArray,
    ]) {
      await expectHandled(h, input);
    }
    // Whatever reached the bus must be serialisable (EventBridge carries JSON).
    for (const p of h.published) expect(() => JSON.stringify(p.finding)).not.toThrow();
  });

  // Failed before: "unreadable record: Maximum call stack size exceeded" (derivedEventId JSON.stringified the parameters).
  it('records without eventID: processed with a derived id; with 10,000-deep parameters, rejected naming the field and counted', async () => {
    const h = detectHarness(createMemoryStateStore());
    const { eventID: _drop, ...withoutId } = base;
    const processed = await expectHandled(h, envelopeOf({ ...withoutId, requestParameters: { nested: { a: [1, { b: 2 }] } } }));
    expect(processed.status).toBe('processed');
    const deep = await expectHandled(h, envelopeOf({ ...withoutId, requestParameters: nestedObject(10_000) }));
    expect(deep).toEqual({ status: 'rejected', reason: `requestParameters nests deeper than ${RECORD_LIMITS.depth} levels; real CloudTrail records nest a few dozen at most` });
    expectRejectionsAccounted(h, [(deep as { reason: string }).reason]);
  });

  it(`the deepest record accepted (${RECORD_LIMITS.depth} levels) goes through detection, the finding and the bus without a stack overflow`, async () => {
    const h = detectHarness(createMemoryStateStore());
    const destructive = loadScenario('incident').find((r) => String(r.eventName).startsWith('Delete'))!;
    const params = nestedObject(RECORD_LIMITS.depth - 1); // the record is level 1
    const r = await expectHandled(h, envelopeOf({ ...destructive, eventID: 'deepest-accepted', requestParameters: params, responseElements: params, additionalEventData: params }));
    expect(r.status).toBe('processed');
    expect(h.published.length).toBeGreaterThan(0);
  });

  it('__proto__, constructor and prototype keys anywhere never reach Object.prototype', async () => {
    const h = detectHarness(createMemoryStateStore());
    const poison = '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"admin":1}}';
    const texts = [
      poison,
      `{"detail-type":"AWS API Call via CloudTrail","detail":${poison}}`,
      JSON.stringify(envelopeOf(base)).replace('"userIdentity":{', `"userIdentity":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"isAdmin":true}},`),
      JSON.stringify(envelopeOf(base)).replace('"eventVersion"', `"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"isAdmin":true}},"eventVersion"`),
      JSON.stringify(envelopeOf({ ...base, eventID: 'proto-params' })).replace('"requestParameters":', `"requestParameters":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}},"x":`),
    ];
    const keys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...texts), keys, fc.jsonValue({ maxDepth: 2 }), async (text, key, value) => {
        // JSON.parse creates own "__proto__" properties, exactly as Lambda's runtime does with the event body.
        const input = JSON.parse(text.replace('"eventVersion"', `${JSON.stringify(key)}:${JSON.stringify(value)},"eventVersion"`)) as unknown;
        await expectHandled(h, input);
      }),
      { seed: SEED + 3, numRuns: 200 },
    );
    // An own __proto__ key in the record must not become the finding's prototype either.
    for (const p of h.published) expect(Object.getPrototypeOf(p.finding)).toBe(Object.prototype);
  });

  it('invalid and out-of-range dates are rejected naming eventTime', async () => {
    const h = detectHarness(createMemoryStateStore());
    const bad = ['', 'yesterday', '2026-13-01T00:00:00Z', '2026-01-01T25:00:00Z', '1999-01-01T00:00:00Z', '2150-01-01T00:00:00Z', '0000-00-00T00:00:00Z', 'NaN', '1700000000000', '2026-01-01', '2026-01-01T00:00:00Z<script>'];
    for (const time of bad) {
      const r = await expectHandled(h, envelopeOf({ ...base, eventID: `t-${time}`, eventTime: time }));
      expect(r.status, `eventTime ${JSON.stringify(time)}`).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toContain('eventTime');
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), async (time) => {
        fc.pre(!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(time));
        const r = await expectHandled(h, envelopeOf({ ...base, eventID: 'random-time', eventTime: time }));
        expect(r.status).toBe('rejected');
      }),
      { seed: SEED + 4, numRuns: 200 },
    );
  });

  // Date.parse rolls impossible dates over ("2026-02-30T00:00:00Z" → 2026-03-02): the
  // normaliser checks the calendar itself, so a corrupt timestamp is refused.
  it('impossible calendar dates (30 February, 24:00:00) are rejected, not rolled over', async () => {
    const h = detectHarness(createMemoryStateStore());
    for (const time of ['2026-02-30T00:00:00Z', '2026-04-31T12:00:00Z', '2026-01-01T24:00:00Z']) {
      const r = await expectHandled(h, envelopeOf({ ...base, eventID: `cal-${time}`, eventTime: time }));
      expect(r.status, `eventTime ${time}`).toBe('rejected');
    }
  });

  it('unknown detail-types are rejected naming the detail-type; random ones too', async () => {
    const h = detectHarness(createMemoryStateStore());
    const reasons: string[] = [];
    for (const detailType of ['EC2 Instance State-change Notification', 'Blastwall Finding', 'AWS API Call via CloudTrail ', '', 'x'.repeat(100_000)]) {
      const r = await expectHandled(h, { ...envelopeOf(base), 'detail-type': detailType });
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') {
        expect(r.reason).toContain('detail-type');
        reasons.push(r.reason);
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())), async (detailType) => {
        fc.pre(!['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail', 'AWS Service Event via CloudTrail'].includes(detailType as string));
        const r = await expectHandled(h, { ...envelopeOf(base), 'detail-type': detailType });
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') reasons.push(r.reason);
      }),
      { seed: SEED + 5, numRuns: 200 },
    );
    expectRejectionsAccounted(h, reasons);
  });

  it('a valid event after all that is still processed normally (the handler is not wedged)', async () => {
    const h = detectHarness(createMemoryStateStore());
    await h.handler('garbage');
    await h.handler({ __proto__: { polluted: 1 } });
    const r = await h.deliver(base);
    expect(r.status).toBe('processed');
    expect(h.telemetry.metricTotals()[METRICS.eventsRejected]).toBe(2);
  });
});

describe('blastwall replay (node bin/blastwall.mjs) under hostile shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blastwall-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Failed before: line 1 was rejected as "unreadable record: Maximum call stack size exceeded".
  it('a record without eventID and 10,000-deep parameters is rejected with its reason; one without eventID alone is processed', async () => {
    const { eventID: _drop, ...withoutId } = base;
    const file = join(dir, 'hostile.jsonl');
    // Written as text: JSON.stringify itself overflows the stack at this depth.
    const deepObject = `${'{"n":'.repeat(9_999)}{"leaf":true}${'}'.repeat(9_999)}`;
    const deepArray = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const plain = JSON.stringify(withoutId);
    writeFileSync(
      file,
      [`${plain.slice(0, -1)},"requestParameters":${deepObject}}`, plain, `${plain.slice(0, -1)},"resources":${deepArray}}`, deepArray].join('\n'),
    );
    const run = await promisify(execFile)(process.execPath, ['bin/blastwall.mjs', 'replay', '--format', 'json', file], { timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toEqual([
      `${file}:1: requestParameters nests deeper than ${RECORD_LIMITS.depth} levels; real CloudTrail records nest a few dozen at most`,
      `${file}:3: resources nests deeper than ${RECORD_LIMITS.depth} levels; real CloudTrail records nest a few dozen at most`,
      `${file}:4: expected a JSON object (a CloudTrail record or an EventBridge event), got an array`,
    ]);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'summary', events: 1, rejected: 3 });
  });
});
