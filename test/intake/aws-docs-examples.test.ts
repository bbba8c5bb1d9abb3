/**
 * One real-shaped record per catalogue service, from AWS's own documentation (and the
 * real Stratus corpus where the documentation has no example): every one normalises —
 * through normaliseRecord and through `blastwall replay` — and every service the
 * catalogue names has one. Where each record's shape comes from:
 * test/fixtures/aws-docs-examples/README.md.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { CATALOGUE } from '../../functions/core/detection/catalogue.ts';
import { runCli } from '../cli/run-cli.ts';

const DIR = 'test/fixtures/aws-docs-examples';
const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const records = files.map((file) => ({ file, record: (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { Records: Record<string, unknown>[] }).Records[0]! }));

describe('AWS documentation example records', () => {
  it.each(records.map((r) => [r.file, r.record] as const))('%s normalises', (_file, record) => {
    const result = normaliseRecord(record, resolver);
    if (!result.ok) throw new Error(result.reason);
    expect(result.event.action.eventSource).toBe(record.eventSource);
    expect(result.event.action.name).toBe(record.eventName);
  });

  it('cover every service of the catalogue, and console sign-in', () => {
    const have = new Set(records.map((r) => r.record.eventSource));
    const want = new Set([...CATALOGUE.map((e) => e.eventSource), 'signin.amazonaws.com', 'sts.amazonaws.com']);
    expect([...want].filter((s) => !have.has(s))).toEqual([]);
  });

  it('keep the 142–143-character request ids of Secrets Manager’s version deletions', () => {
    const ids = records
      .filter((r) => ['StartSecretVersionDelete', 'EndSecretVersionDelete'].includes(String(r.record.eventName)))
      .map((r) => {
        const result = normaliseRecord(r.record, resolver);
        if (!result.ok) throw new Error(result.reason);
        return result.event.requestId?.length;
      })
      .sort();
    expect(ids).toEqual([142, 143]);
  });

  it('every file replays with 0 rejected', async () => {
    const run = await runCli(['replay', '--format', 'json', ...files.map((f) => join(DIR, f))]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines.at(-1)).toMatchObject({ type: 'summary', events: files.length, rejected: 0 });
  });
});
