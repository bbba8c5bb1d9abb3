/**
 * Page ledger in the single table: `pk = PAGE#<findingId>`, `sk = PAGE`, the record
 * as a JSON string in `data`, `version` for optimistic locking, TTL `expiresAt`.
 * Needs dynamodb:GetItem and dynamodb:PutItem on the table.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.ts';
import type { PageLedger, PageRecord } from './page-ledger.ts';

export const PAGE_PREFIX = 'PAGE#';
const SK = 'PAGE';

export class DynamoPageLedger implements PageLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** How long a page's state is kept after its last change. */
    private readonly ttlDays = 90,
  ) {}

  private key(findingId: string) {
    return { [TABLE_SCHEMA.partitionKey]: { S: `${PAGE_PREFIX}${findingId}` }, [TABLE_SCHEMA.sortKey]: { S: SK } };
  }

  async get(findingId: string): Promise<PageRecord | undefined> {
    const res = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(findingId), ConsistentRead: true }));
    const data = res.Item?.data?.S;
    const version = res.Item?.version?.N;
    if (!data || !version) return undefined;
    return { ...(JSON.parse(data) as PageRecord), version: Number(version) };
  }

  async save(record: PageRecord): Promise<PageRecord | undefined> {
    const next: PageRecord = { ...record, version: record.version + 1, updatedAt: new Date().toISOString() };
    const expiresAt = Math.floor(Date.now() / 1000) + this.ttlDays * 86400;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(record.findingId),
            version: { N: String(next.version) },
            data: { S: JSON.stringify(next) },
            [TABLE_SCHEMA.ttlAttribute]: { N: String(expiresAt) },
          },
          ConditionExpression: record.version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
          ExpressionAttributeNames: record.version === 0 ? { '#pk': TABLE_SCHEMA.partitionKey } : { '#v': 'version' },
          ...(record.version === 0 ? {} : { ExpressionAttributeValues: { ':v': { N: String(record.version) } } }),
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }
}
