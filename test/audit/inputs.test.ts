/** The audit's input formats: what is recognised, and what is refused with which reason. */
import { describe, expect, it } from 'vitest';
import { AuditInputError, parseAuditInput } from '../../functions/core/audit/inputs.ts';
import { readFixture, STAGING } from './support.ts';

const refused = (text: string, name = 'input.json') => {
  try {
    parseAuditInput(text, name);
  } catch (error) {
    expect(error).toBeInstanceOf(AuditInputError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('audit inputs', () => {
  it('reads an export with URL-encoded documents (as the raw API returns them) and the default policy version', () => {
    const input = parseAuditInput(readFixture('staging-222222222222.json'), 'staging.json');
    expect(input.kind).toBe('authorization-details');
    if (input.kind !== 'authorization-details') return;
    expect(input.account).toBe(STAGING);
    const policy = input.policies.get(`arn:aws:iam::${STAGING}:policy/reporting-read`)!;
    // v2 is the default version; v1 (s3:ListAllMyBuckets) is not what is in force.
    expect(JSON.stringify(policy.document)).toContain('rds:DescribeDBInstances');
    expect(JSON.stringify(policy.document)).not.toContain('ListAllMyBuckets');
  });

  it('reads the credential report as CSV and as `aws iam get-credential-report` JSON (base64 Content)', () => {
    const csv = readFixture('staging-credentials.csv');
    const fromCsv = parseAuditInput(csv, 'report.csv');
    const fromJson = parseAuditInput(JSON.stringify({ Content: Buffer.from(csv).toString('base64'), ReportFormat: 'text/csv', GeneratedTime: '2026-06-01T00:00:00Z' }), 'report.json');
    expect(fromJson).toEqual({ ...fromCsv, source: 'report.json' });
    if (fromCsv.kind !== 'credential-report') throw new Error('kind');
    const legacy = fromCsv.rows.find((r) => r.user === 'legacy-reporting')!;
    expect(legacy.keys[0]).toEqual({ active: true, lastRotated: '2025-04-27T00:00:00+00:00', lastUsed: '2026-05-20T00:00:00+00:00' });
    // N/A and not_supported are "unknown", not dates.
    expect(fromCsv.rows.find((r) => r.user === '<root_account>')!.keys[0]).toEqual({ active: false });
  });

  it('reads SCPs with Content as a string or an object, and OU targets with their accounts', () => {
    const scps = parseAuditInput(
      JSON.stringify([
        { PolicyId: 'p-1', Targets: [{ TargetId: 'ou-ab-1', Type: 'ORGANIZATIONAL_UNIT', Accounts: ['333333333333', 'not-an-account'] }], Content: { Version: '2012-10-17', Statement: [] } },
        { PolicySummary: { Id: 'p-2', Name: 'Two' }, Targets: [], Content: '{"Version":"2012-10-17","Statement":[]}' },
      ]),
      'scps.json',
    );
    expect(scps.kind).toBe('scps');
    if (scps.kind !== 'scps') return;
    expect(scps.policies[0]!.targets).toEqual([{ type: 'ORGANIZATIONAL_UNIT', id: 'ou-ab-1', accounts: ['333333333333'] }]);
    expect(scps.policies[1]!.name).toBe('Two');
  });

  it('refuses, naming the reason: truncated exports, mixed accounts, bad documents, unknown shapes', () => {
    expect(refused(JSON.stringify({ UserDetailList: [], IsTruncated: true, Marker: 'x' }))).toMatch(/truncated.*aws iam get-account-authorization-details --output json > ACCOUNT\.json/);
    expect(
      refused(JSON.stringify({ UserDetailList: [{ Arn: 'arn:aws:iam::111111111111:user/a' }, { Arn: 'arn:aws:iam::222222222222:user/b' }] })),
    ).toMatch(/names several accounts \(111111111111, 222222222222\)/);
    expect(refused(JSON.stringify({ RoleDetailList: [{ Arn: 'arn:aws:iam::111111111111:role/r', RoleName: 'r', AssumeRolePolicyDocument: '{not json' }] }))).toMatch(/role r trust policy: policy document is not valid JSON/);
    expect(refused(JSON.stringify({ UserDetailList: [] }))).toMatch(/which account it belongs to is unknown/);
    expect(refused(JSON.stringify([{ Id: 'x' }]))).toMatch(/not \{PolicyId, Targets, Content\}/);
    expect(refused(JSON.stringify([{ PolicyId: 'p', Targets: [{ TargetId: 'x', Type: 'GALAXY' }], Content: '{}' }]))).toMatch(/Type" of ROOT, ORGANIZATIONAL_UNIT or ACCOUNT/);
    expect(refused('user,arn\nbob,arn:aws:iam::1:user/bob\n', 'r.csv')).toMatch(/without the credential report's columns/);
    expect(refused('')).toMatch(/empty/);
    expect(refused('{"Records": [')).toMatch(/not valid JSON/);
  });
});
