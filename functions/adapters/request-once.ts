/**
 * "Honour a signed request once": a conditional write per request id. The undo Function
 * URL records every Slack request whose signature it accepted, by the hash of its signed
 * timestamp and body and by its Slack `trigger_id` / action timestamp, for longer than
 * the signature window; a second delivery of the same request (a replay, captured off the
 * wire or out of a log, or resent after a failed restore) finds the mark and changes nothing.
 *
 * Table items `PAGE#REQ#<id>` (the undo role's own key prefix, PutItem only).
 */
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from './table-schema.ts';

export interface RequestOnce {
  /** True the first time `id` is seen within `ttlMs`; false for every later time. One conditional write. */
  firstTime(id: string, nowMs: number, ttlMs: number): Promise<boolean>;
}

export class MemoryRequestOnce implements RequestOnce {
  private readonly seen = new Map<string, number>();
  async firstTime(id: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const until = this.seen.get(id);
    if (until !== undefined && until > nowMs) return false;
    this.seen.set(id, nowMs + ttlMs);
    return true;
  }
}

export class DynamoRequestOnce implements RequestOnce {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async firstTime(id: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const until = nowMs + ttlMs;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [TABLE_SCHEMA.partitionKey]: { S: `PAGE#REQ#${id}` },
            [TABLE_SCHEMA.sortKey]: { S: 'REQ' },
            until: { N: String(until) },
            [TABLE_SCHEMA.ttlAttribute]: { N: String(Math.floor(until / 1000) + 86_400) },
          },
          // DynamoDB's TTL deletes late: an expired mark is overwritten, a live one wins.
          ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#until': 'until' },
          ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
