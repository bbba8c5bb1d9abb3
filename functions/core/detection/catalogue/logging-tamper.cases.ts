/**
 * Test cases of `logging-tamper.ts` (see ./case.ts). Not imported by runtime code.
 */
import type { CatalogueCase } from './case.ts';

const lifecycle = (bucketName: string, rule: Record<string, unknown>) => ({
  bucketName,
  Host: `${bucketName}.s3.eu-west-1.amazonaws.com`,
  lifecycle: '',
  LifecycleConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', Rule: { ID: 'expire', Filter: { Prefix: '' }, ...rule } },
});
const trailArn = 'arn:aws:cloudtrail:eu-west-1:333333333333:trail/management-events';

export const CASES: readonly CatalogueCase[] = [
  {
    entry: 'rds.stop-activity-stream',
    name: 'an activity stream',
    record: { eventName: 'StopActivityStream', requestParameters: { resourceArn: 'arn:aws:rds:eu-west-1:333333333333:cluster:orders-aurora', applyImmediately: true } },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
  {
    entry: 'ec2.delete-flow-logs',
    name: 'a flow log (the XML-derived request shape)',
    record: {
      eventName: 'DeleteFlowLogs',
      requestParameters: { DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-0e17aa62a21d4bbfe', tag: 1 } } },
      responseElements: { DeleteFlowLogsResponse: { xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/', requestId: '96d51d7f-c18d-45b9-8315-9aa0fde21e88', unsuccessful: '' } },
    },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
  {
    entry: 's3.disable-logging',
    name: 'access logging turned off (an empty logging status)',
    record: { eventName: 'PutBucketLogging', requestParameters: { bucketName: 'orders-assets-prod', Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com', logging: '', BucketLoggingStatus: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' } } },
    expect: { category: 'logging-tamper', severity: 'medium' },
  },
  {
    entry: 's3.disable-logging',
    name: 'access logging turned on',
    record: {
      eventName: 'PutBucketLogging',
      requestParameters: { bucketName: 'orders-assets-prod', Host: 'orders-assets-prod.s3.eu-west-1.amazonaws.com', logging: '', BucketLoggingStatus: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', LoggingEnabled: { TargetBucket: 'orders-access-logs', TargetPrefix: 'assets/' } } },
    },
    expect: null,
  },
  {
    entry: 'cloudtrail.stop-logging',
    name: 'a trail, by name',
    record: { eventName: 'StopLogging', requestParameters: { name: 'management-events' } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.delete-trail',
    name: 'a trail, by ARN',
    record: { eventName: 'DeleteTrail', requestParameters: { name: trailArn } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.delete-trail',
    name: 'a CloudTrail Lake event data store',
    record: { eventName: 'DeleteEventDataStore', requestParameters: { eventDataStore: 'arn:aws:cloudtrail:eu-west-1:333333333333:eventdatastore/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b' } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.update-trail',
    name: 'a new bucket',
    record: { eventName: 'UpdateTrail', requestParameters: { name: 'management-events', s3BucketName: 'audit-logs-archive' } },
    expect: { category: 'logging-tamper', severity: 'medium' },
  },
  {
    entry: 'cloudtrail.update-trail',
    name: 'one region only',
    record: { eventName: 'UpdateTrail', requestParameters: { name: 'management-events', isMultiRegionTrail: false } },
    expect: { category: 'logging-tamper', severity: 'high', says: 'no longer records every region' },
  },
  {
    entry: 'cloudtrail.update-trail',
    name: 'without IAM and STS events',
    record: { eventName: 'UpdateTrail', requestParameters: { name: 'management-events', includeGlobalServiceEvents: false } },
    expect: { category: 'logging-tamper', severity: 'high', says: 'no longer records IAM and STS events' },
  },
  {
    entry: 'cloudtrail.event-selectors',
    name: 'management events excluded',
    record: { eventName: 'PutEventSelectors', requestParameters: { trailName: 'management-events', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: false, dataResources: [] }] } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.event-selectors',
    name: 'read-only events only',
    record: { eventName: 'PutEventSelectors', requestParameters: { trailName: 'management-events', eventSelectors: [{ readWriteType: 'ReadOnly', includeManagementEvents: true }] } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.event-selectors',
    name: 'KMS events excluded',
    record: { eventName: 'PutEventSelectors', requestParameters: { trailName: 'management-events', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: ['kms.amazonaws.com'] }] } },
    expect: { category: 'logging-tamper', severity: 'critical' },
  },
  {
    entry: 'cloudtrail.event-selectors',
    name: 'S3 data events added, management events kept',
    record: {
      eventName: 'PutEventSelectors',
      requestParameters: { trailName: 'management-events', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: [], dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::orders-assets-prod/'] }] }] },
    },
    expect: null,
  },
  {
    entry: 'config.stop-recorder',
    name: 'the configuration recorder',
    record: { eventName: 'StopConfigurationRecorder', requestParameters: { configurationRecorderName: 'default' } },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
  {
    entry: 's3.trail-bucket-expiration',
    name: "objects of the trail's bucket expire",
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('acme-cloudtrail-logs', { Status: 'Enabled', Expiration: { Days: 30 } }) },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
  {
    entry: 's3.trail-bucket-expiration',
    name: 'objects of an ordinary bucket expire (data destruction, not logging tamper)',
    record: { eventName: 'PutBucketLifecycle', requestParameters: lifecycle('orders-assets-prod', { Status: 'Enabled', Expiration: { Days: 30 } }) },
    expect: null,
  },
  {
    entry: 'logs.delete',
    name: 'a log group',
    record: { eventName: 'DeleteLogGroup', requestParameters: { logGroupName: '/orders/prod/app' } },
    expect: { category: 'logging-tamper', severity: 'medium' },
  },
  {
    entry: 'logs.delete',
    name: 'retention shortened to one day',
    record: { eventName: 'PutRetentionPolicy', requestParameters: { logGroupName: '/orders/prod/app', retentionInDays: 1 } },
    expect: { category: 'logging-tamper', severity: 'medium' },
  },
  {
    entry: 'logs.delete',
    name: 'retention set to 30 days',
    record: { eventName: 'PutRetentionPolicy', requestParameters: { logGroupName: '/orders/prod/app', retentionInDays: 30 } },
    expect: null,
  },
  {
    entry: 'logs.delete',
    name: "the log group of one of Blastwall's functions is detector tamper",
    record: { eventName: 'DeleteLogGroup', requestParameters: { logGroupName: '/aws/lambda/BlastwallDetect' } },
    expect: { category: 'detector-tamper', severity: 'critical' },
  },
  {
    entry: 'route53resolver.delete-query-logging',
    name: 'a query log configuration',
    record: { eventName: 'DeleteResolverQueryLogConfig', requestParameters: { resolverQueryLogConfigId: 'rqlc-0a1b2c3d4e5f6071' } },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
  {
    entry: 'bedrock.delete-invocation-logging',
    name: 'model-invocation logging',
    record: { eventName: 'DeleteModelInvocationLoggingConfiguration' },
    expect: { category: 'logging-tamper', severity: 'high' },
  },
];
