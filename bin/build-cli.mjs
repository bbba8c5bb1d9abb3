#!/usr/bin/env node
/**
 * Builds the published CLI: one self-contained ESM bundle (esbuild) of bin/cli.ts with every
 * dependency inside, so `npm i -g blastwall` needs no TypeScript, no tsx and no runtime
 * dependency. Run by `npm run build` and at `prepack` (so `npm pack` / `npm publish` always
 * ship a fresh build).
 *
 * Output: dist/cli/blastwall.mjs, and beside it dist/cli/replay-worker.mjs, the replay's reading
 * thread (bin/cli/replay-worker.ts; a worker needs a module of its own to start, which the CLI
 * finds next to itself). Two folders deep on purpose: modules that find a data file
 * relative to their own source (`new URL('../../test/fixtures/…', import.meta.url)` in the demo)
 * resolve to the same path inside the package, which ships those files (package.json `files`).
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTFILE = join(root, 'dist', 'cli', 'blastwall.mjs');
export const WORKER_OUTFILE = join(root, 'dist', 'cli', 'replay-worker.mjs');

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { blastwall: join(root, 'bin', 'cli.ts'), 'replay-worker': join(root, 'bin', 'cli', 'replay-worker.ts') },
  outdir: dirname(OUTFILE),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  // ESM builds first: some packages' `main` is a UMD build whose dynamic require()s esbuild cannot follow (jsonc-parser).
  mainFields: ['module', 'main'],
  format: 'esm',
  // ES module builds first: jsonc-parser's UMD build require()s its own files at run time, which a bundle cannot serve.
  mainFields: ['module', 'main'],
  // The oldest Node the CLI supports (package.json engines).
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'eof',
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __blastwallCreateRequire } from 'node:module'; const require = __blastwallCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.error(`built ${OUTFILE} and ${WORKER_OUTFILE}`);
