/**
 * The checkout's `blastwall` runs the prebuilt bundle only when no source is newer
 * (bin/cli-freshness.mjs): a stale bundle would replay with yesterday's detection.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs module without types (it runs before any TypeScript loader)
import { freshBundle } from '../../bin/cli-freshness.mjs';

const root = mkdtempSync(join(tmpdir(), 'blastwall-fresh-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (path: string, at: number) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), 'x');
  utimesSync(join(root, path), at, at);
};

describe('prebuilt CLI freshness', () => {
  it('takes the bundle only when it is newer than every source under bin/ and functions/ and the lock file', () => {
    write('bin/cli.ts', 1000);
    write('functions/core/detection/detector.ts', 1000);
    write('package-lock.json', 1000);
    expect(freshBundle(root)).toBeUndefined(); // no bundle yet
    write('dist/cli/blastwall.mjs', 2000);
    expect(freshBundle(root)).toBe(join(root, 'dist', 'cli', 'blastwall.mjs'));
    write('functions/core/detection/detector.ts', 3000); // a source edited after the build
    expect(freshBundle(root)).toBeUndefined();
    write('dist/cli/blastwall.mjs', 4000);
    expect(freshBundle(root)).toBeDefined();
    write('package-lock.json', 5000); // a dependency changed
    expect(freshBundle(root)).toBeUndefined();
  });
});
