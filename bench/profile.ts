/**
 * The core's CPU profile, taken on an esbuild bundle of the bench (not under tsx,
 * where every location reads as line 1): bundles bench/profile-entry.ts, runs it in
 * a fresh `node`, and maps each function's bundle line back to its source file
 * through the `// path` comments esbuild writes before each module.
 *
 * `npx tsx bench/profile.ts [events]` prints the table docs/performance.md quotes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, WORK } from './bundles.ts';
import type { ProfileEntry } from './core.ts';

export async function profileOnBundle(opts: { events: number }): Promise<ProfileEntry[]> {
  const outfile = join(WORK, 'profile', 'core-profile.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'profile-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    keepNames: false,
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const out = spawnSync(process.execPath, [outfile, String(opts.events)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`profile run failed: ${out.stderr.slice(0, 2000)}`);
  const entries = JSON.parse(out.stdout) as ProfileEntry[];
  // Bundle line → source file: the nearest `// functions/…/x.ts` comment above it.
  const lines = readFileSync(outfile, 'utf8').split('\n');
  const fileAt: string[] = [];
  let current = '(bundle)';
  for (const line of lines) {
    const m = /^\/\/ ((?:functions|bench|bin|lib|node_modules)\/\S+\.[cm]?[jt]s)$/.exec(line);
    if (m) current = m[1]!;
    fileAt.push(current);
  }
  return entries.map((e) => {
    const m = /:(\d+)$/.exec(e.location);
    const line = m ? Number(m[1]) : 0;
    return e.location.includes('core-profile.mjs') && line > 0 ? { ...e, location: `${fileAt[line - 1] ?? '?'} (bundle line ${line})` } : e;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const top = await profileOnBundle({ events: Number(process.argv[2] ?? 50_000) });
  for (const e of top) console.log(`${(100 * e.selfShare).toFixed(1).padStart(5)} %  ${e.selfMs.toFixed(0).padStart(6)} ms  ${e.function}  ${e.location}`);
}
