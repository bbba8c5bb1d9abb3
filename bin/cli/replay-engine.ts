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
import { eachInputItem } from './read-input.ts';
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
  progress?: Progress;
}

interface Indexed {
  event: AuditEvent;
  index: number;
}


export async function replayFiles(files: readonly string[], config: BlastwallConfig, hooks: ReplayHooks = {}): Promise<ReplaySummary> {
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

  // Read file by file: each record is parsed, normalised and dropped (the normalised
  // event is all that is kept), each file's events sorted by event time on their own.
  const runs: (Indexed | undefined)[][] = [];
  for (const file of files) {
    let events: Indexed[] = [];
    let rejected: { line: number; reason: string }[] = [];
    let next = summary.events;
    await eachInputItem(
      file,
      (item) => {
        if (item.error !== undefined) {
          rejected.push({ line: item.line, reason: item.error });
          return;
        }
        const result = pipeline.normalise(item.value);
        if (!result.ok) {
          rejected.push({ line: item.line, reason: result.reason });
          return;
        }
        const event = result.event;
        // Held until its turn in event-time order: without the raw parameters when detection
        // never reads them (most calls), unless a hook wants the whole event.
        if (!hooks.onEvent && !detailsMatter(event, catalogue)) {
          // Last added, first deleted (normalise adds them in this order): the object keeps a fast shape.
          delete event.additionalEventData;
          delete event.responseElements;
          delete event.requestParameters;
        }
        events.push({ event, index: next++ });
      },
      () => {
        events = [];
        rejected = [];
        next = summary.events;
      },
    );
    summary.events = next;
    summary.rejected += rejected.length;
    for (const r of rejected) hooks.onRejected?.(file, r.line, r.reason);
    // Detection orders by eventTime, never by arrival; the sort is stable, so ties keep input order.
    if (events.length) runs.push(events.sort((a, b) => a.event.timeMs - b.event.timeMs));
  }

  /** Counts a finding, its distinct enforced revocations, marks it published (as `detect` does) and hands it on. */
  async function report(finding: Finding, event: AuditEvent, index: number): Promise<void> {
    summary.findings++;
    for (const action of finding.response.filter(isEnforcedRevocation)) revoked.add(`${action.account}|${action.action}|${action.target}`);
    summary.revocations = revoked.size;
    await pipeline.detector.markPublished(event, finding.id);
    hooks.onFinding?.({ finding, eventIndex: index, event });
  }

  // Merge the files by (event time, input position): the order one stable sort of
  // every event would give. Each event is released once processed.
  const total = summary.events;
  let i = 0;
  for (const { event, index } of mergeRuns(runs)) {
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
  return summary;
}

const before = (a: Indexed, b: Indexed) => a.event.timeMs < b.event.timeMs || (a.event.timeMs === b.event.timeMs && a.index < b.index);

/** k-way merge of sorted runs by (time, index), with a binary heap of run heads; takes each item out of its run as it goes. */
function* mergeRuns(runs: (Indexed | undefined)[][]): Generator<Indexed> {
  if (runs.length === 1) {
    const run = runs[0]!;
    for (let k = 0; k < run.length; k++) {
      const item = run[k]!;
      run[k] = undefined;
      yield item;
    }
    return;
  }
  const pos = runs.map(() => 0);
  const heap: number[] = [];
  const head = (r: number) => runs[r]![pos[r]!]!;
  const less = (x: number, y: number) => before(head(x), head(y));
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      if (l >= heap.length) return;
      const c = l + 1 < heap.length && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
      if (!less(heap[c]!, heap[k]!)) return;
      [heap[c], heap[k]] = [heap[k]!, heap[c]!];
      k = c;
    }
  };
  for (let r = 0; r < runs.length; r++) heap.push(r);
  for (let k = (heap.length >> 1) - 1; k >= 0; k--) down(k);
  while (heap.length) {
    const r = heap[0]!;
    const run = runs[r]!;
    const item = run[pos[r]!]!;
    run[pos[r]!] = undefined;
    pos[r]!++;
    if (pos[r]! >= run.length) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
      runs[r] = [];
    }
    if (heap.length) down(0);
    yield item;
  }
}
