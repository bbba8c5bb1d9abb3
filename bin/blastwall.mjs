#!/usr/bin/env node
// The `blastwall` command.
// - Installed from the registry (or a packed tarball): runs the compiled bundle
//   dist/cli/blastwall.mjs, built by esbuild at `prepack`; no TypeScript, no dependency.
// - In a checkout (bin/cli.ts is next to this file): runs the TypeScript source through
//   tsx, so `npx blastwall …` works right after `npm ci` with no build step and is never stale.
import { existsSync } from 'node:fs';

const source = new URL('./cli.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(new URL('../dist/cli/blastwall.mjs', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
