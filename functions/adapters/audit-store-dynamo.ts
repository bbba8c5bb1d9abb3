/**
 * The scheduled audit's memory: the last result per credential (`AUDIT#<principal ARN>`,
 * sort key `LATEST`: its risk and the JSON answer) and the last summary (`AUDIT#SUMMARY`).
 * The risk is what "rose to high or above" compares against. Item-level calls only
 * (BatchGetItem, PutItem) on the `AUDIT#` prefix.
 */
import { BatchGetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Severity } from '../core/audit-event.ts';
import { SEVERITIES } from '../core/audit-event.ts';
import type { AuditSummary, CredentialAnswer } from '../core/audit/evaluate.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

export const AUDIT_KEY_PREFIX = 'AUDIT#';
/** DynamoDB's item limit is 400 KB; an answer is a few KB, this keeps a hostile export from failing the run. */
const MAX_ANSWER_CHARS = 300_000;

export interface AuditStore {
  previousRisks(principals: readonly string[]): Promise<Map<string, Severity>>;
  save(answers: readonly CredentialAnswer[], summary: AuditSummary): Promise<void>;
}

const key = (principal: string): Record<string, AttributeValue> => ({ [TABLE_SCHEMA.partitionKey]: { S: `${AUDIT_KEY_PREFIX}${principal}` }, [TABLE_SCHEMA.sortKey]: { S: 'LATEST' } });

export function dynamoAuditStore(client: DynamoDBClient, tableName: string, retentionDays = 400): AuditStore {
  return {
    async previousRisks(principals) {
      const out = new Map<string, Severity>();
      const unique = [...new Set(principals)];
      for (let i = 0; i < unique.length; i += 100) {
        let keys: Record<string, AttributeValue>[] | undefined = unique.slice(i, i + 100).map(key);
        for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
          const res = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ProjectionExpression: '#pk, #risk', ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#risk': 'risk' } } } }));
          for (const item of res.Responses?.[tableName] ?? []) {
            const risk = item['risk']?.S;
            const pk = item[TABLE_SCHEMA.partitionKey]?.S;
            if (pk && risk && (SEVERITIES as readonly string[]).includes(risk)) out.set(pk.slice(AUDIT_KEY_PREFIX.length), risk as Severity);
          }
          keys = res.UnprocessedKeys?.[tableName]?.Keys as Record<string, AttributeValue>[] | undefined;
        }
      }
      return out;
    },
    async save(answers, summary) {
      const expiresAt = String(Math.floor(Date.parse(summary.generatedAt) / 1000) + retentionDays * 86_400);
      for (const a of answers) {
        const json = JSON.stringify(a);
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...key(a.principal), risk: { S: a.risk }, at: { S: summary.generatedAt }, answer: { S: json.length > MAX_ANSWER_CHARS ? JSON.stringify({ ...a, why: a.why.slice(0, 5), truncated: true }).slice(0, MAX_ANSWER_CHARS) : json }, [TABLE_SCHEMA.ttlAttribute]: { N: expiresAt } },
          }),
        );
      }
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('SUMMARY'), at: { S: summary.generatedAt }, summary: { S: JSON.stringify(summary) }, [TABLE_SCHEMA.ttlAttribute]: { N: expiresAt } } }));
    },
  };
}
