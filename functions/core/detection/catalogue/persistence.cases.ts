/**
 * Test cases of `persistence.ts` (see ./case.ts). The default caller is the IAM
 * user `alice` using the AWS CLI. Not imported by runtime code.
 */
import { CASE_AGENTS, CLOUDFORMATION_SESSION, type CatalogueCase } from './case.ts';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'iam.access-key-for-another-user',
    name: "an access key for another user (bob's, made by alice)",
    record: { eventName: 'CreateAccessKey', requestParameters: { userName: 'bob' }, responseElements: { accessKey: { accessKeyId: 'AKIAEXAMPLEBOB000001', status: 'Active', userName: 'bob', createDate: 'Jun 10, 2025, 10:00:00 AM' } } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'iam.access-key-for-another-user',
    name: 'an access key for oneself, named',
    record: { eventName: 'CreateAccessKey', requestParameters: { userName: 'alice' } },
    expect: null,
  },
  {
    entry: 'iam.access-key-for-another-user',
    name: 'an access key for oneself, userName absent (the caller)',
    record: { eventName: 'CreateAccessKey', requestParameters: null },
    expect: null,
  },
  {
    entry: 'iam.create-login-profile',
    name: 'a console password for a user',
    record: { eventName: 'CreateLoginProfile', requestParameters: { userName: 'bob', passwordResetRequired: false } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'lambda.code-updated-by-human',
    name: 'code replaced from the AWS CLI',
    record: { eventName: 'UpdateFunctionCode20150331v2', requestParameters: { functionName: 'orders-api', publish: false, dryRun: false } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'lambda.code-updated-by-human',
    name: 'code deployed by Terraform',
    record: { eventName: 'UpdateFunctionCode20150331v2', userAgent: CASE_AGENTS.terraform, requestParameters: { functionName: 'orders-api', publish: true } },
    expect: null,
  },
  {
    entry: 'lambda.code-updated-by-human',
    name: 'code deployed by CloudFormation',
    record: { eventName: 'UpdateFunctionCode20150331v2', userIdentity: CLOUDFORMATION_SESSION, sourceIPAddress: 'cloudformation.amazonaws.com', userAgent: CASE_AGENTS.cloudformation, requestParameters: { functionName: 'orders-api' } },
    expect: null,
  },
  {
    entry: 'lambda.layer-added-by-human',
    name: 'a layer added from the AWS CLI',
    record: { eventName: 'UpdateFunctionConfiguration20150331v2', requestParameters: { functionName: 'orders-api', layers: ['arn:aws:lambda:eu-west-1:444455556666:layer:extension:1'] } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'lambda.layer-added-by-human',
    name: 'layers removed',
    record: { eventName: 'UpdateFunctionConfiguration20150331v2', requestParameters: { functionName: 'orders-api', layers: [] } },
    expect: null,
  },
  {
    entry: 'lambda.layer-added-by-human',
    name: 'a layer added by Terraform',
    record: { eventName: 'UpdateFunctionConfiguration20150331v2', userAgent: CASE_AGENTS.terraform, requestParameters: { functionName: 'orders-api', layers: ['arn:aws:lambda:eu-west-1:333333333333:layer:shared:4'] } },
    expect: null,
  },
  {
    entry: 'rolesanywhere.trust-anchor',
    name: 'a trust anchor with an external CA',
    record: { eventName: 'CreateTrustAnchor', requestParameters: { name: 'ops', enabled: true, source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: '-----BEGIN CERTIFICATE-----' } } } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'rolesanywhere.profile',
    name: 'a profile',
    record: { eventName: 'CreateProfile', requestParameters: { name: 'ops', enabled: true, roleArns: ['arn:aws:iam::333333333333:role/admin'] } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'sts.federation-token',
    name: 'a federation token from the AWS CLI',
    record: { eventName: 'GetFederationToken', requestParameters: { name: 'backup', durationSeconds: 129600 } },
    expect: { category: 'persistence', severity: 'medium' },
  },
  {
    entry: 'sts.federation-token',
    name: 'a federation token for a Terraform run',
    record: { eventName: 'GetFederationToken', userAgent: CASE_AGENTS.terraform, requestParameters: { name: 'terraform', durationSeconds: 3600 } },
    expect: null,
  },
];
