/**
 * Test cases of `credential-access.ts` (see ./case.ts). These entries are hits
 * only in numbers; a case checks the catalogue match of one call (whether the
 * burst is complete is the detector's business). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'ec2.get-password-data-burst',
    name: "a Windows instance's password",
    record: { eventName: 'GetPasswordData', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718' }, responseElements: null },
    expect: { category: 'credential-access', severity: 'high' },
  },
  {
    entry: 'ec2.download-user-data-burst',
    name: "an instance's user data",
    record: { eventName: 'DescribeInstanceAttribute', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', attribute: 'userData' } },
    expect: { category: 'credential-access', severity: 'medium' },
  },
  {
    entry: 'ec2.download-user-data-burst',
    name: "an instance's type",
    record: { eventName: 'DescribeInstanceAttribute', requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', attribute: 'instanceType' } },
    expect: null,
  },
  {
    entry: 'secretsmanager.get-secret-value-burst',
    name: "a secret's value",
    record: { eventName: 'GetSecretValue', requestParameters: { secretId: 'prod/orders/db-password' } },
    expect: { category: 'credential-access', severity: 'medium' },
  },
  {
    entry: 'secretsmanager.batch-get-secret-value-burst',
    name: 'a batch of secret values',
    record: { eventName: 'BatchGetSecretValue', requestParameters: { secretIdList: ['prod/orders/db-password', 'prod/orders/api-key', 'prod/payments/db-password'] } },
    expect: { category: 'credential-access', severity: 'medium' },
  },
  {
    entry: 'ssm.get-parameters-decrypted-burst',
    name: 'SecureString parameters, decrypted',
    record: { eventName: 'GetParameters', requestParameters: { names: ['/prod/orders/db-password', '/prod/orders/api-key'], withDecryption: true } },
    expect: { category: 'credential-access', severity: 'medium' },
  },
  {
    entry: 'ssm.get-parameters-decrypted-burst',
    name: 'parameters, not decrypted',
    record: { eventName: 'GetParameters', requestParameters: { names: ['/prod/orders/feature-flags'], withDecryption: false } },
    expect: null,
  },
  {
    entry: 'ssm.get-parameters-decrypted-burst',
    name: 'a parameter without the decryption flag',
    record: { eventName: 'GetParameter', requestParameters: { name: '/prod/orders/feature-flags' } },
    expect: null,
  },
];
