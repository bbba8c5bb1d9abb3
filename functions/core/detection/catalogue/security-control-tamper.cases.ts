/**
 * Test cases of `security-control-tamper.ts` (see ./case.ts). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const versioning = (configuration: Record<string, unknown>) => ({
  bucketName: 'orders-assets-prod',
  Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com',
  versioning: '',
  VersioningConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', ...configuration },
});
const detectorId = '12abc34d567e8fa901bc2d34e56789f0';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'ec2.disable-ebs-encryption-default',
    name: 'EBS encryption by default off',
    record: { eventName: 'DisableEbsEncryptionByDefault', requestParameters: { DisableEbsEncryptionByDefaultRequest: '' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'ec2.delete-traffic-mirror',
    name: 'a traffic-mirror session',
    record: { eventName: 'DeleteTrafficMirrorSession', requestParameters: { DeleteTrafficMirrorSessionRequest: { TrafficMirrorSessionId: 'tms-0a1b2c3d4e5f60718' } } },
    expect: { category: 'security-control-tamper', severity: 'low' },
  },
  {
    entry: 's3.disable-mfa-delete',
    name: 'MFA delete off',
    record: { eventName: 'PutBucketVersioning', requestParameters: versioning({ Status: 'Enabled', MfaDelete: 'Disabled' }) },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 's3.disable-mfa-delete',
    name: 'MFA delete on',
    record: { eventName: 'PutBucketVersioning', requestParameters: versioning({ Status: 'Enabled', MfaDelete: 'Enabled' }) },
    expect: null,
  },
  {
    entry: 's3.delete-encryption',
    name: 'default encryption removed',
    record: { eventName: 'DeleteBucketEncryption', requestParameters: { bucketName: 'orders-assets-prod', Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com', encryption: '' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'guardduty.delete-or-disable',
    name: 'a trusted IP list (findings from it are suppressed)',
    record: { eventName: 'CreateIPSet', requestParameters: { detectorId, name: 'trusted', format: 'TXT', location: 'https://s3.amazonaws.com/attacker-bucket/ips.txt', activate: true } },
    expect: { category: 'security-control-tamper', severity: 'high' },
  },
  {
    entry: 'guardduty.delete-or-disable',
    name: 'leaving the administrator account',
    record: { eventName: 'DisassociateFromAdministratorAccount', requestParameters: { detectorId } },
    expect: { category: 'security-control-tamper', severity: 'high' },
  },
  {
    entry: 'guardduty.delete-detector',
    name: 'the detector',
    record: { eventName: 'DeleteDetector', requestParameters: { detectorId } },
    expect: { category: 'security-control-tamper', severity: 'critical' },
  },
  {
    entry: 'guardduty.disable-detector',
    name: 'the detector disabled',
    record: { eventName: 'UpdateDetector', requestParameters: { detectorId, enable: false } },
    expect: { category: 'security-control-tamper', severity: 'critical' },
  },
  {
    entry: 'guardduty.disable-detector',
    name: 'the publishing frequency changed',
    record: { eventName: 'UpdateDetector', requestParameters: { detectorId, findingPublishingFrequency: 'FIFTEEN_MINUTES' } },
    expect: null,
  },
  {
    entry: 'securityhub.disable',
    name: 'Security Hub disabled',
    record: { eventName: 'DisableSecurityHub' },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'securityhub.disable',
    name: 'standards turned off',
    record: { eventName: 'BatchDisableStandards', requestParameters: { StandardsSubscriptionArns: ['arn:aws:securityhub:eu-west-1:333333333333:subscription/aws-foundational-security-best-practices/v/1.0.0'] } },
    expect: { category: 'security-control-tamper', severity: 'medium', says: 'by turning standards off' },
  },
  {
    entry: 'securityhub.suppress-findings',
    name: 'findings suppressed',
    record: { eventName: 'BatchUpdateFindings', requestParameters: { FindingIdentifiers: [{ Id: 'finding-1', ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' }], Workflow: { Status: 'SUPPRESSED' } } },
    expect: { category: 'security-control-tamper', severity: 'low' },
  },
  {
    entry: 'macie.disable',
    name: 'Macie paused',
    record: { eventName: 'UpdateMacieSession', requestParameters: { status: 'PAUSED' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'macie.disable',
    name: 'Macie disabled',
    record: { eventName: 'DisableMacie' },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'macie.disable',
    name: 'the publishing frequency changed',
    record: { eventName: 'UpdateMacieSession', requestParameters: { findingPublishingFrequency: 'FIFTEEN_MINUTES', status: 'ENABLED' } },
    expect: null,
  },
  {
    entry: 'detective.delete',
    name: 'the behaviour graph',
    record: { eventName: 'DeleteGraph', requestParameters: { GraphArn: 'arn:aws:detective:eu-west-1:333333333333:graph:0a1b2c3d4e5f60718' } },
    expect: { category: 'security-control-tamper', severity: 'high' },
  },
  {
    entry: 'waf.disassociate',
    name: 'a web ACL taken off a load balancer',
    record: { eventName: 'DisassociateWebACL', requestParameters: { resourceArn: 'arn:aws:elasticloadbalancing:eu-west-1:333333333333:loadbalancer/app/orders/0a1b2c3d4e5f6071' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'access-analyzer.delete',
    name: 'an analyzer',
    record: { eventName: 'DeleteAnalyzer', requestParameters: { analyzerName: 'account-analyzer' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'cloudwatch.delete-alarms',
    name: 'an application alarm',
    record: { eventName: 'DeleteAlarms', requestParameters: { alarmNames: ['orders-5xx'] } },
    expect: { category: 'security-control-tamper', severity: 'low' },
  },
  {
    entry: 'cloudwatch.delete-alarms',
    name: "one of Blastwall's alarms is detector tamper",
    record: { eventName: 'DeleteAlarms', requestParameters: { alarmNames: ['orders-5xx', 'BlastwallRespondDlqNotEmpty'] } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'bedrock.delete-guardrail',
    name: 'a guardrail',
    record: { eventName: 'DeleteGuardrail', requestParameters: { guardrailIdentifier: 'gr-0a1b2c3d4e5f' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'organizations.leave',
    name: 'leaving the organisation',
    record: { eventName: 'LeaveOrganization' },
    expect: { category: 'security-control-tamper', severity: 'critical' },
  },
  {
    entry: 'organizations.leave',
    name: 'a service-control policy detached',
    record: { eventName: 'DetachPolicy', requestParameters: { policyId: 'p-0a1b2c3d', targetId: '333333333333' } },
    expect: { category: 'security-control-tamper', severity: 'high', says: '(a service-control policy)' },
  },
  {
    entry: 'events.disable-rule',
    name: 'an application rule',
    record: { eventName: 'DisableRule', requestParameters: { name: 'orders-nightly' } },
    expect: { category: 'security-control-tamper', severity: 'low' },
  },
  {
    entry: 'events.disable-rule',
    name: "Blastwall's forwarding rule is detector tamper",
    record: { eventName: 'DisableRule', requestParameters: { name: 'BlastwallForwardManagementEvents' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'iam.mfa-removal',
    name: "a user's MFA device",
    record: { eventName: 'DeactivateMFADevice', requestParameters: { userName: 'bob', serialNumber: 'arn:aws:iam::333333333333:mfa/bob' } },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
  {
    entry: 'iam.password-policy',
    name: 'the password policy',
    record: { eventName: 'DeleteAccountPasswordPolicy' },
    expect: { category: 'security-control-tamper', severity: 'medium' },
  },
];
