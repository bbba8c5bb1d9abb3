/**
 * Catalogue: logging-tamper. Data, one entry per call family, each with its sources.
 * Test cases stand beside it in `logging-tamper.cases.ts`.
 */
import type { CatalogueEntry } from './types.ts';
import { docs, sigma, panther, elastic, rp } from './types.ts';

export const LOGGING_TAMPER: readonly CatalogueEntry[] = [
  // ── RDS ───────────────────────────────────────────────────────────────────
  {
    id: 'rds.stop-activity-stream',
    eventSource: 'rds.amazonaws.com',
    eventNames: ['StopActivityStream'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'stops an RDS database activity stream',
    sources: [docs('RDS API Reference: StopActivityStream'), panther('AWS.RDS.ActivityStreamStopped')],
  },
  // ── EC2 / EBS ─────────────────────────────────────────────────────────────
  {
    id: 'ec2.delete-flow-logs',
    eventSource: 'ec2.amazonaws.com',
    eventNames: ['DeleteFlowLogs'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes VPC flow logs',
    sources: [docs('EC2 API Reference: DeleteFlowLogs'), panther('AWS.VPCFlow.LogsDeleted'), elastic('AWS VPC Flow Logs Deletion')],
    target: { type: 'ec2:flow-log', paths: [rp('DeleteFlowLogsRequest.FlowLogId.content'), rp('DeleteFlowLogsRequest.FlowLogId'), rp('flowLogIds'), rp('FlowLogId')] },
  },
  // ── S3 ────────────────────────────────────────────────────────────────────
  {
    id: 's3.disable-logging',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketLogging'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'turns off server access logging on an S3 bucket',
    when: { param: rp('BucketLoggingStatus.LoggingEnabled'), exists: false },
    sources: [docs('S3 API Reference: PutBucketLogging'), panther('AWS.S3.DisableBucketLogging')],
  },
  // ── CloudTrail ────────────────────────────────────────────────────────────
  {
    id: 'cloudtrail.stop-logging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['StopLogging'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'stops CloudTrail logging',
    sources: [docs('CloudTrail API Reference: StopLogging'), panther('AWS.CloudTrail.Stopped'), sigma('aws_cloudtrail_disable_logging.yml'), elastic('AWS CloudTrail Log Suspended')],
    // Names the trail (name or ARN), so stopping a trail the same principal just created is seen as its own teardown (still a finding, capped at medium).
    target: { type: 'cloudtrail:trail', paths: [rp('name')] },
  },
  {
    id: 'cloudtrail.delete-trail',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['DeleteTrail', 'DeleteEventDataStore'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'deletes a CloudTrail trail',
    sources: [docs('CloudTrail API Reference: DeleteTrail'), panther('AWS.CloudTrail.Stopped'), sigma('aws_cloudtrail_disable_logging.yml'), elastic('AWS CloudTrail Log Deleted')],
    target: { type: 'cloudtrail:trail', paths: [rp('name')] },
  },
  {
    id: 'cloudtrail.update-trail',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['UpdateTrail'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'changes a CloudTrail trail',
    sources: [docs('CloudTrail API Reference: UpdateTrail'), elastic('AWS CloudTrail Log Updated')],
    modifiers: [
      { when: { param: rp('isMultiRegionTrail'), equals: false }, severity: 'high', text: 'so that it no longer records every region' },
      { when: { param: rp('includeGlobalServiceEvents'), equals: false }, severity: 'high', text: 'so that it no longer records IAM and STS events' },
    ],
  },
  {
    id: 'cloudtrail.event-selectors',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['PutEventSelectors', 'PutAdvancedEventSelectors'],
    category: 'logging-tamper',
    severity: 'critical',
    what: 'changes CloudTrail event selectors so that management events are no longer recorded',
    when: {
      any: [
        { param: rp('eventSelectors.includeManagementEvents'), equals: false },
        { param: rp('eventSelectors.readWriteType'), equals: 'ReadOnly' },
        { param: rp('eventSelectors.excludeManagementEventSources'), matches: '[a-z]' },
      ],
    },
    sources: [docs('CloudTrail API Reference: PutEventSelectors'), panther('AWS.CloudTrail.EventSelectorsDisabled'), sigma('aws_cloudtrail_disable_logging.yml')],
    // A data-events trail (management events off) set up right after its creation by the same principal is a deployment, not blinding: seen as its own (capped at medium).
    target: { type: 'cloudtrail:trail', paths: [rp('trailName')] },
  },
  // ── GuardDuty, Config, Security Hub, Macie, Detective, WAF ────────────────
  {
    id: 'config.stop-recorder',
    eventSource: 'config.amazonaws.com',
    eventNames: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel', 'DeleteConfigRule'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'stops or deletes AWS Config recording',
    sources: [docs('AWS Config API Reference: StopConfigurationRecorder'), panther('AWS.ConfigService.DisabledDeleted'), sigma('aws_config_disable_recording.yml'), elastic('AWS Config Resource Deletion')],
  },
  {
    id: 's3.trail-bucket-expiration',
    eventSource: 's3.amazonaws.com',
    eventNames: ['PutBucketLifecycle', 'PutBucketLifecycleConfiguration'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'adds a lifecycle rule that expires the objects of what looks like an audit-log bucket (CloudTrail, audit, trail)',
    when: {
      all: [
        { param: rp('bucketName'), matches: 'cloudtrail|(^|[-_.])trail|audit' },
        { param: rp('LifecycleConfiguration.Rule.Expiration'), exists: true },
        { param: rp('LifecycleConfiguration.Rule.Status'), equals: 'Enabled' },
      ],
    },
    sources: [docs('S3 API Reference: PutBucketLifecycleConfiguration'), panther('AWS.CloudTrail.ShortLifecycle'), elastic('AWS S3 Bucket Expiration Lifecycle Configuration Added')],
  },
  // ── Logging elsewhere ─────────────────────────────────────────────────────
  {
    id: 'logs.delete',
    eventSource: 'logs.amazonaws.com',
    eventNames: ['DeleteLogGroup', 'DeleteLogStream', 'DeleteSubscriptionFilter', 'PutRetentionPolicy'],
    category: 'logging-tamper',
    severity: 'medium',
    what: 'deletes CloudWatch logs or shortens their retention',
    when: { any: [{ not: { param: rp('retentionInDays'), exists: true } }, { param: rp('retentionInDays'), in: [1, 3] }] },
    sources: [docs('CloudWatch Logs API Reference: DeleteLogGroup'), elastic('AWS CloudWatch Log Group Deletion')],
    ownResourcePaths: [rp('logGroupName')],
    target: { type: 'logs:log-group', paths: [rp('logGroupName')] },
  },
  {
    id: 'route53resolver.delete-query-logging',
    eventSource: 'route53resolver.amazonaws.com',
    eventNames: ['DeleteResolverQueryLogConfig', 'DisassociateResolverQueryLogConfig'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes Route 53 Resolver DNS query logging',
    sources: [docs('Route 53 Resolver API Reference: DeleteResolverQueryLogConfig'), panther('AWS.CloudTrail.DNSLogsDeleted')],
    // Names the configuration, so deleting the query logging it created minutes earlier is seen as its own teardown (still a finding, capped at medium).
    target: { type: 'route53resolver:query-log-config', paths: [rp('resolverQueryLogConfigId')] },
  },
  {
    id: 'bedrock.delete-invocation-logging',
    eventSource: 'bedrock.amazonaws.com',
    eventNames: ['DeleteModelInvocationLoggingConfiguration'],
    category: 'logging-tamper',
    severity: 'high',
    what: 'deletes Bedrock model-invocation logging',
    sources: [docs('Bedrock API Reference: DeleteModelInvocationLoggingConfiguration'), panther('AWS.Bedrock.DeleteModelInvocationLoggingConfiguration')],
  },
];
