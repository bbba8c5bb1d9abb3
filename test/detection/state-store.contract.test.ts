/**
 * One contract, two stores: the in-memory store (replay, demo) and the DynamoDB
 * store against a real DynamoDB protocol server (dynalite on loopback, started
 * and stopped here). Also: DynamoDB requests per event, printed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore, countRequests } from '../../functions/adapters/dynamo-state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { orderByEventTime } from '../../functions/core/detection/detector.ts';
import {
  type PrincipalState,
  type ProcessedRecord,
  StateConflictError,
  type StateStore,
} from '../../functions/core/detection/state-store.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createTable, startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { detectorWith, findingsOf, loadScenario, run } from './support.ts';

let local: LocalDynamo;
let tableCounter = 0;
beforeAll(async () => {
  local = await startLocalDynamo();
}, 30_000);
afterAll(async () => {
  await local?.close();
});

function principal(version: number, key = 'key:AKIAEXAMPLE000000001'): PrincipalState {
  return { key, firstSeen: 1, lastSeen: 2, environments: [], sources: [], destructive: [], recent: [], version };
}

function processed(eventId: string): ProcessedRecord {
  return { eventId, published: false, finding: { id: `f-${eventId}`, eventId } as unknown as Finding };
}

const stores: [string, () => Promise<StateStore>][] = [
  ['memory', async () => createMemoryStateStore()],
  [
    'dynamodb (dynalite)',
    async () => {
      // A fresh table per test keeps tests independent.
      const tableName = `detect-contract-${process.pid}-${++tableCounter}`;
      await createTable(local.client, tableName);
      return createDynamoStateStore({ client: local.client, tableName });
    },
  ],
];

describe.each(stores)('state store contract: %s', (_name, make) => {
  const query = { eventId: 'evt-1#abc', principalKey: 'key:AKIAEXAMPLE000000001', actorKey: '192.0.2.1|aws-cli', sessionKey: 'ASIAEXAMPLE000000001', resources: [{ account: '333333333333', type: 's3:bucket', name: 'b1' }] };

  it('loads nothing from an empty store', async () => {
    const store = await make();
    expect(await store.load(query)).toEqual({ created: [] });
  });

  it('round-trips every kind of state in one atomic save', async () => {
    const store = await make();
    await store.save({
      principal: { value: principal(1), expiresAt: 2_000_000_000 },
      actor: { value: { key: '192.0.2.1|aws-cli', uses: [], recent: [], version: 1 }, expiresAt: 2_000_000_000 },
      lineage: [{ value: { accessKeyId: 'ASIAEXAMPLE000000001', chain: [] }, expiresAt: 2_000_000_000 }],
      created: [{ value: { account: '333333333333', type: 's3:bucket', name: 'b1', creatorPrincipal: 'role:x', createdAt: 5, eventId: 'e0' }, expiresAt: 2_000_000_000 }],
      processed: { value: processed('evt-1#abc'), expiresAt: 2_000_000_000, sharedEventId: 'shared-1' },
    });
    const ctx = await store.load(query);
    expect(ctx.principal).toEqual(principal(1));
    expect(ctx.actor?.version).toBe(1);
    expect(ctx.lineage?.accessKeyId).toBe('ASIAEXAMPLE000000001');
    expect(ctx.created).toHaveLength(1);
    expect(ctx.processed).toEqual(processed('evt-1#abc'));
    // The other copy of a cross-account call finds the same marker through its sharedEventID.
    const other = await store.load({ ...query, eventId: 'evt-2#def', sharedEventId: 'shared-1' });
    expect(other.processed?.finding.id).toBe('f-evt-1#abc');
  });

  it('refuses a stale version; facts of that save are kept, versioned state is not changed', async () => {
    const store = await make();
    await store.save({ principal: { value: principal(1), expiresAt: 2_000_000_000 } });
    await expect(store.save({ principal: { value: principal(1), expiresAt: 2_000_000_000 } })).rejects.toBeInstanceOf(StateConflictError);
    await expect(
      store.save({
        principal: { value: principal(1), expiresAt: 2_000_000_000 },
        lineage: [{ value: { accessKeyId: 'ASIAEXAMPLE000000001', chain: [] }, expiresAt: 2_000_000_000 }],
      }),
    ).rejects.toBeInstanceOf(StateConflictError);
    expect((await store.load(query)).lineage?.accessKeyId).toBe('ASIAEXAMPLE000000001');
    expect((await store.load(query)).principal?.lastSeen).toBe(2);
    await expect(
      store.save({ principal: { value: principal(2), expiresAt: 2_000_000_000 }, processed: { value: processed('evt-1#abc'), expiresAt: 2_000_000_000 } }),
    ).resolves.toBeUndefined();
    await expect(store.save({ processed: { value: processed('evt-1#abc'), expiresAt: 2_000_000_000 } })).rejects.toBeInstanceOf(StateConflictError);
    await store.save({ principal: { value: { ...principal(3), lastSeen: 9 }, expiresAt: 2_000_000_000 } });
    expect((await store.load(query)).principal?.lastSeen).toBe(9);
  });

  it('writes a processed marker once and marks it published', async () => {
    const store = await make();
    await store.save({ processed: { value: processed('evt-1#abc'), expiresAt: 2_000_000_000, sharedEventId: 'shared-9' } });
    await expect(store.save({ processed: { value: processed('evt-1#abc'), expiresAt: 2_000_000_000 } })).rejects.toBeInstanceOf(StateConflictError);
    await store.markPublished('evt-1#abc', 'f-other');
    expect((await store.load(query)).processed?.published).toBe(false);
    await store.markPublished('evt-1#abc', 'f-evt-1#abc', 'shared-9');
    expect((await store.load(query)).processed?.published).toBe(true);
    expect((await store.load({ ...query, eventId: 'x', sharedEventId: 'shared-9' })).processed?.published).toBe(true);
    await store.markPublished('never-seen', 'f-x'); // nothing to mark: no error
  });

  it('gives the detector the same findings as the memory store on scenarios a and b', async () => {
    const events = orderByEventTime([...loadScenario('incident.json'), ...loadScenario('cross-account.json')]);
    const expected = findingsOf(await run(detectorWith(createMemoryStateStore()), events));
    const got = findingsOf(await run(detectorWith(await make()), events));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, f] of expected) expect(got.get(id)).toEqual(f);
  }, 60_000);
});

describe('DynamoDB store: requests per event, TTL, outage', () => {
  it('costs at most one read per event and almost no writes for benign events (printed)', async () => {
    const tableName = `detect-count-${process.pid}`;
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' }, maxAttempts: 1 });
    await createTable(client, tableName);
    const counter = countRequests(client);
    const detector = detectorWith(createDynamoStateStore({ client, tableName }));
    const events = orderByEventTime(loadScenario('incident.json'));
    const tally = { benign: { events: 0, reads: 0, writes: 0 }, finding: { events: 0, reads: 0, writes: 0 }, other: { events: 0, reads: 0, writes: 0 } };
    const commands: Record<string, number> = {};
    for (const event of events) {
      counter.reset();
      const outcome = await detector.process(event);
      if (outcome.finding && !outcome.published) await detector.markPublished(event, outcome.finding.id);
      const destructiveOrCreate = /^(Delete|Create|Terminate|Run)/.test(event.action.name) || event.action.errorCode !== undefined;
      const bucket = outcome.finding ? tally.finding : destructiveOrCreate ? tally.other : tally.benign;
      bucket.events++;
      bucket.reads += counter.reads();
      bucket.writes += counter.writes();
      for (const [c, n] of Object.entries(counter.byCommand())) commands[c] = (commands[c] ?? 0) + n;
    }
    const per = (b: { events: number; reads: number; writes: number }) => ({
      events: b.events,
      readsPerEvent: +(b.reads / b.events).toFixed(3),
      writesPerEvent: +(b.writes / b.events).toFixed(3),
      requestsPerEvent: +((b.reads + b.writes) / b.events).toFixed(3),
    });
    console.log(`DynamoDB requests per event (scenario a, ${events.length} events):`);
    console.log(`  benign (no finding, no create/delete/error): ${JSON.stringify(per(tally.benign))}`);
    console.log(`  creates/deletes/errors without finding:     ${JSON.stringify(per(tally.other))}`);
    console.log(`  events with a finding (incl. markPublished): ${JSON.stringify(per(tally.finding))}`);
    console.log(`  by command: ${JSON.stringify(commands)}`);
    // Bench goals: ≤ 0.2 writes and ≤ 1.0 requests per benign event; never more than one read for any event.
    expect(tally.benign.writes / tally.benign.events).toBeLessThanOrEqual(0.2);
    expect((tally.benign.reads + tally.benign.writes) / tally.benign.events).toBeLessThanOrEqual(1.0);
    expect(tally.benign.reads / tally.benign.events).toBeLessThanOrEqual(1);
    expect(tally.other.reads / tally.other.events).toBe(1);
    expect(tally.finding.reads / tally.finding.events).toBe(1);

    // Every item carries a TTL.
    const items = await client.send(new ScanCommand({ TableName: tableName }));
    expect(items.Items!.length).toBeGreaterThan(0);
    for (const item of items.Items!) expect(Number(item['expiresAt']?.N)).toBeGreaterThan(Date.parse('2025-03-01') / 1000);
    const kinds = new Set(items.Items!.map((i) => i['pk']!.S!.split('#')[0]));
    expect([...kinds].sort()).toEqual(['ACTOR', 'CRED', 'EVT', 'RES', 'SESSION']);
    client.destroy();
  }, 60_000);

  it('fails loudly while the table is unreachable and gives the same finding once it is back', async () => {
    const store = createDynamoStateStore({ client: local.client, tableName: local.tableName });
    const detector = detectorWith(store);
    const events = orderByEventTime(loadScenario('tamper.json'));
    for (const e of events.slice(0, 2)) await detector.process(e);
    await local.stop();
    try {
      await expect(detector.process(events[2]!)).rejects.toThrow();
    } finally {
      await local.start();
    }
    const outcome = await detector.process(events[2]!);
    expect(outcome.duplicate).toBe(false);
    expect(outcome.finding?.severity).toBe('critical');
    expect((await detector.process(events[2]!)).duplicate).toBe(true);
  }, 60_000);
});
