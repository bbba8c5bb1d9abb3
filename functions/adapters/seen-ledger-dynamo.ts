/**
 * Which write events detect has processed, so the reconciler can tell a missed event
 * from one that arrived. CloudTrail's delivery to EventBridge is best effort; this is
 * the ledger the reconciler compares LookupEvents with.
 *
 *   pk SEEN#<account>#<region>#<YYYY-MM-DDTHH:MM>   sk SEEN   ids: string set of event ids
 *
 * One item per account, region and minute of event time; each recorded event adds its id
 * (one UpdateItem `ADD`, idempotent: a redelivery adds nothing). Read-only calls are
 * not recorded (LookupEvents is asked for write events only), nor writes outside the
 * reconciler's scope (functions/core/detection/reconcile-scope.ts: detect's handler
 * asks it): the cost is one write per write event in scope. Items expire three days
 * after their minute.
 */
import { BatchGetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.ts';

export const SEEN_TTL_SECONDS = 3 * 86_400;

export interface SeenLedger {
  record(event: { id: string; account: string; region: string; timeMs: number }): Promise<void>;
  /** Ids recorded for this account and region with event times in [fromMs, toMs). */
  seen(account: string, region: string, fromMs: number, toMs: number): Promise<Set<string>>;
}

const minuteOf = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString().slice(0, 16);
const keyOf = (account: string, region: string, minute: string): Record<string, AttributeValue> => ({
  [TABLE_SCHEMA.partitionKey]: { S: `SEEN#${account}#${region}#${minute}` },
  [TABLE_SCHEMA.sortKey]: { S: 'SEEN' },
});

export function createDynamoSeenLedger(client: DynamoDBClient, tableName: string): SeenLedger {
  return {
    async record(event) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: keyOf(event.account, event.region, minuteOf(event.timeMs)),
          UpdateExpression: 'ADD ids :id SET #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: { ':id': { SS: [event.id] }, ':ttl': { N: String(Math.floor(event.timeMs / 1000) + SEEN_TTL_SECONDS) } },
        }),
      );
    },
    async seen(account, region, fromMs, toMs) {
      const keys: Record<string, AttributeValue>[] = [];
      for (let m = Math.floor(fromMs / 60_000) * 60_000; m < toMs; m += 60_000) keys.push(keyOf(account, region, minuteOf(m)));
      const ids = new Set<string>();
      for (let i = 0; i < keys.length; i += 100) {
        let request: Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead?: boolean }> | undefined = {
          [tableName]: { Keys: keys.slice(i, i + 100), ConsistentRead: true },
        };
        for (let attempt = 0; request && Object.keys(request).length && attempt < 6; attempt++) {
          const out = await client.send(new BatchGetItemCommand({ RequestItems: request }));
          for (const item of out.Responses?.[tableName] ?? []) for (const id of item.ids?.SS ?? []) ids.add(id);
          request = out.UnprocessedKeys as typeof request;
          if (request && Object.keys(request).length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
        if (request && Object.keys(request).length) throw new Error('DynamoDB left keys unprocessed after retries');
      }
      return ids;
    },
  };
}
