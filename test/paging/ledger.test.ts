/** The page ledger on a real DynamoDB protocol server (dynalite), and the page service over it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { DynamoPageLedger } from '../../functions/adapters/page-ledger-dynamo.ts';
import { MemoryPageLedger } from '../../functions/adapters/page-ledger-memory.ts';
import { emptyRecord, updateRecord, type PageLedger, type PageRecord } from '../../functions/adapters/page-ledger.ts';
import { revokeAction, sampleFinding } from './fixtures.ts';
import { startHarness } from './harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo?.close());

describe.each([
  ['memory', () => new MemoryPageLedger() as PageLedger],
  ['dynamodb', () => new DynamoPageLedger(dynamo.client, dynamo.tableName) as PageLedger],
])('page ledger (%s)', (_name, make) => {
  it('creates once, then writes only over the version it read', async () => {
    const ledger = make();
    const id = `f-${_name}-cas`;
    expect(await ledger.get(id)).toBeUndefined();
    const first = await ledger.save({ ...emptyRecord(id), finding: sampleFinding({ id }) });
    expect(first?.version).toBe(1);
    expect(await ledger.save({ ...emptyRecord(id) })).toBeUndefined(); // create again: conflict
    const stale = { ...first!, version: 0 };
    expect(await ledger.save(stale)).toBeUndefined();
    const second = await ledger.save({ ...first!, slack: { channel: 'C1', ts: '1.1' } });
    expect(second?.version).toBe(2);
    expect(await ledger.get(id)).toMatchObject({ version: 2, slack: { channel: 'C1', ts: '1.1' }, finding: { id } });
  });

  it('updateRecord serialises concurrent writers without losing one', async () => {
    const ledger = make();
    const id = `f-${_name}-concurrent`;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        updateRecord(ledger, id, (r) => ({ ...r, actions: [...r.actions, revokeAction('done', { target: `AKIA${i}` })] })),
      ),
    );
    const rec = await ledger.get(id);
    expect(rec!.actions.map((a) => a.target).sort()).toEqual(['AKIA0', 'AKIA1', 'AKIA2', 'AKIA3', 'AKIA4', 'AKIA5']);
    expect(rec!.version).toBe(6);
  });
});

describe('DynamoDB page items', () => {
  it('live under PAGE# with a TTL', async () => {
    const ledger = new DynamoPageLedger(dynamo.client, dynamo.tableName, 30);
    await ledger.save({ ...emptyRecord('f-ttl'), finding: sampleFinding({ id: 'f-ttl' }) });
    const item = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: 'PAGE#f-ttl' }, sk: { S: 'PAGE' } } }));
    const expiresAt = Number(item.Item!.expiresAt!.N);
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);
    expect(expiresAt).toBeLessThan(Date.now() / 1000 + 31 * 86400);
  });

  it('the page service over DynamoDB: post, re-delivery, update', async () => {
    const h = await startHarness({ ledger: new DynamoPageLedger(dynamo.client, dynamo.tableName) });
    try {
      const f = sampleFinding({ id: 'f-dynamo-e2e' });
      const both = await Promise.allSettled([h.finding(f), h.finding(f)]);
      // Under heavy load the second may give up waiting for the first ("retry later"): that is Lambda's retry.
      for (const r of both) {
        if (r.status === 'rejected') {
          expect(String(r.reason)).toContain('another invocation is posting this page');
          await h.finding(f);
        }
      }
      await h.response({ findingId: f.id, actions: [revokeAction('done')] });
      expect(h.slack.topLevel()).toHaveLength(1);
      expect(h.slack.replies(h.slack.topLevel()[0]!.ts)).toHaveLength(1);
      expect(h.pd.incidents).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('with the table unreachable, PagerDuty is still paged and the invocation fails for the retry', async () => {
    const h = await startHarness({ ledger: new DynamoPageLedger(dynamo.client, dynamo.tableName) });
    await dynamo.stop();
    try {
      const f = sampleFinding({ id: 'f-dynamo-down' });
      const error = await h.finding(f).catch((e: unknown) => e);
      expect((error as Error).name).toBe('PageDeliveryError');
      expect(h.pd.open(f.id)).toBeDefined();
      expect(h.slack.messages).toHaveLength(0);
      await dynamo.start();
      await h.finding(f);
      expect(h.slack.topLevel()).toHaveLength(1);
      expect(h.pd.incidents).toHaveLength(1);
    } finally {
      await dynamo.start();
      await h.close();
    }
  });
});

describe('table unreachable, Response events', () => {
  it('a restore still resolves the incident; any other Response never re-triggers (it could reopen a resolved incident)', async () => {
    const h = await startHarness({ ledger: new DynamoPageLedger(dynamo.client, dynamo.tableName) });
    try {
      const f = sampleFinding({ id: 'f-dynamo-down-response' });
      await h.finding(f);
      await dynamo.stop();
      const escalating = await h.response({ findingId: f.id, finding: { ...f, response: [revokeAction('failed')] }, actions: [revokeAction('failed')] }).catch((e: unknown) => e);
      expect((escalating as { failures: Array<{ channel: string }> }).failures.map((x) => x.channel)).toEqual(['slack', 'pagerduty']);
      expect(h.pd.requests.map((r) => r.body?.event_action)).toEqual(['trigger']);
      const restoredAction = revokeAction('done', { restored: { approver: { id: 'U1', name: 'ana' }, reason: 'fp', at: '2026-11-25T10:10:00Z', status: 'done' } } as never);
      await h
        .response({ findingId: f.id, finding: { ...f, response: [restoredAction] }, actions: [restoredAction], restored: { status: 'done', by: 'ana' } })
        .catch(() => undefined); // Slack still fails without the ledger
      expect(h.pd.requests.map((r) => r.body?.event_action)).toEqual(['trigger', 'resolve']);
      expect(h.pd.incidents[0]!.status).toBe('resolved');
    } finally {
      await dynamo.start();
      await h.close();
    }
  });
});

describe('the Slack claim under a lost conditional write', () => {
  it('an invocation whose claim lost the race does not post (no duplicate message)', async () => {
    const inner = new DynamoPageLedger(dynamo.client, dynamo.tableName);
    let raced = false;
    // Another invocation claims between this one's read and its write.
    const racing: PageLedger = {
      get: (id) => inner.get(id),
      async save(record: PageRecord) {
        if (!raced && record.slackClaimedAt && !record.slack) {
          raced = true;
          const current = (await inner.get(record.findingId))!;
          await inner.save({ ...current, slackClaimedAt: new Date().toISOString() });
        }
        return inner.save(record);
      },
    };
    const h = await startHarness({ ledger: racing, claimWaitMs: 600 });
    try {
      const error = await h.finding(sampleFinding({ id: 'f-lost-claim' })).catch((e: unknown) => e);
      expect(raced).toBe(true);
      expect(String(error)).toContain('another invocation is posting this page');
      expect(h.slack.messages).toHaveLength(0);
      expect(h.pd.incidents).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
