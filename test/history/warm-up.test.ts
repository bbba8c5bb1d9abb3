/**
 * Warm baseline on dynalite, fed by the CloudTrail stand-in through the real clients:
 * it fills the state; a second run changes nothing; a run killed mid-way resumes and
 * ends with the very state of an uninterrupted run.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimiterPool, type RetryPolicy } from '../../functions/adapters/cloudtrail-history.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createDynamoCheckpointStore } from '../../functions/adapters/history-checkpoint-dynamo.ts';
import { regionalClients } from '../../functions/adapters/history-accounts.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { warmUp, type WarmUpCheckpoint, type WarmUpDeps } from '../../functions/warm-up/warm-up.ts';
import { runCli } from '../cli/run-cli.ts';
import { startCloudTrailStandIn, type CloudTrailStandIn } from '../standins/cloudtrail.ts';
import { createTable, startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { benchConfig, recordedHistory } from './support.ts';

const config = benchConfig();
const NOW = new Date('2026-11-15T00:00:00Z');
const SINCE = new Date('2026-11-01T00:00:00Z');
const history = recordedHistory(900, { start: SINCE.toISOString(), spanHours: 24 * 14 - 1 });
// For the CLI, which works back from the real clock: the last three days.
const recent = recordedHistory(150, { seed: 9, start: new Date(Date.now() - 3 * 86_400_000 + 60_000).toISOString(), spanHours: 70 });
const ACCOUNTS = ['333333333333', '222222222222', '111111111111', '333333333334'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const inScope = history.filter((r) => ACCOUNTS.includes(r.recipientAccountId) && REGIONS.includes(r.awsRegion));
const noSleep: RetryPolicy = { attempts: 3, baseMs: 1, maxMs: 1, sleep: async () => {} };

let ct: CloudTrailStandIn;
let db: LocalDynamo;
const saved = { ...process.env };

beforeAll(async () => {
  [ct, db] = await Promise.all([startCloudTrailStandIn(), startLocalDynamo()]);
  ct.add(history);
  ct.add(recent);
  ct.addKey('AKIAWARMUP0000000001', '333333333333');
  for (const a of ACCOUNTS) ct.addRole(a, 'Blastwall-history-reader');
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAWARMUP0000000001',
    AWS_SECRET_ACCESS_KEY: 'stand-in',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
    AWS_ENDPOINT_URL_STS: ct.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([ct?.close(), db?.close()]);
});

const logs: string[] = [];
function deps(tableName: string, extra: Partial<WarmUpDeps> = {}): WarmUpDeps {
  return {
    pipeline: createPipeline({ config, store: createDynamoStateStore({ client: db.client, tableName, config }) }),
    accounts: ACCOUNTS.map((account) => ({ account, clientFor: regionalClientsAs(account) })),
    regions: REGIONS,
    checkpoints: createDynamoCheckpointStore<WarmUpCheckpoint>(db.client, tableName, 'warm-up'),
    limiterFor: createLimiterPool(1000),
    retry: noSleep,
    log: (message, details) => void logs.push(`${message} ${JSON.stringify(details ?? {})}`),
    now: () => NOW,
    sliceHours: 24,
    ...extra,
  };
}

/** A client signed with a key the stand-in maps to `account` (as the assumed history role would be). */
function regionalClientsAs(account: string) {
  const key = `AKIAWARM${account}`;
  ct.addKey(key, account);
  return regionalClients(async () => ({ accessKeyId: key, secretAccessKey: 'stand-in' }));
}

/** Every item but the checkpoint, as stored. */
async function stateOf(tableName: string): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await db.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.filter((i) => !i.pk!.S!.startsWith('HISTORY#')).sort((a, b) => (`${a.pk!.S}|${a.sk!.S}` < `${b.pk!.S}|${b.sk!.S}` ? -1 : 1));
}

describe('warm-up (the one-off function’s core) on dynalite', () => {
  let reference: Array<Record<string, AttributeValue>>;

  it('fills the state table: credentials × environments, actors, lineage, creations; findings are counted, not published', async () => {
    const result = await warmUp(deps(db.tableName), { since: SINCE, until: NOW });
    expect(result.status).toBe('done');
    expect(result.checkpoint).toMatchObject({ events: inScope.length, rejected: 0, done: true, next: NOW.toISOString() });
    reference = await stateOf(db.tableName);
    const kinds = new Set(reference.map((i) => i.pk!.S!.split('#')[0]));
    expect(kinds).toContain('CRED');
    expect(kinds).toContain('ACTOR');
    // Every human principal of the history has a state item.
    const principals = new Set(inScope.map((r) => (r.userIdentity as { arn?: string }).arn).filter(Boolean));
    expect(reference.filter((i) => i.pk!.S!.startsWith('CRED#')).length).toBeGreaterThanOrEqual(Math.min(principals.size, 10));
    expect(logs.some((l) => l.startsWith('warm-up progress') && l.includes('"percent":100'))).toBe(true);
  });

  it('a second run changes nothing', async () => {
    const lookups = ct.lookups.length;
    const again = await warmUp(deps(db.tableName), { since: SINCE, until: NOW });
    expect(again.status).toBe('already-done');
    expect(ct.lookups.length).toBe(lookups);
    expect(await stateOf(db.tableName)).toEqual(reference);
  });

  it('a run killed mid-way resumes at its checkpoint and completes with the same state', async () => {
    const table = `${db.tableName}-killed`;
    await createTable(db.client, table);
    ct.breakAfter(50);
    await expect(warmUp(deps(table), { since: SINCE, until: NOW })).rejects.toThrow(/broken on purpose/);
    ct.heal();
    const checkpoint = await createDynamoCheckpointStore<WarmUpCheckpoint>(db.client, table, 'warm-up').get();
    expect(checkpoint!.done).toBe(false);
    expect(Date.parse(checkpoint!.next)).toBeGreaterThan(SINCE.getTime());
    expect(Date.parse(checkpoint!.next)).toBeLessThan(NOW.getTime());
    const before = ct.lookups.length;
    const resumed = await warmUp(deps(table), { since: SINCE, until: NOW });
    expect(resumed.status).toBe('done');
    // It continued: the slices before the checkpoint were not read again.
    const starts = ct.lookups.slice(before).map((l) => Number(l.body.StartTime) * 1000);
    expect(Math.min(...starts)).toBe(Date.parse(checkpoint!.next));
    expect(await stateOf(table)).toEqual(reference);
    expect(resumed.checkpoint).toMatchObject({ events: inScope.length, done: true });
  });

  it('pauses when Lambda’s time runs out and the next invocation finishes the job', async () => {
    const table = `${db.tableName}-paused`;
    await createTable(db.client, table);
    let budget = 300;
    const first = await warmUp(deps(table, { remainingMs: () => (budget-- > 0 ? 600_000 : 1_000) }), { since: SINCE, until: NOW });
    expect(first.status).toBe('paused');
    expect(first.checkpoint.skip).toBeGreaterThan(0); // mid-slice: it resumes at the next event, not the slice's start
    const second = await warmUp(deps(table, { remainingMs: () => 600_000 }), { since: SINCE, until: NOW });
    expect(second.status).toBe('done');
    expect(await stateOf(table)).toEqual(reference);
  });
});

describe('blastwall warm-up (CLI)', () => {
  it('fills a table through the history role of every configured account, then reports it is warm', async () => {
    const table = `${db.tableName}-cli`;
    await createTable(db.client, table);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'blastwall-warm-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        environments: [
          { name: 'development', accounts: ['111111111111'], sensitivity: 'low', response: 'dry-run' },
          { name: 'staging', accounts: ['222222222222'], sensitivity: 'low', response: 'enforce' },
          { name: 'production', accounts: ['333333333333', '333333333334'], sensitivity: 'high', response: 'enforce' },
        ],
        deployment: { regions: ['eu-west-1'] },
      }),
    );
    const args = ['warm-up', '--table', table, '--config', configFile, '--since', '3d', '--role-name', 'Blastwall-history-reader'];
    const run = await runCli(args, dir, { BLASTWALL_LOOKUP_RATE: '1000' });
    expect(run.code).toBe(0);
    const expected = recent.filter((r) => ACCOUNTS.includes(r.recipientAccountId) && ['eu-west-1', 'us-east-1'].includes(r.awsRegion)).length;
    expect(expected).toBeGreaterThan(20);
    expect(run.stdout).toMatch(new RegExp(`^Baseline warm: ${expected} events of 4 account\\(s\\) × 2 region\\(s\\)`));
    expect(run.stderr).toMatch(/warm-up progress .*"percent":100/);
    const again = await runCli(args, dir, { BLASTWALL_LOOKUP_RATE: '1000' });
    expect(again.stdout).toMatch(/already warm/);
    expect((await stateOf(table)).length).toBeGreaterThan(10);
    expect(await runCli(['warm-up'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--table is required/) });
  });
});
