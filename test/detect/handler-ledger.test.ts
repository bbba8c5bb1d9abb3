/**
 * detect's handler records in the seen-ledger only the write events the reconciler
 * compares (functions/core/detection/reconcile-scope.ts): on dynalite, every request
 * the DynamoDB client sends is counted, and a write out of scope sends no ledger write.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createDynamoSeenLedger } from '../../functions/adapters/seen-ledger-dynamo.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { createDetectHandler } from '../../functions/detect/handler.ts';
import { cloudTrailEnvelope } from '../../lib/event-pattern.ts';
import { benchConfig, ciWriteRecord } from '../history/support.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';

const config = benchConfig();
const NOW = new Date('2026-11-02T12:00:00Z');
let db: LocalDynamo;
/** Ledger writes sent, by event id (the UpdateItem on a SEEN# key carries the id it adds). */
const ledgerWrites: string[] = [];
let requests = 0;

const mk = (id: string, eventSource: string, eventName: string, extra: Record<string, unknown> = {}) => ciWriteRecord(eventSource, eventName, extra, { id, time: '2026-11-02T11:30:00Z' });

beforeAll(async () => {
  db = await startLocalDynamo();
  db.client.middlewareStack.add(
    (next, context) => async (args) => {
      requests++;
      const input = args.input as { Key?: { pk?: { S?: string } }; ExpressionAttributeValues?: Record<string, { SS?: string[] }> };
      if (context.commandName === 'UpdateItemCommand' && input.Key?.pk?.S?.startsWith('SEEN#')) ledgerWrites.push(...(input.ExpressionAttributeValues?.[':id']?.SS ?? []));
      return next(args);
    },
    { step: 'initialize', name: 'countLedgerWrites' },
  );
});
afterAll(async () => db?.close());

function handler() {
  return createDetectHandler({
    pipeline: createPipeline({ config, store: createDynamoStateStore({ client: db.client, tableName: db.tableName, config }) }),
    publish: async () => {},
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'BlastwallTest', serviceName: 'test' }),
    seen: createDynamoSeenLedger(db.client, db.tableName),
    now: () => NOW,
  });
}

describe('detect’s ledger writes', () => {
  it('records a write in scope (a destructive call, a creation, a refusal) and nothing for a write out of scope or a read', async () => {
    const detect = handler();
    const cases = [
      { record: mk('tags', 'ec2.amazonaws.com', 'CreateTags', { requestParameters: { resourcesSet: { items: [{ resourceId: 'i-0abc' }] } } }), recorded: false },
      { record: mk('bucket-tags', 's3.amazonaws.com', 'PutBucketTagging', { requestParameters: { bucketName: 'orders' } }), recorded: false },
      { record: mk('read', 'ec2.amazonaws.com', 'DescribeInstances', { readOnly: true }), recorded: false },
      { record: mk('delete', 's3.amazonaws.com', 'DeleteBucket', { requestParameters: { bucketName: 'orders-scratch' } }), recorded: true },
      { record: mk('create', 'rds.amazonaws.com', 'CreateDBInstance', { requestParameters: { dBInstanceIdentifier: 'scratch' } }), recorded: true },
      { record: mk('refused-tags', 'ec2.amazonaws.com', 'CreateTags', { errorCode: 'Client.UnauthorizedOperation' }), recorded: true },
    ];
    for (const c of cases) {
      const before = { writes: ledgerWrites.length, requests };
      const result = await detect(cloudTrailEnvelope(c.record));
      expect(result.status, c.record.eventID).toBe('processed');
      expect(requests, `${c.record.eventID}: the handler sent DynamoDB requests`).toBeGreaterThan(before.requests);
      expect(ledgerWrites.slice(before.writes), c.record.eventID).toEqual(c.recorded ? [c.record.eventID] : []);
    }
    const seen = await createDynamoSeenLedger(db.client, db.tableName).seen('333333333333', 'us-east-1', Date.parse('2026-11-02T11:30:00Z'), Date.parse('2026-11-02T11:31:00Z'));
    expect(seen).toEqual(new Set(['delete', 'create', 'refused-tags']));
  });
});
