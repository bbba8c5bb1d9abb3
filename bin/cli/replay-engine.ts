/**
 * Replay: recorded CloudTrail through the very pipeline the Lambda functions run
 * (normalise → detect → plan the response), on the embedded state store.
 * Used by `blastwall replay`, `blastwall demo` and the benchmark.
 */
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { readInput } from './read-input.ts';
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

/** A planned IAM call that `enforce` would make (dry-run and page-only environments only record it). */
export function isRevocation(action: Finding['response'][number]): boolean {
  return action.apiCall !== undefined && action.status === 'planned' && action.mode === 'enforce';
}

export async function replayFiles(files: readonly string[], config: BlastwallConfig, hooks: ReplayHooks = {}): Promise<ReplaySummary> {
  const pipeline = createPipeline({ config, store: createMemoryStateStore() });
  const summary: ReplaySummary = { events: 0, rejected: 0, findings: 0, revocations: 0, duplicates: 0 };
  const events: Indexed[] = [];
  const revoked = new Set<string>();

  for (const file of files) {
    const { items } = await readInput(file);
    for (const item of items) {
      if (item.error !== undefined) {
        summary.rejected++;
        hooks.onRejected?.(file, item.line, item.error);
        continue;
      }
      const result = pipeline.normalise(item.value);
      if (!result.ok) {
        summary.rejected++;
        hooks.onRejected?.(file, item.line, result.reason);
        continue;
      }
      events.push({ event: result.event, index: summary.events++ });
    }
  }

  // Detection orders by eventTime, never by arrival; the sort is stable, so ties keep input order.
  events.sort((a, b) => a.event.timeMs - b.event.timeMs);

  for (let i = 0; i < events.length; i++) {
    const { event, index } = events[i]!;
    hooks.progress?.update(i + 1, events.length, 'replaying');
    // "now" is when production would have acted: the moment the event arrived.
    const outcome = await pipeline.detect(event, new Date(event.timeMs));
    // Findings of later events re-scored by this one (only when input order and event time disagree).
    for (const later of outcome.additionalFindings ?? []) {
      summary.findings++;
      for (const action of later.response.filter(isRevocation)) revoked.add(`${action.account}|${action.action}|${action.target}`);
      summary.revocations = revoked.size;
      await pipeline.detector.markPublished(event, later.id);
      hooks.onFinding?.({ finding: later, eventIndex: index, event });
    }
    if (outcome.duplicate) {
      summary.duplicates++;
      hooks.onEvent?.(event, index, undefined);
      continue;
    }
    const finding = outcome.finding;
    if (finding) {
      summary.findings++;
      for (const action of finding.response.filter(isRevocation)) revoked.add(`${action.account}|${action.action}|${action.target}`);
      summary.revocations = revoked.size;
      await pipeline.detector.markPublished(event, finding.id);
      hooks.onFinding?.({ finding, eventIndex: index, event });
    }
    hooks.onEvent?.(event, index, finding);
  }
  hooks.progress?.done();
  return summary;
}
