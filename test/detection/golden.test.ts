/**
 * Findings byte-identical across the hot-path reshaping (issue 13): every fixture's
 * finding ids, severities, signals and categories equal the committed golden text,
 * generated before the change (`npx tsx test/detection/golden.ts --write`; rewrite it
 * only for a change meant to alter findings, and say so in the commit).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_FILE, goldenText } from './golden.ts';

describe('golden findings', () => {
  it('every fixture yields exactly the committed findings', async () => {
    const expected = readFileSync(GOLDEN_FILE, 'utf8');
    const actual = await goldenText();
    expect(actual.split('\n').length).toBeGreaterThan(300);
    expect(actual).toBe(expected);
  }, 120_000);
});
