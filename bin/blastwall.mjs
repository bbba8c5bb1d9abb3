#!/usr/bin/env node
// The `blastwall` command.
// - Installed from the registry (or a packed tarball): runs the compiled bundle
//   dist/cli/blastwall.mjs, built by esbuild at `prepack`; no TypeScript, no dependency.
// - In a checkout (bin/cli.ts is next to this file): runs the prebuilt bundle when
//   `npm run build` made one and no source is newer (bin/cli-freshness.mjs), else the
//   TypeScript source through tsx, so `npx blastwall …` works right after `npm ci` with
//   no build step and is never stale. BLASTWALL_CLI=source forces the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('./cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { freshBundle } = await import('./cli-freshness.mjs');
  const bundle = process.env.BLASTWALL_CLI === 'source' ? undefined : freshBundle(fileURLToPath(new URL('..', import.meta.url)));
  if (bundle) {
    try {
      ({ main } = await import(new URL(`file://${bundle}`).href));
    } catch {
      main = undefined; // a bundle being rebuilt right now: the sources instead
    }
  }
  if (!main) {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import(source.href));
  }
} else {
  ({ main } = await import(new URL('../dist/cli/blastwall.mjs', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
