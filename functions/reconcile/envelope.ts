/**
 * The EventBridge envelope CloudTrail puts a record in on the default bus. The reconciler
 * wraps a record it found in LookupEvents in it, so detect reads it exactly as if the bus
 * had delivered it; lib/event-pattern.ts builds the same envelope (for the member rule's
 * pattern tests) with this one function.
 */
export function envelopeWithId(record: Record<string, unknown>, id: string): Record<string, unknown> {
  const eventType = record.eventType;
  const detailType =
    eventType === 'AwsConsoleSignIn' ? 'AWS Console Sign In via CloudTrail' : eventType === 'AwsServiceEvent' ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail';
  const service = typeof record.eventSource === 'string' ? record.eventSource.replace(/\.amazonaws\.com$/, '') : 'unknown';
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: `aws.${service}`,
    account: (record.recipientAccountId as string | undefined) ?? '000000000000',
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

/** A reconciled record's envelope: its id says it came from the reconciler, not the bus. */
export function cloudTrailEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  return envelopeWithId(record, typeof record.eventID === 'string' ? `reconciled-${record.eventID}` : 'reconciled');
}
