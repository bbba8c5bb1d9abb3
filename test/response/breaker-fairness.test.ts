/**
 * Issue 15, item 3: circuit breaker fairness. One attacker re-triggering findings on one
 * role must not use up the organisation-wide breaker (5 per 10 min) and so shield an
 * unrelated credential: a no-op (already revoked, IAM state unchanged) takes no slot, and
 * a target takes at most one slot per window. Real IAM calls against the IAM/STS stand-in,
 * the ledger on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResponseLedger } from '../../functions/adapters/response-ledger-dynamodb.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { CENTRAL_KEY, wireResponder } from './harness.ts';
import { NOW, PROD, STAGING, STAGING_KEY, makeFinding, prodRoleSession, stagingKeyCredential, testConfig } from './fixtures.ts';

describe('circuit breaker fairness (issue 15 item 3)', () => {
  let dynamo: LocalDynamo;
  let standIn: IamStsStandIn;
  beforeAll(async () => {
    [dynamo, standIn] = await Promise.all([startLocalDynamo(), startIamStsStandIn()]);
    standIn.trustCallers([CENTRAL_KEY]);
    for (const account of [PROD, STAGING]) standIn.addRole(account, 'BlastwallResponder');
    standIn.addRole(PROD, 'ProdDeploy');
    standIn.addUser(STAGING, 'stg-dev', [{ id: STAGING_KEY }]);
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), standIn.close()]);
  });

  it('20 findings re-triggered on one role take one slot; an unrelated key in another account is still revoked', async () => {
    let clock = NOW.getTime();
    const ledger = new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName });
    const h = wireResponder(standIn, testConfig(), { ledger, now: () => new Date(clock) });
    try {
      for (let i = 0; i < 20; i++) {
        // Every other finding arrives in the same second (its deny is already in place: a no-op);
        // the others a second later (a new cut-off: IAM changes, but the role already holds a slot).
        if (i % 2 === 0) clock += 1_000;
        const out = await h.responder.respond(makeFinding({ credential: prodRoleSession() }));
        expect(out.status === 'responded' && out.actions[0]).toMatchObject({ action: 'iam:PutRolePolicy', status: 'done' });
      }
      expect(standIn.calls('PutRolePolicy').length).toBe(10);
      const live = (await ledger.breakerSlots()).filter((s) => s.until > clock);
      expect(live).toHaveLength(1);
      expect(live[0]!.target).toBe(`${PROD}|arn:aws:iam::${PROD}:role/ProdDeploy`);

      const other = await h.responder.respond(makeFinding({ account: STAGING, environment: 'staging', credential: stagingKeyCredential() }));
      expect(other.status === 'responded' && other.actions[0]).toMatchObject({ action: 'iam:UpdateAccessKey', status: 'done' });
      expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
      expect((await ledger.breakerSlots()).filter((s) => s.until > clock)).toHaveLength(2);
    } finally {
      h.close();
    }
  });

  it('a key that was already inactive (no IAM change) gives its slot back', async () => {
    standIn.addUser(STAGING, 'idle-user', [{ id: 'AKIASTAGINGIDLEKEY01', status: 'Inactive' }]);
    const ledger = new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName });
    const later = new Date(NOW.getTime() + 3 * 3_600_000);
    const h = wireResponder(standIn, testConfig({ response: { circuitBreaker: { maxRevocations: 1, windowMinutes: 10 } } }), { ledger, now: () => later });
    try {
      const idle = await h.responder.respond(
        makeFinding({ account: STAGING, environment: 'staging', credential: { ...stagingKeyCredential(), accessKeyId: 'AKIASTAGINGIDLEKEY01', principalName: 'idle-user', arn: `arn:aws:iam::${STAGING}:user/idle-user` } }),
      );
      expect(idle.status === 'responded' && idle.actions[0]).toMatchObject({ status: 'done', code: 'already-revoked' });
      expect((await ledger.breakerSlots()).filter((s) => s.until > later.getTime())).toHaveLength(0);
      // The only slot is still free for a real revocation.
      standIn.addUser(STAGING, 'busy-user', [{ id: 'AKIASTAGINGBUSYKEY01' }]);
      const real = await h.responder.respond(
        makeFinding({ account: STAGING, environment: 'staging', credential: { ...stagingKeyCredential(), accessKeyId: 'AKIASTAGINGBUSYKEY01', principalName: 'busy-user', arn: `arn:aws:iam::${STAGING}:user/busy-user` } }),
      );
      expect(real.status === 'responded' && real.actions[0]).toMatchObject({ status: 'done' });
      expect(real.status === 'responded' && real.actions[0]!.code).toBeUndefined();
    } finally {
      h.close();
    }
  });
});
