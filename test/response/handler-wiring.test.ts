/**
 * The Lambda handler exactly as deployed: wired from its environment variables, with the
 * real SDK clients pointed (AWS_ENDPOINT_URL_*) at loopback stand-ins — IAM/STS, DynamoDB
 * (dynalite) and a minimal EventBridge PutEvents endpoint.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { PROD, PROD_KEY, makeFinding, testConfig } from './fixtures.ts';

interface PutEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
}

let dynamo: LocalDynamo;
let iam: IamStsStandIn;
let bus: Server;
const entries: PutEntry[] = [];
const saved: Record<string, string | undefined> = {};

function setEnv(vars: Record<string, string>) {
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  [dynamo, iam] = await Promise.all([startLocalDynamo(), startIamStsStandIn()]);
  iam.addRole(PROD, 'BlastwallResponder');
  iam.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY }]);
  iam.trustCallers(['AKIACENTRALRESPONDFN']);
  bus = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: PutEntry[] };
      if (target !== 'AWSEvents.PutEvents') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      entries.push(...body.Entries);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: body.Entries.map((_, i) => ({ EventId: `evt-${entries.length}-${i}` })) }));
    });
  });
  await new Promise<void>((resolve) => bus.listen(0, '127.0.0.1', resolve));
  const busPort = (bus.address() as { port: number }).port;
  setEnv({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIACENTRALRESPONDFN',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_STS: iam.endpoint,
    AWS_ENDPOINT_URL_IAM: iam.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${busPort}`,
    TABLE_NAME: dynamo.tableName,
    EVENT_BUS_NAME: 'blastwall-central',
    BLASTWALL_CONFIG: JSON.stringify(testConfig()),
    BLASTWALL_OWN_ROLE_ARNS: 'arn:aws:iam::*:role/blastwall-*,arn:aws:iam::*:role/BlastwallResponder',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_DEV: 'true',
  });
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([dynamo?.close(), iam?.close(), new Promise<void>((resolve) => bus?.close(() => resolve()))]);
});

const event = (detailType: string, detail: unknown) =>
  ({ version: '0', id: 'e-1', 'detail-type': detailType, source: 'blastwall', account: '999999999999', time: '2026-11-25T10:00:00Z', region: 'eu-west-1', resources: [], detail }) as never;

describe('respond handler wired from its environment', () => {
  it('Finding → AssumeRole, UpdateAccessKey in the right account, ledger in DynamoDB, Response on the bus; then restore', async () => {
    const { handler } = await import('../../functions/respond/handler.ts');
    const finding = makeFinding();
    const out = await handler(event('Blastwall Finding', finding));
    expect(out).toMatchObject({ status: 'responded' });
    expect(iam.calls('UpdateAccessKey')).toEqual([
      expect.objectContaining({ account: PROD, params: expect.objectContaining({ UserName: 'ci-deployer', AccessKeyId: PROD_KEY, Status: 'Inactive' }) }),
    ]);
    expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    // The read before, the write, and the read-back that proves it.
    expect(iam.requests.map((r) => r.action)).toEqual(['AssumeRole', 'ListAccessKeys', 'UpdateAccessKey', 'ListAccessKeys']);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Source: 'blastwall', DetailType: 'Blastwall Response', EventBusName: 'blastwall-central' });
    const detail = JSON.parse(entries[0]!.Detail);
    expect(detail.findingId).toBe(finding.id);
    expect(detail.actions[0].status).toBe('done');

    // A re-delivery does not revoke again.
    expect(await handler(event('Blastwall Finding', finding))).toMatchObject({ status: 'duplicate' });
    expect(iam.calls('UpdateAccessKey')).toHaveLength(1);

    const restored = await handler(event('Blastwall Restore Requested', { findingId: finding.id, approver: { id: 'U0ONCALL1', name: 'Ada' }, reason: 'approved in Slack' }));
    expect(restored).toMatchObject({ status: 'done' });
    expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
    expect(JSON.parse(entries.at(-1)!.Detail).restored).toMatchObject({ by: 'Ada', reason: 'approved in Slack', status: 'done' });
    // One AssumeRole for the whole sequence: the credentials are cached.
    expect(iam.calls('AssumeRole')).toHaveLength(1);
  });
});
