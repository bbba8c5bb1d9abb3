/**
 * The catalogue's own test cases, Panther-style: every category file
 * `functions/core/detection/catalogue/<category>.ts` has `<category>.cases.ts`
 * beside it. Each case is a partial CloudTrail record; this test fills in the
 * rest (an IAM user's access key in the production account, from the AWS CLI),
 * normalises it as intake does and matches it against the catalogue with
 * Blastwall's own prefix and the configuration's accounts. Burst entries are
 * checked as catalogue matches (whether a burst is complete is the detector's
 * business, tested elsewhere).
 *
 * It also fails when an entry has no case, when an entry with a condition
 * (`when`, a modifier, human-only, own resources only, not-the-caller,
 * an account outside the configuration) lacks a hit or a non-hit, or when a
 * case stands beside the wrong category.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, CATEGORIES, type CatalogueEntry, matchCatalogue } from '../../functions/core/detection/catalogue.ts';
import { evaluate } from '../../functions/core/detection/conditions.ts';
import { CASE_ACCOUNTS, CASE_AGENTS, type CatalogueCase } from '../../functions/core/detection/catalogue/case.ts';
import { config, normalise } from './support.ts';

const DIR = join(import.meta.dirname, '..', '..', 'functions', 'core', 'detection', 'catalogue');
const OPTIONS = { ownPrefix: 'Blastwall', knownAccounts: new Set(config.environments.flatMap((e) => e.accounts)) };

const cases = new Map<string, readonly CatalogueCase[]>();
for (const category of CATEGORIES) {
  const module = (await import(join(DIR, `${category}.cases.ts`))) as { CASES: readonly CatalogueCase[] };
  cases.set(category, module.CASES);
}
const all = [...cases.entries()].flatMap(([category, list]) => list.map((c) => ({ category, c })));
const byId = new Map(CATALOGUE.map((e) => [e.id, e]));

const DEFAULT_IDENTITY = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEALICE0001',
  arn: `arn:aws:iam::${CASE_ACCOUNTS.receiving}:user/alice`,
  accountId: CASE_ACCOUNTS.receiving,
  accessKeyId: 'AKIAEXAMPLEALICE0001',
  userName: 'alice',
};

/** The whole record: defaults, then the case's fields. */
function recordOf(c: CatalogueCase, index: number): Record<string, unknown> {
  const entry = byId.get(c.entry);
  const { userIdentity, eventSource, ...rest } = c.record;
  const identity = userIdentity && 'type' in userIdentity ? userIdentity : { ...DEFAULT_IDENTITY, ...userIdentity };
  const id = (index + 1).toString(16).padStart(12, '0');
  return {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: '2025-06-10T10:00:00Z',
    eventSource: eventSource ?? entry?.eventSource ?? 'unknown.amazonaws.com',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: CASE_AGENTS.cli,
    requestParameters: null,
    responseElements: null,
    requestID: `0f1e2d3c-4b5a-4978-8a9b-${id}`,
    eventID: `7a6b5c4d-3e2f-4a1b-9c8d-${id}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: CASE_ACCOUNTS.receiving,
    eventCategory: 'Management',
    ...rest,
  };
}

/** An entry whose hit depends on the call (a `when`, human-only, own resources only) needs a case that hits and one that does not. */
function needsMiss(entry: CatalogueEntry): boolean {
  return entry.when !== undefined || entry.humanOnly === true || entry.onlyOwnResources === true;
}

describe('catalogue cases (functions/core/detection/catalogue/<category>.cases.ts)', () => {
  it('every category file has its cases file beside it, and every cases file a category', () => {
    const files = new Set(readdirSync(DIR));
    expect(CATEGORIES.filter((c) => !files.has(`${c}.ts`) || !files.has(`${c}.cases.ts`))).toEqual([]);
    expect([...files].filter((f) => f.endsWith('.cases.ts') && !(CATEGORIES as readonly string[]).includes(f.slice(0, -'.cases.ts'.length)))).toEqual([]);
  });

  it('no runtime module imports the cases', () => {
    const runtime = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? runtime(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.cases.ts') ? [join(dir, d.name)] : []));
    const root = join(import.meta.dirname, '..', '..');
    const importers = ['functions', 'bin', 'lib'].flatMap((d) => runtime(join(root, d))).filter((file) => /\.cases\.ts['"]|\/case\.ts['"]/.test(readFileSync(file, 'utf8')));
    expect(importers).toEqual([]);
  });

  it('every catalogue entry has cases, in its own category file; every case names an entry', () => {
    const missing = CATALOGUE.filter((e) => !all.some(({ c }) => c.entry === e.id)).map((e) => e.id);
    expect(missing, 'catalogue entries without a case').toEqual([]);
    expect(all.filter(({ c }) => !byId.has(c.entry)).map(({ c }) => c.entry), 'cases of unknown entries').toEqual([]);
    expect(all.filter(({ category, c }) => byId.get(c.entry) && byId.get(c.entry)!.category !== category).map(({ c }) => `${c.entry} in ${c.name}`), 'cases beside the wrong category').toEqual([]);
    const names = all.map(({ c }) => `${c.entry}: ${c.name}`);
    expect(names.length - new Set(names).size, 'duplicate case names').toBe(0);
  });

  it('an entry with a condition has a hit and a non-hit; each modifier has a hit it applies to and one it does not', () => {
    const gaps: string[] = [];
    for (const entry of CATALOGUE) {
      const mine = all.filter(({ c }) => c.entry === entry.id).map(({ c }) => c);
      const hits = mine.filter((c) => c.expect !== null).map((c) => normalise(recordOf(c, all.findIndex((x) => x.c === c))));
      if (hits.length === 0) gaps.push(`${entry.id}: no hit`);
      if (needsMiss(entry) && !mine.some((c) => c.expect === null)) gaps.push(`${entry.id}: no non-hit`);
      (entry.modifiers ?? []).forEach((modifier, i) => {
        const applies = hits.map((event) => evaluate(modifier.when, event, OPTIONS));
        if (!applies.includes(true)) gaps.push(`${entry.id}: no hit with modifier ${i + 1} (${modifier.text})`);
        if (!applies.includes(false)) gaps.push(`${entry.id}: no hit without modifier ${i + 1} (${modifier.text})`);
      });
    }
    expect(gaps).toEqual([]);
  });

  describe.each([...CATEGORIES])('%s', (category) => {
    it.each(cases.get(category)!.map((c, i) => [`${c.entry}: ${c.name}`, c, i] as const))('%s', (_label, c) => {
      const index = all.findIndex((x) => x.c === c);
      const event = normalise(recordOf(c, index));
      const match = matchCatalogue(event, OPTIONS);
      if (c.expect === null) {
        expect(match?.entry.id, `${c.entry} must not hit (got ${match?.entry.id} ${match?.severity})`).not.toBe(c.entry);
        return;
      }
      expect(match, 'no catalogue hit').toBeDefined();
      expect({ entry: match!.entry.id, category: match!.category, severity: match!.severity }).toEqual({ entry: c.entry, category: c.expect.category, severity: c.expect.severity });
      if (c.expect.says) expect(match!.description).toContain(c.expect.says);
    });
  });
});
