/**
 * Catalogue: exposure. Data, one entry per call family, each with its sources.
 * Test cases stand beside it in `exposure.cases.ts`.
 */
import type { Condition } from '../conditions.ts';
import type { CatalogueEntry } from './types.ts';
import { docs, panther, publicGroup, rp, sigma, stratus } from './types.ts';

/** SSH, RDP, databases and remote shells, or every port (protocol -1, port 0). */
const ADMIN_PORT_NUMBERS = [22, 23, 3389, 5985, 5986, 1433, 3306, 5432, 1521, 27017, 6379, 9200, 2375, 2376, 0];
const ADMIN_PORTS: Condition = {
  any: [
    { param: rp('fromPort'), in: ADMIN_PORT_NUMBERS },
    { param: rp('ipPermissions.items.fromPort'), in: ADMIN_PORT_NUMBERS },
    { param: rp('ipProtocol'), equals: '-1' },
    { param: rp('ipPermissions.items.ipProtocol'), equals: '-1' },
  ],
};

export const EXPOSURE: readonly CatalogueEntry[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    id: 'rds.share-snapshot',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'],
    category: 'exposure',
    severity: 'medium',
    what: 'shares an RDS snapshot with another account',
    when: { all: [{ param: rp('attributeName'), equals: 'restore' }, { not: { param: rp('valuesToAdd'), empty: true } }] },
    sources: [docs('RDS API Reference: ModifyDBSnapshotAttribute'), panther('AWS.RDS.SnapshotShared'), sigma('aws_snapshot_backup_exfiltration.yml')],
    modifiers: [
      { when: { param: rp('valuesToAdd'), foreignAccount: true }, severity: 'high', text: 'with an account outside the configuration' },
      { when: { param: rp('valuesToAdd'), equals: 'all' }, severity: 'high', text: 'with everyone (public)' },
    ],
  },
  // ── EC2 / EBS ─────────────────────────────────────────────────────────────
  {
    id: 'ec2.share-snapshot',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['ModifySnapshotAttribute'],
    category: 'exposure',
    severity: 'medium',
    what: 'shares an EBS snapshot with another account',
    when: { param: rp('createVolumePermission.add.items'), exists: true },
    modifiers: [
      { when: { param: rp('createVolumePermission.add.items.userId'), foreignAccount: true }, severity: 'high', text: 'with an account outside the configuration' },
      { when: publicGroup('createVolumePermission.add.items.group'), severity: 'high', text: 'with everyone (public)' },
    ],
    sources: [docs('EC2 API Reference: ModifySnapshotAttribute'), panther('AWS.CloudTrail.SnapshotMadePublic'), sigma('aws_snapshot_backup_exfiltration.yml')],
  },
  {
    id: 'ec2.share-image',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['ModifyImageAttribute'],
    category: 'exposure',
    severity: 'low',
    what: 'shares an AMI with another account',
    when: { param: rp('launchPermission.add.items'), exists: true },
    modifiers: [
      { when: { param: rp('launchPermission.add.items.userId'), foreignAccount: true }, severity: 'high', text: 'with an account outside the configuration' },
      { when: publicGroup('launchPermission.add.items.group'), severity: 'high', text: 'with everyone (public)' },
    ],
    sources: [docs('EC2 API Reference: ModifyImageAttribute'), panther('AWS.CloudTrail.AMIModifiedForPublicAccess'), stratus('aws.exfiltration.ec2-share-ami')],
  },
  {
    id: 'ec2.open-ingress-to-world',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['AuthorizeSecurityGroupIngress'],
    category: 'exposure',
    severity: 'low',
    what: 'opens a security group to the whole internet',
    // Any address with a /0 mask is the whole internet (anonymised records rewrite the address, not the mask).
    when: {
      any: [
        { param: rp('ipPermissions.items.ipRanges.items.cidrIp'), matches: '/0$' },
        { param: rp('ipPermissions.items.ipv6Ranges.items.cidrIpv6'), matches: '/0$' },
        { param: rp('cidrIp'), matches: '/0$' },
      ],
    },
    modifiers: [{ when: ADMIN_PORTS, severity: 'medium', text: 'on an administration port (SSH, RDP, a database) or every port' }],
    sources: [docs('EC2 API Reference: AuthorizeSecurityGroupIngress'), panther('AWS.EC2.SecurityGroupModified'), stratus('aws.exfiltration.ec2-security-group-open-port-22-ingress')],
  },
  // ── S3 ────────────────────────────────────────────────────────────────────
  {
    id: 's3.delete-public-access-block',
    eventSource: 's3.amazonaws.com',
    eventNames: ['DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock'],
    category: 'exposure',
    severity: 'medium',
    what: 'removes the S3 public-access block',
    sources: [docs('S3 API Reference: DeletePublicAccessBlock'), panther('AWS.S3.DeletePublicAccessBlock')],
  },
  {
    id: 's3.public-bucket-policy',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketPolicy'],
    category: 'exposure',
    severity: 'high',
    what: 'grants everyone (Principal "*") access in an S3 bucket policy',
    when: {
      any: [
        { param: rp('bucketPolicy.Statement.Principal'), equals: '*' },
        { param: rp('bucketPolicy.Statement.Principal.AWS'), equals: '*' },
      ],
    },
    sources: [docs('S3 API Reference: PutBucketPolicy'), panther('AWS.S3.BucketPolicyModified'), panther('AWS.CloudTrail.ResourceMadePublic')],
  },
  {
    id: 's3.bucket-policy-other-accounts',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketPolicy'],
    category: 'exposure',
    severity: 'medium',
    what: 'grants an account outside the configuration access in an S3 bucket policy',
    when: { param: rp('bucketPolicy.Statement.Principal.AWS'), foreignAccount: true },
    sources: [docs('S3 API Reference: PutBucketPolicy'), panther('AWS.S3.BucketPolicyModified')],
  },
  {
    id: 's3.public-acl',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketAcl'],
    category: 'exposure',
    severity: 'high',
    what: 'grants everyone access through an S3 bucket ACL',
    when: { param: rp('AccessControlPolicy.AccessControlList.Grant.Grantee.URI'), matches: 'AllUsers|AuthenticatedUsers' },
    sources: [docs('S3 API Reference: PutBucketAcl'), panther('AWS.CloudTrail.ResourceMadePublic')],
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    id: 'lambda.public-permission',
    eventSource: 'lambda.amazonaws.com',
    eventNames: ['AddPermission'],
    category: 'exposure',
    severity: 'medium',
    what: 'lets another account or any AWS principal invoke a Lambda function',
    when: { param: rp('principal'), foreignAccount: true },
    // A public function URL (lambda:InvokeFunctionUrl with auth NONE) is a deliberate pattern; direct invoke by anyone is not.
    modifiers: [{ when: { all: [{ param: rp('principal'), equals: '*' }, { param: rp('action'), equals: 'lambda:InvokeFunction' }] }, severity: 'high', text: '(anyone in AWS may invoke it directly)' }],
    sources: [docs('Lambda API Reference: AddPermission'), panther('AWS.Potential.Backdoor.Lambda'), stratus('aws.persistence.lambda-backdoor-function')],
    ownResourcePaths: [rp('functionName')],
  },
];
