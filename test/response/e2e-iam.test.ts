/**
 * End to end: the real @aws-sdk/client-sts and @aws-sdk/client-iam talk over loopback HTTP
 * to the IAM/STS stand-in (AWS Query protocol). Asserts the exact requests.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES, METRICS } from '../../functions/core/telemetry-names.ts';
import { REVOKE_POLICY_NAME, revokeOlderSessionsDocument } from '../../functions/core/response/policy-document.ts';
import type { ResponseEventDetail } from '../../functions/respond/responder.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { CENTRAL_KEY, wireResponder } from './harness.ts';
import { NOW, NOW_CUTOFF, PROD, PROD_KEY, PROD_OTHER_KEY, STAGING, STAGING_KEY, makeFinding, prodKeyCredential, prodRoleSession, stagingKeyCredential, testConfig } from './fixtures.ts';

let standIn: IamStsStandIn;
let wired: ReturnType<typeof wireResponder>;

beforeAll(async () => {
  standIn = await startIamStsStandIn();
});
afterAll(async () => {
  await standIn.close();
});

beforeEach(() => {
  standIn.reset();
  for (const account of [PROD, STAGING]) standIn.addRole(account, 'BlastwallResponder');
  standIn.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY }, { id: PROD_OTHER_KEY }]);
  standIn.addUser(STAGING, 'stg-dev', [{ id: STAGING_KEY }]);
  standIn.addRole(PROD, 'ProdDeploy');
  standIn.trustCallers([CENTRAL_KEY]);
  wired = wireResponder(standIn, testConfig(), { now: () => NOW });
});
afterEach(() => wired.close());

const published = () => wired.publisher.ofType(DETAIL_TYPES.response) as ResponseEventDetail[];
/** Every request the stand-in saw, in order: action, the account it acted in, and the parameters that name the target. */
const sequence = () =>
  standIn.requests.map((r) => [r.action, r.account ?? r.params.RoleArn, r.params.UserName ?? r.params.RoleName, r.params.AccessKeyId ?? r.params.PolicyName, r.params.Status].filter((x) => x !== undefined).join(' '));

describe('respond over the IAM/STS stand-in', () => {
  it('AKIA key: assumes the responder role in the key\'s account and deactivates exactly that key', async () => {
    const finding = makeFinding();
    const outcome = await wired.responder.respond(finding);
    expect(outcome.status).toBe('responded');

    const assume = standIn.calls('AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]).toMatchObject({ service: 'sts', signedBy: CENTRAL_KEY });
    expect(assume[0]!.params).toMatchObject({ RoleArn: `arn:aws:iam::${PROD}:role/BlastwallResponder`, RoleSessionName: 'blastwall-respond', Version: '2011-06-15' });

    const update = standIn.calls('UpdateAccessKey');
    expect(update).toHaveLength(1);
    expect(update[0]!.params).toEqual({ Action: 'UpdateAccessKey', Version: '2010-05-08', UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Inactive' });
    expect(update[0]).toMatchObject({ service: 'iam', account: PROD, status: 200 });
    expect(update[0]!.signedBy).toMatch(/^ASIA/);

    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_OTHER_KEY)).toBe('Active');

    // The state before (for an honest restore), the write, and the read-back that proves it.
    expect(sequence()).toEqual([
      `AssumeRole arn:aws:iam::${PROD}:role/BlastwallResponder`,
      `ListAccessKeys ${PROD} ci-deployer`,
      `UpdateAccessKey ${PROD} ci-deployer ${PROD_KEY} Inactive`,
      `ListAccessKeys ${PROD} ci-deployer`,
    ]);
    expect(standIn.calls('ListAccessKeys').map((r) => r.params)).toEqual([
      { Action: 'ListAccessKeys', Version: '2010-05-08', UserName: 'ci-deployer' },
      { Action: 'ListAccessKeys', Version: '2010-05-08', UserName: 'ci-deployer' },
    ]);

    const [detail] = published();
    expect(detail!.findingId).toBe(finding.id);
    expect(detail!.actions[0]).toMatchObject({ action: 'iam:UpdateAccessKey', status: 'done', priorState: 'Active', attempts: 3 });
    expect(detail!.actions[0]!.detail).toContain('read back');
    expect(detail!.finding.response).toEqual(detail!.actions);
    expect(detail!.escalate).toBe(false);
    const record = await wired.ledger.get(finding.id);
    expect(record?.state).toBe('responded');
    expect(record?.finding.response[0]!.status).toBe('done');
    expect(wired.counts.get(METRICS.revocations)).toBe(1);
  });

  it('revoke the source (issue 15 item 2): a production key that assumed a production role cannot assume it again', async () => {
    await wired.responder.respond(makeFinding({ credential: prodRoleSession(), lineage: [prodKeyCredential()] }));
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeDefined();
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_OTHER_KEY)).toBe('Active');
  });

  it('role session with lineage to a staging key: deny on the prod role and the staging key, each in its own account', async () => {
    await wired.responder.respond(makeFinding({ credential: prodRoleSession(), lineage: [stagingKeyCredential()] }));

    const put = standIn.calls('PutRolePolicy');
    expect(put).toHaveLength(1);
    expect(put[0]!.account).toBe(PROD);
    expect(put[0]!.params.RoleName).toBe('ProdDeploy');
    expect(put[0]!.params.PolicyName).toBe(REVOKE_POLICY_NAME);
    const doc = JSON.parse(put[0]!.params.PolicyDocument!);
    expect(doc.Statement[0]).toEqual({
      Sid: 'BlastwallRevokeOlderSessions',
      Effect: 'Deny',
      Action: ['*'],
      Resource: ['*'],
      Condition: { DateLessThan: { 'aws:TokenIssueTime': NOW_CUTOFF } },
    });
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBe(put[0]!.params.PolicyDocument);

    const update = standIn.calls('UpdateAccessKey');
    expect(update).toHaveLength(1);
    expect(update[0]).toMatchObject({ account: STAGING, params: { UserName: 'stg-dev', AccessKeyId: STAGING_KEY, Status: 'Inactive' } });
    expect(standIn.calls('AssumeRole').map((r) => r.params.RoleArn)).toEqual([
      `arn:aws:iam::${PROD}:role/BlastwallResponder`,
      `arn:aws:iam::${STAGING}:role/BlastwallResponder`,
    ]);
    expect(sequence()).toEqual([
      `AssumeRole arn:aws:iam::${PROD}:role/BlastwallResponder`,
      `GetRolePolicy ${PROD} ProdDeploy ${REVOKE_POLICY_NAME}`,
      `PutRolePolicy ${PROD} ProdDeploy ${REVOKE_POLICY_NAME}`,
      `GetRolePolicy ${PROD} ProdDeploy ${REVOKE_POLICY_NAME}`,
      `AssumeRole arn:aws:iam::${STAGING}:role/BlastwallResponder`,
      `ListAccessKeys ${STAGING} stg-dev`,
      `UpdateAccessKey ${STAGING} stg-dev ${STAGING_KEY} Inactive`,
      `ListAccessKeys ${STAGING} stg-dev`,
    ]);
    // The first GetRolePolicy found nothing (the state before); the read-back found the deny.
    expect(standIn.calls('GetRolePolicy').map((r) => r.status)).toEqual([404, 200]);
    expect(published()[0]!.actions.map((a) => a.status)).toEqual(['done', 'done']);
  });

  it('user session token: deny on the user and the minting key deactivated', async () => {
    await wired.responder.respond(
      makeFinding({
        credential: { type: 'user-session', accessKeyId: 'ASIASESSIONTOKEN0001', arn: `arn:aws:iam::${PROD}:user/ci-deployer`, accountId: PROD, principalName: 'ci-deployer', homeEnvironment: 'production' },
        lineage: [{ type: 'access-key', accessKeyId: PROD_KEY, accountId: PROD, principalName: 'ci-deployer', homeEnvironment: 'production' }],
      }),
    );
    const put = standIn.calls('PutUserPolicy');
    expect(put).toHaveLength(1);
    expect(put[0]!.params).toMatchObject({ UserName: 'ci-deployer', PolicyName: REVOKE_POLICY_NAME, PolicyDocument: revokeOlderSessionsDocument(NOW_CUTOFF) });
    expect(standIn.userPolicy(PROD, 'ci-deployer', REVOKE_POLICY_NAME)).toContain('aws:TokenIssueTime');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(sequence()).toEqual([
      `AssumeRole arn:aws:iam::${PROD}:role/BlastwallResponder`,
      `GetUserPolicy ${PROD} ci-deployer ${REVOKE_POLICY_NAME}`,
      `PutUserPolicy ${PROD} ci-deployer ${REVOKE_POLICY_NAME}`,
      `GetUserPolicy ${PROD} ci-deployer ${REVOKE_POLICY_NAME}`,
      `ListAccessKeys ${PROD} ci-deployer`,
      `UpdateAccessKey ${PROD} ci-deployer ${PROD_KEY} Inactive`,
      `ListAccessKeys ${PROD} ci-deployer`,
    ]);
  });

  it('caches the assumed credentials per account for their lifetime', async () => {
    await wired.responder.respond(makeFinding());
    await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(standIn.calls('AssumeRole')).toHaveLength(1);
    expect(new Set(standIn.requests.filter((r) => r.service === 'iam').map((r) => r.signedBy)).size).toBe(1);
  });

  it('dry-run makes no IAM call and says what it would have done', async () => {
    const outcome = await wired.responder.respond(makeFinding({ mode: 'dry-run' }));
    expect(standIn.requests).toHaveLength(0);
    expect(outcome.status === 'responded' && outcome.actions[0]).toMatchObject({ status: 'skipped', code: 'dry-run' });
    expect(published()[0]!.actions[0]!.detail).toContain(`dry-run: would call iam:UpdateAccessKey {"UserName":"ci-deployer","AccessKeyId":"${PROD_KEY}","Status":"Inactive"}`);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
  });
});

describe('idempotency', () => {
  it('a duplicate finding event never revokes twice', async () => {
    const finding = makeFinding();
    await wired.responder.respond(finding);
    const second = await wired.responder.respond(finding);
    expect(second.status).toBe('duplicate');
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    expect(published()).toHaveLength(2);
    expect(published()[1]!.duplicate).toBe(true);
    expect(published()[1]!.actions[0]!.status).toBe('done');
  });

  it('concurrent deliveries of one finding: exactly one revokes', async () => {
    const finding = makeFinding();
    const results = await Promise.allSettled([wired.responder.respond(finding), wired.responder.respond(finding), wired.responder.respond(finding)]);
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 'responded')).toHaveLength(1);
  });

  it('an already inactive key is a success (already-revoked), and restore leaves it inactive', async () => {
    standIn.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY, status: 'Inactive' }]);
    const finding = makeFinding();
    const outcome = await wired.responder.respond(finding);
    expect(outcome.status === 'responded' && outcome.actions[0]).toMatchObject({ status: 'done', code: 'already-revoked', priorState: 'Inactive' });
    const restored = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'On Call' }, reason: 'false positive' });
    expect(restored.status).toBe('nothing');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
  });

  it('an already present deny with a later cut-off is a success and is not overwritten', async () => {
    const later = revokeOlderSessionsDocument('2026-11-25T11:00:00Z');
    standIn.setRolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME, later);
    const outcome = await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(outcome.status === 'responded' && outcome.actions[0]).toMatchObject({ status: 'done', code: 'already-revoked' });
    expect(standIn.calls('PutRolePolicy')).toHaveLength(0);
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBe(later);
  });

  it('an older deny is replaced by the newer cut-off', async () => {
    standIn.setRolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME, revokeOlderSessionsDocument('2026-11-24T00:00:00Z'));
    await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(standIn.calls('PutRolePolicy')).toHaveLength(1);
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toContain(NOW_CUTOFF);
  });
});

describe('faults', () => {
  it('IAM throttling: bounded retry with backoff, then done', async () => {
    standIn.fail('UpdateAccessKey', { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 2);
    const outcome = await wired.responder.respond(makeFinding());
    expect(outcome.status === 'responded' && outcome.actions[0]).toMatchObject({ status: 'done', attempts: 5 });
    expect(standIn.calls('UpdateAccessKey').map((r) => r.status)).toEqual([400, 400, 200]);
    expect(standIn.calls('ListAccessKeys')).toHaveLength(2);
    expect(wired.sleeps.length).toBe(2);
    expect(wired.sleeps[1]!).toBeGreaterThan(wired.sleeps[0]! / 2);
  });

  it('IAM 5xx past the retry budget: failed, escalated, the key still active, nothing reported done', async () => {
    standIn.fail('UpdateAccessKey', { status: 500, code: 'ServiceFailure', message: 'internal' }, 10);
    const outcome = await wired.responder.respond(makeFinding());
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(4);
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', code: 'iam-error', escalate: true });
    expect(action!.detail).toContain('ServiceFailure');
    expect(action!.detail).toContain('after 5 attempt(s)');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
    expect(published()[0]!.escalate).toBe(true);
    expect(wired.counts.get(METRICS.revocationFailures)).toBe(1);
    // The failed revocation gave its breaker slot back.
    expect((await wired.ledger.breakerSlots()).filter((s) => s.until > NOW.getTime())).toHaveLength(0);
  });

  it('a 503 with a non-XML body is retried like any 5xx', async () => {
    standIn.fail('PutRolePolicy', { status: 503, code: 'ServiceUnavailable', rawBody: '<html>Service Unavailable</html>' }, 1);
    const outcome = await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(outcome.status === 'responded' && outcome.actions[0]!.status).toBe('done');
    expect(standIn.calls('PutRolePolicy').map((r) => r.status)).toEqual([503, 200]);
  });

  it('AccessDenied is final: no retry, failed with the reason', async () => {
    standIn.fail('PutRolePolicy', { status: 403, code: 'AccessDenied', message: 'not authorized to perform iam:PutRolePolicy' });
    const outcome = await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    expect(standIn.calls('PutRolePolicy')).toHaveLength(1);
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', escalate: true });
    expect(action!.detail).toContain('AccessDenied');
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeUndefined();
  });

  it('the responder role cannot be assumed: failed (assume-role-failed), escalated', async () => {
    // Account 444444444444 is in an enforce environment, but its member stack (the responder role) is missing.
    const config = testConfig({
      environments: [...testConfig().environments, { name: 'sandbox', accounts: ['444444444444'], sensitivity: 'low', response: 'enforce' }],
    });
    const other = wireResponder(standIn, config, { now: () => NOW });
    const outcome = await other.responder.respond(
      makeFinding({ credential: { ...stagingKeyCredential(), accountId: '444444444444', arn: 'arn:aws:iam::444444444444:user/x', principalName: 'x', homeEnvironment: 'sandbox' } }),
    );
    other.close();
    expect(standIn.calls('AssumeRole')).toHaveLength(1);
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', code: 'assume-role-failed', escalate: true });
    expect(action!.detail).toContain('arn:aws:iam::444444444444:role/BlastwallResponder');
  });

  it('responder credentials rejected mid-life (its sessions were revoked): assumes again once and completes', async () => {
    await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    standIn.expireSessions();
    const outcome = await wired.responder.respond(makeFinding());
    expect(outcome.status === 'responded' && outcome.actions[0]!.status).toBe('done');
    expect(standIn.calls('AssumeRole')).toHaveLength(2);
    // The first attempt is refused with ExpiredToken; the second, with fresh credentials, lands.
    expect(standIn.calls('UpdateAccessKey').map((r) => r.status)).toEqual([403, 200]);
    const [stale, fresh] = standIn.calls('UpdateAccessKey');
    expect(stale!.signedBy).not.toBe(fresh!.signedBy);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
  });

  it('STS throttling on AssumeRole is retried', async () => {
    standIn.fail('AssumeRole', { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 1);
    const outcome = await wired.responder.respond(makeFinding());
    expect(outcome.status === 'responded' && outcome.actions[0]!.status).toBe('done');
    expect(standIn.calls('AssumeRole').map((r) => r.status)).toEqual([400, 200]);
  });

  it('UpdateAccessKey answered 200 with no IAM behind it: the read-back shows Active, so failed (unconfirmed), escalated, never done', async () => {
    standIn.fail('UpdateAccessKey', { status: 200, code: 'Garbage', rawBody: '<html><body>Service Temporarily Unavailable</body></html>' }, 10);
    const outcome = await wired.responder.respond(makeFinding());
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', code: 'unconfirmed', escalate: true });
    expect(action!.detail).toContain('IAM accepted the call');
    expect(action!.detail).toContain('but the key still reads Active');
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    // One read before, then the read-back, read again with backoff (IAM is eventually consistent), bounded by the retry budget.
    expect(standIn.calls('ListAccessKeys')).toHaveLength(1 + 4);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
    expect(published()[0]!.escalate).toBe(true);
    expect(wired.counts.get(METRICS.revocationFailures)).toBe(1);
    expect(wired.counts.get(METRICS.revocations) ?? 0).toBe(0);
  });

  it('PutRolePolicy answered 200 with no IAM behind it: the read-back finds no deny, so failed (unconfirmed), escalated', async () => {
    standIn.fail('PutRolePolicy', { status: 200, code: 'Garbage', rawBody: '<html>OK</html>' }, 10);
    const outcome = await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', code: 'unconfirmed', escalate: true });
    expect(action!.detail).toContain(`role ProdDeploy has no ${REVOKE_POLICY_NAME}`);
    expect(standIn.calls('GetRolePolicy')).toHaveLength(1 + 4);
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeUndefined();
  });

  it('a deny that reads back with an older cut-off than the one written is not proof', async () => {
    const older = '2020-01-01T00:00:00Z';
    standIn.fail('PutRolePolicy', { status: 200, code: 'Garbage', rawBody: '<html>OK</html>' }, 10);
    standIn.setRolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME, revokeOlderSessionsDocument(older));
    const outcome = await wired.responder.respond(makeFinding({ credential: prodRoleSession() }));
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed', code: 'unconfirmed', priorState: older });
    expect(action!.detail).toContain(`reads the cut-off ${older}, before ${NOW_CUTOFF}`);
  });

  it('a read-back that IAM refuses (AccessDenied) leaves the revocation unproven: failed, with the reason', async () => {
    standIn.fail('ListAccessKeys', { status: 403, code: 'AccessDenied', message: 'not authorized to perform iam:ListAccessKeys' }, 2);
    const outcome = await wired.responder.respond(makeFinding());
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    // The write landed, but nothing proved it: never reported done.
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(action).toMatchObject({ status: 'failed', code: 'unconfirmed', escalate: true });
    expect(action!.detail).toContain('reading it back failed: AccessDenied');
    expect(standIn.calls('ListAccessKeys')).toHaveLength(2);
  });

  it('a key IAM does not know (deleted) is failed, not done', async () => {
    standIn.addUser(PROD, 'ci-deployer', [{ id: PROD_OTHER_KEY }]);
    const outcome = await wired.responder.respond(makeFinding());
    const action = outcome.status === 'responded' ? outcome.actions[0] : undefined;
    expect(action).toMatchObject({ status: 'failed' });
    expect(action!.detail).toContain('NoSuchEntity');
  });
});

describe('restore', () => {
  it('re-enables the key and removes the deny, recording who, when and why', async () => {
    const finding = makeFinding({ credential: prodRoleSession(), lineage: [stagingKeyCredential()] });
    await wired.responder.respond(finding);
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeDefined();
    const outcome = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada Oncall' }, reason: 'planned migration by the platform team' });
    expect(outcome.status).toBe('done');
    expect(standIn.calls('DeleteRolePolicy')[0]).toMatchObject({ account: PROD, params: { RoleName: 'ProdDeploy', PolicyName: REVOKE_POLICY_NAME } });
    expect(standIn.calls('UpdateAccessKey')[1]).toMatchObject({ account: STAGING, params: { UserName: 'stg-dev', AccessKeyId: STAGING_KEY, Status: 'Active' } });
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeUndefined();
    expect(standIn.keyStatus(STAGING, 'stg-dev', STAGING_KEY)).toBe('Active');
    // Each undo is read back: the deny is gone (NoSuchEntity), the key reads Active.
    expect(sequence().slice(8)).toEqual([
      `DeleteRolePolicy ${PROD} ProdDeploy ${REVOKE_POLICY_NAME}`,
      `GetRolePolicy ${PROD} ProdDeploy ${REVOKE_POLICY_NAME}`,
      `UpdateAccessKey ${STAGING} stg-dev ${STAGING_KEY} Active`,
      `ListAccessKeys ${STAGING} stg-dev`,
    ]);
    expect(standIn.calls('GetRolePolicy').at(-1)!.status).toBe(404);

    const record = await wired.ledger.get(finding.id);
    expect(record!.restores).toEqual([
      expect.objectContaining({ approver: { id: 'U0ONCALL1', name: 'Ada Oncall' }, reason: 'planned migration by the platform team', at: NOW.toISOString(), status: 'done' }),
    ]);
    for (const a of record!.finding.response) expect(a.restored).toMatchObject({ status: 'done', approver: { id: 'U0ONCALL1' } });
    const last = published().at(-1)!;
    expect(last.restored).toMatchObject({ by: 'Ada Oncall', reason: 'planned migration by the platform team', status: 'done' });
  });

  it('refuses without an approver identity and changes nothing', async () => {
    const finding = makeFinding();
    await wired.responder.respond(finding);
    for (const request of [
      { findingId: finding.id, reason: 'x' },
      { findingId: finding.id, approver: { id: '', name: 'x' }, reason: 'x' },
      { findingId: finding.id, approver: { name: 'No Id' }, reason: 'x' },
    ]) {
      const outcome = await wired.responder.restore(request);
      expect(outcome).toMatchObject({ status: 'refused' });
    }
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(published().at(-1)!.restoreRefused).toContain('approver');
  });

  it('refuses every restore when paging.approvers is empty, as undo does (issue 15 item 9)', async () => {
    const open = wireResponder(standIn, testConfig({ paging: { approvers: [] } }), { now: () => NOW });
    const finding = makeFinding();
    await open.responder.respond(finding);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    const outcome = await open.responder.restore({ findingId: finding.id, approver: { id: 'U0ANYBODY1', name: 'Anybody' }, reason: 'let me back in' });
    expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringContaining('paging.approvers is empty') });
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    expect(standIn.calls('UpdateAccessKey')).toHaveLength(1);
    open.close();
  });

  it('refuses an unknown finding and an approver not in paging.approvers', async () => {
    expect(await wired.responder.restore({ findingId: 'nope', approver: { id: 'U1', name: 'x' }, reason: 'r' })).toMatchObject({ status: 'refused' });
    const strict = wireResponder(standIn, testConfig({ paging: { approvers: ['U0ONCALL1'] } }), { now: () => NOW });
    const finding = makeFinding();
    await strict.responder.respond(finding);
    expect(await strict.responder.restore({ findingId: finding.id, approver: { id: 'U0INTRUDER', name: 'Mallory' }, reason: 'r' })).toMatchObject({ status: 'refused' });
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    strict.close();
  });

  it('a restore never lifts a deny another unrestored finding still relies on', async () => {
    const first = makeFinding({ credential: prodRoleSession() });
    const second = makeFinding({ credential: prodRoleSession() });
    await wired.responder.respond(first);
    await wired.responder.respond(second);
    const outcome = await wired.responder.restore({ findingId: second.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(outcome.status).toBe('nothing');
    expect(outcome.status !== 'refused' && outcome.actions[0]!.restored).toMatchObject({ status: 'skipped' });
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeDefined();
    await wired.responder.restore({ findingId: first.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp too' });
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeUndefined();
  });

  it('two findings revoked the same key: the key comes back only when both are restored', async () => {
    const a = makeFinding();
    const b = makeFinding();
    await wired.responder.respond(a);
    const second = await wired.responder.respond(b);
    // IAM said Inactive before the second call, but it was Blastwall (finding a) that made it so.
    expect(second.status === 'responded' && second.actions[0]).toMatchObject({ status: 'done', code: 'already-revoked', priorState: `blastwall:${a.id}` });
    const first = await wired.responder.restore({ findingId: a.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(first.status !== 'refused' && first.actions[0]!.restored?.detail).toContain(`still-held: finding(s) ${b.id}`);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    const both = await wired.responder.restore({ findingId: b.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(both.status).toBe('done');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
    expect(await wired.ledger.holders(`${PROD}#key#${PROD_KEY}`)).toEqual([]);
  });

  it('a key that was inactive before Blastwall acted: restore leaves it and releases the hold', async () => {
    standIn.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY, status: 'Inactive' }]);
    const finding = makeFinding();
    await wired.responder.respond(finding);
    expect(await wired.ledger.holders(`${PROD}#key#${PROD_KEY}`)).toEqual([finding.id]);
    await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(await wired.ledger.holders(`${PROD}#key#${PROD_KEY}`)).toEqual([]);
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
  });

  it('a restore while the response is still running is retried later, not half-done', async () => {
    const finding = makeFinding();
    await wired.ledger.claim(finding, NOW, 90_000);
    await expect(wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' })).rejects.toThrow(/in progress/);
  });

  it('a restore IAM answers 200 without acting is not done: the key still reads Inactive, failed, retried later', async () => {
    const finding = makeFinding();
    await wired.responder.respond(finding);
    standIn.fail('UpdateAccessKey', { status: 200, code: 'Garbage', rawBody: '<html>OK</html>' }, 1);
    const failed = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(failed.status).toBe('failed');
    expect(failed.status !== 'refused' && failed.actions[0]!.restored).toMatchObject({ status: 'failed' });
    expect(failed.status !== 'refused' && failed.actions[0]!.restored!.detail).toContain('but the key still reads Inactive');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    const retried = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(retried.status).toBe('done');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
  });

  it('a restore whose DeleteRolePolicy IAM answers 200 without acting: the deny is still there, failed', async () => {
    const finding = makeFinding({ credential: prodRoleSession() });
    await wired.responder.respond(finding);
    standIn.fail('DeleteRolePolicy', { status: 200, code: 'Garbage', rawBody: '<html>OK</html>' }, 1);
    const failed = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(failed.status).toBe('failed');
    expect(failed.status !== 'refused' && failed.actions[0]!.restored!.detail).toContain(`${REVOKE_POLICY_NAME} is still on role ProdDeploy`);
    expect(standIn.rolePolicy(PROD, 'ProdDeploy', REVOKE_POLICY_NAME)).toBeDefined();
  });

  it('a restore whose IAM call keeps failing is recorded as failed and can be retried', async () => {
    const finding = makeFinding();
    await wired.responder.respond(finding);
    standIn.fail('UpdateAccessKey', { status: 500, code: 'ServiceFailure' }, 4);
    const failed = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(failed.status).toBe('failed');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    const retried = await wired.responder.restore({ findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'fp' });
    expect(retried.status).toBe('done');
    expect(standIn.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
    expect((await wired.ledger.get(finding.id))!.restores.map((r) => r.status)).toEqual(['failed', 'done']);
  });
});
