/**
 * The state store fails under the detect handler: dynalite (a real DynamoDB
 * protocol server on loopback) is stopped mid-stream, then requests are throttled
 * (ProvisionedThroughputExceededException, as DynamoDB answers when the SDK's own
 * retries are exhausted), then the bus fails after the finding was saved.
 *
 * Proves, on the cross-account scenario (a staging user assumes a production role and
 * deletes; 4 findings) compared with a clean run of the same records on a healthy store:
 *   - every failed invocation throws (Lambda retries it, then its DLQ): no event is
 *     acknowledged while its state or finding was not stored;
 *   - a failed invocation leaves no half-written finding (no processed marker
 *     without a publication path), and publishes nothing it did not store;
 *   - after recovery, retrying the failed events (or redriving the DLQ) yields
 *     exactly the clean run's findings: none lost, none doubled, same content;
 *   - a finding saved but not yet published is re-published with the same id and
 *     content on retry (at least once, deduplicated downstream by finding id).
 */
import { ProvisionedThroughputExceededException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import { METRICS } from '../../functions/core/telemetry-names.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { detectHarness, exampleConfig, fingerprint, loadScenario, markerKey, type DetectHarness } from './support/harness.ts';

// Cross-account: a staging user assumes a production role (session lineage facts, versioned
// principal and actor state, processed markers): every kind of write the store makes, in 25 records.
const records = loadScenario('cross-account');
const config = exampleConfig();

function storeOn(local: LocalDynamo): StateStore {
  return createDynamoStateStore({ client: local.client, tableName: local.tableName, config });
}

const WRITES = new Set(['PutItemCommand', 'BatchWriteItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand']);
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 } });

/**
 * Throttles chosen requests, as DynamoDB does once the SDK's own retries are spent:
 * the next `times` requests of a command, or the (k+1)-th write request from now
 * (so a save can be cut after any number of its writes).
 */
function throttler(client: DynamoDBClient) {
  const pending = new Map<string, number>();
  let writeFailAt: number | undefined;
  let writesSeen = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const left = pending.get(command) ?? 0;
      if (left > 0) {
        pending.set(command, left - 1);
        throw throttled();
      }
      if (writeFailAt !== undefined && WRITES.has(command) && command !== 'UpdateItemCommand') {
        if (writesSeen++ === writeFailAt) {
          writeFailAt = undefined;
          throw throttled();
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultThrottle', priority: 'high', override: true },
  );
  return {
    next: (command: string, times = 1) => void pending.set(command, (pending.get(command) ?? 0) + times),
    /** The write request number `k` (0-based) from now fails; UpdateItem (publish mark) is not counted. */
    failWrite: (k: number) => {
      writeFailAt = k;
      writesSeen = 0;
    },
    armed: () => writeFailAt !== undefined,
    clear: () => {
      pending.clear();
      writeFailAt = undefined;
    },
  };
}

type Outcome = { index: number; ok: boolean; error?: string };

async function attempt(h: DetectHarness, index: number): Promise<Outcome> {
  try {
    await h.deliver(records[index]!);
    return { index, ok: true };
  } catch (error) {
    return { index, ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function uniqueFindings(h: DetectHarness): Map<string, string> {
  const byId = new Map<string, string>();
  for (const p of h.published) {
    const fp = fingerprint(p.finding);
    const seen = byId.get(p.finding.id);
    // Re-publication is allowed (at least once) but must carry the same finding.
    if (seen !== undefined) expect(fp).toBe(seen);
    byId.set(p.finding.id, fp);
  }
  return byId;
}

let healthy: LocalDynamo;
let clean: Map<string, string>;
/** Indexes of the records that produce a finding on a healthy store. */
let findingIndexes: number[];

beforeAll(async () => {
  healthy = await startLocalDynamo();
  const h = detectHarness(storeOn(healthy));
  findingIndexes = [];
  for (let i = 0; i < records.length; i++) {
    const r = await h.deliver(records[i]!);
    if (r.status === 'processed' && r.findingId) findingIndexes.push(i);
  }
  clean = uniqueFindings(h);
  expect(clean.size).toBeGreaterThan(0);
  expect(clean.size).toBe(findingIndexes.length);
});

afterAll(async () => {
  await healthy?.close();
});

describe('detect with the state store down, then throttled', () => {
  it('store unavailable mid-stream: each invocation throws, nothing is published or half-written; after recovery retries give exactly the clean findings', async () => {
    const local = await startLocalDynamo();
    try {
      const store = storeOn(local);
      const h = detectHarness(store);
      // The outage covers the first findings of the story.
      const from = Math.max(0, findingIndexes[0]! - 3);
      const to = Math.min(records.length, findingIndexes[0]! + 8);
      for (let i = 0; i < from; i++) expect((await attempt(h, i)).ok).toBe(true);
      const publishedBefore = h.published.length;

      await local.stop();
      const during: Outcome[] = [];
      for (let i = from; i < to; i++) during.push(await attempt(h, i));
      const failed = during.filter((o) => !o.ok);
      // Every event that needs the store fails loudly. (The detector's 20-second read cache lets a
      // benign event whose state it just read, and which changes nothing, finish without the store:
      // that is not a drop, there was nothing to write.) Every event with a finding is among the failures.
      for (const i of findingIndexes.filter((x) => x >= from && x < to)) expect(failed.map((o) => o.index)).toContain(i);
      expect(failed.length).toBeGreaterThan(0);
      expect(h.published.length).toBe(publishedBefore);
      // An error Lambda sees, not a logged-and-swallowed one.
      for (const o of failed) expect(o.error).toMatch(/ECONNREFUSED|ECONNRESET|socket|connect|TimeoutError|NetworkingError|fetch/i);

      await local.start();
      // Nothing of the failed events was stored: no processed marker, no finding to re-publish.
      for (const o of failed) {
        const record = records[o.index]!;
        const query = { eventId: markerKey(record), principalKey: 'none', resources: [], ...(record.sharedEventID ? { sharedEventId: String(record.sharedEventID) } : {}) };
        expect((await store.load(query)).processed).toBeUndefined();
      }
      // Lambda's retries of the failed events (in order, before later events reach the function), then the rest.
      for (const o of failed) expect((await attempt(h, o.index)).ok).toBe(true);
      for (let i = to; i < records.length; i++) expect((await attempt(h, i)).ok).toBe(true);

      expect(uniqueFindings(h)).toEqual(clean);
      expect(h.published.length).toBe(clean.size);
    } finally {
      await local.close();
    }
  });

  it('an outage longer than every retry sends the event to the DLQ; redriving it after recovery loses nothing', async () => {
    const local = await startLocalDynamo();
    try {
      const h = detectHarness(storeOn(local));
      const target = findingIndexes[findingIndexes.length - 1]!;
      const dlq: number[] = [];
      for (let i = 0; i < records.length; i++) {
        if (i === target) {
          await local.stop();
          // Lambda: the first attempt and 2 retries; all fail → DLQ.
          const attempts = [await attempt(h, i), await attempt(h, i), await attempt(h, i)];
          expect(attempts.every((a) => !a.ok)).toBe(true);
          dlq.push(i);
          await local.start();
          continue;
        }
        expect((await attempt(h, i)).ok).toBe(true);
      }
      expect(uniqueFindings(h).size).toBe(clean.size - 1);
      // Operator redrives the DLQ.
      for (const i of dlq) expect((await attempt(h, i)).ok).toBe(true);
      expect(uniqueFindings(h)).toEqual(clean);
    } finally {
      await local.close();
    }
  });

  it('throttled reads, saves cut after every possible write, a throttled publish-mark: each throws, the retry completes, findings equal the clean run', async () => {
    const local = await startLocalDynamo();
    try {
      const store = storeOn(local);
      const throttle = throttler(local.client);
      const h = detectHarness(store);
      const findingSet = new Set(findingIndexes);
      // The processed marker, or its cross-account alias (keyed by sharedEventID), whichever the store has.
      const marker = async (i: number) => {
        const record = records[i]!;
        const query = { eventId: markerKey(record), principalKey: 'none', resources: [], ...(record.sharedEventID ? { sharedEventId: String(record.sharedEventID) } : {}) };
        return (await store.load(query)).processed;
      };
      let cutSaves = 0;
      for (let i = 0; i < records.length; i++) {
        if (!findingSet.has(i)) {
          expect((await attempt(h, i)).ok).toBe(true);
          continue;
        }
        // 1. The load is throttled: the invocation throws, nothing was written or published.
        const atStart = h.published.length;
        throttle.next('BatchGetItemCommand');
        let o = await attempt(h, i);
        expect(o.ok).toBe(false);
        expect(o.error).toContain('ProvisionedThroughputExceeded');
        expect(await marker(i)).toBeUndefined();
        expect(h.published.length).toBe(atStart);

        // 2. The save is cut after 0, 1, 2 … of its writes (a half-done save), each attempt a Lambda retry,
        //    until one gets through all its writes; that one's publish-mark (UpdateItem) is throttled too.
        const before = h.published.length;
        throttle.next('UpdateItemCommand');
        for (let k = 0; ; k++) {
          expect(k).toBeLessThan(10);
          throttle.failWrite(k);
          o = await attempt(h, i);
          expect(o.ok).toBe(false);
          expect(o.error).toContain('ProvisionedThroughputExceeded');
          if (throttle.armed()) break; // all of the save's writes went through: the publish-mark was what failed
          cutSaves++;
          // Cut before its commit point, the save published nothing; a marker exists only if the cut came after it.
          expect(h.published.length).toBe(before);
        }
        throttle.clear();
        // The finding was stored, then published once, but not marked published.
        expect(h.published.length).toBe(before + 1);
        expect((await marker(i))?.published).toBe(false);

        // 3. Lambda's retry: the recorded finding is re-published (same id, same content), then marked.
        expect((await h.deliver(records[i]!)).status).toBe('duplicate');
        expect(h.published.length).toBe(before + 2);
        expect(h.published[before + 1]!.finding).toEqual(h.published[before]!.finding);
        expect((await marker(i))?.published).toBe(true);
        // 4. A further duplicate delivery publishes nothing more.
        expect((await h.deliver(records[i]!)).status).toBe('duplicate');
        expect(h.published.length).toBe(before + 2);
      }
      expect(cutSaves).toBeGreaterThan(findingIndexes.length);
      // The findings, after every half-done save was retried, are the clean run's: same ids, same content.
      expect(uniqueFindings(h)).toEqual(clean);
      expect(h.published.length).toBe(2 * clean.size);
      // Two deliberate duplicates per finding, plus the scenario's own second copy of the cross-account call
      // and retries that found the marker a cut save had already written.
      expect(h.telemetry.metricTotals()[METRICS.duplicateEvents]).toBeGreaterThanOrEqual(2 * findingIndexes.length);
    } finally {
      await local.close();
    }
  });

  it('the bus fails after the finding was saved: the invocation throws, the retry re-publishes the same finding', async () => {
    const local = await startLocalDynamo();
    try {
      const h = detectHarness(storeOn(local));
      const target = findingIndexes[0]!;
      for (let i = 0; i < records.length; i++) {
        if (i === target) {
          h.failPublish(1);
          expect((await attempt(h, i)).ok).toBe(false);
          expect(h.published.length).toBe(0);
          expect((await h.deliver(records[i]!)).status).toBe('duplicate');
          expect(h.published.length).toBe(1);
          continue;
        }
        expect((await attempt(h, i)).ok).toBe(true);
      }
      expect(uniqueFindings(h)).toEqual(clean);
      expect(h.published.length).toBe(clean.size);
    } finally {
      await local.close();
    }
  });
});
