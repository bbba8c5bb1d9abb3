/**
 * Warm baseline: the last N days (default 14) of CloudTrail management events run
 * through the detector into the state table, so that on day one Blastwall already
 * knows which credentials are used in which environments, from where, what minted
 * which session and who created what — instead of calling everything "first use".
 *
 * The window is cut into slices (default 6 hours) processed oldest first; within a
 * slice the events of every account and region are merged in event-time order, as
 * detect would have seen them. The checkpoint (an item in the table) records the slice
 * and how many of its events are done, after every event, so a run stopped anywhere —
 * Lambda's time limit, a crash, throttling that does not end — resumes at the event
 * after the last one it recorded (a slice's merged order is deterministic). Once warm,
 * a run does nothing. Events are never run twice on purpose: the detector judges an
 * event against the state before it, and an event replayed against a state that
 * already holds later events can be scored differently. (A crash between the
 * detector's write and the checkpoint's replays that one event: events with a finding
 * are marked processed and come back as duplicates.) Findings are not published:
 * history is not an incident.
 *
 * Bounded by LookupEvents' rate (a token bucket per account and region).
 */
import { sortByEventTime, lookupAllInTimeOrder, type RateLimiter, type RetryPolicy } from '../adapters/cloudtrail-history.ts';
import type { HistoryAccount } from '../adapters/history-accounts.ts';
import type { Pipeline } from '../core/pipeline.ts';

export const DEFAULT_WARM_UP_DAYS = 14;
export const DEFAULT_SLICE_HOURS = 6;

export interface WarmUpCheckpoint {
  since: string;
  until: string;
  /** Start of the slice being processed. */
  next: string;
  /** Events of that slice (in its merged order) already processed. */
  skip: number;
  events: number;
  rejected: number;
  /** Findings history would have raised (not published). */
  findings: number;
  done: boolean;
  updatedAt: string;
}

export interface WarmUpCheckpointStore {
  get(): Promise<WarmUpCheckpoint | undefined>;
  put(checkpoint: WarmUpCheckpoint): Promise<void>;
}

export interface WarmUpDeps {
  pipeline: Pipeline;
  accounts: HistoryAccount[];
  regions: string[];
  checkpoints: WarmUpCheckpointStore;
  limiterFor(key: string): RateLimiter;
  retry?: RetryPolicy;
  log(message: string, details?: Record<string, unknown>): void;
  sliceHours?: number;
  /** Time left to work (Lambda's remaining time); the run pauses when less than `reserveMs` is left. */
  remainingMs?(): number;
  reserveMs?: number;
  now?(): Date;
}

export type WarmUpResult = { status: 'done' | 'paused' | 'already-done'; checkpoint: WarmUpCheckpoint };

export async function warmUp(deps: WarmUpDeps, request: { since: Date; until: Date }): Promise<WarmUpResult> {
  const now = deps.now ?? (() => new Date());
  let checkpoint = await deps.checkpoints.get();
  if (checkpoint?.done) {
    deps.log('the baseline is already warm; nothing to do', { since: checkpoint.since, until: checkpoint.until });
    return { status: 'already-done', checkpoint };
  }
  if (!checkpoint) {
    checkpoint = { since: request.since.toISOString(), until: request.until.toISOString(), next: request.since.toISOString(), skip: 0, events: 0, rejected: 0, findings: 0, done: false, updatedAt: now().toISOString() };
    await deps.checkpoints.put(checkpoint);
    deps.log('warm-up started', { since: checkpoint.since, until: checkpoint.until, accounts: deps.accounts.length, regions: deps.regions });
  } else {
    deps.log('warm-up resumed', { since: checkpoint.since, until: checkpoint.until, next: checkpoint.next, events: checkpoint.events });
  }
  const sliceMs = (deps.sliceHours ?? DEFAULT_SLICE_HOURS) * 3_600_000;
  const since = Date.parse(checkpoint.since);
  const until = Date.parse(checkpoint.until);
  const outOfTime = () => deps.remainingMs !== undefined && deps.remainingMs() < (deps.reserveMs ?? 120_000);
  const pause = (c: WarmUpCheckpoint): WarmUpResult => {
    deps.log('warm-up paused: out of time, the next run continues', { next: c.next, skip: c.skip });
    return { status: 'paused', checkpoint: c };
  };
  for (let start = Date.parse(checkpoint.next); start < until; ) {
    if (outOfTime()) return pause(checkpoint);
    const end = Math.min(start + sliceMs, until);
    const records = await fetchSlice(deps, new Date(start), new Date(end));
    for (let k: number = checkpoint.skip; k < records.length; k++) {
      if (outOfTime()) return pause(checkpoint);
      const normalised = deps.pipeline.normalise(records[k]);
      if (!normalised.ok) checkpoint.rejected++;
      else {
        const outcome = await deps.pipeline.detect(normalised.event, new Date(normalised.event.timeMs));
        if (outcome.finding && !outcome.duplicate) checkpoint.findings++;
        checkpoint.events++;
      }
      checkpoint = { ...checkpoint, skip: k + 1, updatedAt: now().toISOString() };
      await deps.checkpoints.put(checkpoint);
    }
    start = end;
    checkpoint = { ...checkpoint, next: new Date(end).toISOString(), skip: 0, updatedAt: now().toISOString() };
    await deps.checkpoints.put(checkpoint);
    deps.log('warm-up progress', { through: checkpoint.next, percent: Math.round(((end - since) / Math.max(1, until - since)) * 100), events: checkpoint.events, findings: checkpoint.findings });
  }
  checkpoint = { ...checkpoint, done: true, updatedAt: now().toISOString() };
  await deps.checkpoints.put(checkpoint);
  deps.log('warm-up done', { events: checkpoint.events, rejected: checkpoint.rejected, findings: checkpoint.findings });
  return { status: 'done', checkpoint };
}

/** Every account's and region's events of [start, end), merged in event-time order. LookupEvents' window is inclusive at both ends. */
async function fetchSlice(deps: WarmUpDeps, start: Date, end: Date): Promise<unknown[]> {
  const last = new Date(end.getTime() - 1);
  const parts = await Promise.all(
    deps.accounts.flatMap(({ account, clientFor }) =>
      deps.regions.map((region) => lookupAllInTimeOrder(clientFor(region), { start, end: last }, { limiter: deps.limiterFor(`${account}/${region}`), retry: deps.retry })),
    ),
  );
  return sortByEventTime(parts.flat());
}
