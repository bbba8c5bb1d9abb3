/**
 * The outside world misbehaves: the IAM/STS, Slack and PagerDuty stand-ins (the
 * other engineers' loopback servers, spoken to by the real SDK clients and
 * adapters) answer 5xx, 429 with Retry-After, garbage bodies, or never answer; a
 * fault proxy in front of them adds what they cannot do themselves (hangs, cut
 * connections, HTML with 200).
 *
 * Proves:
 *   - respond: bounded retries (the number of IAM/STS requests is capped), a
 *     transient fault that clears ends `done`, one that does not ends `failed` with
 *     the reason — never `done` unless IAM confirmed it — the key untouched, the
 *     Response event escalated and RevocationFailures counted;
 *   - page: Slack and PagerDuty fail independently (one down never stops the
 *     other), Retry-After is honoured, a channel that stays down fails the
 *     invocation (Lambda retry → DLQ) and the retry delivers exactly once (no second
 *     message, no second incident); a failed revocation escalates the page to the
 *     top severity in both channels.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '../../functions/adapters/event-publisher.ts';
import { IamRevoker } from '../../functions/adapters/iam-revoker.ts';
import { MemoryResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { IamClients, ResponderCredentials } from '../../functions/adapters/responder-credentials.ts';
import { SlackPager } from '../../functions/adapters/slack-pager.ts';
import { PagerDutyPager } from '../../functions/adapters/pagerduty-pager.ts';
import { MemoryPageLedger } from '../../functions/adapters/page-ledger-memory.ts';
import { createPageService } from '../../functions/page/page-service.ts';
import { createResponder, type ResponseEventDetail, type ResponseMetrics } from '../../functions/respond/responder.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { DETAIL_TYPES, METRICS } from '../../functions/core/telemetry-names.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack.ts';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../standins/pagerduty.ts';
import { CENTRAL_KEY } from '../response/harness.ts';
import { NOW, PROD, PROD_KEY, PROD_OTHER_KEY, STAGING, STAGING_KEY, makeFinding, testConfig as responseConfig } from '../response/fixtures.ts';
import { ROUTING_KEY, sampleFinding, testConfig as pagingConfig } from '../paging/fixtures.ts';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.ts';

const MAX_ATTEMPTS = 3;
const THROTTLE_XML = '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>';

describe('respond against a misbehaving IAM/STS', () => {
  let iam: IamStsStandIn;
  let proxy: FaultProxy;

  beforeAll(async () => {
    iam = await startIamStsStandIn();
    proxy = await startFaultProxy(iam.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await iam.close();
  });
  beforeEach(() => {
    iam.reset();
    for (const account of [PROD, STAGING]) iam.addRole(account, 'BlastwallResponder');
    iam.addUser(PROD, 'ci-deployer', [{ id: PROD_KEY }, { id: PROD_OTHER_KEY }]);
    iam.addUser(STAGING, 'stg-dev', [{ id: STAGING_KEY }]);
    iam.trustCallers([CENTRAL_KEY]);
    proxy.clear();
    proxy.log.length = 0;
  });

  /** respond wired as in Lambda, through the fault proxy, with short timeouts and no real sleeping. */
  function wire() {
    const timeouts = { requestTimeout: 300, connectionTimeout: 300 };
    const sts = { region: 'us-east-1', endpoint: proxy.url, credentials: { accessKeyId: CENTRAL_KEY, secretAccessKey: 'central-secret' }, requestHandler: timeouts };
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);
    const retry = { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 1000 };
    // AssumeRole is retried by the SDK (retryStrategy with these bounds), which really waits: small delays here.
    const credentials = new ResponderCredentials({ sts, roleName: 'BlastwallResponder', retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (ms) => void sleeps.push(ms) });
    const clients = new IamClients({ credentials, endpoint: proxy.url, requestTimeoutMs: 300, connectionTimeoutMs: 300, retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (ms) => void sleeps.push(ms) });
    const revoker = new IamRevoker({ clientFor: (account, attempts) => clients.ready(account, attempts), retry, sleep });
    const publisher = new MemoryEventPublisher();
    const counts = new Map<string, number>();
    const metrics: ResponseMetrics = { count: (name, value = 1) => void counts.set(name, (counts.get(name) ?? 0) + value) };
    const responder = createResponder({ config: responseConfig(), ledger: new MemoryResponseLedger(), revoker, publisher, metrics, now: () => NOW });
    return {
      responder,
      counts,
      sleeps,
      responses: () => publisher.ofType(DETAIL_TYPES.response) as ResponseEventDetail[],
      close: () => {
        clients.destroy();
      },
    };
  }

  it('IAM 500 twice, then success: done after bounded retries, the key is inactive, no escalation', async () => {
    const w = wire();
    try {
      iam.fail('UpdateAccessKey', { status: 500, code: 'ServiceFailure' }, 2);
      await w.responder.respond(makeFinding());
      const [detail] = w.responses();
      expect(detail!.actions[0]).toMatchObject({ action: 'iam:UpdateAccessKey', status: 'done' });
      expect(iam.calls('UpdateAccessKey').map((c) => c.status)).toEqual([500, 500, 200]);
      expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
      expect(detail!.escalate).toBe(false);
      expect(w.sleeps.length).toBeGreaterThanOrEqual(2);
    } finally {
      w.close();
    }
  });

  it('IAM throttles without end: exactly MAX_ATTEMPTS tries, then failed + escalated + counted; the key stays active', async () => {
    const w = wire();
    try {
      iam.fail('UpdateAccessKey', { status: 400, code: 'Throttling', message: 'Rate exceeded' }, 50);
      await w.responder.respond(makeFinding());
      const [detail] = w.responses();
      expect(detail!.actions[0]!.status).toBe('failed');
      expect(detail!.actions[0]!.detail).toMatch(/Throttling|Rate exceeded/);
      expect(iam.calls('UpdateAccessKey')).toHaveLength(MAX_ATTEMPTS);
      expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
      expect(detail!.escalate).toBe(true);
      expect(w.counts.get(METRICS.revocationFailures)).toBe(1);
      expect(w.counts.get(METRICS.revocations) ?? 0).toBe(0);
    } finally {
      w.close();
    }
  });

  it('429 with Retry-After on the first STS call: retried, then the revocation is done', async () => {
    const w = wire();
    try {
      proxy.fail({ kind: 'status', status: 429, headers: { 'retry-after': '1', 'content-type': 'text/xml' }, body: THROTTLE_XML }, 1);
      await w.responder.respond(makeFinding());
      const [detail] = w.responses();
      expect(proxy.log[0]).toMatchObject({ fault: 'status' });
      expect(detail!.actions[0]!.status).toBe('done');
      expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Inactive');
    } finally {
      w.close();
    }
  });

  // A black-holed IAM/STS endpoint ends each request at its timeout: bounded attempts, then failed and escalated.
  it(
    'STS/IAM never answer (timeouts): bounded attempts, failed and escalated, nothing reported done',
    async () => {
      const w = wire();
      try {
        proxy.fail({ kind: 'hang' }, 50);
        await w.responder.respond(makeFinding());
        const [detail] = w.responses();
        expect(detail!.actions.every((a) => a.status === 'failed')).toBe(true);
        expect(detail!.escalate).toBe(true);
        expect(proxy.log.filter((l) => l.fault === 'hang').length).toBeLessThanOrEqual(MAX_ATTEMPTS);
        expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
      } finally {
        proxy.clear();
        w.close();
      }
    },
    5_000,
  );

  it('connections cut mid-request: bounded attempts, failed and escalated', async () => {
    const w = wire();
    try {
      proxy.fail({ kind: 'reset' }, 50);
      await w.responder.respond(makeFinding());
      const [detail] = w.responses();
      expect(detail!.actions.every((a) => a.status === 'failed')).toBe(true);
      expect(detail!.escalate).toBe(true);
      expect(proxy.log.filter((l) => l.fault === 'reset').length).toBeLessThanOrEqual(MAX_ATTEMPTS);
    } finally {
      w.close();
    }
  });

  async function respondWithGarbage(fault: { status: number; rawBody: string }) {
    const w = wire();
    try {
      iam.fail('UpdateAccessKey', { ...fault, code: 'Garbage' }, 50);
      await w.responder.respond(makeFinding());
      const [detail] = w.responses();
      const action = detail!.actions[0]!;
      // The stand-in answered garbage instead of acting: the key is still Active, so "done" would be a lie.
      expect(iam.keyStatus(PROD, 'ci-deployer', PROD_KEY)).toBe('Active');
      expect(iam.calls('UpdateAccessKey').length).toBeLessThanOrEqual(MAX_ATTEMPTS);
      expect(action.status, `UpdateAccessKey answered ${fault.status} with HTML`).toBe('failed');
      expect(detail!.escalate).toBe(true);
    } finally {
      w.close();
    }
  }

  it('a garbage body with a 5xx (an HTML 502 page): bounded attempts, failed and escalated, never done', async () => {
    await respondWithGarbage({ status: 502, rawBody: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
  });

  // An HTTP 200 alone is no proof: the revoker reads the key back, finds it Active, and reports failed, escalated.
  it('a garbage body with 200 (an HTML page instead of IAM XML) is never taken for a done revocation', async () => {
    await respondWithGarbage({ status: 200, rawBody: '<html><body>Service Temporarily Unavailable</body></html>' });
  });
});

describe('page against misbehaving Slack and PagerDuty', () => {
  let slack: SlackStandIn;
  let pd: PagerDutyStandIn;
  let slackProxy: FaultProxy;
  let pdProxy: FaultProxy;

  beforeAll(async () => {
    slack = await startSlackStandIn();
    pd = await startPagerDutyStandIn();
    slackProxy = await startFaultProxy(slack.url.replace(/\/api\/$/, ''));
    pdProxy = await startFaultProxy(pd.url);
  });
  afterAll(async () => {
    await slackProxy.close();
    await pdProxy.close();
    await slack.close();
    await pd.close();
  });

  beforeEach(() => {
    slackProxy.clear();
    pdProxy.clear();
    slack.up();
    pd.up();
  });

  let findingCounter = 0;
  function wirePage() {
    const config = pagingConfig();
    const slackPager = new SlackPager({ token: slack.token, slackApiUrl: `${slackProxy.url}/api/`, retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 }, timeoutMs: 300, maxRateLimitWaitSeconds: 2 });
    const pdPager = new PagerDutyPager({ baseUrl: pdProxy.url, backoffMs: 10, maxBackoffMs: 50, timeoutMs: 300 });
    const failures: string[] = [];
    const service = createPageService({
      config,
      ledger: new MemoryPageLedger(),
      slack: async () => ({ pager: slackPager, channel: config.paging.slackChannel! }),
      pagerDuty: async () => ({ pager: pdPager, secret: { routingKey: ROUTING_KEY } }),
      onChannelFailure: (channel) => void failures.push(channel),
      claimWaitMs: 2000,
    });
    const finding = sampleFinding({ id: `f-fault-${++findingCounter}` });
    const send = () => service.handle({ 'detail-type': DETAIL_TYPES.finding, detail: JSON.parse(JSON.stringify(finding)) as Finding });
    return { service, finding, send, failures };
  }

  const incidentsFor = (id: string) => pd.incidents.filter((i) => i.dedupKey === id);
  const postsFor = (id: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && JSON.stringify(c.args).includes(id)).length;

  it('Slack 429 with Retry-After, PagerDuty 429 with Retry-After: both honoured, both delivered once', async () => {
    const p = wirePage();
    slack.fail('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    pd.fail(429, 1, 1);
    const outcome = await p.send();
    expect(outcome.channels).toEqual(expect.arrayContaining([{ channel: 'slack', result: 'posted' }, { channel: 'pagerduty', result: 'triggered' }]));
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429).length).toBeGreaterThanOrEqual(1);
    expect(postsFor(p.finding.id)).toBe(1);
    expect(incidentsFor(p.finding.id)).toHaveLength(1);
  });

  it('Slack answers 5xx without end: PagerDuty is still paged, the invocation fails (retry → DLQ), the retry posts Slack once and does not page twice', async () => {
    const p = wirePage();
    slack.down();
    await expect(p.send()).rejects.toThrow(/slack/i);
    expect(p.failures).toEqual(['slack']);
    expect(incidentsFor(p.finding.id)).toHaveLength(1);
    const downCalls = slack.calls.filter((c) => c.status === 503).length;
    expect(downCalls).toBeGreaterThan(0);
    expect(downCalls).toBeLessThanOrEqual(3); // 1 try + 2 retries: bounded
    slack.up();
    const retry = await p.send();
    expect(retry.channels).toEqual(expect.arrayContaining([{ channel: 'slack', result: 'posted' }]));
    expect(postsFor(p.finding.id)).toBe(1);
    expect(incidentsFor(p.finding.id)).toHaveLength(1);
    expect(incidentsFor(p.finding.id)[0]!.triggers).toBe(1);
  });

  it('PagerDuty never answers (timeouts): Slack is still posted, the invocation fails, the retry triggers exactly one incident', async () => {
    const p = wirePage();
    pdProxy.fail({ kind: 'hang' }, 50);
    await expect(p.send()).rejects.toThrow(/pagerduty/i);
    expect(p.failures).toEqual(['pagerduty']);
    expect(postsFor(p.finding.id)).toBe(1);
    const hung = pdProxy.log.filter((l) => l.fault === 'hang').length;
    expect(hung).toBeGreaterThan(0);
    expect(hung).toBeLessThanOrEqual(4);
    pdProxy.clear();
    const retry = await p.send();
    expect(retry.channels).toEqual(expect.arrayContaining([{ channel: 'pagerduty', result: 'triggered' }]));
    expect(incidentsFor(p.finding.id)).toHaveLength(1);
    expect(incidentsFor(p.finding.id)[0]!.triggers).toBe(1);
    expect(postsFor(p.finding.id)).toBe(1);
  });

  it('garbage bodies: Slack HTML with 200 and PagerDuty truncated JSON with 500 fail the channel, never count as delivered; the retry delivers once', async () => {
    const p = wirePage();
    slackProxy.fail({ kind: 'garbage', status: 200 }, 10, '/api/chat.postMessage');
    pdProxy.fail({ kind: 'garbage', status: 500, body: '{"status":"succ', contentType: 'application/json' }, 10);
    await expect(p.send()).rejects.toThrow();
    expect(p.failures.sort()).toEqual(['pagerduty', 'slack']);
    expect(postsFor(p.finding.id)).toBe(0);
    expect(incidentsFor(p.finding.id)).toHaveLength(0);
    // Bounded: a handful of attempts per channel, not the SDK's default half hour.
    expect(slackProxy.log.filter((l) => l.fault === 'garbage').length).toBeLessThanOrEqual(3);
    expect(pdProxy.log.filter((l) => l.fault === 'garbage').length).toBeLessThanOrEqual(4);
    slackProxy.clear();
    pdProxy.clear();
    const retry = await p.send();
    expect(retry.channels).toEqual(expect.arrayContaining([{ channel: 'slack', result: 'posted' }, { channel: 'pagerduty', result: 'triggered' }]));
    expect(postsFor(p.finding.id)).toBe(1);
    expect(incidentsFor(p.finding.id)).toHaveLength(1);
  });

  it('a revocation that failed escalates the page: the same incident goes to critical, the same Slack message is updated', async () => {
    const p = wirePage();
    const lowered = { ...p.finding, severity: 'high' as const };
    const service = p.service;
    await service.handle({ 'detail-type': DETAIL_TYPES.finding, detail: JSON.parse(JSON.stringify(lowered)) as Finding });
    expect(incidentsFor(p.finding.id)[0]!.severity).toBe('error');
    const failedAction = { ...p.finding.response[0]!, status: 'failed' as const, detail: 'Throttling: Rate exceeded (3 attempts)', escalate: true };
    await service.handle({
      'detail-type': DETAIL_TYPES.response,
      detail: JSON.parse(JSON.stringify({ findingId: p.finding.id, finding: { ...lowered, response: [failedAction] }, actions: [failedAction], escalate: true, breakerOpen: false, summary: 'revocation failed' })),
    });
    const incidents = incidentsFor(p.finding.id);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.severity).toBe('critical');
    expect(postsFor(p.finding.id)).toBe(1);
    expect(slack.calls.some((c) => c.method === 'chat.update' && JSON.stringify(c.args).includes(p.finding.id))).toBe(true);
  });
});
