/**
 * CloudTrail's own history: `LookupEvents` (90 days of management events per
 * account and region), read the way its quotas allow — and CloudTrail Lake for a
 * whole organisation in one query.
 *
 * Used by `blastwall backtest`, `blastwall warm-up` and the warm-up function,
 * the reconciler, and the page's "last events of this credential".
 *
 * LookupEvents answers 50 events a page, newest first, and allows about 2 requests
 * per second per account and region: every caller goes through a token bucket per
 * account-region, and throttling (or a 5xx) is retried with exponential backoff.
 * The SDK's own retry is left at one attempt so that there is one retry policy, this
 * one, which knows about the bucket.
 */
import {
  CloudTrailClient,
  GetQueryResultsCommand,
  LookupEventsCommand,
  StartQueryCommand,
  type LookupAttribute,
  type LookupAttributeKey,
} from '@aws-sdk/client-cloudtrail';

/** LookupEvents' documented page size and rate. */
export const LOOKUP_PAGE_SIZE = 50;
export const LOOKUP_REQUESTS_PER_SECOND = 2;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A token bucket: `take()` resolves when a request may go out. */
export interface RateLimiter {
  take(): Promise<void>;
}

export function createTokenBucket(options: { perSecond: number; burst?: number; now?: () => number; sleep?: Sleep }): RateLimiter {
  const rate = options.perSecond;
  const burst = options.burst ?? Math.max(1, Math.ceil(rate));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  let tokens = burst;
  let last = now();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
    last = t;
  };
  return {
    take() {
      // One waiter at a time, in order: concurrent callers queue behind each other.
      const turn = queue.then(async () => {
        refill();
        if (tokens < 1) {
          await sleep(Math.ceil(((1 - tokens) / rate) * 1000));
          refill();
        }
        tokens -= 1;
      });
      queue = turn.catch(() => {});
      return turn;
    },
  };
}

/** One bucket per key (account/region), created on first use. */
export function createLimiterPool(perSecond: number, sleep?: Sleep): (key: string) => RateLimiter {
  const pool = new Map<string, RateLimiter>();
  return (key) => {
    let limiter = pool.get(key);
    if (!limiter) pool.set(key, (limiter = createTokenBucket({ perSecond, sleep })));
    return limiter;
  };
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: Sleep;
  /** Called before each retry (logs, progress). */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 500, maxMs: 8000, sleep: realSleep };

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'ThrottlingException' || e?.name === 'TooManyRequestsException' || e?.name === 'RequestLimitExceeded') return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Runs `call` after taking a token, retrying throttling and 5xx with exponential backoff (full jitter off: deterministic). */
export async function withRetry<T>(call: () => Promise<T>, limiter: RateLimiter | undefined, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await limiter?.take();
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error;
      const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      policy.onRetry?.(error as Error, attempt, delay);
      await policy.sleep(delay);
    }
  }
}

export interface LookupQuery {
  start: Date;
  end: Date;
  /** At most one attribute (the API's rule): `AccessKeyId`, `ReadOnly`, `EventName` … */
  attribute?: { key: LookupAttributeKey; value: string };
}

export interface LookupPage {
  /** The CloudTrail records of the page, parsed from `CloudTrailEvent`, newest first as the API returns them. */
  records: unknown[];
  /** Records whose `CloudTrailEvent` was not JSON (reported, never trusted). */
  unreadable: number;
  /** Token for the next page, absent on the last. */
  nextToken?: string;
}

export interface LookupOptions {
  limiter?: RateLimiter;
  retry?: RetryPolicy;
  /** Continue after this token (a checkpoint). */
  nextToken?: string;
  /** Stop after this many pages (the page context reads one or two). */
  maxPages?: number;
  pageSize?: number;
  abortSignal?: AbortSignal;
}

/** The pages of one LookupEvents query in one account and region, following NextToken. */
export async function* lookupEventPages(client: CloudTrailClient, query: LookupQuery, options: LookupOptions = {}): AsyncGenerator<LookupPage> {
  let nextToken = options.nextToken;
  const attributes: LookupAttribute[] | undefined = query.attribute ? [{ AttributeKey: query.attribute.key, AttributeValue: query.attribute.value }] : undefined;
  for (let page = 0; options.maxPages === undefined || page < options.maxPages; page++) {
    const token = nextToken;
    const out = await withRetry(
      () =>
        client.send(
          new LookupEventsCommand({ StartTime: query.start, EndTime: query.end, LookupAttributes: attributes, MaxResults: options.pageSize ?? LOOKUP_PAGE_SIZE, NextToken: token }),
          { abortSignal: options.abortSignal },
        ),
      options.limiter,
      options.retry,
    );
    const records: unknown[] = [];
    let unreadable = 0;
    for (const event of out.Events ?? []) {
      try {
        records.push(JSON.parse(event.CloudTrailEvent ?? ''));
      } catch {
        unreadable++;
      }
    }
    nextToken = out.NextToken || undefined;
    yield { records, unreadable, nextToken };
    if (!nextToken) return;
  }
}

/** Every record of a query, oldest first (LookupEvents answers newest first; detection wants event-time order). */
export async function lookupAllInTimeOrder(client: CloudTrailClient, query: LookupQuery, options: LookupOptions = {}): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const page of lookupEventPages(client, query, options)) all.push(...page.records);
  return sortByEventTime(all);
}

/** Stable sort by `eventTime` (records without a readable time keep their place at the start). */
export function sortByEventTime(records: unknown[]): unknown[] {
  const time = (r: unknown) => {
    const t = Date.parse(String((r as { eventTime?: unknown })?.eventTime ?? ''));
    return Number.isNaN(t) ? -Infinity : t;
  };
  return records
    .map((record, i) => ({ record, i, t: time(record) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.record);
}

/** A CloudTrail client for one region, with the SDK's standard configuration (profile, env, endpoints) and one attempt: the retry is {@link withRetry}'s. */
export function cloudTrailClient(region: string, credentials?: ConstructorParameters<typeof CloudTrailClient>[0] extends infer C ? (C extends { credentials?: infer K } ? K : never) : never): CloudTrailClient {
  return new CloudTrailClient({ region, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
}

// ---------------------------------------------------------------------------
// CloudTrail Lake: one SQL query over an organisation's event data store.

export interface LakeQuery {
  /** Event data store ARN (or id). */
  eventDataStore: string;
  start: Date;
  end: Date;
}

/**
 * The SQL for a window of management events, oldest first. The store's id is the last
 * segment of its ARN; both times are formatted by us (never from user text), and the
 * ARN is checked against the shape CloudTrail gives it before it reaches the query.
 */
export function lakeSql(query: LakeQuery): string {
  const id = query.eventDataStore.split('/').pop() ?? '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new Error(`not an event data store ARN or id: ${query.eventDataStore}`);
  const ts = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
  return `SELECT eventJson FROM ${id} WHERE eventTime >= '${ts(query.start)}' AND eventTime <= '${ts(query.end)}' AND eventCategory = 'Management' ORDER BY eventTime ASC`;
}

/** Runs the Lake query and yields its records page by page (already in time order), polling until it finishes. */
export async function* lakeRecordPages(
  client: CloudTrailClient,
  query: LakeQuery,
  options: { sleep?: Sleep; pollMs?: number; retry?: RetryPolicy; queryId?: string; nextToken?: string; onQueryId?(id: string): void } = {},
): AsyncGenerator<LookupPage & { queryId: string }> {
  const sleep = options.sleep ?? realSleep;
  const queryId = options.queryId ?? (await withRetry(() => client.send(new StartQueryCommand({ QueryStatement: lakeSql(query) })), undefined, options.retry)).QueryId;
  if (!queryId) throw new Error('StartQuery returned no QueryId');
  options.onQueryId?.(queryId);
  let nextToken = options.nextToken;
  for (;;) {
    const token = nextToken;
    const out = await withRetry(() => client.send(new GetQueryResultsCommand({ QueryId: queryId, NextToken: token, MaxQueryResults: 1000 })), undefined, options.retry);
    const status = out.QueryStatus;
    if (status === 'QUEUED' || status === 'RUNNING') {
      await sleep(options.pollMs ?? 2000);
      continue;
    }
    if (status !== 'FINISHED') throw new Error(`CloudTrail Lake query ${queryId} ${status ?? 'unknown'}: ${out.ErrorMessage ?? ''}`);
    const records: unknown[] = [];
    let unreadable = 0;
    for (const row of out.QueryResultRows ?? []) {
      // One column, `eventJson` (the whole record as CloudTrail logged it); its key's case is not guaranteed.
      const json = row.flatMap((cell) => Object.entries(cell)).find(([key]) => key.toLowerCase() === 'eventjson')?.[1];
      try {
        records.push(JSON.parse(json ?? ''));
      } catch {
        unreadable++;
      }
    }
    nextToken = out.NextToken || undefined;
    yield { records, unreadable, nextToken, queryId };
    if (!nextToken) return;
  }
}
