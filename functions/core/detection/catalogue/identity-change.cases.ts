/**
 * Test cases of `identity-change.ts` (see ./case.ts). The default caller is the
 * IAM user `alice`. Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const trust = (principal: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'rds.remove-role',
    name: 'a role removed from a database',
    record: { eventName: 'RemoveRoleFromDBInstance', requestParameters: { dBInstanceIdentifier: 'orders-db', roleArn: 'arn:aws:iam::333333333333:role/rds-s3-export', featureName: 's3Export' } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'lambda.remove-permission',
    name: "a statement removed from a function's policy",
    record: { eventName: 'RemovePermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 'apigateway-invoke' } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.admin-policy',
    name: 'a read-only policy for a user',
    record: { eventName: 'AttachUserPolicy', requestParameters: { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.admin-policy',
    name: 'AdministratorAccess for a role',
    record: { eventName: 'AttachRolePolicy', requestParameters: { roleName: 'orders-api-role', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    expect: { category: 'identity-change', severity: 'high', says: '(administrator access)' },
  },
  {
    entry: 'iam.admin-policy',
    name: 'an inline policy allowing every action',
    record: { eventName: 'PutUserPolicy', requestParameters: { userName: 'bob', policyName: 'all', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) } },
    expect: { category: 'identity-change', severity: 'high', says: '(every action)' },
  },
  {
    entry: 'iam.backdoor-trust',
    name: 'trust for a service',
    record: { eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'orders-api-role', policyDocument: trust({ Service: 'lambda.amazonaws.com' }) } },
    expect: { category: 'identity-change', severity: 'medium' },
  },
  {
    entry: 'iam.backdoor-trust',
    name: 'trust for an account in the configuration',
    record: { eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'deployer', policyDocument: trust({ AWS: 'arn:aws:iam::222222222222:root' }) } },
    expect: { category: 'identity-change', severity: 'medium' },
  },
  {
    entry: 'iam.backdoor-trust',
    name: 'trust for an account outside the configuration',
    record: { eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'deployer', policyDocument: trust({ AWS: 'arn:aws:iam::444455556666:root' }) } },
    expect: { category: 'identity-change', severity: 'high', says: 'to an account outside the configuration' },
  },
  {
    entry: 'iam.backdoor-trust',
    name: 'trust for anyone',
    record: { eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'deployer', policyDocument: trust({ AWS: '*' }) } },
    expect: { category: 'identity-change', severity: 'high', says: 'to anyone' },
  },
  {
    entry: 'iam.credentials',
    name: 'an access key for oneself',
    record: { eventName: 'CreateAccessKey', requestParameters: null },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.credentials',
    name: 'her own console password',
    record: { eventName: 'UpdateLoginProfile', requestParameters: { userName: 'alice', passwordResetRequired: false } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.identity-deletion',
    name: 'a user',
    record: { eventName: 'DeleteUser', requestParameters: { userName: 'bob' } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.identity-deletion',
    name: 'an application role',
    record: { eventName: 'DeleteRole', requestParameters: { roleName: 'orders-api-role' } },
    expect: { category: 'identity-change', severity: 'low' },
  },
  {
    entry: 'iam.saml-provider',
    name: 'a SAML provider updated',
    record: { eventName: 'UpdateSAMLProvider', requestParameters: { sAMLProviderArn: 'arn:aws:iam::333333333333:saml-provider/okta', sAMLMetadataDocument: '<EntityDescriptor/>' } },
    expect: { category: 'identity-change', severity: 'medium' },
  },
];
