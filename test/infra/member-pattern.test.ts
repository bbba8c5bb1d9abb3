/**
 * The member rule's pattern, evaluated offline against the real corpus: it forwards
 * every record the detector's catalogue flags, and drops only calls AWS services
 * make with their own identity.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import { matchCatalogue } from '../../functions/core/detection/catalogue.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { REPO_ROOT } from '../../lib/config.ts';
import { cloudTrailEnvelope, matchesEventPattern } from '../../lib/event-pattern.ts';
import { MEMBER_EVENT_PATTERN } from '../../lib/member-stack.ts';

const corpus = join(REPO_ROOT, 'test', 'fixtures', 'corpus');

function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const stratus = join(corpus, 'stratus-red-team');
  for (const file of readdirSync(stratus).filter((f) => f.endsWith('.json'))) out.push(...JSON.parse(readFileSync(join(stratus, file), 'utf8')));
  for (const line of readFileSync(join(corpus, 'panther-analysis', 'cloudtrail-tests.jsonl'), 'utf8').split('\n')) {
    if (line.trim()) out.push(JSON.parse(line).record);
  }
  return out.filter((r) => r && typeof r === 'object');
}

const forwards = (record: Record<string, unknown>) => matchesEventPattern(MEMBER_EVENT_PATTERN, cloudTrailEnvelope(record));

describe('the evaluator follows EventBridge semantics', () => {
  it('exact, prefix, anything-but, exists, $or, arrays in the event', () => {
    expect(matchesEventPattern({ source: ['aws.iam'] }, { source: 'aws.iam' })).toBe(true);
    expect(matchesEventPattern({ source: [{ prefix: 'aws.' }] }, { source: 'blastwall' })).toBe(false);
    expect(matchesEventPattern({ a: [{ 'anything-but': ['x'] }] }, { a: 'y' })).toBe(true);
    expect(matchesEventPattern({ a: [{ 'anything-but': ['x'] }] }, { a: 'x' })).toBe(false);
    // anything-but needs the field to be there
    expect(matchesEventPattern({ a: [{ 'anything-but': ['x'] }] }, {})).toBe(false);
    expect(matchesEventPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesEventPattern({ a: [{ exists: false }] }, { a: 1 })).toBe(false);
    expect(matchesEventPattern({ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' })).toBe(true);
    expect(matchesEventPattern({ tags: ['x'] }, { tags: ['w', 'x'] })).toBe(true);
    expect(matchesEventPattern({ d: { e: ['f'] } }, { d: 'not an object' })).toBe(false);
    // exists:false on a leaf whose parent object is missing altogether
    expect(matchesEventPattern({ d: { e: [{ exists: false }] } }, {})).toBe(true);
    expect(matchesEventPattern({ d: { e: [{ exists: false }] } }, { d: null })).toBe(true);
  });
});

describe('member rule pattern over the corpus', () => {
  const all = records();
  const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));

  it('forwards every record the destructive/tamper catalogue flags', () => {
    let flagged = 0;
    const dropped: string[] = [];
    for (const record of all) {
      const n = normaliseRecord(record, resolver);
      if (!n.ok || !matchCatalogue(n.event, 'Blastwall')) continue;
      flagged++;
      if (!forwards(record)) dropped.push(`${String(record.eventSource)} ${String(record.eventName)}`);
    }
    expect(flagged).toBeGreaterThan(50);
    expect(dropped).toEqual([]);
  });

  it('drops exactly the records whose userIdentity.type is AWSService, keeps those without a type (or without userIdentity)', () => {
    const type = (r: Record<string, unknown>) => (r.userIdentity as { type?: string } | null | undefined)?.type;
    const serviceCalls = all.filter((r) => type(r) === 'AWSService');
    const untyped = all.filter((r) => type(r) === undefined);
    expect(serviceCalls.length).toBeGreaterThan(0);
    expect(untyped.length).toBeGreaterThan(0);
    for (const r of serviceCalls) expect(forwards(r)).toBe(false);
    for (const r of untyped) expect(forwards(r)).toBe(true);
    for (const r of all.filter((x) => type(x) !== undefined && type(x) !== 'AWSService')) expect(forwards(r)).toBe(true);
  });

  it('an AWS service assuming its role is dropped; the same call by a user, or on a user’s behalf (invokedBy), is kept', () => {
    const base = { eventVersion: '1.08', eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', eventType: 'AwsApiCall', awsRegion: 'us-east-1' };
    expect(forwards({ ...base, userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' } })).toBe(false);
    expect(forwards({ ...base, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/a' } })).toBe(true);
    expect(
      forwards({ ...base, eventSource: 'rds.amazonaws.com', eventName: 'DeleteDBInstance', userIdentity: { type: 'AssumedRole', invokedBy: 'cloudformation.amazonaws.com' } }),
    ).toBe(true);
    expect(forwards({ ...base, eventType: 'AwsConsoleSignIn', eventName: 'ConsoleLogin', userIdentity: { type: 'Root' } })).toBe(true);
  });
});
