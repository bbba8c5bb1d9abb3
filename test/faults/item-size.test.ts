/**
 * Issue 15, item 10: detection state items stay under DynamoDB's 400 KB item limit whatever
 * an event's `resources` and parameters hold. Forged records with the largest fields
 * normalise accepts, from one machine, through the real detector on dynalite: every save
 * succeeds (a failed save used to send the event to the DLQ and lose its finding), every
 * stored item is under the limit, and the findings are still made.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ITEM_DATA_BUDGET, MAX_KEY_BYTES, boundKey, boundedItemData, createDynamoStateStore, decodeItemData } from '../../functions/adapters/dynamo-state-store.ts';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createDetector } from '../../functions/core/detection/detector.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';

const PROD = '333333333333';
const config = parseConfig(EXAMPLE_CONFIG);
const resolver = createEnvironmentResolver(config);
const noise = (n: number) => randomBytes(Math.ceil(n * 0.75)).toString('base64').slice(0, n).replace(/[+/=]/g, 'x');

/** A role session of principal `i` deleting buckets, with 80 resources of 2 KB random ARNs each and a 60 KB bucket name (under CloudTrail's 256 KB per record). */
function hostileRecord(i: number, j: number) {
  const role = `role-${i}`;
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${i}:s`,
      arn: `arn:aws:sts::${PROD}:assumed-role/${role}/${noise(200)}`,
      accountId: PROD,
      accessKeyId: `ASIAHOSTILE${String(i).padStart(9, '0')}`,
      sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${PROD}:role/${role}`, accountId: PROD, userName: role }, attributes: { creationDate: '2026-11-25T09:00:00Z', mfaAuthenticated: 'false' } },
    },
    eventTime: `2026-11-25T10:${String(i % 60).padStart(2, '0')}:${String(j).padStart(2, '0')}Z`,
    eventSource: 's3.amazonaws.com',
    eventName: j % 2 === 0 ? 'DeleteBucket' : 'CreateBucket',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.66',
    userAgent: `aws-cli/2.15.0 ${noise(900)}`,
    requestParameters: { bucketName: `b-${noise(60_000)}`, Host: noise(1000) },
    responseElements: null,
    resources: Array.from({ length: 80 }, () => ({ ARN: `arn:aws:s3:::${noise(2000)}`, accountId: PROD, type: 'AWS::S3::Bucket' })),
    requestID: `req-${i}-${j}`,
    eventID: `evt-size-${i}-${j}-${noise(8)}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: PROD,
  };
}

describe('state items under 400 KB (issue 15 item 10), on dynalite', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo.close());

  it('forged resources and parameters from one machine: every save succeeds, every item stays under the limit, findings are made', async () => {
    const detector = createDetector({ store: createDynamoStateStore({ client: dynamo.client, tableName: dynamo.tableName }), config, resolver });
    let findings = 0;
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 2; j++) {
        const normalised = normaliseRecord(hostileRecord(i, j), resolver);
        if (!normalised.ok) throw new Error(normalised.reason);
        const outcome = await detector.process(normalised.event);
        if (outcome.finding) findings++;
      }
    }
    expect(findings).toBeGreaterThanOrEqual(40);
    const items = (await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }))).Items ?? [];
    const sizes = items.map((item) => Object.entries(item).reduce((n, [k, v]) => n + k.length + (v.B?.length ?? 0) + Buffer.byteLength(v.S ?? v.N ?? ''), 0));
    expect(Math.max(...sizes)).toBeLessThan(400 * 1024);
    for (const item of items) expect(Buffer.byteLength(item.pk!.S!)).toBeLessThanOrEqual(1024);
  }, 120_000);

  it('compaction keeps the identity and version and drops what only refines detection first', () => {
    const bigFirst = (n: number) => ({ id: `e${n}`, timeMs: n, resources: Array.from({ length: 20 }, () => ({ arn: noise(2048) })), requestParameters: { x: noise(2000) } });
    const actor = { key: 'ACTOR-KEY', version: 7, recent: [], uses: Array.from({ length: 40 }, (_, i) => ({ principalKey: `p${i}`, lastSeen: 40 - i, first: bigFirst(i) })) };
    const { data, compacted } = boundedItemData('actor', actor);
    expect(compacted).toBe(true);
    expect(data.length).toBeLessThanOrEqual(ITEM_DATA_BUDGET);
    const stored = decodeItemData<typeof actor>({ B: data })!;
    expect(stored).toMatchObject({ key: 'ACTOR-KEY', version: 7 });
    expect(stored.uses).toHaveLength(40);
    expect(stored.uses[0]!.first).toMatchObject({ id: 'e0', resources: [] });
    // The input object is untouched (the detector keeps it).
    expect(actor.uses[0]!.first.resources).toHaveLength(20);
    // A small item is stored as it is.
    expect(boundedItemData('principal', { key: 'k', version: 1, recent: [] }).compacted).toBe(false);
    // Even a value no kind-specific step can shrink fits, strings cut.
    expect(boundedItemData('created', { name: noise(500_000) }).data.length).toBeLessThanOrEqual(ITEM_DATA_BUDGET);
  });

  it('keys longer than 1 KB become prefix + SHA-256, the same for the same text', () => {
    const long = { pk: `RES#${PROD}#bucket#${'n'.repeat(5000)}`, sk: 'CREATED' };
    const bounded = boundKey(long);
    expect(bounded.pk).toMatch(/^RES#sha256:[0-9a-f]{64}$/);
    expect(Buffer.byteLength(bounded.pk)).toBeLessThanOrEqual(MAX_KEY_BYTES);
    expect(boundKey({ ...long }).pk).toBe(bounded.pk);
    expect(boundKey({ pk: 'CRED#short', sk: 'STATE' })).toEqual({ pk: 'CRED#short', sk: 'STATE' });
  });
});
