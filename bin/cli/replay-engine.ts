/**
 * Replay: recorded CloudTrail through the very pipeline the Lambda functions run
 * (normalise → detect → plan the response), on the embedded state store.
 * Used by `blastwall replay`, `blastwall demo` and the benchmark.
 */
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { isEnforcedRevocation } from '../../functions/core/response/plan.ts';
import { expiredSuppressions } from '../../functions/core/detection/suppressions.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createFileReader, type Batch, type FileReaderOptions, type FileReport } from './replay-reader.ts';
import type { ReplayWorkerData } from './replay-worker.ts';
import type { Progress } from './progress.ts';

export interface ReplayedFinding {
  finding: Finding;
  /** 0-based position of the triggering record among all records that parsed, across files, in input order. */
  eventIndex: number;
  event: AuditEvent;
}

export interface ReplaySummary {
  events: number;
  rejected: number;
  findings: number;
  /**
   * Distinct revocations that would be made (planned API calls, not manual steps or
   * skips). A key revoked at its first finding and planned again by later findings
   * counts once: respond treats the repeat as already done.
   */
  revocations: number;
  duplicates: number;
  /** Events a `detection.suppressions` entry silenced: counted and listed, never dropped silently. */
  suppressed: SuppressedEvent[];
  /** Suppressions whose expiry has passed (by the wall clock): they no longer apply. */
  expiredSuppressions: { index: number; reason: string; expires: string }[];
}

export interface SuppressedEvent {
  eventId: string;
  time: string;
  eventName: string;
  /** The severity the finding would have had. */
  severity: string;
  suppression: number;
  reason: string;
}

export interface ReplayHooks {
  onRejected?(file: string, line: number, reason: string): void;
  onFinding?(result: ReplayedFinding): void;
  /** Every processed event, in time order, with its finding if any (the demo narrates from this). */
  onEvent?(event: AuditEvent, eventIndex: number, finding: Finding | undefined): void;
  /** Something worth telling that is not a rejected record (an empty file). */
  onWarning?(file: string, message: string): void;
  progress?: Progress;
  /** Events kept in memory from the reading pass (default {@link DEFAULT_RETAINED_EVENTS}); beyond, they wait in a spool file. */
  retainEvents?: number;
  /** Seconds of event time a finding's processed marker is kept (default {@link PROCESSED_MARKER_SECONDS}; tests compare with Infinity). */
  processedMarkerSeconds?: number;
  /** Where to read: in this thread, or in worker threads (default: workers from {@link WORKER_MIN_BYTES} of input). */
  reader?: 'thread' | 'worker';
  /** Worker threads reading beside the main thread (default: one less than the CPUs available, 1 to 3, fewer than the files). */
  workers?: number;
  /** Test hook: a reading thread exits abruptly when handed its Nth file. */
  crashWorkerOnRead?: number;
}

interface Indexed {
  event: AuditEvent;
  index: number;
}

/** What the reading pass learnt about one input file. */
interface InputRun {
  file: number;
  path: string;
  /** Index of the file's first parsed record among all parsed records, in input order. */
  base: number;
  count: number;
  minTime: number;
  batches: number;
  reader: Reader;
}

/**
 * Events kept in memory between the reading and the merge. Beyond it, they wait in a
 * temporary spool file as JSON text (never read and parsed twice): memory is then
 * bounded by the detection state plus one batch per file open at that moment in event time.
 */
export const DEFAULT_RETAINED_EVENTS = 50_000;

/**
 * Inputs at least this large (bytes on disk) are read in worker threads; smaller ones in
 * the main thread, where starting a thread (≈ 40–80 ms: it loads the normaliser) would
 * cost more than it saves.
 */
export const WORKER_MIN_BYTES = 2 * 1024 * 1024;

/** How often the replay drops state items whose TTL has passed (DynamoDB TTL), on the event clock. */
export const EXPIRE_EVERY_MS = 3600_000;
/**
 * How long (event time) the replay keeps a finding's processed marker: events arrive in event-time
 * order, so only another copy of the same call (CloudTrail gives both copies the call's time) or a
 * tie consults it; two hours is margin. Without it one marker per finding stayed for `historyDays`
 * and a replay's memory grew with its findings (issue 13).
 */
export const PROCESSED_MARKER_SECONDS = 2 * 3600;

/** The replay's own memory figures, for tests and the benchmark (not part of the JSON contract). */
export interface ReplayMemory {
  /** Most events held at once (kept from reading, buffered from open files). */
  peakHeldEvents: number;
  /** Most files open at once during the merge. */
  peakOpenFiles: number;
  /** Most batches asked of the readers and not yet taken in by the merge. */
  peakBatchesInFlight: number;
  /** Most detection-state items held at once, sampled before each hourly expiry (the state is what a replay's memory follows). */
  peakStateItems: number;
  /** Where the files were read: 'thread' (the main thread alone) or 'worker' (`readers` worker threads, and the main thread). */
  reader: 'thread' | 'worker';
  readers: number;
}

/** A file reader in this thread or in a worker, behind one interface. */
interface Reader {
  read(file: number, path: string, onBytes: (bytes: number) => void): Promise<FileReport>;
  take(file: number, k: number): Promise<Batch>;
  close(): Promise<void>;
}

function localReader(options: FileReaderOptions): Reader {
  const reader = createFileReader(options);
  return {
    read: (file, path, onBytes) => reader.read(file, path, onBytes),
    take: async (file, k) => reader.take(file, k),
    close: async () => reader.close(),
  };
}

/** The worker's entry: the bundle's own (dist/cli/replay-worker.mjs) or, from the sources, through tsx. */
export function replayWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./replay-worker-source.mjs', import.meta.url) : new URL('./replay-worker.mjs', import.meta.url);
}

function workerReader(data: ReplayWorkerData, onBytes: (file: number, bytes: number) => void): Reader {
  const worker = new Worker(replayWorkerUrl(), { workerData: data, stdout: false, stderr: false });
  const reads = new Map<number, { resolve(r: FileReport): void; reject(e: Error): void }>();
  const takes = new Map<number, { resolve(b: Batch): void; reject(e: Error): void }>();
  let ids = 0;
  let failure: Error | undefined;
  let closing = false;
  let exited: Promise<void> | undefined = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fail = (error: Error) => {
    failure ??= error;
    for (const p of [...reads.values(), ...takes.values()]) p.reject(failure);
    reads.clear();
    takes.clear();
  };
  worker.on('message', (m: { type: string; file: number; bytes: number; report: FileReport; id: number; batch: Batch; message: string }) => {
    if (m.type === 'bytes') onBytes(m.file, m.bytes);
    else if (m.type === 'file') {
      reads.get(m.file)?.resolve(m.report);
      reads.delete(m.file);
    } else if (m.type === 'batch') {
      takes.get(m.id)?.resolve(m.batch);
      takes.delete(m.id);
    } else if (m.type === 'failed') fail(new Error(`replay: the reading thread failed: ${m.message}`));
  });
  worker.on('error', (error) => fail(new Error(`replay: the reading thread failed: ${error.message}`)));
  worker.on('exit', (code) => {
    exited = undefined;
    if (!closing || reads.size || takes.size) fail(new Error(`replay: the reading thread stopped unexpectedly (exit code ${code})`));
  });
  const send = (message: unknown) => {
    if (failure) throw failure;
    worker.postMessage(message);
  };
  return {
    read: (file, path) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        reads.set(file, { resolve, reject });
        send({ type: 'read', file, path });
      }),
    take: (file, k) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const id = ids++;
        takes.set(id, { resolve, reject });
        send({ type: 'take', id, file, k });
      }),
    async close() {
      closing = true;
      if (!failure) worker.postMessage({ type: 'close' });
      // The worker removes its spool file on close; terminate only if it does not end by itself.
      if (exited) {
        const timer = setTimeout(() => void worker.terminate(), failure ? 0 : 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(data.spoolFile, { force: true });
    },
  };
}

export async function replayFiles(
  files: readonly string[],
  config: BlastwallConfig,
  hooks: ReplayHooks = {},
): Promise<ReplaySummary & { memory: ReplayMemory }> {
  const store = createMemoryStateStore({ processedMarkerSeconds: hooks.processedMarkerSeconds ?? PROCESSED_MARKER_SECONDS });
  const pipeline = createPipeline({ config, store });
  const summary: ReplaySummary = {
    events: 0,
    rejected: 0,
    findings: 0,
    revocations: 0,
    duplicates: 0,
    suppressed: [],
    expiredSuppressions: expiredSuppressions(config.detection.suppressions, new Date()),
  };
  const revoked = new Set<string>();
  const sizes = await Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0)));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const mode = hooks.reader ?? (totalBytes >= WORKER_MIN_BYTES ? 'worker' : 'thread');
  // The main thread reads too while the workers read (it has nothing else to do until every file is read):
  // one worker on two CPUs — each worker's own heap costs ≈ 70 MB of peak RSS.
  const workers = mode === 'worker' ? Math.max(1, Math.min(hooks.workers ?? availableParallelism() - 1, 3, files.length - 1)) : 0;
  const memory: ReplayMemory = { peakHeldEvents: 0, peakOpenFiles: 0, peakBatchesInFlight: 0, peakStateItems: 0, reader: mode, readers: workers };
  let held = 0;
  const hold = (n: number) => {
    held += n;
    if (held > memory.peakHeldEvents) memory.peakHeldEvents = held;
  };
  const retain = Math.max(0, hooks.retainEvents ?? DEFAULT_RETAINED_EVENTS);

  // The readers: this thread, and worker threads for a large input; they share the budget, each has its own spool file.
  const spoolDir = mkdtempSync(join(tmpdir(), 'blastwall-replay-'));
  const bytesRead = new Map<number, number>();
  let bytesDone = 0;
  const showBytes = () => {
    let now = bytesDone;
    for (const b of bytesRead.values()) now += b;
    hooks.progress?.update(now, totalBytes, 'reading', 'bytes');
  };
  const onBytes = (file: number, bytes: number) => {
    bytesRead.set(file, bytes);
    showBytes();
  };
  const readers: Reader[] = [];
  const readerOptions = (n: number, serialize: boolean): FileReaderOptions => ({
    config,
    keepInMemory: Math.floor(retain / (workers + 1)),
    spoolFile: join(spoolDir, `spool-${n}.json`),
    serialize,
    strip: !hooks.onEvent,
  });
  try {
    for (let n = 1; n <= workers; n++) readers.push(workerReader({ ...readerOptions(n, true), crashOnRead: hooks.crashWorkerOnRead }, onBytes));
    readers.push(localReader(readerOptions(0, false)));

    // Pass 1, reading: every file once. The readers take the next file as they finish one;
    // what each file held (rejected records, an empty file) is reported in input order.
    const reports: (FileReport | undefined)[] = new Array(files.length);
    const readBy: Reader[] = new Array(files.length);
    const runs: InputRun[] = [];
    let nextFile = 0;
    let reported = 0;
    const reportInOrder = () => {
      for (; reported < files.length && reports[reported]; reported++) {
        const report = reports[reported]!;
        const file = files[reported]!;
        for (const r of report.rejected) hooks.onRejected?.(file, r.line, r.reason);
        if (report.items === 0) hooks.onWarning?.(file, 'empty file: no records');
        if (report.count > 0) runs.push({ file: reported, path: file, base: summary.events, count: report.count, minTime: report.minTime, batches: report.batches, reader: readBy[reported]! });
        summary.events += report.count;
        summary.rejected += report.rejected.length;
        hold(report.inMemory);
        reports[reported] = undefined;
      }
    };
    await Promise.all(
      readers.map(async (reader) => {
        while (nextFile < files.length) {
          const f = nextFile++;
          readBy[f] = reader;
          const report = await reader.read(f, files[f]!, (bytes) => onBytes(f, bytes));
          bytesRead.delete(f);
          bytesDone += sizes[f]!;
          showBytes();
          reports[f] = report;
          reportInOrder();
        }
      }),
    );

    /** Counts a finding, its distinct enforced revocations, marks it published (as `detect` does) and hands it on. */
    const report = async (finding: Finding, event: AuditEvent, index: number): Promise<void> => {
      summary.findings++;
      for (const action of finding.response.filter(isEnforcedRevocation)) revoked.add(`${action.account}|${action.action}|${action.target}`);
      summary.revocations = revoked.size;
      await pipeline.detector.markPublished(event, finding.id);
      hooks.onFinding?.({ finding, eventIndex: index, event });
    };

    let inFlight = 0;
    const take = (run: InputRun, k: number) => {
      if (++inFlight > memory.peakBatchesInFlight) memory.peakBatchesInFlight = inFlight;
      return run.reader.take(run.file, k);
    };

    // Pass 2, the merge: files in (event time, input position) order — the order one stable
    // sort of every event would give. A file is opened only when the merge reaches its first
    // event, and closed at its last: few files are open at once.
    const pending = runs.sort((a, b) => a.minTime - b.minTime || a.base - b.base);
    const heap: Cursor[] = [];
    const total = summary.events;
    let p = 0;
    let i = 0;
    let expireAt = -Infinity;
    for (;;) {
      while (p < pending.length && (heap.length === 0 || pending[p]!.minTime <= heap[0]!.head!.event.timeMs)) {
        const cursor = batchCursor(pending[p++]!, take, () => inFlight--, hold);
        await cursor.fill();
        if (cursor.head) heapPush(heap, cursor);
        if (heap.length > memory.peakOpenFiles) memory.peakOpenFiles = heap.length;
      }
      if (heap.length === 0) break;
      const cursor = heap[0]!;
      const { event, index } = cursor.head!;
      const step = cursor.advance();
      if (step) await step;
      if (cursor.head) heapDown(heap, 0);
      else heapPopTop(heap);

      hooks.progress?.update(++i, total, 'replaying');
      // State past its TTL goes, as DynamoDB's TTL removes it, once per hour of event time.
      if (event.timeMs >= expireAt) {
        const items = store.stats().items;
        if (items > memory.peakStateItems) memory.peakStateItems = items;
        store.expire(Math.floor(event.timeMs / 1000));
        expireAt = event.timeMs + EXPIRE_EVERY_MS;
      }
      // "now" is when production would have acted: the moment the event arrived.
      const outcome = await pipeline.detect(event, new Date(event.timeMs));
      // Findings of later events re-scored by this one (only when input order and event time disagree).
      for (const later of outcome.additionalFindings ?? []) await report(later, event, index);
      if (outcome.duplicate) {
        summary.duplicates++;
        hooks.onEvent?.(event, index, undefined);
        continue;
      }
      const finding = outcome.finding;
      if (finding) await report(finding, event, index);
      if (outcome.suppressed) {
        const { index: suppression, reason, severity } = outcome.suppressed;
        summary.suppressed.push({ eventId: event.id, time: event.time, eventName: event.action.name, severity, suppression, reason });
      }
      hooks.onEvent?.(event, index, finding);
    }
    memory.peakStateItems = Math.max(memory.peakStateItems, store.stats().items);
    hooks.progress?.done();
  } finally {
    await Promise.all(readers.map((r) => r.close().catch(() => undefined)));
    rmSync(spoolDir, { recursive: true, force: true });
  }
  return Object.assign(summary, { memory });
}

const before = (a: Indexed, b: Indexed) => a.event.timeMs < b.event.timeMs || (a.event.timeMs === b.event.timeMs && a.index < b.index);

/** One file's events in order: `head` is the next one; `advance` moves on (a promise only when it must read). */
interface Cursor {
  head: Indexed | undefined;
  advance(): Promise<void> | undefined;
}

/** One file's events in (time, position) order, a batch at a time, the next batch asked for while this one is replayed. */
function batchCursor(
  run: InputRun,
  take: (run: InputRun, k: number) => Promise<Batch>,
  arrived: () => void,
  hold: (n: number) => void,
): Cursor & { fill(): Promise<void> } {
  let k = 0;
  let next: Promise<Batch> | undefined = take(run, k++);
  let buffer: (Indexed | undefined)[] = [];
  let j = 0;
  const cursor = {
    head: undefined as Indexed | undefined,
    async fill() {
      buffer = [];
      j = 0;
      while (buffer.length === 0 && next) {
        const batch = await next;
        arrived();
        next = k < run.batches ? take(run, k++) : undefined;
        const events = batch.events ?? (JSON.parse(batch.text!) as AuditEvent[]);
        const { positions, first } = batch;
        buffer = events.map((event, n) => ({ event, index: run.base + (positions ? positions[n]! : first + n) }));
        // Kept in memory by the reader: already counted as held since the reading pass.
        hold(batch.fromMemory ? 0 : buffer.length);
      }
      cursor.head = buffer[0];
    },
    advance() {
      buffer[j] = undefined; // released as soon as it is taken
      hold(-1);
      if (++j < buffer.length) {
        cursor.head = buffer[j];
        return undefined;
      }
      return cursor.fill();
    },
  };
  return cursor;
}

function heapDown(heap: Cursor[], k: number): void {
  for (;;) {
    const l = 2 * k + 1;
    if (l >= heap.length) return;
    const c = l + 1 < heap.length && before(heap[l + 1]!.head!, heap[l]!.head!) ? l + 1 : l;
    if (!before(heap[c]!.head!, heap[k]!.head!)) return;
    [heap[c], heap[k]] = [heap[k]!, heap[c]!];
    k = c;
  }
}

function heapPush(heap: Cursor[], cursor: Cursor): void {
  heap.push(cursor);
  for (let k = heap.length - 1; k > 0; ) {
    const parent = (k - 1) >> 1;
    if (!before(heap[k]!.head!, heap[parent]!.head!)) return;
    [heap[k], heap[parent]] = [heap[parent]!, heap[k]!];
    k = parent;
  }
}

function heapPopTop(heap: Cursor[]): void {
  const last = heap.pop()!;
  if (heap.length) {
    heap[0] = last;
    heapDown(heap, 0);
  }
}
