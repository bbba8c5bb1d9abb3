/**
 * The single DynamoDB table's shape, shared by the CDK stack, the adapters and the tests.
 * Each module owns its own key prefix, so they never collide:
 *   detection: CRED#, ACTOR#, SESSION#, RES#, EVT#   response: FINDING#, BREAKER#   paging: PAGE#
 *   history: SEEN# (detect's ledger of write events), HISTORY# (warm-up and reconcile checkpoints)
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes history after it. */
  ttlAttribute: 'expiresAt',
} as const;
