/**
 * One contract, two ledgers: in memory, and DynamoDB (real dynalite on loopback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseAction } from '../../functions/core/finding.ts';
import { acquireRevocationSlot, MemoryResponseLedger, releaseRevocationSlot, type ResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { DynamoResponseLedger } from '../../functions/adapters/response-ledger-dynamodb.ts';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { makeFinding, NOW, PROD, PROD_KEY } from './fixtures.ts';

const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const settings = { maxRevocations: 3, windowMinutes: 10 };

const done: ResponseAction = {
  action: 'iam:UpdateAccessKey',
  target: PROD_KEY,
  account: PROD,
  mode: 'enforce',
  status: 'done',
  apiCall: { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Inactive' } },
};

let dynamo: LocalDynamo;
const dynamoLedgers: DynamoResponseLedger[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  const total = dynamoLedgers.reduce((n, l) => n + l.requests, 0);
  console.log(`DynamoDB response ledger: ${total} requests over ${dynamoLedgers.length} contract tests`);
  await dynamo?.close();
});

const ledgers: [string, () => ResponseLedger][] = [
  ['memory', () => new MemoryResponseLedger()],
  [
    'dynamodb (dynalite)',
    () => {
      // Finding ids are unique per test; the breaker test uses a time window no other test touches.
      const ledger = new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName });
      dynamoLedgers.push(ledger);
      return ledger;
    },
  ],
];

describe.each(ledgers)('response ledger contract: %s', (name, make) => {
  it('claims a finding once; a second claim is a duplicate after it responded, in-progress before', async () => {
    const ledger = make();
    const finding = makeFinding({ response: [{ ...done, status: 'planned' }] });
    const first = await ledger.claim(finding, NOW, 60_000);
    expect(first.outcome).toBe('claimed');
    expect(first.record.finding.response).toEqual([]);
    expect((await ledger.claim(finding, at(1000), 60_000)).outcome).toBe('in-progress');
    await ledger.saveActions(finding.id, [done], at(2000), true);
    const dup = await ledger.claim(finding, at(3000), 60_000);
    expect(dup.outcome).toBe('duplicate');
    expect(dup.record.finding.response).toEqual([done]);
    expect(dup.record.state).toBe('responded');
    expect(dup.record.finding.id).toBe(finding.id);
  });

  it('the same finding re-scored higher after it responded is reopened once, keeping what was done', async () => {
    const ledger = make();
    const medium = makeFinding({ id: `f-escalate-${name.length}`, severity: 'medium' });
    expect((await ledger.claim(medium, NOW, 60_000)).outcome).toBe('claimed');
    const skipped: ResponseAction = { ...done, status: 'skipped', code: 'below-threshold' };
    await ledger.saveActions(medium.id, [skipped], at(1000), true);
    // A redelivery at the same severity is a duplicate …
    expect((await ledger.claim(medium, at(2000), 60_000)).outcome).toBe('duplicate');
    // … a higher one reopens it, with the new finding and the actions recorded so far.
    const high = { ...medium, severity: 'high' as const };
    const reopened = await ledger.claim(high, at(3000), 60_000);
    expect(reopened.outcome).toBe('escalated');
    expect(reopened.record.state).toBe('responding');
    expect(reopened.record.finding.severity).toBe('high');
    expect(reopened.record.finding.response).toEqual([skipped]);
    expect((await ledger.claim(high, at(4000), 60_000)).outcome).toBe('in-progress');
    await ledger.saveActions(high.id, [done], at(5000), true);
    expect((await ledger.claim(high, at(6000), 60_000)).outcome).toBe('duplicate');
    expect((await ledger.claim(medium, at(7000), 60_000)).outcome).toBe('duplicate');
  });

  it('concurrent claims: exactly one wins', async () => {
    const ledger = make();
    const finding = makeFinding();
    const results = await Promise.all(Array.from({ length: 5 }, () => ledger.claim(finding, NOW, 60_000)));
    expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'in-progress')).toHaveLength(4);
  });

  it('a claim whose lease ran out is resumed once, with the progress already saved', async () => {
    const ledger = make();
    const finding = makeFinding();
    await ledger.claim(finding, NOW, 1000);
    await ledger.saveActions(finding.id, [done], NOW, false);
    const resumed = await Promise.all([ledger.claim(finding, at(5000), 60_000), ledger.claim(finding, at(5000), 60_000)]);
    expect(resumed.map((r) => r.outcome).sort()).toEqual(['in-progress', 'resumed']);
    const r = resumed.find((x) => x.outcome === 'resumed')!;
    expect(r.record.finding.response).toEqual([done]);
    expect(r.record.claims).toBe(2);
  });

  it('saving actions of a finding never claimed is a conflict', async () => {
    await expect(make().saveActions('never-claimed-' + name, [done], NOW, true)).rejects.toThrow(/never claimed/);
  });

  it('restores: one at a time, recorded with who/when/why, in order', async () => {
    const ledger = make();
    const finding = makeFinding();
    await ledger.claim(finding, NOW, 60_000);
    await ledger.saveActions(finding.id, [done], NOW, true);
    expect(await ledger.beginRestore(finding.id, NOW, 60_000)).toBe(true);
    expect(await ledger.beginRestore(finding.id, at(1000), 60_000)).toBe(false);
    const approver = { id: 'U0ONCALL1', name: 'Ada' };
    const restored: ResponseAction = { ...done, restored: { approver, reason: 'fp', at: NOW.toISOString(), status: 'done' } };
    await ledger.finishRestore(finding.id, [restored], { approver, reason: 'fp', at: NOW.toISOString(), status: 'done', detail: 'ok' }, at(2000));
    expect(await ledger.beginRestore(finding.id, at(3000), 60_000)).toBe(true);
    await ledger.finishRestore(finding.id, [restored], { approver, reason: 'again', at: at(3000).toISOString(), status: 'nothing', detail: '' }, at(4000));
    const record = await ledger.get(finding.id);
    expect(record!.restores.map((r) => [r.reason, r.status])).toEqual([
      ['fp', 'done'],
      ['again', 'nothing'],
    ]);
    expect(record!.finding.response[0]!.restored?.approver).toEqual(approver);
    expect(record!.restoreLeaseUntil).toBeUndefined();
    expect(await ledger.beginRestore('unknown-' + finding.id, NOW, 1000)).toBe(false);
    expect(await ledger.get('unknown-' + finding.id)).toBeUndefined();
  });

  it('holds: which findings rely on a revocation, and the state before Blastwall acted', async () => {
    const ledger = make();
    const key = `${PROD}#key#${PROD_KEY}#${name}`;
    expect(await ledger.takeHold(key, 'f-2', 'Active', NOW)).toEqual({ holders: ['f-2'], prior: 'Active', first: true, joined: true });
    // A later finding joins; what it observed (Inactive: Blastwall's own revocation) does not replace the prior state.
    expect(await ledger.takeHold(key, 'f-1', 'Inactive', NOW)).toEqual({ holders: ['f-1', 'f-2'], prior: 'Active', first: false, joined: true });
    expect(await ledger.takeHold(key, 'f-1', 'Inactive', NOW)).toMatchObject({ holders: ['f-1', 'f-2'], first: false, joined: false });
    expect(await ledger.holders(key)).toEqual(['f-1', 'f-2']);
    expect(await ledger.releaseHold(key, 'f-2')).toEqual({ holders: ['f-1'], prior: 'Active' });
    expect(await ledger.holders(key)).toEqual(['f-1']);
    expect(await ledger.releaseHold(key, 'f-1')).toEqual({ holders: [], prior: 'Active' });
    // A failed undo puts the finding back, prior untouched.
    await ledger.rejoinHold(key, 'f-1', NOW);
    expect(await ledger.takeHold(key, 'f-3', 'Inactive', NOW)).toMatchObject({ holders: ['f-1', 'f-3'], prior: 'Active', first: false });
    await ledger.releaseHold(key, 'f-1');
    await ledger.releaseHold(key, 'f-3');
    // Nobody holds it any more: the next hold starts afresh with what it observed.
    expect(await ledger.takeHold(key, 'f-4', 'Inactive', NOW)).toEqual({ holders: ['f-4'], prior: 'Inactive', first: true, joined: true });
    expect(await ledger.holders(key + '-other')).toEqual([]);
    expect(await ledger.releaseHold(key + '-other', 'f-9')).toEqual({ holders: [] });
  });

  it('holds: concurrent findings on one target agree on one prior state', async () => {
    const ledger = make();
    const key = `${PROD}#key#race#${name}#${Math.random()}`;
    const taken = await Promise.all(Array.from({ length: 6 }, (_, i) => ledger.takeHold(key, `r-${i}`, i === 0 ? 'Active' : 'Inactive', NOW)));
    expect(taken.filter((t) => t.first)).toHaveLength(1);
    const prior = taken.find((t) => t.first)!.prior;
    expect(taken.every((t) => t.prior === prior)).toBe(true);
    expect(await ledger.holders(key)).toHaveLength(6);
  });

  it('circuit breaker: at most N revocations per window across concurrent callers, freed as the window slides', async () => {
    const ledger = make();
    const base = new Date(NOW.getTime() + Math.floor(Math.random() * 1e9) * 1000 + 1e12); // a window no other test used
    const taken = await Promise.all(
      Array.from({ length: 5 }, (_, i) => acquireRevocationSlot(ledger, settings, { findingId: `f-${i}`, target: `t-${i}`, now: base })),
    );
    expect(taken.filter((d) => !d.open)).toHaveLength(3);
    const refused = taken.find((d) => d.open);
    expect(refused && refused.open && refused.detail).toMatch(/circuit breaker open: 3 revocations across the organisation in the last 10 min \(limit 3 per 10 min\)/);
    // 9 minutes later: still open.
    expect((await acquireRevocationSlot(ledger, settings, { findingId: 'g', target: 't', now: new Date(base.getTime() + 9 * 60_000) })).open).toBe(true);
    // Releasing a slot (a revocation that did not happen) frees it.
    const first = taken.find((d) => !d.open)!;
    if (!first.open && 'slot' in first) await ledger.releaseBreakerSlot(first.slot.index, first.slot.findingId, first.slot.at);
    expect((await acquireRevocationSlot(ledger, settings, { findingId: 'h', target: 't', now: new Date(base.getTime() + 9 * 60_000) })).open).toBe(false);
    // After the window: free again.
    const later = await acquireRevocationSlot(ledger, settings, { findingId: 'i', target: 't', now: new Date(base.getTime() + 10 * 60_000 + 1) });
    expect(later.open).toBe(false);
  });

  it('circuit breaker fairness: one target takes at most one slot per window, even when claimed concurrently', async () => {
    const ledger = make();
    const base = new Date(NOW.getTime() + Math.floor(Math.random() * 1e9) * 1000 + 2e12);
    const same = await Promise.all(Array.from({ length: 6 }, (_, i) => acquireRevocationSlot(ledger, settings, { findingId: `s-${i}`, target: 'acct|role', now: base })));
    expect(same.every((d) => !d.open)).toBe(true);
    expect(same.filter((d) => 'slot' in d)).toHaveLength(1);
    const owner = same.find((d) => 'slot' in d)!;
    const ownerId = 'slot' in owner ? owner.slot.findingId : 'none';
    expect(same.filter((d) => 'sharedWith' in d).map((d) => ('sharedWith' in d ? d.sharedWith.findingId : ''))).toEqual(Array(5).fill(ownerId));
    expect((await ledger.breakerSlots()).filter((s) => s.until > base.getTime())).toHaveLength(1);
    // Two other targets still fit (3 per window), the third does not.
    expect((await acquireRevocationSlot(ledger, settings, { findingId: 'o-1', target: 'acct|key1', now: base })).open).toBe(false);
    expect((await acquireRevocationSlot(ledger, settings, { findingId: 'o-2', target: 'acct|key2', now: base })).open).toBe(false);
    const refused = await acquireRevocationSlot(ledger, settings, { findingId: 'o-3', target: 'acct|key3', now: base });
    expect(refused.open).toBe(true);
    // The refused target left no mark behind: once a slot frees it can take one.
    if (!owner.open && 'slot' in owner) await releaseRevocationSlot(ledger, owner);
    expect(await acquireRevocationSlot(ledger, settings, { findingId: 'o-3', target: 'acct|key3', now: base })).toMatchObject({ open: false, mark: { findingId: 'o-3' } });
    // The released target is free to take a slot again (none is left now: the breaker says so).
    expect((await acquireRevocationSlot(ledger, settings, { findingId: 's-9', target: 'acct|role', now: base })).open).toBe(true);
  });

  it('circuit breaker with maxRevocations 0 never revokes', async () => {
    const decision = await acquireRevocationSlot(make(), { maxRevocations: 0, windowMinutes: 10 }, { findingId: 'f', target: 't', now: NOW });
    expect(decision.open && decision.detail).toContain('maxRevocations is 0');
  });
});

describe('DynamoDB ledger items', () => {
  it('carry the table\'s TTL attribute: findings and holds for the retention, breaker slots a day past their window', async () => {
    const ledger = new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName, retentionDays: 30 });
    const finding = makeFinding();
    await ledger.claim(finding, NOW, 60_000);
    await ledger.takeHold(`ttl#${finding.id}`, finding.id, 'Active', NOW);
    const slot = { index: 999, until: NOW.getTime() + 600_000, findingId: finding.id, target: 't', at: NOW.toISOString() };
    expect(await ledger.takeBreakerSlot(slot, NOW.getTime())).toBe(true);
    const get = async (pk: string, sk: string) =>
      (await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }))).Item;
    const nowS = Math.floor(NOW.getTime() / 1000);
    expect(Number((await get(`FINDING#${finding.id}`, 'FINDING'))!.expiresAt!.N)).toBe(nowS + 30 * 86_400);
    expect(Number((await get(`FINDING#HOLD#ttl#${finding.id}`, 'TARGET'))!.expiresAt!.N)).toBe(nowS + 30 * 86_400);
    expect(Number((await get('BREAKER#org', 'SLOT#0999'))!.expiresAt!.N)).toBe(Math.floor(slot.until / 1000) + 86_400);
    await ledger.releaseBreakerSlot(999, finding.id, slot.at);
    expect(await get('BREAKER#org', 'SLOT#0999')).toBeUndefined();
  });
});
