/**
 * No lost events, on dynalite with the CloudTrail stand-in and the real clients: the
 * stand-in holds events the bus never delivered; the reconciler finds exactly those,
 * runs them through detect, and they are detected once — never twice, whatever is
 * rerun or delivered late.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimiterPool } from '../../functions/adapters/cloudtrail-history.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createDynamoCheckpointStore } from '../../functions/adapters/history-checkpoint-dynamo.ts';
import { regionalClients } from '../../functions/adapters/history-accounts.ts';
import { createDynamoSeenLedger } from '../../functions/adapters/seen-ledger-dynamo.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { createDetectHandler } from '../../functions/detect/handler.ts';
import { recordMattersForReconcile } from '../../functions/core/detection/reconcile-scope.ts';
import { isForwarded, reconcile, type ReconcileCheckpoint, type ReconcileDeps } from '../../functions/reconcile/reconcile.ts';
import { cloudTrailEnvelope, matchesEventPattern } from '../../lib/event-pattern.ts';
import { MEMBER_EVENT_PATTERN } from '../../lib/member-stack.ts';
import { generate } from '../../bench/generate.ts';
import { startCloudTrailStandIn, type CloudTrailStandIn } from '../standins/cloudtrail.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { benchConfig, ciWriteRecord, recordedHistory, stratusRecords, type CloudTrailRecord } from './support.ts';

const config = benchConfig();
const NOW = new Date('2026-11-02T12:00:00Z');
const ACCOUNTS = ['333333333333', '222222222222'];
const REGION = 'us-east-1';
// The hour before the reconcile window's end (NOW − 20 min), in two accounts, one region.
const window = recordedHistory(3000, { seed: 5, start: '2026-11-02T10:30:00Z', spanHours: 1.15 }).filter(
  (r) => ACCOUNTS.includes(r.recipientAccountId) && r.awsRegion === REGION && Date.parse(r.eventTime) < NOW.getTime() - 20 * 60_000,
);
const mkWrite = (id: string, minute: number, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord =>
  ciWriteRecord(
    's3.amazonaws.com',
    'DeleteBucket',
    {
      awsRegion: REGION,
      requestParameters: { bucketName: 'orders-backups' },
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/intruder', accountId: '333333333333', accessKeyId: 'AKIAINTRUDER00000001', userName: 'intruder' },
      ...extra,
    },
    { id, time: `2026-11-02T11:${String(minute).padStart(2, '0')}:00Z` },
  );
// What the bus never delivered: a destructive call, a creation (in the creation table), an AWS service's own call
// (not forwarded on purpose), and a tagging call (in no table of the detector: out of the reconciler's scope).
const lost = mkWrite('lost-delete-bucket', 20);
const lostCreation = mkWrite('lost-create-db', 19, {
  eventSource: 'rds.amazonaws.com',
  eventName: 'CreateDBInstance',
  requestParameters: { dBInstanceIdentifier: 'orders-scratch', engine: 'postgres' },
  responseElements: { dBInstanceArn: 'arn:aws:rds:us-east-1:333333333333:db:orders-scratch' },
});
// A session minted (AssumeRole, as bench/generate.ts shapes it: a write; see docs/history.md for real trails, which mark it read-only).
const lostMinting = mkWrite('lost-assume-role', 18, {
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  requestParameters: { roleArn: 'arn:aws:iam::333333333333:role/deploy', roleSessionName: 'intruder' },
  responseElements: { credentials: { accessKeyId: 'ASIAINTRUDER00000001', expiration: 'Nov 2, 2026, 12:18:00 PM' }, assumedRoleUser: { arn: 'arn:aws:sts::333333333333:assumed-role/deploy/intruder', assumedRoleId: 'AROAEXAMPLE:intruder' } },
});
const serviceCall = mkWrite('service-own-call', 21, { userIdentity: { type: 'AWSService', invokedBy: 'backup.amazonaws.com' }, eventName: 'DeleteRecoveryPoint', eventSource: 'backup.amazonaws.com' });
const lostTagging = mkWrite('lost-create-tags', 22, { eventSource: 'ec2.amazonaws.com', eventName: 'CreateTags', requestParameters: { resourcesSet: { items: [{ resourceId: 'i-0abc' }] } } });
const undelivered = new Set(['lost-delete-bucket', 'lost-create-db', 'lost-assume-role', 'service-own-call', 'lost-create-tags', ...window.filter((r) => r.readOnly === false).filter((_, i) => i % 3 === 0).map((r) => r.eventID)]);
const all = [...window, lost, lostCreation, lostMinting, serviceCall, lostTagging].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));

let ct: CloudTrailStandIn;
let db: LocalDynamo;
const published: Finding[] = [];
const logs: string[] = [];

function detectHandler() {
  const store = createDynamoStateStore({ client: db.client, tableName: db.tableName, config });
  return createDetectHandler({
    pipeline: createPipeline({ config, store }),
    publish: async (detailType, detail) => {
      if (detailType === DETAIL_TYPES.finding) published.push(detail as Finding);
    },
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'BlastwallTest', serviceName: 'test' }),
    seen: createDynamoSeenLedger(db.client, db.tableName),
    now: () => NOW,
  });
}

function deps(): ReconcileDeps {
  const handler = detectHandler();
  return {
    accounts: ACCOUNTS.map((account) => {
      const key = `AKIARECON${account}`;
      ct.addKey(key, account);
      return { account, clientFor: regionalClients(async () => ({ accessKeyId: key, secretAccessKey: 'stand-in' })) };
    }),
    regions: [REGION],
    seen: createDynamoSeenLedger(db.client, db.tableName),
    checkpoints: (unit) => createDynamoCheckpointStore<ReconcileCheckpoint>(db.client, db.tableName, `reconcile#${unit}`),
    detect: (record) => handler(cloudTrailEnvelope(record as Record<string, unknown>)),
    limiterFor: createLimiterPool(1000),
    retry: { attempts: 3, baseMs: 1, maxMs: 1, sleep: async () => {} },
    now: () => NOW,
    log: (message, details) => void logs.push(`${message} ${JSON.stringify(details ?? {})}`),
    firstWindowMinutes: 90,
  };
}

const saved = { ...process.env };
beforeAll(async () => {
  [ct, db] = await Promise.all([startCloudTrailStandIn(), startLocalDynamo()]);
  ct.add(all);
  Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint, AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' });
  // The bus delivered everything else to detect, in order.
  const handler = detectHandler();
  for (const r of all) if (!undelivered.has(r.eventID) && isForwarded(r)) await handler(cloudTrailEnvelope(r));
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([ct?.close(), db?.close()]);
});

describe('the reconciler', () => {
  const expectedMisses = all.filter((r) => undelivered.has(r.eventID) && isForwarded(r) && r.readOnly === false && recordMattersForReconcile(r));
  const outOfScopeMisses = all.filter((r) => undelivered.has(r.eventID) && isForwarded(r) && r.readOnly === false && !recordMattersForReconcile(r));

  it('finds exactly the write events the bus never delivered (not AWS services’ own calls) and detects them', async () => {
    const before = published.length;
    expect(published.some((f) => f.eventId === lost.eventID)).toBe(false);
    const result = await reconcile(deps());
    expect(result.failures).toEqual([]);
    expect(result.missed).toBe(expectedMisses.length);
    expect(expectedMisses.length).toBeGreaterThan(3);
    const missedLogged = logs.filter((l) => l.startsWith('missed event reconciled')).map((l) => JSON.parse(l.slice(l.indexOf('{'))).eventId);
    expect(new Set(missedLogged)).toEqual(new Set(expectedMisses.map((r) => r.eventID)));
    expect(missedLogged).not.toContain(serviceCall.eventID);
    // The creation is found and run through detect once; the tagging call (and every other write out of scope) is
    // neither compared nor counted missed, so MissedEvents never counts it.
    expect(missedLogged.filter((id) => id === lostCreation.eventID)).toHaveLength(1);
    expect(missedLogged.filter((id) => id === lostMinting.eventID)).toHaveLength(1);
    const statusOf = (id: string) => logs.filter((l) => l.includes(`"eventId":"${id}"`)).map((l) => JSON.parse(l.slice(l.indexOf('{'))).status);
    expect(statusOf(lostCreation.eventID)).toEqual(['processed']);
    expect(statusOf(lostMinting.eventID)).toEqual(['processed']);
    expect(recordMattersForReconcile(lostTagging)).toBe(false);
    expect(outOfScopeMisses.map((r) => r.eventID)).toContain(lostTagging.eventID);
    for (const r of outOfScopeMisses) expect(missedLogged).not.toContain(r.eventID);
    const compared = result.units.reduce((n, u) => n + u.compared, 0);
    const writes = result.units.reduce((n, u) => n + u.writeEvents, 0);
    expect(compared).toBeLessThan(writes);
    const fresh = published.slice(before);
    expect(fresh.filter((f) => f.eventId === lost.eventID)).toHaveLength(1);
    expect(fresh.find((f) => f.eventId === lost.eventID)!.severity).toMatch(/high|critical/);
    expect(result.findings).toBe(fresh.length);
    // Only write events were asked for.
    expect(ct.lookups.every((l) => JSON.stringify(l.body.LookupAttributes) === JSON.stringify([{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }]))).toBe(true);
    expect(result.units.map((u) => u.to)).toEqual([new Date(NOW.getTime() - 20 * 60_000).toISOString(), new Date(NOW.getTime() - 20 * 60_000).toISOString()]);
  });

  it('never twice: the next run has nothing left, a rerun of the same window finds them seen, a late delivery is a duplicate', async () => {
    const count = published.length;
    expect((await reconcile(deps())).units).toEqual([]); // the window moved on
    // As if the checkpoint had not been written (a crash after detecting): the window again.
    for (const a of ACCOUNTS) {
      await db.client.send(new DeleteItemCommand({ TableName: db.tableName, Key: { pk: { S: `HISTORY#reconcile#${a}/${REGION}` }, sk: { S: 'CHECKPOINT' } } }));
    }
    const rerun = await reconcile(deps());
    expect(rerun.units).toHaveLength(2);
    expect(rerun.missed).toBe(0);
    // The bus delivers the lost event after all.
    const late = await detectHandler()(cloudTrailEnvelope(lost));
    expect(late.status).toBe('duplicate');
    expect(published.length).toBe(count);
    expect(published.filter((f) => f.eventId === lost.eventID)).toHaveLength(1);
  });

  it('one account failing does not stop the others, and its window stays for the next run', async () => {
    const d = deps();
    d.accounts.push({ account: '999999999999', clientFor: regionalClients(async () => ({ accessKeyId: 'AKIAUNKNOWN000000001', secretAccessKey: 'x' })) });
    const result = await reconcile({ ...d, now: () => new Date(NOW.getTime() + 15 * 60_000) });
    expect(result.failures.map((f) => f.unit)).toEqual(['999999999999/us-east-1']);
    expect(result.units).toHaveLength(2);
    const cp = await createDynamoCheckpointStore<ReconcileCheckpoint>(db.client, db.tableName, 'reconcile#999999999999/us-east-1').get();
    expect(cp).toBeUndefined();
  });
});

describe('the function’s own envelope', () => {
  it('is the envelope CloudTrail uses (as lib/event-pattern.ts builds it), so detect reads a reconciled record as a delivered one', async () => {
    const { cloudTrailEnvelope: own } = await import('../../functions/reconcile/envelope.ts');
    for (const r of [lost, { ...lost, eventType: 'AwsConsoleSignIn' }, { ...lost, eventType: 'AwsServiceEvent' }, { eventID: 1 }]) {
      const { id: _a, ...mine } = own(r as Record<string, unknown>);
      const { id: _b, ...theirs } = cloudTrailEnvelope(r as Record<string, unknown>);
      expect(mine).toEqual(theirs);
    }
  });
});

describe('isForwarded is the member rule’s filter', () => {
  it('agrees with MEMBER_EVENT_PATTERN on the corpus and on generated traffic with AWS services’ own calls', () => {
    const records: Record<string, unknown>[] = stratusRecords();
    records.push(...generate({ events: 2000, seed: 4 }).records, { eventID: 'no-identity', eventType: 'AwsApiCall' }, { eventID: 'null-type', userIdentity: { type: null } });
    let dropped = 0;
    for (const r of records) {
      const byPattern = matchesEventPattern(MEMBER_EVENT_PATTERN, cloudTrailEnvelope(r));
      expect(isForwarded(r), String(r.eventID)).toBe(byPattern);
      if (!byPattern) dropped++;
    }
    expect(dropped).toBeGreaterThan(100);
  });
});
