/**
 * No lost events: CloudTrail's delivery to EventBridge is best effort, so every 15
 * minutes the reconciler asks CloudTrail itself (LookupEvents, write events, per
 * member account and region through the read-only history role) what happened in the
 * window, compares it with the ledger of events detect processed, and runs each
 * missed one through detect — the same handler, so a missed destructive call is
 * detected, published, revoked and paged like any other. Misses are counted (metric
 * and alarm): a steady stream of them means the forwarding is broken.
 *
 * Once, never twice: the window of each account and region moves on in a checkpoint
 * (an item in the table) only after its misses are processed; a missed event processed
 * here is recorded in the ledger, so a rerun of the window finds it seen; and should
 * the bus deliver it late after all, detect's processed-event marker makes that a
 * duplicate, not a second finding.
 *
 * Only what the member rule forwards is compared: calls an AWS service makes with its
 * own identity are dropped at the source on purpose (see {@link isForwarded}). And only
 * the write events whose loss could change a finding (catalogued calls, creations,
 * session minting, IAM and EventBridge writes, refusals: functions/core/detection/
 * reconcile-scope.ts): detect records only those in the ledger, and the same predicate
 * picks them here, so any other write is neither compared nor counted missed.
 */
import type { RateLimiter, RetryPolicy } from '../adapters/cloudtrail-history.ts';
import { lookupAllInTimeOrder } from '../adapters/cloudtrail-history.ts';
import type { HistoryAccount } from '../adapters/history-accounts.ts';
import type { SeenLedger } from '../adapters/seen-ledger-dynamo.ts';
import { reconcileScope, type ReconcileScope } from '../core/detection/reconcile-scope.ts';

/** CloudTrail's own delivery to LookupEvents takes minutes: the window ends this long before now. */
export const DEFAULT_DELAY_MINUTES = 20;
/** A first run, or one after a long outage, looks back at most this far. */
export const DEFAULT_MAX_WINDOW_MINUTES = 6 * 60;
export const DEFAULT_FIRST_WINDOW_MINUTES = 60;

export interface ReconcileCheckpoint {
  /** Event time up to which this account and region are reconciled. */
  until: string;
}

export interface ReconcileDeps {
  accounts: HistoryAccount[];
  regions: string[];
  seen: Pick<SeenLedger, 'seen'>;
  /** Which records are compared: the scope detect records in the ledger with (built from the config's `detection.rules`). Built-in catalogue only when absent. */
  scope?: Pick<ReconcileScope, 'mattersRecord'>;
  checkpoints(unit: string): { get(): Promise<ReconcileCheckpoint | undefined>; put(c: ReconcileCheckpoint): Promise<void> };
  /** Runs one missed record through detect (the detect handler: normalise, detect, publish, record as seen). */
  detect(record: unknown): Promise<{ status: string; findingId?: string }>;
  limiterFor(key: string): RateLimiter;
  retry?: RetryPolicy;
  now(): Date;
  log(message: string, details?: Record<string, unknown>): void;
  delayMinutes?: number;
  maxWindowMinutes?: number;
  firstWindowMinutes?: number;
}

export interface UnitResult {
  unit: string;
  from: string;
  to: string;
  /** Write events CloudTrail returned that the member rule forwards. */
  writeEvents: number;
  /** Of those, the ones in scope: compared with the ledger. */
  compared: number;
  missed: number;
  findings: number;
}

export interface ReconcileResult {
  units: UnitResult[];
  missed: number;
  findings: number;
  failures: Array<{ unit: string; error: string }>;
}

/**
 * The member rule's filter (lib/member-stack.ts MEMBER_EVENT_PATTERN) as a predicate:
 * everything but calls an AWS service made as itself. test/history/reconcile.test.ts
 * checks it against the pattern itself.
 */
export function isForwarded(record: unknown): boolean {
  const identity = (record as { userIdentity?: unknown })?.userIdentity;
  if (typeof identity !== 'object' || identity === null) return true;
  return (identity as { type?: unknown }).type !== 'AWSService';
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const result: ReconcileResult = { units: [], missed: 0, findings: 0, failures: [] };
  const now = deps.now().getTime();
  const to = now - (deps.delayMinutes ?? DEFAULT_DELAY_MINUTES) * 60_000;
  const jobs = deps.accounts.flatMap((account) => deps.regions.map((region) => ({ account, region, unit: `${account.account}/${region}` })));
  await Promise.all(
    jobs.map(async ({ account, region, unit }) => {
      try {
        const r = await reconcileUnit(deps, account, region, unit, to);
        if (r) {
          result.units.push(r);
          result.missed += r.missed;
          result.findings += r.findings;
        }
      } catch (error) {
        // One account's failure (role missing, CloudTrail down) must not stop the others; its window stays put.
        result.failures.push({ unit, error: `${(error as Error).name}: ${(error as Error).message}` });
        deps.log('reconcile failed for this account and region; its window stays for the next run', { unit, error: (error as Error).message });
      }
    }),
  );
  return result;
}

async function reconcileUnit(deps: ReconcileDeps, account: HistoryAccount, region: string, unit: string, to: number): Promise<UnitResult | undefined> {
  const store = deps.checkpoints(unit);
  const checkpoint = await store.get();
  const maxWindow = (deps.maxWindowMinutes ?? DEFAULT_MAX_WINDOW_MINUTES) * 60_000;
  let from = checkpoint ? Date.parse(checkpoint.until) : to - (deps.firstWindowMinutes ?? DEFAULT_FIRST_WINDOW_MINUTES) * 60_000;
  if (to - from > maxWindow) {
    deps.log('reconcile window longer than the maximum: older events are not checked', { unit, skippedFrom: new Date(from).toISOString(), from: new Date(to - maxWindow).toISOString() });
    from = to - maxWindow;
  }
  if (from >= to) return undefined;
  // LookupEvents' window is inclusive at both ends: [from, to - 1 ms].
  const records = await lookupAllInTimeOrder(
    account.clientFor(region),
    { start: new Date(from), end: new Date(to - 1), attribute: { key: 'ReadOnly', value: 'false' } },
    { limiter: deps.limiterFor(unit), retry: deps.retry },
  );
  const forwarded = records.filter(isForwarded);
  const scope = deps.scope ?? reconcileScope();
  const compared = forwarded.filter((record) => scope.mattersRecord(record));
  const seen = await deps.seen.seen(account.account, region, from, to);
  const r: UnitResult = { unit, from: new Date(from).toISOString(), to: new Date(to).toISOString(), writeEvents: forwarded.length, compared: compared.length, missed: 0, findings: 0 };
  for (const record of compared) {
    const id = (record as { eventID?: unknown }).eventID;
    if (typeof id === 'string' && seen.has(id)) continue;
    r.missed++;
    const outcome = await deps.detect(record);
    if (outcome.findingId && outcome.status === 'processed') r.findings++;
    deps.log('missed event reconciled', { unit, eventId: id, eventName: (record as { eventName?: unknown }).eventName, status: outcome.status, findingId: outcome.findingId });
  }
  await store.put({ until: new Date(to).toISOString() });
  return r;
}
