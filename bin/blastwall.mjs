#!/usr/bin/env node
// The `blastwall` command. The CLI is TypeScript run through tsx (a runtime
// dependency), so `npx blastwall …` works in a checkout right after `npm ci`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
