/**
 * Reads the replay's input files: plain or gzip (detected by magic bytes, not by
 * name), then splits them into raw items with their line numbers.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { type RawItem, createLogFileReader, splitRecords, type SplitResult } from '../../functions/core/intake.ts';

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
 * The items of one file, one at a time. A CloudTrail log file (`{"Records":[…]}`,
 * plain or gzip) is streamed: read and gunzipped in chunks, each record parsed,
 * visited and dropped — never the whole text or the whole parsed document in
 * memory. Anything else (JSON lines, an array, a broken or oversized file) is
 * read whole as {@link readInput} reads it, after `restart` tells the visitor to
 * discard what the stream gave it: errors are reported exactly as before.
 */
export async function eachInputItem(
  file: string,
  visit: (item: RawItem) => void,
  restart: () => void,
  onBytes?: (bytesRead: number) => void,
): Promise<void> {
  if (await streamLogFile(file, visit, onBytes)) return;
  restart();
  for (const item of (await readInput(file)).items) visit(item);
}

async function streamLogFile(file: string, visit: (item: RawItem) => void, onBytes?: (bytesRead: number) => void): Promise<boolean> {
  const magic = Buffer.alloc(2);
  const handle = await open(file, 'r');
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const source = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 16 })) : raw;
  const reader = createLogFileReader(visit);
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_INPUT_BYTES || !reader.push(chunk)) return false;
      onBytes?.(raw.bytesRead);
    }
    return reader.end();
  } catch {
    return false; // unreadable gzip and the like: the whole-file path reports it
  } finally {
    raw.destroy();
    if (source !== raw) source.destroy();
  }
}
