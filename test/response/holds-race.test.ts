/**
 * Issue 15, item 4: the holds race. Two findings on one key, responded to by two respond
 * instances at once over one DynamoDB ledger (dynalite), with a delay injected into the
 * first one's revocation so the second one revokes the key in between. Whatever order an
 * approver then restores them in, the key must end `Active`: the state before Blastwall
 * acted is recorded with the hold, in one conditional write on the target's item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseAction } from '../../functions/core/finding.ts';
import type { RevokeHooks } from '../../functions/adapters/iam-revoker.ts';
import { DynamoResponseLedger } from '../../functions/adapters/response-ledger-dynamodb.ts';
import type { Revoker } from '../../functions/respond/responder.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { CENTRAL_KEY, wireResponder } from './harness.ts';
import { NOW, PROD, makeFinding, prodKeyCredential, testConfig } from './fixtures.ts';

const APPROVER = { id: 'U0ONCALL1', name: 'Ada' };

/** Holds every revocation at its start until `release()`; says when one is waiting. */
function delayed(inner: Revoker) {
  let entered!: () => void;
  let release!: () => void;
  const waiting = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  const revoker: Revoker = {
    async revoke(action: ResponseAction, hooks?: RevokeHooks) {
      entered();
      await gate;
      return inner.revoke(action, hooks);
    },
    undo: (call, account) => inner.undo(call, account),
  };
  return { revoker, waiting, release };
}

describe('holds race (issue 15 item 4), on dynalite', () => {
  let dynamo: LocalDynamo;
  let standIn: IamStsStandIn;
  beforeAll(async () => {
    [dynamo, standIn] = await Promise.all([startLocalDynamo(), startIamStsStandIn()]);
    standIn.trustCallers([CENTRAL_KEY]);
    standIn.addRole(PROD, 'BlastwallResponder');
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), standIn.close()]);
  });

  for (const order of ['first-then-second', 'second-then-first'] as const) {
    it(`two findings on one key, the first delayed between its hold and its revocation; restored ${order}: the key ends Active`, async () => {
      const user = `racer-${order}`;
      const key = order === 'first-then-second' ? 'AKIAPRODRACEKEY00001' : 'AKIAPRODRACEKEY00002';
      standIn.addUser(PROD, user, [{ id: key }]);
      const credential = { ...prodKeyCredential(), accessKeyId: key, principalName: user, arn: `arn:aws:iam::${PROD}:user/${user}` };
      const config = testConfig({ paging: { approvers: [APPROVER.id] } });
      const ledger = () => new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName });
      let gate: ReturnType<typeof delayed> | undefined;
      const a = wireResponder(standIn, config, { now: () => NOW, ledger: ledger(), wrapRevoker: (r) => (gate = delayed(r)).revoker });
      const b = wireResponder(standIn, config, { now: () => NOW, ledger: ledger() });
      try {
        const first = makeFinding({ credential });
        const second = makeFinding({ credential });
        const pendingFirst = a.responder.respond(first);
        await gate!.waiting;
        const outSecond = await b.responder.respond(second);
        expect(outSecond.status === 'responded' && outSecond.actions[0]!.status).toBe('done');
        expect(standIn.keyStatus(PROD, user, key)).toBe('Inactive');
        gate!.release();
        const outFirst = await pendingFirst;
        expect(outFirst.status === 'responded' && outFirst.actions[0]!.status).toBe('done');
        expect(standIn.calls('UpdateAccessKey').filter((c) => JSON.stringify(c).includes(key))).toHaveLength(2);

        const [early, late] = order === 'first-then-second' ? [first, second] : [second, first];
        const r1 = await a.responder.restore({ findingId: early.id, approver: APPROVER, reason: 'false positive' });
        expect(r1.status !== 'refused' && r1.actions[0]!.restored?.detail).toContain(`still-held: finding(s) ${late.id}`);
        expect(standIn.keyStatus(PROD, user, key)).toBe('Inactive');
        const r2 = await b.responder.restore({ findingId: late.id, approver: APPROVER, reason: 'false positive' });
        expect(r2.status).toBe('done');
        expect(standIn.keyStatus(PROD, user, key)).toBe('Active');
        expect(await ledger().holders(`${PROD}#key#${key}`)).toEqual([]);
      } finally {
        gate?.release();
        a.close();
        b.close();
      }
    });
  }

  it('a key that was Inactive before either finding stays Inactive after both restores', async () => {
    const key = 'AKIAPRODRACEKEY00003';
    standIn.addUser(PROD, 'racer-idle', [{ id: key, status: 'Inactive' }]);
    const credential = { ...prodKeyCredential(), accessKeyId: key, principalName: 'racer-idle', arn: `arn:aws:iam::${PROD}:user/racer-idle` };
    const config = testConfig({ paging: { approvers: [APPROVER.id] } });
    const h = wireResponder(standIn, config, { now: () => NOW, ledger: new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName }) });
    try {
      const [f1, f2] = [makeFinding({ credential }), makeFinding({ credential })];
      await Promise.all([h.responder.respond(f1), h.responder.respond(f2)]);
      await h.responder.restore({ findingId: f2.id, approver: APPROVER, reason: 'fp' });
      await h.responder.restore({ findingId: f1.id, approver: APPROVER, reason: 'fp' });
      expect(standIn.keyStatus(PROD, 'racer-idle', key)).toBe('Inactive');
      expect(standIn.calls('UpdateAccessKey').filter((c) => JSON.stringify(c).includes(key) && JSON.stringify(c).includes('"Active"'))).toHaveLength(0);
    } finally {
      h.close();
    }
  });
});
