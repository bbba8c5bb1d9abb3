/**
 * The EventBridge envelope CloudTrail puts a record in, for a record the reconciler
 * found in LookupEvents: detect reads it exactly as if the bus had delivered it.
 * (Mirrors lib/event-pattern.ts `cloudTrailEnvelope`, which the tests use; kept here so
 * the function bundle does not reach into lib/.)
 */
export function cloudTrailEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  const eventType = record.eventType;
  const detailType =
    eventType === 'AwsConsoleSignIn' ? 'AWS Console Sign In via CloudTrail' : eventType === 'AwsServiceEvent' ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail';
  const service = typeof record.eventSource === 'string' ? record.eventSource.replace(/\.amazonaws\.com$/, '') : 'unknown';
  return {
    version: '0',
    id: typeof record.eventID === 'string' ? `reconciled-${record.eventID}` : 'reconciled',
    'detail-type': detailType,
    source: `aws.${service}`,
    account: (record.recipientAccountId as string | undefined) ?? '000000000000',
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
