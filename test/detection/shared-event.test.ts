/**
 * The two copies of a cross-account call (same `sharedEventID`, different
 * `eventID`s: one in the caller's account, one in the resource owner's) are one
 * call: they count once in burst and recent lists — also when two detect
 * invocations process them at the same time (issue 15 item 8), on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import type { StateStore } from '../../functions/core/detection/state-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../support/dynalite.ts';
import { config, detectorWith, normalise } from './support.ts';

const PROD = '333333333333';
const STAGING = '222222222222';

function copy(n: number, at: string, recipient: string, table: string) {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${PROD}:user/ops`, accountId: PROD, accessKeyId: 'AKIAOPSEXAMPLE000001', userName: 'ops' },
    eventTime: at,
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'DeleteTable',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '192.0.2.9',
    userAgent: 'aws-cli/2.15.30',
    requestParameters: { tableName: table },
    responseElements: null,
    requestID: `req-${table}`,
    eventID: `evt-${table}-${recipient}-${n}`,
    sharedEventID: `shared-${table}`,
    eventType: 'AwsApiCall',
    recipientAccountId: recipient,
  };
}

let local: LocalDynamo;
beforeAll(async () => {
  local = await startLocalDynamo();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const stores: [string, () => StateStore][] = [
  ['memory', () => createMemoryStateStore()],
  ['dynalite', () => createDynamoStateStore({ client: local.client, tableName: local.tableName, config })],
];

describe.each(stores)('sharedEventID on the %s store', (_, makeStore) => {
  it('two copies processed at the same time count as one call: the next call is number 2, not 3', async () => {
    const store = makeStore();
    const [a, b] = [detectorWith(store), detectorWith(store)];
    const suffix = `${_}-${Date.now()}`;
    // Both copies of the first deletion, in two parallel "invocations".
    await Promise.all([
      a.process(normalise(copy(1, '2026-12-01T10:00:00Z', PROD, `t1-${suffix}`))),
      b.process(normalise(copy(2, '2026-12-01T10:00:00Z', STAGING, `t1-${suffix}`))),
    ]);
    const second = await a.process(normalise(copy(3, '2026-12-01T10:01:00Z', PROD, `t2-${suffix}`)));
    expect(second.finding!.reasons.map((r) => r.signal)).not.toContain('burst');
    const third = await b.process(normalise(copy(4, '2026-12-01T10:02:00Z', PROD, `t3-${suffix}`)));
    const burst = third.finding!.reasons.find((r) => r.signal === 'burst');
    expect(burst?.text).toMatch(/destructive call number 3 /);
    const recent = third.finding!.recentEvents.filter((e) => e.eventName === 'DeleteTable');
    expect(recent.length).toBe(3);
  });
});
