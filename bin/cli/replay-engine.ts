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
import { catalogueFor, detailsMatter } from '../../functions/core/detection/detector.ts';
import { expiredSuppressions } from '../../functions/core/detection/suppressions.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { stat } from 'node:fs/promises';
import { eachInputItem, InputError, openLogFileStream } from './read-input.ts';
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
  /** Events kept from the reading pass (default {@link DEFAULT_RETAINED_EVENTS}); 0 reads every file twice. */
  retainEvents?: number;
}

interface Indexed {
  event: AuditEvent;
  index: number;
}

/** What the reading pass learnt about one input file. */
interface InputRun {
  file: string;
  /** Index of the file's first parsed record among all parsed records, in input order. */
  base: number;
  count: number;
  minTime: number;
  /** Its records are already in event-time order (CloudTrail's log files nearly always are). */
  sorted: boolean;
  /** A CloudTrail log file read in chunks (not JSON lines or an array read whole). */
  streamed: boolean;
  /** Events kept from the reading pass (under the retain budget), sorted. */
  retained?: Indexed[];
}

/**
 * Events kept from the reading pass to spare a second read, across all files. Beyond
 * it, a file is read again when the merge reaches it: memory is then bounded by the
 * detection state plus one chunk per file open at that moment in event time (a whole
 * file only for a file whose records are not in time order).
 */
export const DEFAULT_RETAINED_EVENTS = 50_000;

/** The replay's own memory figures, for tests and the benchmark (not part of the JSON contract). */
export interface ReplayMemory {
  /** Most events held at once (kept from reading, buffered from open files). */
  peakHeldEvents: number;
  /** Most files open at once during the merge. */
  peakOpenFiles: number;
}

export async function replayFiles(
  files: readonly string[],
  config: BlastwallConfig,
  hooks: ReplayHooks = {},
): Promise<ReplaySummary & { memory: ReplayMemory }> {
  const pipeline = createPipeline({ config, store: createMemoryStateStore() });
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
  const catalogue = catalogueFor(config);
  const memory: ReplayMemory = { peakHeldEvents: 0, peakOpenFiles: 0 };
  let held = 0;
  const hold = (n: number) => {
    held += n;
    if (held > memory.peakHeldEvents) memory.peakHeldEvents = held;
  };
  let retainBudget = hooks.retainEvents ?? DEFAULT_RETAINED_EVENTS;

  /** Normalised and, when detection never reads them, stripped of the raw parameters (unless a hook wants the whole event). */
  const accept = (value: unknown): { event: AuditEvent } | { reason: string } => {
    const result = pipeline.normalise(value);
    if (!result.ok) return { reason: result.reason };
    const event = result.event;
    if (!hooks.onEvent && !detailsMatter(event, catalogue)) {
      // Last added, first deleted (normalise adds them in this order): the object keeps a fast shape.
      delete event.additionalEventData;
      delete event.responseElements;
      delete event.requestParameters;
    }
    return { event };
  };

  // Pass 1, reading: every file once, in input order. Rejected records are reported, each
  // file's count, first event time and order are noted; events are kept only under the budget.
  const sizes = await Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0)));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let bytesBefore = 0;
  const runs: InputRun[] = [];
  for (const [f, file] of files.entries()) {
    let run: InputRun;
    let rejected: { line: number; reason: string }[];
    let items: number;
    let last: number;
    const reset = (streamed: boolean) => {
      run = { file, base: summary.events, count: 0, minTime: Infinity, sorted: true, streamed, retained: retainBudget > 0 ? [] : undefined };
      rejected = [];
      items = 0;
      last = -Infinity;
    };
    reset(true);
    await eachInputItem(
      file,
      (item) => {
        items++;
        if (item.error !== undefined) {
          rejected.push({ line: item.line, reason: item.error });
          return;
        }
        const accepted = accept(item.value);
        if ('reason' in accepted) {
          rejected.push({ line: item.line, reason: accepted.reason });
          return;
        }
        const { event } = accepted;
        if (event.timeMs < last) run.sorted = false;
        last = event.timeMs;
        if (event.timeMs < run.minTime) run.minTime = event.timeMs;
        if (run.retained) {
          if (run.retained.length < retainBudget) run.retained.push({ event, index: run.base + run.count });
          else run.retained = undefined; // over the budget: this file is read again when its turn comes
        }
        run.count++;
      },
      () => reset(false),
      (bytes) => hooks.progress?.update(bytesBefore + bytes, totalBytes, 'reading', 'bytes'),
    );
    bytesBefore += sizes[f]!;
    hooks.progress?.update(bytesBefore, totalBytes, 'reading', 'bytes');
    summary.events += run!.count;
    summary.rejected += rejected!.length;
    for (const r of rejected!) hooks.onRejected?.(file, r.line, r.reason);
    if (items! === 0) hooks.onWarning?.(file, 'empty file: no records');
    if (run!.retained) {
      retainBudget -= run!.retained.length;
      hold(run!.retained.length);
    }
    if (run!.count > 0) runs.push(run!);
  }

  /** Counts a finding, its distinct enforced revocations, marks it published (as `detect` does) and hands it on. */
  async function report(finding: Finding, event: AuditEvent, index: number): Promise<void> {
    summary.findings++;
    for (const action of finding.response.filter(isEnforcedRevocation)) revoked.add(`${action.account}|${action.action}|${action.target}`);
    summary.revocations = revoked.size;
    await pipeline.detector.markPublished(event, finding.id);
    hooks.onFinding?.({ finding, eventIndex: index, event });
  }

  /** Opens one file's events for the merge, in (time, input position) order. */
  async function openRun(run: InputRun): Promise<Cursor> {
    if (run.retained) {
      const items = run.retained;
      run.retained = undefined;
      if (!run.sorted) items.sort(byTimeThenIndex);
      return arrayCursor(items, () => hold(-1));
    }
    if (!run.streamed || !run.sorted) {
      // Not a log file read in chunks, or not in time order: this one file is read whole and sorted.
      const items: Indexed[] = [];
      let next = run.base;
      await eachInputItem(
        run.file,
        (item) => {
          if (item.error !== undefined) return;
          const accepted = accept(item.value);
          if ('event' in accepted) items.push({ event: accepted.event, index: next++ });
        },
        () => {
          items.length = 0;
          next = run.base;
        },
      );
      if (items.length !== run.count) throw new InputError(`${run.file}: changed while it was being read`);
      hold(items.length);
      return arrayCursor(items.sort(byTimeThenIndex), () => hold(-1));
    }
    const cursor = streamCursor(run, accept, hold);
    await cursor.fill();
    return cursor;
  }

  // Pass 2, the merge: files in (event time, input position) order — the order one stable
  // sort of every event would give. A file is opened only when the merge reaches its first
  // event, and closed at its last: few files are open at once.
  const pending = runs.sort((a, b) => a.minTime - b.minTime || a.base - b.base);
  const heap: Cursor[] = [];
  const total = summary.events;
  let p = 0;
  let i = 0;
  for (;;) {
    while (p < pending.length && (heap.length === 0 || pending[p]!.minTime <= heap[0]!.head!.event.timeMs)) {
      const cursor = await openRun(pending[p++]!);
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
  hooks.progress?.done();
  return Object.assign(summary, { memory });
}

const byTimeThenIndex = (a: Indexed, b: Indexed) => a.event.timeMs - b.event.timeMs || a.index - b.index;
const before = (a: Indexed, b: Indexed) => a.event.timeMs < b.event.timeMs || (a.event.timeMs === b.event.timeMs && a.index < b.index);

/** One file's events in order: `head` is the next one; `advance` moves on (a promise only when it must read). */
interface Cursor {
  head: Indexed | undefined;
  advance(): Promise<void> | undefined;
}

function arrayCursor(items: (Indexed | undefined)[], release: () => void): Cursor {
  let k = 0;
  const cursor: Cursor = {
    head: items[0],
    advance() {
      items[k] = undefined; // released as soon as it is taken
      release();
      cursor.head = ++k < items.length ? items[k] : undefined;
      return undefined;
    },
  };
  return cursor;
}

function streamCursor(
  run: InputRun,
  accept: (value: unknown) => { event: AuditEvent } | { reason: string },
  hold: (n: number) => void,
): Cursor & { fill(): Promise<void> } {
  const stream = openLogFileStream(run.file);
  let buffer: Indexed[] = [];
  let k = 0;
  let next = run.base;
  let last = -Infinity;
  const cursor = {
    head: undefined as Indexed | undefined,
    async fill() {
      buffer = [];
      k = 0;
      while (buffer.length === 0) {
        const batch = await stream.next();
        if (!batch) break;
        for (const item of batch) {
          if (item.error !== undefined) continue;
          const accepted = accept(item.value);
          if (!('event' in accepted)) continue;
          if (accepted.event.timeMs < last) throw new InputError(`${run.file}: changed while it was being read`);
          last = accepted.event.timeMs;
          buffer.push({ event: accepted.event, index: next++ });
        }
      }
      hold(buffer.length);
      cursor.head = buffer[0];
      if (!cursor.head && next - run.base !== run.count) throw new InputError(`${run.file}: changed while it was being read`);
    },
    advance() {
      (buffer as (Indexed | undefined)[])[k] = undefined;
      hold(-1);
      if (++k < buffer.length) {
        cursor.head = buffer[k];
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
