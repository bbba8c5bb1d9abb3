/**
 * Canonical resource keys (functions/core/detection/catalogue/creations.ts): a
 * create and a delete that name the same resource in different forms meet on a
 * key; two different resources never do. Every naming form a real record uses:
 * name, id, full ARN, partial ARN, Secrets Manager's random suffix, a log
 * group's `:*`, an IAM path, a Lambda qualifier and partial ARN.
 */
import { describe, expect, it } from 'vitest';
import { resourceKeys } from '../../functions/core/detection/catalogue.ts';
import { createdResources } from '../../functions/core/detection/catalogue.ts';
import { normalise } from './support.ts';

/** True when the two forms name the same resource for detection. */
const meet = (type: string, a: string, b: string) => resourceKeys(type, a).some((k) => resourceKeys(type, b).includes(k));

const SM = 'arn:aws:secretsmanager:eu-west-1:333333333333:secret:';

describe('resourceKeys: Secrets Manager', () => {
  it('a name, the full ARN with its random suffix and the partial ARN are one secret', () => {
    expect(resourceKeys('secretsmanager:secret', 'db-password')).toEqual(['db-password']);
    expect(resourceKeys('secretsmanager:secret', `${SM}db-password-AbC123`)).toEqual(['db-password', 'db-password-AbC123']);
    expect(resourceKeys('secretsmanager:secret', `${SM}db-password`)).toEqual(['db-password']);
    expect(meet('secretsmanager:secret', 'db-password', `${SM}db-password-AbC123`)).toBe(true);
    expect(meet('secretsmanager:secret', `${SM}db-password-AbC123`, `${SM}db-password`)).toBe(true);
  });

  it('keeps the whole path of a secret name, so two secrets of the same last segment are two secrets', () => {
    expect(resourceKeys('secretsmanager:secret', 'prod/orders/db-password')).toEqual(['prod/orders/db-password']);
    expect(resourceKeys('secretsmanager:secret', `${SM}prod/orders/db-password-x9Y8z7`)).toEqual(['prod/orders/db-password', 'prod/orders/db-password-x9Y8z7']);
    expect(meet('secretsmanager:secret', 'prod/orders/db-password', `${SM}prod/orders/db-password`)).toBe(true);
    expect(meet('secretsmanager:secret', 'staging/db-password', 'prod/payments/db-password')).toBe(false);
    expect(meet('secretsmanager:secret', `${SM}staging/db-password-x9Y8z7`, `${SM}prod/payments/db-password-AbC123`)).toBe(false);
  });

  it('a name that ends like a suffix is still the whole name: creating orders-master does not excuse deleting orders', () => {
    expect(resourceKeys('secretsmanager:secret', 'orders-master')).toEqual(['orders-master']);
    expect(meet('secretsmanager:secret', 'orders-master', 'orders')).toBe(false);
    // Its partial ARN is ambiguous (AWS itself may read the last part as the suffix): both readings are kept.
    expect(resourceKeys('secretsmanager:secret', `${SM}orders-config`)).toEqual(['orders', 'orders-config']);
    expect(meet('secretsmanager:secret', 'orders-config', `${SM}orders-config`)).toBe(true);
    expect(meet('secretsmanager:secret', `${SM}orders-config-Qw12Er`, `${SM}orders-config`)).toBe(true);
  });
});

describe('resourceKeys: other services', () => {
  it('log groups: the name with slashes, and the ARN with or without its :*', () => {
    const arn = 'arn:aws:logs:eu-west-1:333333333333:log-group:/aws/lambda/orders-api';
    expect(resourceKeys('logs:log-group', '/aws/lambda/orders-api')).toEqual(['/aws/lambda/orders-api']);
    expect(resourceKeys('logs:log-group', `${arn}:*`)).toEqual(['/aws/lambda/orders-api']);
    expect(resourceKeys('logs:log-group', arn)).toEqual(['/aws/lambda/orders-api']);
    expect(meet('logs:log-group', '/aws/lambda/orders-api', '/aws/lambda/billing-api')).toBe(false);
  });

  it('IAM roles: the name, and the ARN with a path', () => {
    expect(resourceKeys('iam:role', 'orders-api-role')).toEqual(['orders-api-role']);
    expect(resourceKeys('iam:role', 'arn:aws:iam::333333333333:role/service-role/orders-api-role')).toEqual(['orders-api-role']);
    expect(resourceKeys('iam:role', 'arn:aws:iam::333333333333:role/orders-api-role')).toEqual(['orders-api-role']);
  });

  it('Lambda: the name, the ARN, a qualifier and the partial ARN', () => {
    for (const form of [
      'orders-api',
      'orders-api:live',
      'arn:aws:lambda:eu-west-1:333333333333:function:orders-api',
      'arn:aws:lambda:eu-west-1:333333333333:function:orders-api:3',
      '333333333333:function:orders-api',
      '333333333333:function:orders-api:live',
    ]) {
      expect(resourceKeys('lambda:function', form), form).toEqual(['orders-api']);
    }
  });

  it('trails: the name and the ARN', () => {
    expect(resourceKeys('cloudtrail:trail', 'orders-audit')).toEqual(['orders-audit']);
    expect(resourceKeys('cloudtrail:trail', 'arn:aws:cloudtrail:eu-west-1:333333333333:trail/orders-audit')).toEqual(['orders-audit']);
  });

  it('RDS: identifiers are case-insensitive (RDS stores them in lower case), by name or ARN', () => {
    expect(resourceKeys('rds:db', 'Orders-DB')).toEqual(['orders-db']);
    expect(resourceKeys('rds:db', 'arn:aws:rds:eu-west-1:333333333333:db:orders-db')).toEqual(['orders-db']);
    expect(resourceKeys('rds:cluster', 'arn:aws:rds:eu-west-1:333333333333:cluster:Orders-Aurora')).toEqual(['orders-aurora']);
  });

  it('KMS keys: the key id and the key ARN (an alias is another name, and matches neither)', () => {
    const id = '1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(resourceKeys('kms:key', id)).toEqual([id]);
    expect(resourceKeys('kms:key', `arn:aws:kms:eu-west-1:333333333333:key/${id}`)).toEqual([id]);
    expect(meet('kms:key', 'alias/orders', id)).toBe(false);
  });

  it('DynamoDB tables, S3 buckets, EC2 instances, flow logs and stacks: id or name and ARN', () => {
    expect(resourceKeys('dynamodb:table', 'arn:aws:dynamodb:eu-west-1:333333333333:table/orders-locks')).toEqual(['orders-locks']);
    expect(resourceKeys('dynamodb:table', 'orders-locks')).toEqual(['orders-locks']);
    expect(resourceKeys('s3:bucket', 'arn:aws:s3:::orders-assets-prod')).toEqual(['orders-assets-prod']);
    expect(resourceKeys('ec2:instance', 'arn:aws:ec2:eu-west-1:333333333333:instance/i-0abc1234def567890')).toEqual(['i-0abc1234def567890']);
    expect(resourceKeys('ec2:flow-log', 'fl-0e17aa62a21d4bbfe')).toEqual(['fl-0e17aa62a21d4bbfe']);
    expect(resourceKeys('cloudformation:stack', 'arn:aws:cloudformation:eu-west-1:333333333333:stack/OrdersStack/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b')).toEqual(['OrdersStack']);
  });

  it('AWS Backup vaults and plans, Route 53 Resolver query log configurations: name or id and ARN', () => {
    expect(resourceKeys('backup:vault', 'arn:aws:backup:eu-west-1:333333333333:backup-vault:orders-prod')).toEqual(['orders-prod']);
    expect(resourceKeys('backup:vault', 'orders-prod')).toEqual(['orders-prod']);
    const plan = '8f7e6d5c-4b3a-4921-8a9b-0c1d2e3f4a5b';
    expect(resourceKeys('backup:plan', `arn:aws:backup:eu-west-1:333333333333:backup-plan:${plan}`)).toEqual([plan]);
    expect(resourceKeys('route53resolver:query-log-config', 'arn:aws:route53resolver:eu-west-1:333333333333:resolver-query-log-config/rqlc-0a1b2c3d4e5f6071')).toEqual(['rqlc-0a1b2c3d4e5f6071']);
  });

  it('rejects empty and oversized values', () => {
    expect(resourceKeys('s3:bucket', '  ')).toEqual([]);
    expect(resourceKeys('s3:bucket', 'x'.repeat(2049))).toEqual([]);
  });
});

describe('createdResources: the creation table', () => {
  const base = {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::333333333333:user/deployer', accountId: '333333333333', accessKeyId: 'AKIAEXAMPLEKEY000001', userName: 'deployer' },
    eventTime: '2025-06-10T10:00:00Z',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.20',
    userAgent: 'aws-cli/2.17.50',
    eventID: '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b',
    eventType: 'AwsApiCall',
    recipientAccountId: '333333333333',
  };

  it('records a secret under its name and its ARN without the suffix', () => {
    const event = normalise({
      ...base,
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'CreateSecret',
      requestParameters: { name: 'prod/orders/db-password' },
      responseElements: { arn: `${SM}prod/orders/db-password-x9Y8z7`, name: 'prod/orders/db-password' },
    });
    expect(createdResources(event).map((r) => r.name)).toEqual(['prod/orders/db-password', 'prod/orders/db-password-x9Y8z7']);
  });

  it('a change set creates a stack only when its type is CREATE', () => {
    const changeSet = (changeSetType: string) =>
      normalise({
        ...base,
        eventSource: 'cloudformation.amazonaws.com',
        eventName: 'CreateChangeSet',
        requestParameters: { stackName: 'OrdersStack', changeSetName: 'cdk-deploy-change-set', changeSetType },
        responseElements: { id: 'arn:aws:cloudformation:eu-west-1:333333333333:changeSet/cdk-deploy-change-set/1', stackId: 'arn:aws:cloudformation:eu-west-1:333333333333:stack/OrdersStack/2' },
      });
    expect(createdResources(changeSet('CREATE'))).toEqual([{ type: 'cloudformation:stack', name: 'OrdersStack' }]);
    expect(createdResources(changeSet('UPDATE'))).toEqual([]);
  });

  it('a failed create creates nothing', () => {
    const event = normalise({ ...base, eventSource: 's3.amazonaws.com', eventName: 'CreateBucket', errorCode: 'BucketAlreadyExists', requestParameters: { bucketName: 'orders-assets-prod' } });
    expect(createdResources(event)).toEqual([]);
  });
});
