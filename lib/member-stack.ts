/**
 * Member stack: deployed in every account of the organisation, in every region it
 * uses (us-east-1 always: IAM, STS and other global-service events are delivered
 * there only).
 *
 * - A rule on the default bus with state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
 *   (without it read-only management events — the reconnaissance — never reach a
 *   rule; the L2 `Rule` cannot set it, hence `CfnRule`), forwarding to the central
 *   bus through a role that may only put events there. Undeliverable events go to a
 *   local DLQ.
 * - The responder role (created in us-east-1 only: IAM is global, one per account),
 *   trusted only by the central respond function's role, allowed only the IAM calls
 *   revocation and restore make.
 *
 * The template is region- and account-agnostic (no assets, no bootstrap check), so
 * the same `cdk synth` output serves `cdk deploy` per account and a service-managed
 * CloudFormation StackSet for the whole organisation.
 */
import { Aws, CfnCondition, CfnOutput, Duration, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BlastwallConfig } from '../functions/core/config.ts';
import { GLOBAL_EVENTS_REGION, type DeploymentSettings } from './config.ts';
import { MemberDetector } from './constructs/member-detector.ts';
import { TABLE_ACCESS } from './central-stack.ts';
import { centralBusArn, centralTableArn, PROTECTED_TAG_KEY, respondFunctionRoleArn, type ResourceNames } from './names.ts';
import { preventionRoleArns, READER_ACTIONS } from './constructs/prevention.ts';
import { ownRoleArns } from '../functions/core/response/own-principals.ts';

export const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
] as const;

/**
 * What a member forwards: every CloudTrail management event except calls an AWS
 * service makes with its own identity (`userIdentity.type` = `AWSService`: a service
 * assuming its service role, KMS decrypts by S3, Config and Trusted Advisor polling…),
 * which no credential of the organisation can be revoked for and which are a large
 * share of a busy account's volume. EventBridge bills every event delivered
 * cross-account, and `detect` runs for each: dropping them here is the cheapest place.
 *
 * `anything-but` matches only when the field is present, so records without a
 * `userIdentity.type` — or without a `userIdentity` at all — are kept explicitly with
 * `exists: false`. (test/infra/member-pattern.test.ts checks the pattern against the
 * corpus: every record the catalogue flags is forwarded.)
 *
 * Calls a service makes *on behalf of* a principal (`userIdentity.invokedBy`, e.g.
 * CloudFormation deleting a database during the user's DeleteStack) are kept: the
 * principal's credential made them and may need revoking.
 */
export const MEMBER_EVENT_PATTERN = {
  'detail-type': [...CLOUDTRAIL_DETAIL_TYPES],
  detail: {
    userIdentity: {
      $or: [{ type: [{ 'anything-but': ['AWSService'] }] }, { type: [{ exists: false }] }],
    },
  },
} as const;

/** Responder permissions: exactly the calls functions/adapters/iam-revoker.ts makes. */
export const RESPONDER_ACTIONS = {
  accessKeys: ['iam:UpdateAccessKey', 'iam:ListAccessKeys'],
  rolePolicies: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'],
  userPolicies: ['iam:PutUserPolicy', 'iam:DeleteUserPolicy', 'iam:GetUserPolicy'],
} as const;
const RESPONDER_WRITE_ACTIONS: readonly string[] = ['iam:UpdateAccessKey', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy'];

export interface MemberStackProps extends StackProps {
  config: BlastwallConfig;
  deployment: DeploymentSettings;
  names: ResourceNames;
}

export class MemberStack extends Stack {
  /** Central topology: the forwarding rule, its role and its DLQ. */
  readonly rule?: events.CfnRule;
  readonly forwarderRole?: iam.Role;
  readonly deadLetterQueue?: sqs.Queue;
  /** Member topology: detect and its heartbeat in this account (lib/constructs/member-detector.ts). */
  readonly detector?: MemberDetector;
  readonly responderRole: iam.Role;
  readonly historyRole: iam.Role;
  readonly readerRole: iam.Role;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, props);
    const { config, deployment, names } = props;
    const busArn = centralBusArn(names, deployment, Aws.PARTITION);
    const respondRoleArn = respondFunctionRoleArn(names, deployment, Aws.PARTITION);

    // ── Member topology: detect runs here, only findings and heartbeats cross (docs/deploy.md, "Topology") ──
    if (deployment.topology === 'member') {
      this.detector = new MemberDetector(this, 'MemberDetector', {
        config,
        deployment,
        prefix: names.prefix,
        tableArn: centralTableArn(deployment, Aws.PARTITION),
        busArn,
        eventPattern: MEMBER_EVENT_PATTERN as unknown as Record<string, unknown>,
        tableAccess: TABLE_ACCESS.detect,
      });
    } else {
      // ── Forwarding ────────────────────────────────────────────────────────────────────
      this.forwarderRole = new iam.Role(this, 'ForwarderRole', {
        // IAM is global: one forwarder role per region, named so the detector knows it as Blastwall's own.
        roleName: names.forwarderRole(Aws.REGION),
        description: 'Blastwall: lets the default-bus rule put CloudTrail events on the central bus, nothing else',
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
        inlinePolicies: {
          PutEventsOnCentralBus: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ sid: 'PutEventsOnCentralBus', actions: ['events:PutEvents'], resources: [busArn] })],
          }),
        },
      });

      this.deadLetterQueue = new sqs.Queue(this, 'ForwardDlq', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(this.deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the forwarding rule; a DLQ of a DLQ would only move the same messages.',
      });

      this.rule = new events.CfnRule(this, 'ForwardCloudTrail', {
        description: 'Blastwall: CloudTrail management events (read-only included), except AWS services acting as themselves → central bus',
        eventBusName: 'default',
        // Without this state, read-only management events (Describe*, List*, Get*) never reach the rule.
        state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
        eventPattern: MEMBER_EVENT_PATTERN,
        targets: [
          {
            id: 'CentralBus',
            arn: busArn,
            roleArn: this.forwarderRole.roleArn,
            deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
            retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 2 * 60 * 60 },
          },
        ],
      });
      this.deadLetterQueue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'ForwardRuleDeadLetters',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.deadLetterQueue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rule.attrArn } },
        }),
      );
      new CfnOutput(this, 'ForwardRuleArn', { value: this.rule.attrArn });
      new CfnOutput(this, 'ForwardDlqUrl', { value: this.deadLetterQueue.queueUrl, description: 'Events the rule could not deliver to the central bus' });
    }

    // ── Responder (us-east-1 only: one IAM role per account) ─────────────────────────
    const isHomeRegion = new CfnCondition(this, 'IsResponderRegion', {
      expression: Fn.conditionEquals(Aws.REGION, GLOBAL_EVENTS_REGION),
    });
    const account = Aws.ACCOUNT_ID;
    const arn = (resource: string) => `arn:${Aws.PARTITION}:iam::${account}:${resource}`;
    // Blastwall's own roles by exact ARN (the list respond and `blastwall replay` protect, from
    // the same function): this account's responder and forwarders, the central function roles.
    // No name glob: `Blastwall-anything` created by someone else gets no immunity here either.
    const ownRoles = ownRoleArns(config, Aws.PARTITION, { memberAccount: account });

    this.responderRole = new iam.Role(this, 'ResponderRole', {
      roleName: config.response.responderRoleName,
      description: 'Blastwall responder: assumed only by the central respond function to revoke or restore one credential',
      maxSessionDuration: Duration.hours(1),
      // The account, narrowed to exactly one role by aws:PrincipalArn. (Naming the role as the
      // principal would need it to exist before every member deploy and would silently break
      // if it were ever recreated; the condition does neither.)
      assumedBy: new iam.AccountPrincipal(deployment.centralAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': respondRoleArn },
        StringEquals: { 'aws:PrincipalOrgID': deployment.organizationId },
      }),
      inlinePolicies: {
        RevokeAndRestore: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'DisableOrRestoreAccessKey',
              actions: [...RESPONDER_ACTIONS.accessKeys],
              resources: [arn('user/*')],
            }),
            new iam.PolicyStatement({
              sid: 'RevokeOrRestoreRoleSessions',
              actions: [...RESPONDER_ACTIONS.rolePolicies],
              resources: [arn('role/*')],
            }),
            new iam.PolicyStatement({
              sid: 'RevokeOrRestoreUserSessions',
              actions: [...RESPONDER_ACTIONS.userPolicies],
              resources: [arn('user/*')],
            }),
            // IAM has no condition key for an inline policy's name or content, so the grants above
            // cannot be narrowed to "the Blastwall deny policy". What can be scoped is *whom*:
            new iam.PolicyStatement({
              sid: 'NeverTouchBlastwall',
              effect: iam.Effect.DENY,
              actions: [...RESPONDER_WRITE_ACTIONS],
              resources: ownRoles,
            }),
            new iam.PolicyStatement({
              sid: 'NeverTouchProtectedPrincipals',
              effect: iam.Effect.DENY,
              actions: [...RESPONDER_WRITE_ACTIONS],
              resources: [arn('role/*'), arn('user/*')],
              conditions: { StringEqualsIgnoreCase: { [`aws:ResourceTag/${PROTECTED_TAG_KEY}`]: 'true' } },
            }),
          ],
        }),
      },
    });
    (this.responderRole.node.defaultChild as iam.CfnRole).cfnOptions.condition = isHomeRegion;
    for (const resource of ['user/*', 'role/*']) {
      Validations.of(this.responderRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:${resource}]`,
        reason:
          'The credential to revoke is only known when the finding arrives, so the responder must reach any user/role of its own account; the actions are the few revocation and restore calls, and explicit denies exclude Blastwall itself and principals tagged BlastwallProtected=true.',
      });
    }

    // ── History reader (us-east-1 only): CloudTrail LookupEvents for warm-up and reconcile ──
    const centralRole = (name: string) => `arn:${Aws.PARTITION}:iam::${deployment.centralAccount}:role/${name}`;
    this.historyRole = new iam.Role(this, 'HistoryReaderRole', {
      roleName: names.historyReaderRole,
      description: 'Blastwall history reader: CloudTrail LookupEvents only, for the central warm-up, reconcile and page functions',
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.AccountPrincipal(deployment.centralAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': [centralRole(names.warmUpFunctionRole), centralRole(names.reconcileFunctionRole), centralRole(names.functionRole('page'))] },
        StringEquals: { 'aws:PrincipalOrgID': deployment.organizationId },
      }),
      inlinePolicies: {
        LookupEvents: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ sid: 'ReadManagementEventHistory', actions: ['cloudtrail:LookupEvents'], resources: ['*'] })],
        }),
      },
    });
    (this.historyRole.node.defaultChild as iam.CfnRole).cfnOptions.condition = isHomeRegion;
    Validations.of(this.historyRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudtrail:LookupEvents supports no resource-level permissions (it reads the account-region event history); the role allows that one read-only call and trusts only the central warm-up, reconcile and page roles.',
    });

    // ── Reader (us-east-1 only): the scheduled audit and the backup watchdog read through it ──
    // Read-only: exactly the List/Describe/Get calls the audit collector and the backup
    // inventory make (lib/constructs/prevention.ts READER_ACTIONS; checked by the evaluator tests).
    this.readerRole = new iam.Role(this, 'ReaderRole', {
      roleName: config.audit.readerRoleName,
      description: 'Blastwall reader: assumed only by the central audit and backup-watchdog functions; read-only IAM and backup inventory',
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.AccountPrincipal(deployment.centralAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': preventionRoleArns(names, deployment, Aws.PARTITION) },
        StringEquals: { 'aws:PrincipalOrgID': deployment.organizationId },
      }),
      inlinePolicies: {
        ReadOnly: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ sid: 'ReadIamForTheAudit', actions: [...READER_ACTIONS.iam], resources: ['*'] }),
            new iam.PolicyStatement({ sid: 'ListUsersAccessKeys', actions: [...READER_ACTIONS.iamUsers], resources: [arn('user/*')] }),
            new iam.PolicyStatement({ sid: 'ReadBackupInventory', actions: [...READER_ACTIONS.backups], resources: ['*'] }),
            new iam.PolicyStatement({ sid: 'ReadTablesRecoverySettings', actions: [...READER_ACTIONS.tables], resources: [`arn:${Aws.PARTITION}:dynamodb:*:${account}:table/*`] }),
          ],
        }),
      },
    });
    (this.readerRole.node.defaultChild as iam.CfnRole).cfnOptions.condition = isHomeRegion;
    Validations.of(this.readerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'GetAccountAuthorizationDetails, GenerateCredentialReport/GetCredentialReport and the List/Describe calls of RDS, EC2, DynamoDB ListTables and AWS Backup accept only "*" (account-wide reads); every action is read-only, and the role is assumable only by the two central prevention functions.',
    });
    for (const resource of ['iam::<AWS::AccountId>:user/*', 'dynamodb:*:<AWS::AccountId>:table/*']) {
      Validations.of(this.readerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`,
        reason: 'The audit lists the access keys of every user, and the watchdog reads the recovery settings of every table, of its own account: the set is only known at run time; both calls are read-only.',
      });
    }

    // ── Outputs ───────────────────────────────────────────────────────────────────────
    new CfnOutput(this, 'ResponderRoleArn', { value: this.responderRole.roleArn, condition: isHomeRegion });
  }
}
