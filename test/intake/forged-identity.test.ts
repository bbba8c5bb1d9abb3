/**
 * Forged identities (issue 15 item 7): a record whose userIdentity.accountId disagrees
 * with the account of its own ARNs, or whose EventBridge envelope names another account
 * than its recipientAccountId, is rejected with a reason — and counted, by the replay
 * summary and by the detect handler's EventsRejected metric. Real cross-account records,
 * AWS-service identities and sanitised exports are not forgeries.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { METRICS } from '../../functions/core/telemetry-names.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { detectHarness, envelopeOf } from '../faults/support/harness.ts';
import { runCli } from '../cli/run-cli.ts';

const resolver = createEnvironmentResolver(parseConfig(EXAMPLE_CONFIG));
const PROD = '333333333333'; // production in the example configuration
const OUTSIDE = '444455556666'; // an account the configuration does not name

const record = (over: Record<string, unknown> = {}) => ({
  eventVersion: '1.08',
  eventID: 'forged-1',
  eventTime: '2026-11-02T10:00:00Z',
  eventSource: 'rds.amazonaws.com',
  eventName: 'DeleteDBInstance',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  recipientAccountId: PROD,
  requestParameters: { dBInstanceIdentifier: 'orders', skipFinalSnapshot: true },
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:ops',
    arn: `arn:aws:sts::${PROD}:assumed-role/ops/jane`,
    accountId: PROD,
    accessKeyId: 'ASIAEXAMPLEOPS000001',
    sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${PROD}:role/ops`, accountId: PROD, userName: 'ops' } },
  },
  ...over,
});

function withIdentity(patch: (identity: Record<string, unknown>) => void) {
  const r = JSON.parse(JSON.stringify(record())) as Record<string, unknown>;
  patch(r.userIdentity as Record<string, unknown>);
  return r;
}

const reasonOf = (value: unknown) => {
  const result = normaliseRecord(value, resolver);
  return result.ok ? undefined : result.reason;
};

// Failed before: every one of these normalised.
const FORGED: [string, unknown, RegExp][] = [
  [
    'accountId says production, the ARN another account',
    withIdentity((u) => (u.arn = `arn:aws:sts::${OUTSIDE}:assumed-role/ops/jane`)),
    /^userIdentity\.accountId 333333333333 disagrees with userIdentity\.arn \(account 444455556666\): a forged identity\?$/,
  ],
  [
    'the ARN says production, accountId another account',
    withIdentity((u) => (u.accountId = OUTSIDE)),
    /^userIdentity\.accountId 444455556666 disagrees with userIdentity\.arn \(account 333333333333\)/,
  ],
  [
    "the session issuer's ARN in another account",
    withIdentity((u) => ((u.sessionContext as { sessionIssuer: { arn: string } }).sessionIssuer.arn = `arn:aws:iam::${OUTSIDE}:role/ops`)),
    /disagrees with userIdentity\.sessionContext\.sessionIssuer\.arn \(account 444455556666\)/,
  ],
  [
    "the envelope's account is not the record's recipientAccountId",
    { ...envelopeOf(record()), account: OUTSIDE },
    /^recipientAccountId 333333333333 disagrees with the EventBridge envelope's account 444455556666: a forged record\?$/,
  ],
];

describe('forged identities are rejected with a reason', () => {
  it.each(FORGED)('%s', (_name, value, reason) => {
    expect(reasonOf(value)).toMatch(reason);
  });

  it('real shapes are not forgeries: cross-account calls, AWS services, identities without ARN, sanitised placeholders', () => {
    const accepted = [
      // A principal of another account calling into production: recipientAccountId ≠ accountId (both copies are real).
      withIdentity((u) => {
        u.accountId = OUTSIDE;
        u.arn = `arn:aws:sts::${OUTSIDE}:assumed-role/ops/jane`;
        (u.sessionContext as { sessionIssuer: Record<string, string> }).sessionIssuer = { type: 'Role', arn: `arn:aws:iam::${OUTSIDE}:role/ops`, accountId: OUTSIDE };
      }),
      // An AWS service: no ARN, no account of its own.
      record({ userIdentity: { type: 'AWSService', invokedBy: 'backup.amazonaws.com' } }),
      // Anonymous S3 access: accountId is a word, no ARN.
      record({ userIdentity: { type: 'AWSAccount', principalId: '', accountId: 'ANONYMOUS_PRINCIPAL' } }),
      // A web-identity user: no ARN.
      record({ userIdentity: { type: 'WebIdentityUser', principalId: 'accounts.google.com:1', userName: '1', identityProvider: 'accounts.google.com' } }),
      // Sanitised exports: placeholders that disagree, none of them a configured account (Panther's hand-edited fixtures).
      record({
        recipientAccountId: '123451234515',
        userIdentity: {
          type: 'AssumedRole',
          accountId: '123451234516',
          arn: 'arn:aws:sts::123123123123:assumed-role/MakeStuffPublic',
          sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123123123123:role/MakeStuffPublic', accountId: '123123123123' } },
        },
      }),
      record({ recipientAccountId: '987654321', userIdentity: { type: 'AssumedRole', accountId: '987654321', arn: 'arn:aws:sts::98765432:assumed-role/IAM/alice' } }),
      // An envelope that agrees with its record.
      envelopeOf(record()),
    ];
    for (const value of accepted) expect(reasonOf(value)).toBeUndefined();
  });

  it('keeps every complete record of the real corpus (a rejected one lacks a field CloudTrail always writes)', () => {
    const dir = 'test/fixtures/corpus';
    const records: unknown[] = [];
    for (const f of readdirSync(join(dir, 'stratus-red-team')).filter((f) => f.endsWith('.json'))) {
      records.push(...(JSON.parse(readFileSync(join(dir, 'stratus-red-team', f), 'utf8')) as unknown[]));
    }
    const panther = readFileSync(join(dir, 'panther-analysis', 'cloudtrail-tests.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const line of panther) records.push((JSON.parse(line) as { record: unknown }).record);
    let kept = 0;
    const incomplete: string[] = [];
    for (const r of records) {
      const reason = reasonOf(r);
      if (reason === undefined) kept++;
      else incomplete.push(reason);
    }
    // Partial records: a required field absent, or a placeholder where the time should be ("redacted", "...").
    for (const reason of incomplete) expect(reason).toMatch(/^(eventName|eventSource|eventTime|userIdentity|recipientAccountId) is missing|^eventTime "(redacted|\.\.\.)" is not/);
    expect(incomplete.filter((r) => /forged|disagrees|larger than|nests deeper/.test(r))).toEqual([]);
    expect(kept).toBe(745);
  });
});

describe('forged records are counted by every door', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blastwall-forged-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('blastwall replay: FILE:LINE: reason on stderr, counted in the summary, exit 3', async () => {
    const file = join(dir, 'forged.jsonl');
    const lines = [JSON.stringify(record({ eventID: 'genuine' })), ...FORGED.map(([, value], i) => JSON.stringify({ ...(value as object), ...('detail' in (value as object) ? {} : { eventID: `forged-${i}` }) }))];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await runCli(['replay', '--format', 'json', file]);
    expect(run.code).toBe(3);
    expect(run.lines.at(-1)).toMatchObject({ type: 'summary', events: 1, rejected: FORGED.length });
    const errors = run.stderr.trim().split('\n');
    expect(errors).toHaveLength(FORGED.length);
    FORGED.forEach(([, , reason], i) => expect(errors[i]!.replace(`${file}:${i + 2}: `, '')).toMatch(reason));
  });

  it('detect handler: rejected, logged with the reason, counted in EventsRejected; the genuine record is processed', async () => {
    const h = detectHarness(createMemoryStateStore());
    const reasons: string[] = [];
    for (const [, value] of FORGED) {
      const input = 'detail' in (value as object) ? value : envelopeOf(value as Record<string, unknown>);
      const result = await h.handler(input);
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') reasons.push(result.reason);
    }
    expect(reasons.every((r) => /forged/.test(r))).toBe(true);
    expect(h.telemetry.logs().filter((l) => l.message === 'rejected input').map((l) => l.reason)).toEqual(reasons);
    expect(h.telemetry.metricTotals()[METRICS.eventsRejected]).toBe(FORGED.length);
    expect((await h.handler(envelopeOf(record({ eventID: 'genuine' })))).status).toBe('processed');
  });
});
