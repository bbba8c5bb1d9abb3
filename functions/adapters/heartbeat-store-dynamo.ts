/**
 * The last heartbeat of every member (member topology), in the central table:
 *
 *   pk HEARTBEAT   sk <account>#<region>   seenAtMs, codeSha256, eventsJudged, expiresAt
 *
 * One partition, one small item per member and region: the watch reads them all with one
 * Query every 5 minutes (2,000 accounts × 3 regions ≈ 6,000 items of ~100 bytes, ≈ 600 KB,
 * a few pages), and the writes (one per member and region every 5 minutes, ≈ 20/s for that
 * organisation) stay far below a partition's 1,000 writes a second. A write never moves a
 * member's last heartbeat back in time (a late or replayed heartbeat is ignored).
 */
import { ConditionalCheckFailedException, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LastHeartbeat } from '../core/heartbeat.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export const HEARTBEAT_PARTITION = 'HEARTBEAT';
/** A member gone for 30 days (account closed, region dropped) is forgotten. */
export const HEARTBEAT_TTL_SECONDS = 30 * 86_400;

export interface HeartbeatStore {
  /** Keeps `heartbeat` unless a newer one of the same member is already kept; true when kept. */
  record(heartbeat: LastHeartbeat): Promise<boolean>;
  all(): Promise<LastHeartbeat[]>;
}

export function createDynamoHeartbeatStore(client: DynamoDBClient, tableName: string): HeartbeatStore {
  return {
    async record(h) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [TABLE_SCHEMA.partitionKey]: { S: HEARTBEAT_PARTITION },
              [TABLE_SCHEMA.sortKey]: { S: `${h.account}#${h.region}` },
              account: { S: h.account },
              region: { S: h.region },
              seenAtMs: { N: String(h.seenAtMs) },
              codeSha256: { S: h.codeSha256 },
              eventsJudged: { N: String(h.eventsJudged) },
              [TABLE_SCHEMA.ttlAttribute]: { N: String(Math.floor(h.seenAtMs / 1000) + HEARTBEAT_TTL_SECONDS) },
            },
            ConditionExpression: 'attribute_not_exists(seenAtMs) OR seenAtMs < :t',
            ExpressionAttributeValues: { ':t': { N: String(h.seenAtMs) } },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async all() {
      const out: LastHeartbeat[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: HEARTBEAT_PARTITION } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          out.push({
            account: item.account?.S ?? '',
            region: item.region?.S ?? '',
            seenAtMs: Number(item.seenAtMs?.N ?? 0),
            codeSha256: item.codeSha256?.S ?? '',
            eventsJudged: Number(item.eventsJudged?.N ?? 0),
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
  };
}
