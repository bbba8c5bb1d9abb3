/**
 * The shape of the catalogue's test cases (`<category>.cases.ts` beside each
 * category file), Panther-style: a partial CloudTrail record and what the
 * catalogue must make of it. test/detection/catalogue-cases.test.ts fills the
 * rest of each record with defaults (an IAM user's access key in the
 * production account, from the AWS CLI), normalises it and matches it.
 *
 * Test data only: no runtime module imports this file or the cases.
 */
import type { Severity } from '../../audit-event.ts';
import type { Category } from './types.ts';

/** The fields a case sets; everything else is a default. `userIdentity` is merged over the default IAM user unless it names its own `type`. */
export interface CaseRecord {
  /** Defaults to the entry's event source. */
  eventSource?: string;
  eventName: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  userIdentity?: Record<string, unknown>;
  userAgent?: string;
  sourceIPAddress?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface CatalogueCase {
  /** The catalogue entry id the case is about. */
  entry: string;
  name: string;
  record: CaseRecord;
  /**
   * The strongest catalogue hit for the call — by this entry — or `null` when
   * this entry must not hit (another entry may: `CreateAccessKey` for oneself is
   * not persistence, but it is still an identity change). `says` is a part of
   * the description (a modifier's clause).
   */
  expect: { category: Category; severity: Severity; says?: string } | null;
}

/** Account ids the cases use: the configuration's own, and one outside it. */
export const CASE_ACCOUNTS = { receiving: '333333333333', known: '222222222222', foreign: '444455556666' } as const;

/** User agents the cases use: a person's tool, and deployment engines. */
export const CASE_AGENTS = {
  cli: 'aws-cli/2.17.50 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard',
  terraform: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.70.0 aws-sdk-go-v2/1.32.2 os/linux lang/go#1.23.1',
  cloudformation: 'cloudformation.amazonaws.com',
} as const;

/** A CloudFormation deployment's role session (invokedBy cloudformation.amazonaws.com): not a human call. */
export const CLOUDFORMATION_SESSION: Record<string, unknown> = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLEEXECROLE01:AWSCloudFormation',
  arn: 'arn:aws:sts::333333333333:assumed-role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1/AWSCloudFormation',
  accountId: '333333333333',
  accessKeyId: 'ASIAEXAMPLECFNEXEC01',
  sessionContext: {
    sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEEXECROLE01', arn: 'arn:aws:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1', accountId: '333333333333', userName: 'cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1' },
    webIdFederationData: {},
    attributes: { creationDate: '2025-06-10T09:59:00Z', mfaAuthenticated: 'false' },
  },
  invokedBy: 'cloudformation.amazonaws.com',
};
