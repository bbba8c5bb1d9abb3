/**
 * "Used by" from the deployed state table: the detector's principal histories
 * (`CRED#<principal key>`, sort key `STATE`) for exactly the keys the audit asks about,
 * read with BatchGetItem (100 keys a call), decoded with the state store's own codec.
 * Read-only.
 */
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { UsageSighting } from '../core/audit/evaluate.ts';
import { usageFromPrincipals } from '../core/audit/usage.ts';
import { decodeItemData } from './dynamo-state-store.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export async function readPrincipalUsage(client: DynamoDBClient, tableName: string, principalKeys: readonly string[]): Promise<UsageSighting[]> {
  const items: unknown[] = [];
  const unique = [...new Set(principalKeys)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, AttributeValue>[] | undefined = unique
      .slice(i, i + 100)
      .map((k) => ({ [TABLE_SCHEMA.partitionKey]: { S: `CRED#${k}` }, [TABLE_SCHEMA.sortKey]: { S: 'STATE' } }));
    // Unprocessed keys are retried a bounded number of times.
    for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
      const out = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ProjectionExpression: '#d', ExpressionAttributeNames: { '#d': 'data' } } } }));
      for (const item of out.Responses?.[tableName] ?? []) {
        const value = decodeItemData<unknown>(item['data']);
        if (value !== undefined) items.push(value);
      }
      keys = out.UnprocessedKeys?.[tableName]?.Keys as Record<string, AttributeValue>[] | undefined;
    }
  }
  return usageFromPrincipals(items);
}
