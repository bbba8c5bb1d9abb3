/**
 * ResponderCredentials over the IAM/STS stand-in, with the real SDK: the AssumeRole call
 * and its per-account cache are @aws-sdk/credential-providers' fromTemporaryCredentials
 * memoized by @smithy/core, the retry is the SDK's retryStrategy with our bounds.
 * Asserts the requests STS sees: role ARN, session name, one call per account and
 * credential lifetime, a new one inside the 5-minute refresh margin, bounded retries.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResponderCredentials } from '../../functions/adapters/responder-credentials.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { CENTRAL_KEY } from './harness.ts';
import { PROD, STAGING } from './fixtures.ts';

let standIn: IamStsStandIn;
beforeAll(async () => {
  standIn = await startIamStsStandIn();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => {
  standIn.reset();
  for (const account of [PROD, STAGING]) standIn.addRole(account, 'BlastwallResponder');
  standIn.trustCallers([CENTRAL_KEY]);
});
afterEach(() => {
  vi.useRealTimers();
});

function credentials(options: { durationSeconds?: number; retries?: number[] } = {}) {
  return new ResponderCredentials({
    sts: { region: 'us-east-1', endpoint: standIn.endpoint, credentials: { accessKeyId: CENTRAL_KEY, secretAccessKey: 'central-secret' } },
    roleName: 'BlastwallResponder',
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
    onRetry: (ms) => void options.retries?.push(ms),
    ...(options.durationSeconds ? { durationSeconds: options.durationSeconds } : {}),
  });
}

describe('ResponderCredentials (fromTemporaryCredentials, memoized per account)', () => {
  it('assumes the responder role per account as blastwall-respond, and caches until 5 minutes before expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const c = credentials({ durationSeconds: 3600 });
    const first = await c.forAccount(PROD);
    expect(await c.forAccount(PROD)).toEqual(first);
    await c.forAccount(STAGING);
    expect(standIn.calls('AssumeRole').map((r) => [r.params.RoleArn, r.params.RoleSessionName, r.params.DurationSeconds])).toEqual([
      [`arn:aws:iam::${PROD}:role/BlastwallResponder`, 'blastwall-respond', '3600'],
      [`arn:aws:iam::${STAGING}:role/BlastwallResponder`, 'blastwall-respond', '3600'],
    ]);
    expect(first.sessionToken).toBeTruthy();
    expect(first.expiration.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    // 54 minutes on: still 6 minutes left, outside the refresh margin: cached.
    vi.setSystemTime(Date.now() + 54 * 60_000);
    expect((await c.forAccount(PROD)).accessKeyId).toBe(first.accessKeyId);
    expect(standIn.calls('AssumeRole')).toHaveLength(2);
    // 2 more minutes: 4 minutes left, inside the margin: assumed again.
    vi.setSystemTime(Date.now() + 2 * 60_000);
    const renewed = await c.forAccount(PROD);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(standIn.calls('AssumeRole')).toHaveLength(3);
  });

  it('concurrent requests for one account share one AssumeRole', async () => {
    const c = credentials();
    const got = await Promise.all([c.forAccount(PROD), c.forAccount(PROD), c.forAccount(PROD)]);
    expect(new Set(got.map((g) => g.accessKeyId)).size).toBe(1);
    expect(standIn.calls('AssumeRole')).toHaveLength(1);
  });

  it('invalidate drops the account\'s credentials: the next call assumes the role again', async () => {
    const c = credentials();
    const first = await c.forAccount(PROD);
    c.invalidate(PROD);
    expect((await c.forAccount(PROD)).accessKeyId).not.toBe(first.accessKeyId);
    expect(standIn.calls('AssumeRole')).toHaveLength(2);
  });

  it('refuses a malformed account id without calling STS, and reports AccessDenied without retrying', async () => {
    const c = credentials();
    await expect(c.forAccount('12345')).rejects.toThrow(/not an AWS account id/);
    standIn.fail('AssumeRole', { status: 403, code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole' });
    await expect(c.forAccount(PROD)).rejects.toThrow(new RegExp(`AssumeRole into arn:aws:iam::${PROD}:role/BlastwallResponder failed after 1 attempt\\(s\\): AccessDenied`));
    expect(standIn.calls('AssumeRole')).toHaveLength(1);
    // A failure is not cached: the next call tries again.
    expect((await c.forAccount(PROD)).accessKeyId).toMatch(/^ASIA/);
  });

  it('throttling and 5xx are retried by the SDK within the bound, then fail with the attempts', async () => {
    const retries: number[] = [];
    const c = credentials({ retries });
    standIn.fail('AssumeRole', { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 1);
    standIn.fail('AssumeRole', { status: 500, code: 'ServiceFailure', message: 'internal' }, 1);
    expect((await c.forAccount(PROD)).accessKeyId).toMatch(/^ASIA/);
    expect(standIn.calls('AssumeRole').map((r) => r.status)).toEqual([400, 500, 200]);
    expect(retries).toHaveLength(2);
    expect(retries.every((ms) => ms >= 5 && ms <= 40)).toBe(true);

    standIn.fail('AssumeRole', { status: 503, code: 'ServiceUnavailable', message: 'down' }, 10);
    await expect(c.forAccount(STAGING)).rejects.toThrow(/failed after 3 attempt\(s\): ServiceUnavailable \(HTTP 503\)/);
    expect(standIn.calls('AssumeRole')).toHaveLength(3 + 3);
  });
});
