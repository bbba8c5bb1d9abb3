/**
 * Test cases of `exposure.ts` (see ./case.ts). Accounts: 333333333333 receives
 * the call, 222222222222 is in the configuration, 444455556666 is not.
 * Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const ingress = (fromPort: number, range: Record<string, unknown>) => ({
  groupId: 'sg-0a1b2c3d4e5f60718',
  ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort, toPort: fromPort, groups: {}, prefixListIds: {}, ipRanges: {}, ipv6Ranges: {}, ...range }] },
});
const policy = (principal: unknown) => ({
  bucketName: 'orders-assets-prod',
  Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com',
  policy: '',
  bucketPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'share', Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::orders-assets-prod/*' }] },
});

export const CASES: readonly CatalogueCase[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    entry: 'rds.share-snapshot',
    name: 'with an account outside the configuration',
    record: { eventName: 'ModifyDBSnapshotAttribute', requestParameters: { dBSnapshotIdentifier: 'orders-db-2025-06-01', attributeName: 'restore', valuesToAdd: ['444455556666'] } },
    expect: { category: 'exposure', severity: 'high', says: 'with an account outside the configuration' },
  },
  {
    entry: 'rds.share-snapshot',
    name: 'with an account of the configuration',
    record: { eventName: 'ModifyDBSnapshotAttribute', requestParameters: { dBSnapshotIdentifier: 'orders-db-2025-06-01', attributeName: 'restore', valuesToAdd: ['222222222222'] } },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 'rds.share-snapshot',
    name: 'with everyone',
    record: { eventName: 'ModifyDBClusterSnapshotAttribute', requestParameters: { dBClusterSnapshotIdentifier: 'orders-aurora-2025-06-01', attributeName: 'restore', valuesToAdd: ['all'] } },
    expect: { category: 'exposure', severity: 'high', says: 'with everyone (public)' },
  },
  {
    entry: 'rds.share-snapshot',
    name: 'sharing removed',
    record: { eventName: 'ModifyDBSnapshotAttribute', requestParameters: { dBSnapshotIdentifier: 'orders-db-2025-06-01', attributeName: 'restore', valuesToAdd: [], valuesToRemove: ['444455556666'] } },
    expect: null,
  },
  // ── EC2 / EBS ─────────────────────────────────────────────────────────────
  {
    entry: 'ec2.share-snapshot',
    name: 'with an account outside the configuration',
    record: { eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-0a1b2c3d4e5f60718', attributeType: 'CREATE_VOLUME_PERMISSION', createVolumePermission: { add: { items: [{ userId: '444455556666' }] } } } },
    expect: { category: 'exposure', severity: 'high', says: 'with an account outside the configuration' },
  },
  {
    entry: 'ec2.share-snapshot',
    name: 'with an account of the configuration',
    record: { eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-0a1b2c3d4e5f60718', attributeType: 'CREATE_VOLUME_PERMISSION', createVolumePermission: { add: { items: [{ userId: '222222222222' }] } } } },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 'ec2.share-snapshot',
    name: 'with everyone',
    record: { eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-0a1b2c3d4e5f60718', attributeType: 'CREATE_VOLUME_PERMISSION', createVolumePermission: { add: { items: [{ group: 'all' }] } } } },
    expect: { category: 'exposure', severity: 'high', says: 'with everyone (public)' },
  },
  {
    entry: 'ec2.share-snapshot',
    name: 'sharing removed',
    record: { eventName: 'ModifySnapshotAttribute', requestParameters: { snapshotId: 'snap-0a1b2c3d4e5f60718', attributeType: 'CREATE_VOLUME_PERMISSION', createVolumePermission: { remove: { items: [{ userId: '444455556666' }] } } } },
    expect: null,
  },
  {
    entry: 'ec2.share-image',
    name: 'with an account outside the configuration',
    record: { eventName: 'ModifyImageAttribute', requestParameters: { imageId: 'ami-0a9c3f6e1b2d4c5e7', attributeType: 'launchPermission', launchPermission: { add: { items: [{ userId: '444455556666' }] } } } },
    expect: { category: 'exposure', severity: 'high', says: 'with an account outside the configuration' },
  },
  {
    entry: 'ec2.share-image',
    name: 'with an account of the configuration',
    record: { eventName: 'ModifyImageAttribute', requestParameters: { imageId: 'ami-0a9c3f6e1b2d4c5e7', attributeType: 'launchPermission', launchPermission: { add: { items: [{ userId: '222222222222' }] } } } },
    expect: { category: 'exposure', severity: 'low' },
  },
  {
    entry: 'ec2.share-image',
    name: 'with everyone',
    record: { eventName: 'ModifyImageAttribute', requestParameters: { imageId: 'ami-0a9c3f6e1b2d4c5e7', attributeType: 'launchPermission', launchPermission: { add: { items: [{ group: 'all' }] } } } },
    expect: { category: 'exposure', severity: 'high', says: 'with everyone (public)' },
  },
  {
    entry: 'ec2.share-image',
    name: 'a description changed',
    record: { eventName: 'ModifyImageAttribute', requestParameters: { imageId: 'ami-0a9c3f6e1b2d4c5e7', attributeType: 'description', description: { value: 'orders base image' } } },
    expect: null,
  },
  {
    entry: 'ec2.open-ingress-to-world',
    name: 'SSH from 0.0.0.0/0',
    record: { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: ingress(22, { ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }) },
    expect: { category: 'exposure', severity: 'medium', says: 'on an administration port' },
  },
  {
    entry: 'ec2.open-ingress-to-world',
    name: 'RDP from ::/0',
    record: { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: ingress(3389, { ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] } }) },
    expect: { category: 'exposure', severity: 'medium', says: 'on an administration port' },
  },
  {
    entry: 'ec2.open-ingress-to-world',
    name: 'HTTPS from 0.0.0.0/0',
    record: { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: ingress(443, { ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }) },
    expect: { category: 'exposure', severity: 'low' },
  },
  {
    entry: 'ec2.open-ingress-to-world',
    name: 'SSH from the office network',
    record: { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: ingress(22, { ipRanges: { items: [{ cidrIp: '192.0.2.0/24' }] } }) },
    expect: null,
  },
  // ── S3 ────────────────────────────────────────────────────────────────────
  {
    entry: 's3.delete-public-access-block',
    name: "a bucket's public-access block",
    record: { eventName: 'DeleteBucketPublicAccessBlock', requestParameters: { bucketName: 'orders-assets-prod', Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com', publicAccessBlock: '' } },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 's3.public-bucket-policy',
    name: 'Principal "*"',
    record: { eventName: 'PutBucketPolicy', requestParameters: policy('*') },
    expect: { category: 'exposure', severity: 'high' },
  },
  {
    entry: 's3.public-bucket-policy',
    name: 'Principal {"AWS": "*"}',
    record: { eventName: 'PutBucketPolicy', requestParameters: policy({ AWS: '*' }) },
    expect: { category: 'exposure', severity: 'high' },
  },
  {
    entry: 's3.public-bucket-policy',
    name: 'a service principal (CloudTrail writing logs)',
    record: { eventName: 'PutBucketPolicy', requestParameters: policy({ Service: 'cloudtrail.amazonaws.com' }) },
    expect: null,
  },
  {
    entry: 's3.bucket-policy-other-accounts',
    name: 'an account outside the configuration',
    record: { eventName: 'PutBucketPolicy', requestParameters: policy({ AWS: 'arn:aws:iam::444455556666:root' }) },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 's3.bucket-policy-other-accounts',
    name: 'an account of the configuration',
    record: { eventName: 'PutBucketPolicy', requestParameters: policy({ AWS: 'arn:aws:iam::222222222222:role/reporting' }) },
    expect: null,
  },
  {
    entry: 's3.public-acl',
    name: 'read for AllUsers',
    record: {
      eventName: 'PutBucketAcl',
      requestParameters: {
        bucketName: 'orders-assets-prod',
        Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com',
        acl: '',
        AccessControlPolicy: {
          xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
          Owner: { ID: 'a1b2c3d4e5f6' },
          AccessControlList: { Grant: [{ Grantee: { 'xsi:type': 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }] },
        },
      },
    },
    expect: { category: 'exposure', severity: 'high' },
  },
  {
    entry: 's3.public-acl',
    name: 'full control for the owner only',
    record: {
      eventName: 'PutBucketAcl',
      requestParameters: {
        bucketName: 'orders-assets-prod',
        Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com',
        acl: '',
        AccessControlPolicy: {
          xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
          Owner: { ID: 'a1b2c3d4e5f6' },
          AccessControlList: { Grant: { Grantee: { 'xsi:type': 'CanonicalUser', ID: 'a1b2c3d4e5f6' }, Permission: 'FULL_CONTROL' } },
        },
      },
    },
    expect: null,
  },
  // ── Lambda ────────────────────────────────────────────────────────────────
  {
    entry: 'lambda.public-permission',
    name: 'invoke for an account outside the configuration',
    record: { eventName: 'AddPermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 'x', action: 'lambda:InvokeFunction', principal: '444455556666' } },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 'lambda.public-permission',
    name: 'direct invoke for anyone',
    record: { eventName: 'AddPermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 'x', action: 'lambda:InvokeFunction', principal: '*' } },
    expect: { category: 'exposure', severity: 'high', says: '(anyone in AWS may invoke it directly)' },
  },
  {
    entry: 'lambda.public-permission',
    name: 'a public function URL (auth NONE)',
    record: { eventName: 'AddPermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 'url', action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' } },
    expect: { category: 'exposure', severity: 'medium' },
  },
  {
    entry: 'lambda.public-permission',
    name: 'invoke for S3 notifications',
    record: { eventName: 'AddPermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 's3', action: 'lambda:InvokeFunction', principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::orders-assets-prod' } },
    expect: null,
  },
  {
    entry: 'lambda.public-permission',
    name: 'invoke for an account of the configuration',
    record: { eventName: 'AddPermission20150331v2', requestParameters: { functionName: 'orders-api', statementId: 'x', action: 'lambda:InvokeFunction', principal: '222222222222' } },
    expect: null,
  },
];
