/**
 * The page ledger: per finding, where its Slack message lives (channel + ts), what
 * it last showed, the PagerDuty state, the latest merged finding and the on-call's
 * decision. Written with optimistic concurrency (a version number), because
 * `Blastwall Finding` and `Blastwall Response` events and button clicks race.
 */
import type { Finding, ResponseAction } from '../core/finding.ts';
import type { PageDecision, PageSnapshot, PageView, RestoredInfo } from '../core/paging/page-state.ts';
import { mergeActions } from '../core/paging/page-state.ts';

export interface PageRecord {
  findingId: string;
  /** 0 = not stored yet; every successful save increments it. */
  version: number;
  finding?: Finding;
  /** Actions from `Blastwall Response` events (merged over the finding's own). */
  actions: ResponseAction[];
  restored?: RestoredInfo;
  decision?: PageDecision;
  /** Why the last restore did not complete; cleared by a new decision. */
  restoreProblem?: string;
  slack?: { channel: string; ts: string; rendered?: PageSnapshot; renderedHash?: string };
  /** Set while one invocation posts the first message, so a concurrent one does not post a second. */
  slackClaimedAt?: string;
  pagerduty?: { state: 'triggered' | 'resolved'; severity: string; at: string };
  /** When the credential's recent history was added under the page (once per finding). */
  contextAt?: string;
  updatedAt?: string;
}

export interface PageLedger {
  get(findingId: string): Promise<PageRecord | undefined>;
  /** Stores `record` (with `version` + 1) if the stored version is still `record.version`; false on conflict. */
  save(record: PageRecord): Promise<PageRecord | undefined>;
}

export function emptyRecord(findingId: string): PageRecord {
  return { findingId, version: 0, actions: [] };
}

/** The view renderers draw; undefined while only a Response has arrived and no finding is known. */
export function viewOf(record: PageRecord): PageView | undefined {
  if (!record.finding) return undefined;
  return {
    finding: { ...record.finding, response: mergeActions(record.finding.response, record.actions) },
    ...(record.restored ? { restored: record.restored } : {}),
    ...(record.decision ? { decision: record.decision } : {}),
    ...(record.restoreProblem && !record.restored ? { restoreProblem: record.restoreProblem } : {}),
  };
}

export class LedgerConflictError extends Error {
  constructor(findingId: string) {
    super(`page ledger: too many concurrent writers for ${findingId}`);
    this.name = 'LedgerConflictError';
  }
}

/**
 * Read-modify-write with retries on conflict. `change` returns the new record, or
 * undefined to write nothing (the current record is then returned).
 */
export async function updateRecord(
  ledger: PageLedger,
  findingId: string,
  change: (current: PageRecord) => PageRecord | undefined,
  attempts = 8,
): Promise<PageRecord> {
  for (let i = 0; i < attempts; i++) {
    const current = (await ledger.get(findingId)) ?? emptyRecord(findingId);
    const next = change(structuredClone(current));
    if (!next) return current;
    const saved = await ledger.save({ ...next, version: current.version });
    if (saved) return saved;
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (i + 1)));
  }
  throw new LedgerConflictError(findingId);
}
