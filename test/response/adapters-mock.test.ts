/**
 * Adapters against aws-sdk-client-mock: the IAM revoker's read-back and idempotency rules
 * (its transport retries are the SDK's, which a mock bypasses: tested over the stand-in in
 * e2e-iam.test.ts), the
 * EventBridge publisher. (The responder credentials are tested over the STS stand-in:
 * credentials.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IamRevoker } from '../../functions/adapters/iam-revoker.ts';
import { EventBridgePublisher, MAX_EVENT_BYTES, PublishError, createEventPublisher } from '../../functions/adapters/event-publisher.ts';
import { planResponse } from '../../functions/core/response/plan.ts';
import { MemoryResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { createResponder } from '../../functions/respond/responder.ts';
import { revokeOlderSessionsDocument } from '../../functions/core/response/policy-document.ts';
import { backoffDelay, isRetryable } from '../../functions/core/response/retry.ts';
import { NOW, PROD, PROD_KEY, makeFinding, prodRoleSession, testConfig } from './fixtures.ts';

const iamMock = mockClient(IAMClient);
const ebMock = mockClient(EventBridgeClient);
afterEach(() => {
  iamMock.reset();
  ebMock.reset();
});

const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const noSleep = async () => {};
const keyAction = () => planResponse(makeFinding(), { config: testConfig(), now: NOW })[0]!;
const roleAction = () => planResponse(makeFinding({ credential: prodRoleSession() }), { config: testConfig(), now: NOW })[0]!;
const revoker = () => new IamRevoker({ clientFor: () => new IAMClient({ region: 'us-east-1' }), sleep: noSleep, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 } });

describe('IamRevoker (aws-sdk-client-mock)', () => {
  const keys = (status: 'Active' | 'Inactive') => ({ AccessKeyMetadata: [{ AccessKeyId: PROD_KEY, Status: status }] });

  it('sends UpdateAccessKey with exactly the planned input, then reads the key back', async () => {
    iamMock.on(ListAccessKeysCommand).resolvesOnce(keys('Active')).resolves(keys('Inactive'));
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const outcome = await revoker().revoke(keyAction());
    expect(outcome).toMatchObject({ status: 'done', priorState: 'Active', attempts: 3 });
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)[0]!.args[0].input).toEqual({ UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Inactive' });
    expect(iamMock.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input)).toEqual([{ UserName: 'ci-deployer' }, { UserName: 'ci-deployer' }]);
  });

  it('a failed prior-state read never stops the revocation', async () => {
    iamMock.on(ListAccessKeysCommand).rejectsOnce(sdkError('AccessDenied', 403)).resolves(keys('Inactive'));
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const outcome = await revoker().revoke(keyAction());
    expect(outcome.status).toBe('done');
    expect(outcome.priorState).toBeUndefined();
  });

  it('a stale read-back (IAM is eventually consistent) is read again, then done', async () => {
    iamMock.on(ListAccessKeysCommand).resolvesOnce(keys('Active')).resolvesOnce(keys('Active')).resolves(keys('Inactive'));
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const outcome = await revoker().revoke(keyAction());
    expect(outcome).toMatchObject({ status: 'done', attempts: 4 });
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(1);
  });

  it('a key that never reads Inactive after the write is failed (unconfirmed), never done', async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys('Active'));
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const outcome = await revoker().revoke(keyAction());
    expect(outcome).toMatchObject({ status: 'failed', code: 'unconfirmed', priorState: 'Active' });
    expect(outcome.detail).toMatch(/^IAM accepted the call \(.*\) but the key still reads Active/);
    // 1 read before + 3 read-backs (the retry budget), one write.
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(4);
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(1);
  });

  it('a client error (NoSuchEntity) fails the action and is explained', async () => {
    iamMock.on(ListAccessKeysCommand).resolves({});
    iamMock.on(UpdateAccessKeyCommand).rejects(sdkError('NoSuchEntity', 404));
    const outcome = await revoker().revoke(keyAction());
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(1);
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toContain('may have been deleted');
  });

  it('an existing Blastwall deny with an equal or later cut-off is left alone (already-revoked)', async () => {
    iamMock.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(revokeOlderSessionsDocument('2026-11-25T10:00:06Z')) });
    const outcome = await revoker().revoke(roleAction());
    expect(outcome).toMatchObject({ status: 'done', code: 'already-revoked', priorState: '2026-11-25T10:00:06Z' });
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
  });

  it('an unrecognised document under Blastwall\'s name is overwritten, and the deny read back', async () => {
    const planned = roleAction();
    const written = (planned.apiCall!.input as Record<string, string>).PolicyDocument!;
    iamMock.on(GetRolePolicyCommand).resolvesOnce({ PolicyDocument: encodeURIComponent('{"Statement":[]}') }).resolves({ PolicyDocument: encodeURIComponent(written) });
    iamMock.on(PutRolePolicyCommand).resolves({});
    const outcome = await revoker().revoke(planned);
    expect(outcome).toMatchObject({ status: 'done', priorState: 'present-unrecognised', attempts: 3 });
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
  });

  it('a deny that does not read back after PutRolePolicy is failed (unconfirmed)', async () => {
    iamMock.on(GetRolePolicyCommand).rejects(sdkError('NoSuchEntity', 404));
    iamMock.on(PutRolePolicyCommand).resolves({});
    const outcome = await revoker().revoke(roleAction());
    expect(outcome).toMatchObject({ status: 'failed', code: 'unconfirmed', priorState: 'absent' });
    expect(outcome.detail).toContain('has no BlastwallRevokeOlderSessions');
  });

  it('undo: re-enabling a key is read back Active', async () => {
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    iamMock.on(ListAccessKeysCommand).resolves(keys('Active'));
    const outcome = await revoker().undo({ service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Active' } }, PROD);
    expect(outcome).toMatchObject({ status: 'done', attempts: 2 });
    iamMock.on(ListAccessKeysCommand).resolves(keys('Inactive'));
    const stale = await revoker().undo({ service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Active' } }, PROD);
    expect(stale).toMatchObject({ status: 'failed', code: 'unconfirmed' });
    expect(stale.detail).toContain('the key still reads Inactive');
  });

  it('undo: deleting a deny that is already gone is a success', async () => {
    iamMock.on(DeleteRolePolicyCommand).rejects(sdkError('NoSuchEntity', 404));
    const outcome = await revoker().undo({ service: 'iam', operation: 'DeleteRolePolicy', input: { RoleName: 'ProdDeploy', PolicyName: 'BlastwallRevokeOlderSessions' } }, PROD);
    expect(outcome).toMatchObject({ status: 'done', code: 'already-revoked' });
  });

  it('a client that cannot be had (AssumeRole failed) is assume-role-failed', async () => {
    const r = new IamRevoker({
      clientFor: () => {
        throw new Error('AssumeRole into arn:aws:iam::333333333333:role/BlastwallResponder failed');
      },
    });
    expect(await r.revoke(keyAction())).toMatchObject({ status: 'failed', code: 'assume-role-failed', attempts: 0 });
  });
});

describe('retry policy', () => {
  it('classifies errors', () => {
    expect(isRetryable(sdkError('Throttling', 400))).toBe(true);
    expect(isRetryable(sdkError('Whatever', 502))).toBe(true);
    expect(isRetryable(sdkError('Foo', 429))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(sdkError('AccessDenied', 403))).toBe(false);
    expect(isRetryable(sdkError('MalformedPolicyDocument', 400))).toBe(false);
  });
  it('backs off exponentially with jitter, capped', () => {
    const p = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(400);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
  });
});

describe('responder publishing through EventBridge', () => {
  it('a response too large for the bus goes out compacted; the ledger keeps the full finding', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const ledger = new MemoryResponseLedger();
    const responder = createResponder({
      config: testConfig(),
      ledger,
      revoker: { revoke: async () => ({ status: 'done', detail: 'ok', attempts: 1 }), undo: async () => ({ status: 'done', detail: 'ok', attempts: 1 }) },
      publisher: new EventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'b', sleep: noSleep }),
      now: () => NOW,
    });
    // A finding at the bus's limit: with its actions added, the response no longer fits.
    const recentEvents = Array.from({ length: 700 }, (_, i) => ({
      eventId: `e-${i}`,
      time: NOW.toISOString(),
      eventName: 'DescribeDBInstances'.padEnd(400, 'x'),
      eventSource: 'rds.amazonaws.com',
      account: PROD,
      environment: 'production',
      sourceIp: '203.0.113.7',
      userAgentFamily: 'aws-cli',
    }));
    const finding = makeFinding({ recentEvents });
    while (Buffer.byteLength(JSON.stringify(finding)) > MAX_EVENT_BYTES - 500) finding.recentEvents.pop();
    expect(Buffer.byteLength(JSON.stringify(finding))).toBeGreaterThan(MAX_EVENT_BYTES - 1500);
    const kept = finding.recentEvents.length;
    const out = await responder.respond(finding);
    expect(out.status).toBe('responded');
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const sent = JSON.parse(calls[0]!.args[0].input.Entries![0]!.Detail!);
    expect(sent.finding.recentEvents).toHaveLength(5);
    expect(sent.actions[0].status).toBe('done');
    expect(Buffer.byteLength(calls[0]!.args[0].input.Entries![0]!.Detail!)).toBeLessThan(MAX_EVENT_BYTES);
    expect((await ledger.get(finding.id))!.finding.recentEvents).toHaveLength(kept);
  });
});

describe('EventBridgePublisher', () => {
  it('publishes one entry with source blastwall, the detail-type and the JSON detail', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const publisher = createEventPublisher({ eventBusName: 'blastwall-bus', client: new EventBridgeClient({}) });
    await publisher.publish('Blastwall Response', { findingId: 'f-1' }, { resources: ['arn:aws:iam::333333333333:user/ci-deployer'] });
    expect(ebMock.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'blastwall-bus',
          Source: 'blastwall',
          DetailType: 'Blastwall Response',
          Detail: '{"findingId":"f-1"}',
          Resources: ['arn:aws:iam::333333333333:user/ci-deployer'],
        },
      ],
    });
  });

  it('retries a throttled entry, then gives up with the entry error', async () => {
    ebMock
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    const p = new EventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'b', sleep: noSleep });
    await p.publish('Blastwall Finding', { id: 'x' });
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(2);

    ebMock.reset();
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }] });
    await expect(p.publish('Blastwall Finding', { id: 'x' })).rejects.toThrow(PublishError);
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses a detail over EventBridge\'s size limit before sending', async () => {
    const p = new EventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'b', sleep: noSleep });
    await expect(p.publish('Blastwall Finding', { blob: 'x'.repeat(MAX_EVENT_BYTES) })).rejects.toThrow(/over EventBridge's/);
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
