/** The LookupEvents reader in units (aws-sdk-client-mock): pagination, ordering, throttling, the token bucket, the Lake poller. */
import { CloudTrailClient, GetQueryResultsCommand, LookupEventsCommand, StartQueryCommand, ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTokenBucket,
  lakeRecordPages,
  lakeSql,
  lookupAllInTimeOrder,
  lookupEventPages,
  withRetry,
  type RetryPolicy,
} from '../../functions/adapters/cloudtrail-history.ts';

const mock = mockClient(CloudTrailClient);
afterEach(() => mock.reset());

const rec = (id: string, time: string) => ({ eventID: id, eventTime: time, eventName: 'GetCallerIdentity' });
const event = (r: ReturnType<typeof rec>) => ({ EventId: r.eventID, EventTime: new Date(r.eventTime), CloudTrailEvent: JSON.stringify(r) });
const sleeps: number[] = [];
const retry: RetryPolicy = { attempts: 4, baseMs: 500, maxMs: 8000, sleep: async (ms) => void sleeps.push(ms) };
const query = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };

describe('lookupEventPages', () => {
  it('follows NextToken page after page, 50 a page, with the window and the attribute it was given', async () => {
    mock
      .on(LookupEventsCommand, { NextToken: undefined })
      .resolves({ Events: [event(rec('c', '2026-11-01T03:00:00Z')), event(rec('b', '2026-11-01T02:00:00Z'))], NextToken: 't1' })
      .on(LookupEventsCommand, { NextToken: 't1' })
      .resolves({ Events: [event(rec('a', '2026-11-01T01:00:00Z'))] });
    const client = new CloudTrailClient({ region: 'us-east-1' });
    const pages = [];
    for await (const page of lookupEventPages(client, { ...query, attribute: { key: 'AccessKeyId', value: 'AKIAX' } }, { retry })) pages.push(page);
    expect(pages.map((p) => p.records.map((r) => (r as { eventID: string }).eventID))).toEqual([['c', 'b'], ['a']]);
    expect(pages.map((p) => p.nextToken)).toEqual(['t1', undefined]);
    const calls = mock.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ StartTime: query.start, EndTime: query.end, MaxResults: 50, LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAX' }] });
    expect(calls[1]!.NextToken).toBe('t1');
  });

  it('orders by event time before detection (the API answers newest first); stable for ties', async () => {
    mock
      .on(LookupEventsCommand, { NextToken: undefined })
      .resolves({ Events: [event(rec('z', '2026-11-01T05:00:00Z')), event(rec('y2', '2026-11-01T04:00:00Z')), event(rec('y1', '2026-11-01T04:00:00Z'))], NextToken: 'n' })
      .on(LookupEventsCommand, { NextToken: 'n' })
      .resolves({ Events: [event(rec('x', '2026-11-01T01:00:00Z'))] });
    const records = await lookupAllInTimeOrder(new CloudTrailClient({ region: 'us-east-1' }), query, { retry });
    expect(records.map((r) => (r as { eventID: string }).eventID)).toEqual(['x', 'y2', 'y1', 'z']);
  });

  it('counts a CloudTrailEvent that is not JSON as unreadable, never as a record', async () => {
    mock.on(LookupEventsCommand).resolves({ Events: [{ EventId: 'bad', CloudTrailEvent: '{not json' }, event(rec('ok', '2026-11-01T01:00:00Z'))] });
    const pages = [];
    for await (const page of lookupEventPages(new CloudTrailClient({ region: 'us-east-1' }), query, { retry })) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.unreadable).toBe(1);
    expect(pages[0]!.records).toHaveLength(1);
  });

  it('retries ThrottlingException with exponential backoff, then gives up after the last attempt', async () => {
    sleeps.length = 0;
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    mock.on(LookupEventsCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({ Events: [event(rec('a', '2026-11-01T01:00:00Z'))] });
    const records = await lookupAllInTimeOrder(new CloudTrailClient({ region: 'us-east-1' }), query, { retry });
    expect(records).toHaveLength(1);
    expect(sleeps).toEqual([500, 1000]);

    sleeps.length = 0;
    mock.reset();
    mock.on(LookupEventsCommand).rejects(throttled);
    await expect(lookupAllInTimeOrder(new CloudTrailClient({ region: 'us-east-1' }), query, { retry })).rejects.toThrow('Rate exceeded');
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(4);
  });

  it('does not retry what retrying cannot fix (access denied)', async () => {
    sleeps.length = 0;
    mock.on(LookupEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    await expect(lookupAllInTimeOrder(new CloudTrailClient({ region: 'us-east-1' }), query, { retry })).rejects.toThrow('denied');
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('maxPages bounds how much is read (the page context reads one page)', async () => {
    mock.on(LookupEventsCommand).resolves({ Events: [event(rec('a', '2026-11-01T01:00:00Z'))], NextToken: 'more' });
    const pages = [];
    for await (const page of lookupEventPages(new CloudTrailClient({ region: 'us-east-1' }), query, { retry, maxPages: 1 })) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });
});

describe('the token bucket (about 2 requests per second per account and region)', () => {
  it('lets a burst of 2 through, then one request every 500 ms, in order', async () => {
    let clock = 0;
    const waits: number[] = [];
    const bucket = createTokenBucket({ perSecond: 2, now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(waits).toEqual([500, 500, 500]);
    expect(clock).toBe(1500);
  });

  it('every retry takes a token too', async () => {
    let taken = 0;
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
        return 'ok';
      },
      { take: async () => void taken++ },
      retry,
    );
    expect(result).toBe('ok');
    expect(taken).toBe(3);
  });
});

describe('CloudTrail Lake', () => {
  it('one query for the window, polled until it finishes, rows paged in time order', async () => {
    mock
      .on(StartQueryCommand)
      .resolves({ QueryId: 'q-1' })
      .on(GetQueryResultsCommand, { QueryId: 'q-1', NextToken: undefined })
      .resolvesOnce({ QueryStatus: 'QUEUED' })
      .resolvesOnce({ QueryStatus: 'FINISHED', QueryResultRows: [[{ eventJson: JSON.stringify(rec('a', '2026-11-01T01:00:00Z')) }]], NextToken: 'p2' })
      .on(GetQueryResultsCommand, { QueryId: 'q-1', NextToken: 'p2' })
      .resolves({ QueryStatus: 'FINISHED', QueryResultRows: [[{ eventjson: JSON.stringify(rec('b', '2026-11-01T02:00:00Z')) }]] });
    const ids: string[] = [];
    for await (const page of lakeRecordPages(new CloudTrailClient({ region: 'us-east-1' }), { eventDataStore: 'arn:aws:cloudtrail:us-east-1:1:eventdatastore/eds-1', ...query }, { sleep: async () => {}, retry })) {
      ids.push(...page.records.map((r) => (r as { eventID: string }).eventID));
    }
    expect(ids).toEqual(['a', 'b']);
    expect(mock.commandCalls(StartQueryCommand)[0]!.args[0].input.QueryStatement).toBe(lakeSql({ eventDataStore: 'eds-1', ...query }));
  });

  it('refuses an event data store that is not an ARN or id (it goes into SQL)', () => {
    expect(() => lakeSql({ eventDataStore: "x' OR 1=1 --", ...query })).toThrow(/not an event data store/);
  });
});
