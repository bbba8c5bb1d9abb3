/**
 * The `detect` Lambda handler exactly as deployed: wired from its environment variables
 * (`fromEnvironment`), with the real SDK clients pointed (AWS_ENDPOINT_URL_*) at loopback
 * stand-ins — DynamoDB (dynalite) and a minimal EventBridge PutEvents endpoint.
 *
 * The handler builds its EventBridge client on the first finding, not at cold start
 * (docs/performance.md, cold start): benign events must reach no bus, and every finding
 * must still reach it through that lazily built client.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import { DEMO_SCENARIO } from '../../bin/cli/demo-command.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';

interface PutEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
}

let dynamo: LocalDynamo;
let bus: Server;
const entries: PutEntry[] = [];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  bus = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      if (target !== 'AWSEvents.PutEvents') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: PutEntry[] };
      entries.push(...body.Entries);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: body.Entries.map((_, i) => ({ EventId: `evt-${entries.length}-${i}` })) }));
    });
  });
  await new Promise<void>((resolve) => bus.listen(0, '127.0.0.1', resolve));
  const busPort = (bus.address() as { port: number }).port;
  const vars: Record<string, string> = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIACENTRALDETECTFN1',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${busPort}`,
    TABLE_NAME: dynamo.tableName,
    EVENT_BUS_NAME: 'blastwall-central',
    BLASTWALL_CONFIG: JSON.stringify(EXAMPLE_CONFIG),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
}, 30_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([dynamo?.close(), new Promise<void>((resolve) => (bus ? bus.close(() => resolve()) : resolve()))]);
});

function envelope(record: Record<string, unknown>) {
  return {
    version: '0',
    id: `eb-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(record.eventSource).split('.')[0]}`,
    account: String(record.recipientAccountId),
    time: String(record.eventTime),
    region: String(record.awsRegion),
    resources: [],
    detail: record,
  };
}

describe('detect handler wired from its environment', () => {
  it('reaches the bus only for findings, each through the client built on the first one', async () => {
    const { handler } = await import('../../functions/detect/handler.ts');
    const records = JSON.parse(readFileSync(DEMO_SCENARIO, 'utf8')) as Array<Record<string, unknown>>;
    const findingIds: string[] = [];
    for (const record of records) {
      const before = entries.length;
      const result = await handler(envelope(record) as never);
      expect(result.status).not.toBe('rejected');
      if (result.status !== 'rejected' && result.findingId) findingIds.push(result.findingId);
      // An event without a finding publishes nothing, before the first finding or after it.
      else expect(entries.length).toBe(before);
    }
    expect(findingIds.length).toBeGreaterThan(0);
    expect(entries.map((e) => (JSON.parse(e.Detail) as { id: string }).id)).toEqual(findingIds);
    expect(new Set(entries.map((e) => `${e.Source} ${e.DetailType} ${e.EventBusName}`))).toEqual(new Set(['blastwall Blastwall Finding blastwall-central']));
  }, 60_000);
});
