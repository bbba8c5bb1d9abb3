/**
 * The replay's reading thread (worker_threads): gunzips, parses and normalises the
 * files the main thread hands it, one at a time, and later hands back their events in
 * batches of JSON text when the merge asks — one request per batch, so a batch exists
 * on the main thread only when the merge wants it (the main thread pulls; it is never
 * flooded). See replay-reader.ts for where events wait in between.
 *
 * Messages in:  { type: 'read', file, path } | { type: 'take', id, file, k } | { type: 'close' }
 * Messages out: { type: 'bytes', file, bytes } | { type: 'file', file, report }
 *               | { type: 'batch', id, batch } | { type: 'failed', message }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createFileReader, type FileReaderOptions } from './replay-reader.ts';

export interface ReplayWorkerData extends FileReaderOptions {
  /** Test hook: exit abruptly when handed its Nth file (1-based), as a crash (out of memory, a native fault) would. */
  crashOnRead?: number;
}

const port = parentPort!;
const data = workerData as ReplayWorkerData;
const reader = createFileReader(data);

type Message = { type: 'read'; file: number; path: string } | { type: 'take'; id: number; file: number; k: number } | { type: 'close' };

// One message at a time, in arrival order: reads are sequential within a thread.
let chain: Promise<void> = Promise.resolve();
let reads = 0;
port.on('message', (message: Message) => {
  chain = chain.then(() => handle(message)).catch((error: unknown) => {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});

async function handle(message: Message): Promise<void> {
  switch (message.type) {
    case 'read': {
      if (++reads === data.crashOnRead) process.exit(70);
      let lastReported = 0;
      const report = await reader.read(message.file, message.path, (bytes) => {
        // Progress at most every 256 KB of the file: a message is not free.
        if (bytes - lastReported >= 1 << 18) {
          lastReported = bytes;
          port.postMessage({ type: 'bytes', file: message.file, bytes });
        }
      });
      port.postMessage({ type: 'file', file: message.file, report });
      return;
    }
    case 'take':
      port.postMessage({ type: 'batch', id: message.id, batch: reader.take(message.file, message.k) });
      return;
    case 'close':
      reader.close();
      port.close();
      return;
  }
}
