/**
 * The responder's orchestration: breaker, protected principals, modes, resume after a
 * crash, the published detail, and the Lambda handler's routing. Two "Lambda instances"
 * share one DynamoDB (dynalite) ledger with the IAM/STS stand-in behind both.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseAction } from '../../functions/core/finding.ts';
import { DETAIL_TYPES, METRICS } from '../../functions/core/telemetry-names.ts';
import { MemoryEventPublisher } from '../../functions/adapters/event-publisher.ts';
import type { CallOutcome } from '../../functions/adapters/iam-revoker.ts';
import { MemoryResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { DynamoResponseLedger } from '../../functions/adapters/response-ledger-dynamodb.ts';
import { createResponder, ResponseInProgressError, type ResponseEventDetail, type Revoker } from '../../functions/respond/responder.ts';
import { createHandler } from '../../functions/respond/handler.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { CENTRAL_KEY, wireResponder } from './harness.ts';
import { NOW, PROD, PROD_KEY, STAGING, makeFinding, prodKeyCredential, prodRoleSession, testConfig } from './fixtures.ts';

/** A revoker that records what it was asked and succeeds (orchestration tests; IAM itself is covered end to end). */
class RecordingRevoker implements Revoker {
  revoked: ResponseAction[] = [];
  async revoke(action: ResponseAction): Promise<CallOutcome> {
    this.revoked.push(action);
    return { status: 'done', detail: `did ${action.action}`, attempts: 1 };
  }
  async undo(): Promise<CallOutcome> {
    return { status: 'done', detail: 'undone', attempts: 1 };
  }
}

function keyFinding(i: number) {
  const key = `AKIAPRODSTORMKEY${String(i).padStart(4, '0')}`;
  return makeFinding({ credential: { ...prodKeyCredential(), accessKeyId: key, principalName: `user-${i}`, arn: `arn:aws:iam::${PROD}:user/user-${i}` } });
}

describe('circuit breaker (default 5 per 10 minutes)', () => {
  it('the sixth revocation within the window is refused, escalated, and the page says why', async () => {
    const revoker = new RecordingRevoker();
    const publisher = new MemoryEventPublisher();
    const counts = new Map<string, number>();
    let clock = NOW.getTime();
    const responder = createResponder({
      config: testConfig(),
      ledger: new MemoryResponseLedger(),
      revoker,
      publisher,
      now: () => new Date(clock),
      metrics: { count: (n, v = 1) => counts.set(n, (counts.get(n) ?? 0) + v) },
    });
    for (let i = 0; i < 5; i++) {
      const out = await responder.respond(keyFinding(i));
      expect(out.status === 'responded' && out.actions[0]!.status).toBe('done');
      clock += 60_000;
    }
    const sixth = await responder.respond(keyFinding(5));
    const action = sixth.status === 'responded' ? sixth.actions[0]! : undefined;
    expect(action).toMatchObject({ status: 'skipped', code: 'breaker-open', escalate: true });
    expect(action!.detail).toMatch(/^circuit breaker open: 5 revocations across the organisation in the last 10 min \(limit 5 per 10 min\)/);
    expect(action!.detail).toContain('the next revocation is allowed after 2026-11-25T10:10:05.250Z');
    expect(revoker.revoked).toHaveLength(5);
    expect(counts.get(METRICS.circuitBreakerOpen)).toBe(1);
    const detail = publisher.ofType(DETAIL_TYPES.response).at(-1) as ResponseEventDetail;
    expect(detail).toMatchObject({ breakerOpen: true, escalate: true });

    clock = NOW.getTime() + 10 * 60_000 + 1; // the first slot has freed
    const later = await responder.respond(keyFinding(6));
    expect(later.status === 'responded' && later.actions[0]!.status).toBe('done');
  });

  it('skipped, dry-run and protected actions do not count against the breaker', async () => {
    const revoker = new RecordingRevoker();
    const ledger = new MemoryResponseLedger();
    const responder = createResponder({ config: testConfig({ response: { circuitBreaker: { maxRevocations: 1, windowMinutes: 10 } } }), ledger, revoker, publisher: new MemoryEventPublisher(), now: () => NOW });
    await responder.respond(makeFinding({ mode: 'dry-run' }));
    await responder.respond(makeFinding({ severity: 'low' }));
    await responder.respond(
      makeFinding({ credential: { ...prodRoleSession(), arn: `arn:aws:sts::${PROD}:assumed-role/BreakGlass/s`, issuerArn: `arn:aws:iam::${PROD}:role/BreakGlass`, principalName: 'BreakGlass' } }),
    );
    expect(await ledger.breakerSlots()).toHaveLength(0);
    const real = await responder.respond(makeFinding());
    expect(real.status === 'responded' && real.actions[0]!.status).toBe('done');
  });
});

describe('respond orchestration', () => {
  let standIn: IamStsStandIn;
  beforeAll(async () => {
    standIn = await startIamStsStandIn();
  });
  afterAll(async () => standIn.close());
  beforeEach(() => {
    standIn.reset();
    standIn.addRole(PROD, 'BlastwallResponder');
    standIn.addRole(PROD, 'ProdDeploy');
    standIn.addRole(PROD, 'BreakGlassAdmin');
    standIn.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY }]);
  });

  it('protected principals and Blastwall\'s own roles: no IAM call at all', async () => {
    const w = wireResponder(standIn, testConfig(), { now: () => NOW, ownRoleArns: ['arn:aws:iam::*:role/ProdDeploy'] });
    const breakGlass = await w.responder.respond(
      makeFinding({
        credential: {
          ...prodRoleSession(),
          arn: `arn:aws:sts::${PROD}:assumed-role/BreakGlassAdmin/s`,
          issuerArn: `arn:aws:iam::${PROD}:role/BreakGlassAdmin`,
          principalName: 'BreakGlassAdmin',
        },
      }),
    );
    const own = await w.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(standIn.requests).toHaveLength(0);
    expect(breakGlass.status === 'responded' && breakGlass.actions[0]).toMatchObject({ status: 'skipped', code: 'protected' });
    expect(own.status === 'responded' && own.actions[0]).toMatchObject({ status: 'skipped', code: 'protected' });
    expect(standIn.rolePolicy(PROD, 'BreakGlassAdmin', 'BlastwallRevokeOlderSessions')).toBeUndefined();
    w.close();
  });

  it('page-only and below-threshold findings are recorded and published, with no IAM call', async () => {
    const w = wireResponder(standIn, testConfig(), { now: () => NOW });
    await w.responder.respond(makeFinding({ mode: 'page-only' }));
    await w.responder.respond(makeFinding({ severity: 'medium' }));
    expect(standIn.requests).toHaveLength(0);
    const details = w.publisher.ofType(DETAIL_TYPES.response) as ResponseEventDetail[];
    expect(details.map((d) => d.actions[0]!.code)).toEqual(['page-only', 'below-threshold']);
    expect(details[0]!.summary).toBe('revoked 0, failed 0, skipped 1 (page-only)');
    w.close();
  });

  it('the same finding re-scored from medium to high by a late event revokes once, then is a duplicate', async () => {
    const w = wireResponder(standIn, testConfig(), { now: () => NOW });
    const medium = makeFinding({ id: 'f-late-hop', severity: 'medium' });
    const first = await w.responder.respond(medium);
    expect(first.status === 'responded' && first.actions[0]!.code).toBe('below-threshold');
    expect(standIn.requests.filter((r) => r.action === 'UpdateAccessKey')).toHaveLength(0);
    const raised = await w.responder.respond({ ...medium, severity: 'high' });
    expect(raised.status === 'responded' && raised.actions[0]!.status).toBe('done');
    expect(standIn.requests.filter((r) => r.action === 'UpdateAccessKey')).toHaveLength(1);
    const again = await w.responder.respond({ ...medium, severity: 'high' });
    expect(again.status).toBe('duplicate');
    expect(standIn.requests.filter((r) => r.action === 'UpdateAccessKey')).toHaveLength(1);
    w.close();
  });

  it('root: the published response escalates and says root cannot be revoked by policy', async () => {
    const w = wireResponder(standIn, testConfig(), { now: () => NOW });
    await w.responder.respond(makeFinding({ credential: { type: 'root', arn: `arn:aws:iam::${PROD}:root`, accountId: PROD, homeEnvironment: 'production' } }));
    const [d] = w.publisher.ofType(DETAIL_TYPES.response) as ResponseEventDetail[];
    expect(d).toMatchObject({ escalate: true, summary: 'revoked 0, failed 0, manual 1' });
    expect(d!.actions[0]!.detail).toContain('cannot be restricted by any IAM policy');
    expect(standIn.requests).toHaveLength(0);
    w.close();
  });

  it('ignores a malformed finding instead of building a call from it', async () => {
    const w = wireResponder(standIn, testConfig(), { now: () => NOW });
    const out = await w.responder.respond({ ...makeFinding(), account: 'not-an-account' });
    expect(out).toMatchObject({ status: 'ignored' });
    expect(out.status === 'ignored' && out.reason).toContain('account');
    expect(standIn.requests).toHaveLength(0);
    w.close();
  });

  it('resumes a crashed response without redoing what was done', async () => {
    const ledger = new MemoryResponseLedger();
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [{ ...prodKeyCredential(), homeEnvironment: 'staging' }] });
    // A previous invocation claimed the finding, revoked the role, saved progress, then died.
    await ledger.claim(finding, new Date(NOW.getTime() - 5 * 60_000), 90_000);
    const revoker = new RecordingRevoker();
    const doneRole: ResponseAction = {
      action: 'iam:PutRolePolicy',
      target: `arn:aws:iam::${PROD}:role/ProdDeploy`,
      account: PROD,
      mode: 'enforce',
      status: 'done',
      detail: 'done by the crashed attempt',
    };
    await ledger.saveActions(finding.id, [doneRole], NOW, false);
    const responder = createResponder({ config: testConfig(), ledger, revoker, publisher: new MemoryEventPublisher(), now: () => NOW });
    const out = await responder.respond(finding);
    expect(out.status).toBe('responded');
    expect(revoker.revoked.map((a) => a.action)).toEqual(['iam:UpdateAccessKey']);
    expect(out.status === 'responded' && out.actions[0]!.detail).toBe('done by the crashed attempt');
  });

  it('a finding another invocation is responding to right now: throws so Lambda retries later', async () => {
    const ledger = new MemoryResponseLedger();
    const finding = makeFinding();
    await ledger.claim(finding, NOW, 90_000);
    const responder = createResponder({ config: testConfig(), ledger, revoker: new RecordingRevoker(), publisher: new MemoryEventPublisher(), now: () => NOW });
    await expect(responder.respond(finding)).rejects.toThrow(ResponseInProgressError);
  });
});

describe('two respond instances sharing the DynamoDB ledger (dynalite)', () => {
  let dynamo: LocalDynamo;
  let standIn: IamStsStandIn;
  beforeAll(async () => {
    [dynamo, standIn] = await Promise.all([startLocalDynamo(), startIamStsStandIn()]);
    standIn.addRole(PROD, 'BlastwallResponder');
    standIn.addRole(STAGING, 'BlastwallResponder');
    standIn.trustCallers([CENTRAL_KEY]);
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), standIn.close()]);
  });

  it('the same finding delivered to both at once is revoked once; the breaker counts across both', async () => {
    const config = testConfig({ response: { circuitBreaker: { maxRevocations: 2, windowMinutes: 10 } } });
    const mk = () => wireResponder(standIn, config, { now: () => NOW, ledger: new DynamoResponseLedger({ client: dynamo.client, tableName: dynamo.tableName }) });
    const a = mk();
    const b = mk();
    for (let i = 0; i < 3; i++) standIn.addUser(PROD, `user-${i}`, [{ id: `AKIAPRODSTORMKEY${String(i).padStart(4, '0')}` }]);
    const f0 = keyFinding(0);
    const both = await Promise.allSettled([a.responder.respond(f0), b.responder.respond(f0)]);
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'fulfilled' && r.value.status === 'responded')).toHaveLength(1);
    const rejected = both.find((r) => r.status === 'rejected');
    if (rejected) expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(ResponseInProgressError);

    await a.responder.respond(keyFinding(1));
    const third = await b.responder.respond(keyFinding(2));
    expect(third.status === 'responded' && third.actions[0]!.code).toBe('breaker-open');
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(2);
    a.close();
    b.close();
  });
});

describe('respond handler', () => {
  const event = (detailType: string, detail: unknown, source = 'blastwall') =>
    ({ version: '0', id: 'e', 'detail-type': detailType, source, account: PROD, time: NOW.toISOString(), region: 'eu-west-1', resources: [], detail }) as never;

  it('routes Blastwall Finding and Blastwall Restore Requested; ignores the rest; flushes metrics every time', async () => {
    const revoker = new RecordingRevoker();
    const responder = createResponder({ config: testConfig(), ledger: new MemoryResponseLedger(), revoker, publisher: new MemoryEventPublisher(), now: () => NOW });
    let flushed = 0;
    const handler = createHandler(() => ({ responder, flush: () => flushed++ }));
    const finding = makeFinding();
    expect(await handler(event('Blastwall Finding', finding))).toMatchObject({ status: 'responded', findingId: finding.id });
    expect(await handler(event('Blastwall Restore Requested', { findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' }))).toMatchObject({ status: 'done' });
    expect(await handler(event('Blastwall Restore Requested', { findingId: finding.id, reason: 'fp' }))).toMatchObject({ status: 'refused' });
    expect(await handler(event('Blastwall Finding', finding, 'evil.source'))).toMatchObject({ status: 'ignored' });
    expect(await handler(event('Something Else', {}))).toMatchObject({ status: 'ignored' });
    expect(revoker.revoked).toHaveLength(1);
    expect(flushed).toBe(5);
  });

  it('member topology: a finding published by a member account revokes only inside that account (a changed member detect cannot revoke elsewhere)', async () => {
    const revoker = new RecordingRevoker();
    const responder = createResponder({ config: testConfig(), ledger: new MemoryResponseLedger(), revoker, publisher: new MemoryEventPublisher(), now: () => NOW });
    const handler = createHandler(() => ({ responder }));
    const central = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:999999999999:function:Blastwall-Central-Respond' };
    const from = (account: string, detail: unknown) => ({ ...(event('Blastwall Finding', detail) as object), account }) as never;
    // The production account's own detect, about a production key: acted on.
    expect(await handler(from(PROD, makeFinding()), central)).toMatchObject({ status: 'responded' });
    // The staging account's detect naming production's key or a production event: not acted on.
    const stagingForgery = await handler(from(STAGING, makeFinding({ id: 'f-forged-1' })), central);
    expect(stagingForgery).toMatchObject({ status: 'ignored' });
    expect((stagingForgery as { reason: string }).reason).toContain(`published by account ${STAGING}`);
    expect(await handler(from(STAGING, makeFinding({ id: 'f-forged-2', account: STAGING })), central)).toMatchObject({ status: 'ignored' });
    // The central detect (respond's own account) is not restricted.
    expect(await handler(from('999999999999', makeFinding({ id: 'f-central', account: STAGING })), central)).toMatchObject({ status: 'responded' });
    expect(revoker.revoked.map((a) => a.account)).toEqual([PROD, PROD]);
  });
});
