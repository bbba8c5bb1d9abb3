// Whether the prebuilt CLI bundle (dist/cli/blastwall.mjs, `npm run build`) is at least as
// new as every source it is built from: the TypeScript under bin/ and functions/, and
// package-lock.json (the bundled dependencies). Only used in a checkout (an installed
// package has no sources and always runs the bundle). A stat of every source costs a few
// milliseconds; starting tsx through the TypeScript sources costs about 0.4 s.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE_DIRS = ['bin', 'functions'];
const SOURCE_FILE = /\.(ts|mts|mjs|json)$/;

function newestUnder(dir, newest) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestUnder(path, newest);
    else if (SOURCE_FILE.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The bundle's path when it exists and no source is newer than it; otherwise undefined. */
export function freshBundle(root) {
  const bundle = join(root, 'dist', 'cli', 'blastwall.mjs');
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return undefined;
  }
  let newest = 0;
  for (const dir of SOURCE_DIRS) newest = newestUnder(join(root, dir), newest);
  try {
    newest = Math.max(newest, statSync(join(root, 'package-lock.json')).mtimeMs);
  } catch {
    /* no lock file */
  }
  return newest <= built ? bundle : undefined;
}
