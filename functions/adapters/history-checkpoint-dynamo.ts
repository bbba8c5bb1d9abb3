/**
 * Checkpoints of the history jobs (warm-up, reconciler) as items of the state table:
 * pk `HISTORY#<job>`, sk `CHECKPOINT`, the checkpoint as JSON in `data`. No TTL: a
 * finished warm-up stays finished.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.ts';

export function createDynamoCheckpointStore<T>(client: DynamoDBClient, tableName: string, job: string): { get(): Promise<T | undefined>; put(value: T): Promise<void> } {
  const key = { [TABLE_SCHEMA.partitionKey]: { S: `HISTORY#${job}` }, [TABLE_SCHEMA.sortKey]: { S: 'CHECKPOINT' } };
  return {
    async get() {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      const data = out.Item?.data?.S;
      return data === undefined ? undefined : (JSON.parse(data) as T);
    },
    async put(value) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, data: { S: JSON.stringify(value) } } }));
    },
  };
}
