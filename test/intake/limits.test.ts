/**
 * Intake accepts everything real CloudTrail emits: the record is bounded as a whole
 * (256 KB of JSON, CloudTrail's documented limit; a nesting depth), never an
 * identifier's length; walks of the record are iterative; reasons read well.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseRecord, RECORD_LIMITS, writeJson } from '../../functions/core/normalise.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';

const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));

// Secrets Manager's StartSecretVersionDelete writes request ids of this shape and length (143).
const LONG_REQUEST_ID = `${'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111'}:${'StartSecretVersionDelete'}:${'arn:aws:secretsmanager:eu-west-1:333333333333:secret:prod/orders-AbCdEf'}:${'v-1'}`.padEnd(143, 'x');

const base = {
  eventVersion: '1.08',
  eventID: 'e-limits-1',
  eventTime: '2026-11-02T10:00:00Z',
  eventSource: 'secretsmanager.amazonaws.com',
  eventName: 'StartSecretVersionDelete',
  awsRegion: 'eu-west-1',
  sourceIPAddress: 'secretsmanager.amazonaws.com',
  userAgent: 'secretsmanager.amazonaws.com',
  recipientAccountId: '333333333333',
  requestID: LONG_REQUEST_ID,
  eventType: 'AwsServiceEvent',
  userIdentity: { accountId: '333333333333', invokedBy: 'secretsmanager.amazonaws.com' },
};

function ok(value: unknown) {
  const result = normaliseRecord(value, resolver);
  if (!result.ok) throw new Error(`expected to parse, got: ${result.reason}`);
  return result.event;
}

function rejected(value: unknown): string {
  const result = normaliseRecord(value, resolver);
  if (result.ok) throw new Error('expected a rejection');
  return result.reason;
}

/** An object `levels` deep: { n: { n: … { leaf: true } } } (levels counts the objects). */
function nested(levels: number): Record<string, unknown> {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) deep = { n: deep };
  return deep;
}

describe('intake bounds the record as a whole, never an identifier', () => {
  it('accepts the 142–143-character requestIDs Secrets Manager writes, and long event ids', () => {
    expect(LONG_REQUEST_ID).toHaveLength(143);
    const event = ok(base);
    expect(event.requestId).toBe(LONG_REQUEST_ID);
    const longIds = ok({ ...base, eventID: `${'e'.repeat(300)}`, sharedEventID: 's'.repeat(300), requestID: LONG_REQUEST_ID.slice(0, 142) });
    expect(longIds.id).toHaveLength(300);
    expect(longIds.sharedEventId).toHaveLength(300);
    expect(longIds.requestId).toHaveLength(142);
    // Long ARNs and key ids are bounded by the record too.
    const arn = `arn:aws:sts::333333333333:assumed-role/${'r'.repeat(64)}/${'s'.repeat(3000)}`;
    expect(ok({ ...base, userIdentity: { type: 'AssumedRole', accountId: '333333333333', arn } }).credential.arn).toBe(arn);
  });

  it('accepts a record up to 256 KB of JSON and refuses a larger one, naming the field that carries it', () => {
    const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
    const filler = (n: number) => ({ ...base, requestParameters: { policy: 'p'.repeat(n) } });
    const room = RECORD_LIMITS.recordBytes - bytes(filler(0));
    expect(bytes(filler(room))).toBe(256 * 1024);
    expect(ok(filler(room)).requestParameters).toBeDefined();
    expect(rejected(filler(room + 1))).toMatch(/^the record is larger than 262144 bytes as JSON \(requestParameters alone is (at least )?\d+\): CloudTrail writes no event larger than 256 KB$/);
    // Counted in UTF-8 bytes, as written: 3-byte characters count three times.
    const euro = (n: number) => ({ ...base, requestParameters: { policy: '€'.repeat(n) } });
    expect(normaliseRecord(euro(Math.floor(room / 3)), resolver).ok).toBe(true);
    expect(normaliseRecord(euro(Math.floor(room / 3) + 1), resolver).ok).toBe(false);
  });

  it('refuses exactly the records whose JSON is over 256 KB (random contents and characters near the bound)', () => {
    const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: -300, max: 300 }), (extra, sample, delta) => {
        const record: Record<string, unknown> = { ...base, requestParameters: { extra, policy: '' } };
        const unit = sample.length > 0 ? sample : 'x';
        const room = RECORD_LIMITS.recordBytes - bytes(record) + delta;
        const unitBytes = Buffer.byteLength(JSON.stringify(unit), 'utf8') - 2;
        (record.requestParameters as Record<string, unknown>).policy = unit.repeat(Math.max(0, Math.floor(room / unitBytes)));
        const result = normaliseRecord(record, resolver);
        const over = bytes(record) > RECORD_LIMITS.recordBytes;
        expect(result.ok).toBe(!over);
        if (!result.ok) expect(result.reason).toMatch(/^the record is larger than 262144 bytes as JSON/);
        seen[result.ok ? 'accepted' : 'refused']++;
      }),
      { seed: 20261205, numRuns: 60 },
    );
    // Both sides of the bound were exercised.
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(10);
  });

  it(`accepts nesting up to ${RECORD_LIMITS.depth} levels and refuses deeper, naming the field`, () => {
    // The record is level 1, requestParameters level 2.
    expect(ok({ ...base, requestParameters: nested(RECORD_LIMITS.depth - 1) }).requestParameters).toBeDefined();
    expect(rejected({ ...base, requestParameters: nested(RECORD_LIMITS.depth) })).toBe(
      `requestParameters nests deeper than ${RECORD_LIMITS.depth} levels; real CloudTrail records nest a few dozen at most`,
    );
    let deepArray: unknown = [];
    for (let i = 0; i < 5_000; i++) deepArray = [deepArray];
    expect(rejected({ ...base, resources: deepArray })).toMatch(/^resources nests deeper than/);
  });

  // Failed before: derivedEventId JSON.stringified the parameters ("unreadable record: Maximum call stack size exceeded").
  it('a record without eventID and with 10,000-deep parameters is rejected with a clear reason, not a stack overflow', () => {
    const { eventID: _drop, ...withoutId } = base;
    const reason = rejected({ ...withoutId, requestParameters: nested(10_000) });
    expect(reason).toBe(`requestParameters nests deeper than ${RECORD_LIMITS.depth} levels; real CloudTrail records nest a few dozen at most`);
    expect(reason).not.toMatch(/stack/i);
    // Within the bound, a record without eventID is processed with a derived id.
    expect(ok({ ...withoutId, requestParameters: nested(900) }).id).toMatch(/^derived-[0-9a-f]{32}$/);
  });

  it('writeJson writes what JSON.stringify writes, iteratively, at any depth', () => {
    const write = (v: unknown) => {
      let s = '';
      writeJson(v, (c) => void (s += c));
      return s;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        expect(write(v)).toBe(JSON.stringify(v));
      }),
      { seed: 20261204, numRuns: 500 },
    );
    expect(write({ a: undefined, b: () => 1, c: [undefined, NaN, Infinity], d: new Number(3), e: new String('x'), f: new Boolean(false) })).toBe(
      JSON.stringify({ a: undefined, b: () => 1, c: [undefined, NaN, Infinity], d: new Number(3), e: new String('x'), f: new Boolean(false) }),
    );
    expect(() => JSON.stringify(nested(100_000))).toThrow(RangeError);
    expect(write(nested(100_000))).toHaveLength('{"n":'.length * 99_999 + '{"leaf":true}'.length + 99_999);
  });

  it('derived ids are the ones the recursive JSON.stringify gave (stored dedup state stays valid)', () => {
    const { eventID: _drop, ...withoutId } = base;
    const record = { ...withoutId, requestParameters: { secretId: 'prod/orders', list: [1, 'two', null, { x: true }] } };
    const basis = JSON.stringify([record.eventSource, record.eventName, record.eventTime, record.requestID, null, record.sourceIPAddress, record.requestParameters]);
    expect(ok(record).id).toBe(`derived-${createHash('sha256').update(basis).digest('hex').slice(0, 32)}`);
  });
});

describe('rejection reasons read well', () => {
  const { userIdentity: _drop, ...withoutIdentity } = base;

  // Failed before: "userIdentity must be an object, got a undefined".
  it('says "userIdentity is missing", and "an object" / "a number" with the right article', () => {
    expect(rejected(withoutIdentity)).toBe('userIdentity is missing');
    expect(rejected({ ...base, eventName: { name: 'x' } })).toBe('eventName must be a string, got an object');
    expect(rejected({ ...base, eventSource: 7 })).toBe('eventSource must be a string, got a number');
    expect(rejected({ ...base, userIdentity: 'root' })).toBe('userIdentity must be an object, got a string');
    expect(rejected({ 'detail-type': 'AWS API Call via CloudTrail' })).toBe('EventBridge detail is missing');
    for (const reason of [rejected(withoutIdentity), rejected({ ...base, eventName: {} }), rejected({ ...base, userIdentity: 42 })]) {
      expect(reason).not.toMatch(/\ba (undefined|object|array)\b/);
    }
  });

  // Failed before: "eventTime is missing" with no hint.
  it('names the SIEM field a renamed record carries instead of CloudTrail’s own', () => {
    const { eventTime, eventName, eventSource, ...rest } = base;
    const hint = (field: string, found: string) => `${field} is missing; the record has ${found} — a SIEM export? Blastwall reads CloudTrail's own field names`;
    expect(rejected({ ...base, eventTime: undefined, '@timestamp': eventTime })).toBe(hint('eventTime', '@timestamp'));
    // Microsoft Sentinel's AWSCloudTrail table.
    expect(rejected({ ...rest, eventName, eventSource, TimeGenerated: eventTime })).toBe(hint('eventTime', 'TimeGenerated'));
    // Elastic ECS, nested and flattened.
    expect(rejected({ ...rest, eventTime, eventSource, event: { action: eventName } })).toBe(hint('eventName', 'event.action'));
    expect(rejected({ ...rest, eventTime, eventName, 'event.provider': eventSource })).toBe(hint('eventSource', 'event.provider'));
    // OCSF (Amazon Security Lake).
    expect(rejected({ ...rest, eventTime, eventSource, api: { operation: eventName } })).toBe(hint('eventName', 'api.operation'));
    // Lower-cased names (Panther's normalised exports).
    expect(rejected({ ...rest, eventTime, eventSource, eventname: eventName })).toBe(hint('eventName', 'eventname'));
    expect(rejected({ ...withoutIdentity, 'aws.cloudtrail.user_identity.arn': 'arn:aws:iam::333333333333:user/x' })).toBe(
      hint('userIdentity', 'aws.cloudtrail.user_identity.arn'),
    );
    // An EventBridge event that lost its detail-type.
    expect(rejected({ version: '0', source: 'aws.secretsmanager', account: '333333333333', time: base.eventTime, detail: base })).toBe(
      'eventName is missing; the record has detail and source — an EventBridge event without its detail-type?',
    );
    // Nothing renamed: the plain reason.
    expect(rejected({ ...rest, eventName, eventSource })).toBe('eventTime is missing');
  });
});

describe('docs/intake.md states the bounds the code applies', () => {
  it('names the size and depth bounds and cites CloudTrail’s quota page', () => {
    const doc = readFileSync('docs/intake.md', 'utf8');
    expect(doc).toContain(`${RECORD_LIMITS.recordBytes.toLocaleString('en-US')} bytes (256 KB)`);
    expect(doc).toContain(`${RECORD_LIMITS.depth.toLocaleString('en-US')} levels`);
    expect(doc).toContain('https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html');
  });
});
