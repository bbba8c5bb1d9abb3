/**
 * Test cases of `privilege-escalation.ts` (see ./case.ts). The default caller is
 * the IAM user `alice`. Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'iam.update-login-profile-of-another-user',
    name: "bob's console password, changed by alice",
    record: { eventName: 'UpdateLoginProfile', requestParameters: { userName: 'bob', passwordResetRequired: false } },
    expect: { category: 'privilege-escalation', severity: 'high' },
  },
  {
    entry: 'iam.update-login-profile-of-another-user',
    name: 'her own console password',
    record: { eventName: 'UpdateLoginProfile', requestParameters: { userName: 'alice', passwordResetRequired: false } },
    expect: null,
  },
];
