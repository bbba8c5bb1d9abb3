/**
 * Rules and suppressions without editing code (issue 10 item 5): a team's own
 * catalogue entries and time-bound, reasoned suppressions in the config,
 * validated with zod; a suppressed event is counted and listed in the replay
 * summary, never silently dropped; an expired suppression stops applying and is
 * reported.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { replayFiles } from '../../bin/cli/replay-engine.ts';
import { detectorWith, normalise } from './support.ts';

const PROD = '333333333333';
const TERRAFORM_USER = `arn:aws:iam::${PROD}:user/terraform-ci`;

function record(name: string, source: string, params: Record<string, unknown>, at: string, user = TERRAFORM_USER, key = 'AKIATERRAFORMCI00001') {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: user, accountId: PROD, accessKeyId: key, userName: user.split('/').pop() },
    eventTime: at,
    eventSource: source,
    eventName: name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.70.0',
    requestParameters: params,
    responseElements: null,
    requestID: `req-${name}-${at}`,
    eventID: `evt-${name}-${at}`,
    eventType: 'AwsApiCall',
    recipientAccountId: PROD,
  };
}

const teardownSuppression = {
  principal: TERRAFORM_USER,
  action: 'dynamodb:DeleteTable',
  reason: 'nightly teardown of the load-test tables by terraform-ci (ticket OPS-1234)',
  expires: '2027-01-31',
};

describe('detection.suppressions', () => {
  it('silences a known teardown principal, reported with its reason and the severity it would have had', async () => {
    const config = parseConfig({ ...EXAMPLE_CONFIG, detection: { suppressions: [teardownSuppression] } });
    const event = normalise(record('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'loadtest-7' }, '2026-12-01T02:00:00Z'));
    const outcome = await detectorWith(undefined, config).process(event);
    expect(outcome.finding).toBeUndefined();
    expect(outcome.suppressed).toEqual({ index: 0, reason: teardownSuppression.reason, expires: '2027-01-31', severity: 'high' });
    // Without the suppression it is a finding: the suppression is what silenced it.
    expect((await detectorWith().process(event)).finding?.severity).toBe('high');
    // Another principal's DeleteTable is not covered.
    const other = normalise(record('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'orders' }, '2026-12-01T02:01:00Z', `arn:aws:iam::${PROD}:user/mallory`, 'AKIAMALLORY000000001'));
    expect((await detectorWith(undefined, config).process(other)).finding?.severity).toBe('high');
  });

  it('an expired suppression does not apply, and the replay summary says it expired; suppressed events are listed there', async () => {
    const expired = { ...teardownSuppression, expires: '2026-11-30', reason: 'old teardown window, now over' };
    const config = parseConfig({ ...EXAMPLE_CONFIG, detection: { suppressions: [expired, teardownSuppression] } });
    const dir = mkdtempSync(join(tmpdir(), 'bw-supp-'));
    const file = join(dir, 'trail.json');
    writeFileSync(
      file,
      JSON.stringify({
        Records: [
          record('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'loadtest-1' }, '2026-11-29T02:00:00Z'),
          record('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'loadtest-2' }, '2026-12-01T02:00:00Z'),
          record('DeleteTable', 'dynamodb.amazonaws.com', { tableName: 'loadtest-3' }, '2027-02-01T02:00:00Z'),
        ],
      }),
    );
    const findings: string[] = [];
    const summary = await replayFiles([file], config, { onFinding: ({ event }) => findings.push(String(event.requestParameters?.['tableName'])) });
    // Before 30 Nov the first suppression covered it; afterwards the second; after January nothing does.
    expect(summary.suppressed.map((s) => [s.eventName, s.suppression, s.severity])).toEqual([
      ['DeleteTable', 0, 'high'],
      ['DeleteTable', 1, 'high'],
    ]);
    expect(findings).toEqual(['loadtest-3']);
    expect(summary.expiredSuppressions).toEqual([{ index: 0, reason: 'old teardown window, now over', expires: '2026-11-30' }]);
  });

  it('is validated: an error names the field; a suppression of everything or without expiry is refused', () => {
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { suppressions: [{ reason: 'because I said so', expires: '2027-01-01' }] } })).toThrow(
      /detection\.suppressions\[0\]: name at least one of principal, action, resource, environment/,
    );
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { suppressions: [{ action: 'x', reason: 'a good reason here' }] } })).toThrow(/detection\.suppressions\[0\]\.expires/);
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { suppressions: [{ action: 'x', reason: 'short', expires: '2027-01-01' }] } })).toThrow(/detection\.suppressions\[0\]\.reason: say why/);
  });
});

describe('detection.rules', () => {
  const rule = {
    id: 'team.ledger-export',
    eventSource: 'qldb.amazonaws.com',
    eventNames: ['ExportJournalToS3'],
    category: 'exposure',
    severity: 'medium',
    what: 'exports the ledger journal to S3',
    when: { param: 'requestParameters.s3ExportConfiguration.bucket', matches: '^(?!ledger-archive-)' },
    modifiers: [{ when: { param: 'requestParameters.s3ExportConfiguration.bucket', foreignAccount: true }, severity: 'high', text: 'to a bucket named after another account' }],
    sources: [{ kind: 'config', ref: 'payments runbook §4: only ledger-archive-* buckets' }],
  };

  it('a custom rule fires, with its sources shown in the reason; its condition holds it back where it should', async () => {
    const config = parseConfig({ ...EXAMPLE_CONFIG, detection: { rules: [rule] } });
    const hit = normalise(record('ExportJournalToS3', 'qldb.amazonaws.com', { name: 'payments', s3ExportConfiguration: { bucket: 'exfil-bucket' } }, '2026-12-01T03:00:00Z'));
    const finding = (await detectorWith(undefined, config).process(hit)).finding!;
    expect(finding.severity).toBe('medium');
    expect(finding.categories).toEqual(['exposure']);
    const reason = finding.reasons.find((r) => r.signal === 'exposure')!.text;
    expect(reason).toContain('exports the ledger journal to S3');
    expect(reason).toContain('Your own rule team.ledger-export, from detection.rules; sources: config: payments runbook §4');
    const fine = normalise(record('ExportJournalToS3', 'qldb.amazonaws.com', { name: 'payments', s3ExportConfiguration: { bucket: 'ledger-archive-2026' } }, '2026-12-01T03:05:00Z'));
    expect((await detectorWith(undefined, config).process(fine)).finding?.categories ?? []).not.toContain('exposure');
    // Without the rule the built-in catalogue has nothing to say about the call.
    expect((await detectorWith().process(hit)).finding?.categories ?? []).toEqual([]);
  });

  it('is validated with the catalogue shape: errors name the field', () => {
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { rules: [{ ...rule, eventSource: 'qldb' }] } })).toThrow(/detection\.rules\[0\]\.eventSource: must be a service host/);
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { rules: [{ ...rule, sources: [] }] } })).toThrow(/detection\.rules\[0\]\.sources: name at least one source/);
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { rules: [{ ...rule, when: { param: 'requestParameters.x', matches: '(' } }] } })).toThrow(/detection\.rules\[0\]\.when/);
    expect(() => parseConfig({ ...EXAMPLE_CONFIG, detection: { rules: [rule, rule] } })).toThrow(/detection\.rules\[1\]\.id: duplicate rule id/);
  });
});
