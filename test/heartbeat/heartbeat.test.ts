/**
 * Member topology heartbeats (docs/deploy.md, "Topology"):
 * - the pure judgement (silence after 15 minutes, unknown code, members never heard from),
 *   and the validation of a heartbeat (every field is attacker-controlled);
 * - the member `heartbeat` handler exactly as deployed (`fromEnvironment`), with the real
 *   Lambda, CloudWatch and EventBridge clients at a loopback stand-in;
 * - the central `heartbeat-watch` on dynalite: keeps the last heartbeat per member, judges them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { buildHeartbeat, heartbeatWindow, judgeHeartbeats, parseHeartbeat, type LastHeartbeat } from '../../functions/core/heartbeat.ts';
import { regionOfArn } from '../../functions/adapters/lambda-environment.ts';
import { createDynamoHeartbeatStore } from '../../functions/adapters/heartbeat-store-dynamo.ts';
import { createHeartbeatWatchHandler } from '../../functions/heartbeat-watch/handler.ts';
import { listen, readBody, sendJson } from '../standins/loopback-http.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { importAsBundled } from '../infra/support.ts';

const SHA_A = 'mPD4miUNLwpp0DFg6DmB5+3ta0EJ6DH2sWR1mtEMoDg=';
const SHA_B = 'zFYEXJ/8ZK2PQYNL0G2fBX/faxLotPOt0kYt0DCs3Z4=';
const NOW = Date.parse('2026-12-04T12:07:30Z');
const MIN = 60_000;
const hb = (account: string, region: string, agoMin: number, codeSha256 = SHA_A): LastHeartbeat => ({ account, region, seenAtMs: NOW - agoMin * MIN, codeSha256, eventsJudged: 10 });

function envelope(detail: unknown, account = '333333333333', overrides: Record<string, unknown> = {}) {
  return { version: '0', id: 'e1', source: 'blastwall', 'detail-type': 'Blastwall Heartbeat', account, region: 'eu-west-1', time: '2026-12-04T12:07:30Z', resources: [], detail, ...overrides };
}
const goodDetail = () => buildHeartbeat({ account: '333333333333', region: 'us-east-1', codeSha256: SHA_A, eventsJudged: 42, window: heartbeatWindow(new Date(NOW)), now: new Date(NOW) });

describe('judging heartbeats (pure)', () => {
  it('a member is silent after more than 15 minutes, not at 15', () => {
    const j = judgeHeartbeats({ last: [hb('111111111111', 'us-east-1', 15), hb('222222222222', 'us-east-1', 15.01)], knownCodeSha256: [SHA_A], nowMs: NOW });
    expect(j.silent.map((m) => m.account)).toEqual(['222222222222']);
    expect(j.reporting).toBe(1);
    expect(j.unknownCode).toEqual([]);
  });

  it('a reporting member running another hash is unknown code; a silent one is only silent', () => {
    const j = judgeHeartbeats({ last: [hb('111111111111', 'us-east-1', 1, SHA_B), hb('222222222222', 'eu-west-1', 40, SHA_B), hb('333333333333', 'us-east-1', 2)], knownCodeSha256: [SHA_A], nowMs: NOW });
    expect(j.unknownCode).toEqual([{ account: '111111111111', region: 'us-east-1', lastSeenMs: NOW - MIN, codeSha256: SHA_B }]);
    expect(j.silent.map((m) => `${m.account}/${m.region}`)).toEqual(['222222222222/eu-west-1']);
    expect(j.reporting).toBe(2);
    // Events judged count the reporting members only (the blind-detector alarm reads them).
    expect(j.eventsJudged).toBe(20);
  });

  it('judges each member per region: one silent region of an account that reports elsewhere', () => {
    const j = judgeHeartbeats({ last: [hb('111111111111', 'us-east-1', 1), hb('111111111111', 'eu-west-1', 30), hb('333333333333', 'us-east-1', 1)], knownCodeSha256: [SHA_A], nowMs: NOW });
    expect(j.silent).toEqual([{ account: '111111111111', region: 'eu-west-1', lastSeenMs: NOW - 30 * MIN, codeSha256: SHA_A }]);
    expect(j.reporting).toBe(2);
  });

  it('the silence limit is configurable', () => {
    expect(judgeHeartbeats({ last: [hb('111111111111', 'us-east-1', 6)], knownCodeSha256: [SHA_A], nowMs: NOW, silenceMinutes: 5 }).silent).toHaveLength(1);
  });

  it('the reported window is the 5 minutes that ended 5 minutes ago, on minute boundaries', () => {
    const w = heartbeatWindow(new Date(NOW));
    expect(w.start.toISOString()).toBe('2026-12-04T11:57:00.000Z');
    expect(w.end.toISOString()).toBe('2026-12-04T12:02:00.000Z');
  });
});

describe('validating a heartbeat (every field is attacker-controlled)', () => {
  it('accepts a well-formed heartbeat from the account it names', () => {
    expect(parseHeartbeat(envelope(goodDetail()))).toEqual({ ok: true, heartbeat: goodDetail() });
  });

  it.each([
    ['another account than its sender', envelope(goodDetail(), '444444444444'), /not the account that sent/],
    ['a non-Blastwall source', envelope(goodDetail(), '333333333333', { source: 'aws.events' }), /not a Blastwall Heartbeat/],
    ['a bad region', envelope({ ...goodDetail(), region: '../etc' }), /region/],
    ['a bad hash', envelope({ ...goodDetail(), codeSha256: 'x'.repeat(44) }), /codeSha256/],
    ['a negative count', envelope({ ...goodDetail(), eventsJudged: -1 }), /eventsJudged/],
    ['a fractional count', envelope({ ...goodDetail(), eventsJudged: 1.5 }), /eventsJudged/],
    ['an impossible time', envelope({ ...goodDetail(), sentAt: 'yesterday' }), /ISO/],
    ['a detail that is an array', envelope([goodDetail()]), /detail/],
    ['no envelope at all', 'heartbeat', /not an EventBridge event/],
    ['an inherited account', envelope(Object.create({ account: '333333333333' })), /not the account/],
  ])('rejects %s', (_label, event, reason) => {
    const parsed = parseHeartbeat(event);
    expect(parsed.ok).toBe(false);
    expect((parsed as { reason: string }).reason).toMatch(reason);
  });

  it('reads the region of the central table and bus ARNs, none of a plain name', () => {
    expect(regionOfArn('arn:aws:dynamodb:eu-west-1:999999999999:table/Blastwall-Central-State')).toBe('eu-west-1');
    expect(regionOfArn('arn:aws-us-gov:events:us-gov-west-1:999999999999:event-bus/Blastwall-central')).toBe('us-gov-west-1');
    expect(regionOfArn('Blastwall-Central-State')).toBeUndefined();
  });
});

describe('the member heartbeat handler as deployed, real SDK clients at a loopback stand-in', () => {
  const requests: { service: string; target: string; body: any }[] = [];
  let standIn: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    standIn = await listen(async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method === 'GET' && req.url?.startsWith('/2015-03-31/functions/')) {
        requests.push({ service: 'lambda', target: decodeURIComponent(req.url), body: undefined });
        return sendJson(res, 200, { FunctionName: 'Blastwall-member-detect', CodeSha256: SHA_A, Runtime: 'nodejs22.x' });
      }
      if (target.endsWith('.GetMetricStatistics')) {
        requests.push({ service: 'cloudwatch', target, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(JSON.stringify({ Label: 'Invocations', Datapoints: [{ Timestamp: NOW / 1000 - 600, Sum: 1234, Unit: 'Count' }] }));
      }
      if (target === 'AWSEvents.PutEvents') {
        requests.push({ service: 'events', target, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] }));
      }
      sendJson(res, 400, { __type: 'UnknownOperationException', message: `${req.method} ${req.url} ${target}` });
    });
    const url = `http://127.0.0.1:${standIn.port}`;
    const vars: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAMEMBERHEARTBEAT1',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_LAMBDA: url,
      AWS_ENDPOINT_URL_CLOUDWATCH: url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: url,
      DETECT_FUNCTION_NAME: 'Blastwall-member-detect',
      EVENT_BUS_NAME: 'arn:aws:events:eu-west-1:999999999999:event-bus/Blastwall-central',
    };
    for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await standIn?.close();
  });

  it('reads detect\'s code hash and invocations and puts one Blastwall Heartbeat on the central bus by ARN', async () => {
    const { fromEnvironment } = await import('../../functions/heartbeat/handler.ts');
    const handler = fromEnvironment();
    const sent = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:333333333333:function:Blastwall-member-heartbeat' });
    expect(requests.find((r) => r.service === 'lambda')?.target).toBe('/2015-03-31/functions/Blastwall-member-detect/configuration');
    const metric = requests.find((r) => r.service === 'cloudwatch')!.body;
    expect(metric).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'Blastwall-member-detect' }], Period: 300, Statistics: ['Sum'] });
    const put = requests.filter((r) => r.service === 'events');
    expect(put).toHaveLength(1);
    const entry = put[0]!.body.Entries[0];
    expect(entry).toMatchObject({ EventBusName: 'arn:aws:events:eu-west-1:999999999999:event-bus/Blastwall-central', Source: 'blastwall', DetailType: 'Blastwall Heartbeat' });
    const detail = JSON.parse(entry.Detail);
    expect(detail).toEqual(sent);
    expect(detail).toMatchObject({ account: '333333333333', region: 'us-east-1', codeSha256: SHA_A, eventsJudged: 1234 });
    // What the central watch accepts from that account.
    expect(parseHeartbeat(envelope(detail, '333333333333')).ok).toBe(true);
  });
});

describe('heartbeat-watch on DynamoDB (dynalite)', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  }, 30_000);
  afterAll(async () => dynamo?.close());

  it('keeps the last heartbeat per member (never an older one), then judges: silent, unknown code', async () => {
    let now = NOW - 20 * MIN;
    const metrics = new Metrics({ namespace: 'Blastwall', serviceName: 'blastwall' });
    const logged: string[] = [];
    const logger = new Logger({ serviceName: 'blastwall', logLevel: 'SILENT' });
    const log = (message: string, extra?: unknown) => logged.push(`${message} ${JSON.stringify(extra)}`);
    logger.error = log as never;
    logger.warn = log as never;
    const store = createDynamoHeartbeatStore(dynamo.client, dynamo.tableName);
    const watch = createHeartbeatWatchHandler({
      store,
      knownCodeSha256: async () => [SHA_A],
      logger,
      metrics,
      now: () => new Date(now),
    });
    const beat = (account: string, sha = SHA_A) => watch(envelope({ ...goodDetail(), account, codeSha256: sha }, account));
    // 20 minutes ago: all three report; then only 111 (unknown code) and 333 keep reporting.
    for (const a of ['111111111111', '222222222222', '333333333333']) expect(await beat(a)).toEqual({ status: 'recorded' });
    now = NOW - 2 * MIN;
    expect(await beat('111111111111', SHA_B)).toEqual({ status: 'recorded' });
    expect(await beat('333333333333')).toEqual({ status: 'recorded' });
    // An older arrival never replaces a newer one.
    now = NOW - 10 * MIN;
    expect(await beat('333333333333', SHA_B)).toEqual({ status: 'stale' });
    // A forged heartbeat naming another account is refused and never stored.
    expect(await watch(envelope({ ...goodDetail(), account: '222222222222' }, '444444444444'))).toMatchObject({ status: 'rejected' });
    now = NOW;
    const judged = await watch({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(judged).toMatchObject({ status: 'judged', reporting: 2, eventsJudged: 84 });
    const j = judged as Extract<typeof judged, { status: 'judged' }>;
    expect(j.silent.map((m) => m.account)).toEqual(['222222222222']);
    expect(j.unknownCode.map((m) => [m.account, m.codeSha256])).toEqual([['111111111111', SHA_B]]);
    expect(logged.some((l) => l.startsWith('member detector silent') && l.includes('222222222222'))).toBe(true);
    expect(logged.some((l) => l.startsWith('member detector runs unknown code') && l.includes(SHA_B))).toBe(true);
    expect(logged.some((l) => l.startsWith('heartbeat rejected'))).toBe(true);
    expect((await store.all()).map((h) => h.account).sort()).toEqual(['111111111111', '222222222222', '333333333333']);
  });
});

describe('the bundles load as CDK bundles them', () => {
  it.each(['heartbeat', 'heartbeat-watch'])('functions/%s/handler.ts exports a handler after bundling', async (name) => {
    const mod = await importAsBundled(new URL(`../../functions/${name}/handler.ts`, import.meta.url).pathname);
    expect(typeof mod.handler).toBe('function');
  }, 60_000);
});
