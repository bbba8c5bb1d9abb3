/**
 * What the member rule's filter saves: the member stack's own event pattern
 * (MEMBER_EVENT_PATTERN, imported, not copied) evaluated with a small matcher of
 * the EventBridge pattern operators it uses, over the generated stream and over the
 * real corpus in the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMBER_EVENT_PATTERN } from '../lib/member-stack.ts';
import { ROOT } from './bundles.ts';
import { envelope, generate } from './generate.ts';

type Json = unknown;

/** EventBridge content filtering for the operators the member pattern uses: literals, anything-but, exists, prefix, $or. */
export function matches(pattern: Json, event: Json): boolean {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) throw new Error('a pattern is an object');
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(rule as Json[]).some((alt) => matches(alt, event))) return false;
      continue;
    }
    const value = typeof event === 'object' && event !== null && Object.prototype.hasOwnProperty.call(event, key) ? (event as Record<string, Json>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchLeaf(rule, value)) return false;
    } else if (!matches(rule, value)) return false;
  }
  return true;
}

function matchLeaf(rules: readonly Json[], value: Json): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (typeof rule === 'object' && rule !== null) {
      const r = rule as Record<string, Json>;
      if ('exists' in r) return r.exists ? value !== undefined : value === undefined;
      if (value === undefined) return false;
      if ('anything-but' in r) {
        const banned = Array.isArray(r['anything-but']) ? (r['anything-but'] as Json[]) : [r['anything-but']];
        return values.every((v) => !banned.includes(v));
      }
      if ('prefix' in r) return values.some((v) => typeof v === 'string' && v.startsWith(String(r.prefix)));
      throw new Error(`operator not supported by the bench matcher: ${JSON.stringify(rule)}`);
    }
    return values.includes(rule);
  });
}

export const forwarded = (record: Record<string, unknown>) => matches(MEMBER_EVENT_PATTERN, envelope(record));

export function corpusRecords(): Record<string, unknown>[] {
  const base = join(ROOT, 'test', 'fixtures', 'corpus');
  const out: Record<string, unknown>[] = [];
  const stratus = join(base, 'stratus-red-team');
  for (const f of readdirSync(stratus).filter((n) => n.endsWith('.json'))) {
    const data = JSON.parse(readFileSync(join(stratus, f), 'utf8')) as unknown;
    if (Array.isArray(data)) out.push(...(data as Record<string, unknown>[]));
  }
  const panther = join(base, 'panther-analysis', 'cloudtrail-tests.jsonl');
  for (const line of readFileSync(panther, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const item = JSON.parse(line) as { record?: Record<string, unknown> };
    if (item.record && typeof item.record === 'object') out.push(item.record);
  }
  return out;
}

/**
 * Every real record the repository holds beyond the corpus: the teardown hours
 * (built from real record shapes) and the AWS documentation's example records.
 */
export function otherRealRecords(): Record<string, unknown>[] {
  const fixtures = join(ROOT, 'test', 'fixtures');
  const out: Record<string, unknown>[] = [];
  const add = (data: unknown) => {
    const list = Array.isArray(data) ? data : ((data as { Records?: unknown[] })?.Records ?? [data]);
    for (const r of list) if (r && typeof r === 'object') out.push(r as Record<string, unknown>);
  };
  for (const f of ['terraform-hour.json', 'cdk-hour.json']) add(JSON.parse(readFileSync(join(fixtures, 'teardown', f), 'utf8')));
  const docs = join(fixtures, 'aws-docs-examples');
  for (const f of readdirSync(docs).filter((n) => n.endsWith('.json')).sort()) add(JSON.parse(readFileSync(join(docs, f), 'utf8')));
  return out;
}

export interface FilterResult {
  /** Share of the generated stream (all management events) the member rule drops. */
  awsServiceShareGenerated: number;
  /** Same, over the repository's real corpus (attack detonations and rule tests: few service calls). */
  awsServiceShareCorpus: number;
  corpusRecords: number;
  /** Same over every real record of the fixtures: corpus, teardown hours, AWS documentation examples. */
  awsServiceShareReal: number;
  realRecords: number;
  /** The share the generated stream assumes (35 %: a guess, kept as the pessimistic-for-us case). */
  awsServiceShareAssumed: number;
  generatedEvents: number;
  /** Destructive calls in the generated stream that the filter would drop (must be 0 for human calls). */
  destructiveDropped: number;
}

export function measureFilter(opts: { events: number }): FilterResult {
  const { records } = generate({ events: opts.events, seed: 21 });
  let dropped = 0;
  let destructiveDropped = 0;
  for (const r of records) {
    if (!forwarded(r)) {
      dropped++;
      const identity = r.userIdentity as { type?: string };
      if (identity?.type !== 'AWSService' && /^(Delete|Terminate|Schedule)/.test(String(r.eventName))) destructiveDropped++;
    }
  }
  const corpus = corpusRecords();
  const corpusDropped = corpus.filter((r) => !forwarded(r)).length;
  const real = [...corpus, ...otherRealRecords()];
  const realDropped = real.filter((r) => !forwarded(r)).length;
  return {
    awsServiceShareReal: realDropped / real.length,
    realRecords: real.length,
    awsServiceShareAssumed: 0.35,
    awsServiceShareGenerated: dropped / records.length,
    awsServiceShareCorpus: corpusDropped / corpus.length,
    corpusRecords: corpus.length,
    generatedEvents: records.length,
    destructiveDropped,
  };
}
