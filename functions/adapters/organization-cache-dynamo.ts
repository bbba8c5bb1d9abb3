/**
 * The one cache item of organisational-unit membership (functions/core/organization.ts):
 *
 *   pk ORG#OU-ACCOUNTS   sk ORG#OU-ACCOUNTS   syncedAt: ISO time the walk started   data: JSON of OuMembership
 *
 * Written by org-sync (PutItem, only when newer than what is there: two walks racing, the older
 * one loses), read by detect (GetItem, strongly consistent). One item keeps both functions'
 * permissions to exactly that key. DynamoDB's 400 KB item limit holds about 20,000 accounts.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ORG_CACHE_KEY, parseOuMembership, type OuMembership } from '../core/organization.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

const KEY = { [TABLE_SCHEMA.partitionKey]: { S: ORG_CACHE_KEY }, [TABLE_SCHEMA.sortKey]: { S: ORG_CACHE_KEY } };

export interface OrganizationCache {
  /** The cached membership; undefined when never written. Throws on an item that is not one. */
  get(): Promise<OuMembership | undefined>;
  /** 'stale': a walk that started later has already written. */
  put(membership: OuMembership): Promise<'written' | 'stale'>;
}

export function createOrganizationCache(client: DynamoDBClient, tableName: string): OrganizationCache {
  return {
    async get() {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: KEY, ConsistentRead: true }));
      const data = out.Item?.data?.S;
      if (data === undefined) return undefined;
      const parsed = parseOuMembership(JSON.parse(data));
      if (!parsed.ok) throw new Error(`${ORG_CACHE_KEY} is not a valid cache item: ${parsed.reason}`);
      return parsed.membership;
    },
    async put(membership) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...KEY, syncedAt: { S: membership.syncedAt }, data: { S: JSON.stringify(membership) } },
            ConditionExpression: 'attribute_not_exists(#pk) OR syncedAt < :syncedAt',
            ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
            ExpressionAttributeValues: { ':syncedAt': { S: membership.syncedAt } },
          }),
        );
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'stale';
        throw error;
      }
    },
  };
}
