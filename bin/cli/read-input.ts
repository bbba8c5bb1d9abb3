/**
 * Reads the replay's input files: plain or gzip (detected by magic bytes, not by
 * name), then splits them into raw items with their line numbers.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { type RawItem, eachLogFileRecord, splitRecords, type SplitResult } from '../../functions/core/intake.ts';

const gunzipAsync = promisify(gunzip);

/** Anything larger is refused before reading: a CloudTrail log file is a few MB. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export class InputError extends Error {}

export async function checkReadable(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
  if (!info.isFile()) throw new InputError(`${file}: not a regular file`);
  if (info.size > MAX_INPUT_BYTES) throw new InputError(`${file}: ${info.size} bytes; split inputs larger than ${MAX_INPUT_BYTES} bytes`);
}

async function readText(file: string): Promise<{ text: string } | { error: string }> {
  let bytes = await readFile(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
    } catch (error) {
      return { error: `not a readable gzip file: ${(error as Error).message}` };
    }
  }
  return { text: bytes.toString('utf8') };
}

export async function readInput(file: string): Promise<SplitResult> {
  const read = await readText(file);
  if ('error' in read) return { format: 'empty', items: [{ line: 1, error: read.error }] };
  return splitRecords(read.text);
}

/**
 * The items of one file, one at a time, without holding the whole parsed
 * document when it is a CloudTrail log file (`{"Records":[…]}`): each record is
 * parsed, visited and dropped. `restart` is called before the items are visited
 * again from the start — when such a file turns out not to be valid JSON, it is
 * read as {@link readInput} reads it (which reports the error); the visitor
 * discards what it collected.
 */
export async function eachInputItem(file: string, visit: (item: RawItem) => void, restart: () => void): Promise<void> {
  const read = await readText(file);
  if ('error' in read) {
    visit({ line: 1, error: read.error });
    return;
  }
  if (eachLogFileRecord(read.text, visit)) return;
  restart();
  for (const item of splitRecords(read.text).items) visit(item);
}
