/**
 * The replay's inputs: files as given, and directories read recursively — the
 * layout `aws s3 sync` writes from a trail's bucket
 * (`AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz`, and an organisation
 * trail's `AWSLogs/o-…/ACCOUNT/CloudTrail/…`).
 *
 * In a directory, only files that can hold records are taken (`.json`, `.json.gz`,
 * `.jsonl`, `.ndjson`, `.gz`), hidden entries are skipped, and so are the
 * `CloudTrail-Digest` folders (integrity digests, not events). Symbolic links to
 * directories are not followed (no loops). The order is the sorted path, which for
 * CloudTrail's names is account, region, then delivery time; the replay orders the
 * events themselves by event time anyway.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkReadable, InputError } from './read-input.ts';

const RECORD_FILE = /\.(json|json\.gz|jsonl|ndjson|gz)$/i;
const SKIPPED_DIRECTORIES = new Set(['CloudTrail-Digest']);

export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      await checkReadable(path); // throws the usual "no such file" / "cannot read"
      continue;
    }
    if (info.isDirectory()) {
      const found = await walk(path);
      if (found.length === 0) throw new InputError(`${path}: no .json, .json.gz or .jsonl files in this directory or below`);
      files.push(...found);
    } else {
      await checkReadable(path);
      files.push(path);
    }
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new InputError(`${dir}: cannot read directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) files.push(...(await walk(path)));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && RECORD_FILE.test(entry.name)) {
      if (entry.isSymbolicLink() && !(await stat(path).then((s) => s.isFile(), () => false))) continue;
      await checkReadable(path);
      files.push(path);
    }
  }
  return files;
}
