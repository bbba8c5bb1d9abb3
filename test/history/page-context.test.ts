/**
 * Context in every page: the page goes out first, then the credential's recent
 * CloudTrail events (real CloudTrail client → stand-in, LookupEvents by AccessKeyId,
 * ≤ 20 events, ~1 s) are added in the Slack thread and PagerDuty's custom_details —
 * once per finding, escaped, and never at the page's expense.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialRecentEvents, type CredentialContext } from '../../functions/adapters/credential-history.ts';
import { MemoryPageLedger } from '../../functions/adapters/page-ledger-memory.ts';
import { PagerDutyPager } from '../../functions/adapters/pagerduty-pager.ts';
import { regionalClients } from '../../functions/adapters/history-accounts.ts';
import { SlackPager } from '../../functions/adapters/slack-pager.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { createPageService } from '../../functions/page/page-service.ts';
import { KEY, ROUTING_KEY, sampleFinding, testConfig } from '../paging/fixtures.ts';
import { FAST_SLACK, memoryLog } from '../paging/harness.ts';
import { startCloudTrailStandIn, type CloudTrailStandIn, type StoredRecord } from '../standins/cloudtrail.ts';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../standins/pagerduty.ts';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack.ts';

const NOW = new Date('2026-11-25T10:00:30Z');
const event = (i: number, extra: Partial<StoredRecord> = {}): StoredRecord => ({
  eventID: `ctx-${i}`,
  eventTime: new Date(NOW.getTime() - (i + 1) * 60_000).toISOString().replace('.000', ''),
  eventName: i === 0 ? 'DeleteDBInstance' : 'DescribeDBInstances',
  eventSource: 'rds.amazonaws.com',
  awsRegion: 'eu-west-1',
  recipientAccountId: '333333333333',
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0',
  userIdentity: { type: 'IAMUser', accessKeyId: KEY, userName: 'ci-deployer' },
  ...extra,
});

let ct: CloudTrailStandIn;
let slack: SlackStandIn;
let pd: PagerDutyStandIn;
beforeAll(async () => {
  [ct, slack, pd] = await Promise.all([startCloudTrailStandIn(), startSlackStandIn(), startPagerDutyStandIn()]);
  ct.addKey('AKIAPAGECONTEXT00001', '333333333333');
  ct.add([
    ...Array.from({ length: 30 }, (_, i) => event(i)),
    event(40, { eventName: '<!channel> *bold* `tick`', userAgent: '<https://evil.example|click>' }),
    // Another key, another account: never shown.
    event(50, { eventID: 'other-key', userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAOTHERKEY00000001' } }),
    event(51, { eventID: 'other-account', recipientAccountId: '222222222222' }),
  ]);
  process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = ct.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_CLOUDTRAIL;
  await Promise.all([ct?.close(), slack?.close(), pd?.close()]);
});

const clientFor = regionalClients(async () => ({ accessKeyId: 'AKIAPAGECONTEXT00001', secretAccessKey: 'stand-in' }));

function service(credentialContext: (f: Finding) => Promise<CredentialContext | undefined>, log = memoryLog()) {
  const config = testConfig();
  const slackPager = new SlackPager({ token: slack.token, slackApiUrl: slack.url, retryConfig: FAST_SLACK, maxRateLimitWaitSeconds: 2 });
  const pdPager = new PagerDutyPager({ baseUrl: pd.url, backoffMs: 10, maxBackoffMs: 50 });
  const svc = createPageService({
    config,
    ledger: new MemoryPageLedger(),
    slack: async () => ({ pager: slackPager, channel: config.paging.slackChannel! }),
    pagerDuty: async () => ({ pager: pdPager, secret: { routingKey: ROUTING_KEY } }),
    log,
    credentialContext,
    now: () => NOW,
  });
  return { svc, log, page: (f: Finding) => svc.handle({ 'detail-type': DETAIL_TYPES.finding, detail: JSON.parse(JSON.stringify(f)) }) };
}

const fromCloudTrail = (f: Finding) => credentialRecentEvents(clientFor(f.region), { accessKeyId: f.credential.accessKeyId!, account: f.account, region: f.region }, { now: NOW });

describe('credentialRecentEvents (real CloudTrail client → stand-in)', () => {
  it('asks LookupEvents by AccessKeyId for one page of at most 20, newest first', async () => {
    const ctx = await fromCloudTrail(sampleFinding());
    expect(ctx.error).toBeUndefined();
    expect(ctx.events).toHaveLength(20);
    expect(ctx.events[0]).toMatchObject({ eventName: 'DeleteDBInstance', sourceIp: '203.0.113.7', region: 'eu-west-1' });
    expect(ctx.events.map((e) => e.time)).toEqual([...ctx.events.map((e) => e.time)].sort().reverse());
    const last = ct.lookups.at(-1)!;
    expect(last.body).toMatchObject({ MaxResults: 20, LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: KEY }] });
    expect(last.account).toBe('333333333333');
    expect(ct.lookups.filter((l) => l.body.NextToken)).toHaveLength(0);
  });

  it('is bounded in time: a CloudTrail that does not answer gives an error line after ~1 s, not a hung page', async () => {
    const { listen } = await import('../standins/loopback-http.ts');
    const silent = await listen(() => {}); // accepts, never answers
    process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = `http://127.0.0.1:${silent.port}`;
    try {
      const t0 = Date.now();
      const ctx = await credentialRecentEvents(regionalClients(async () => ({ accessKeyId: 'AKIAPAGECONTEXT00001', secretAccessKey: 'x' }))('eu-west-1'), { accessKeyId: KEY, account: '333333333333', region: 'eu-west-1' }, { now: NOW, timeoutMs: 300 });
      expect(ctx.error).toBe('CloudTrail did not answer within 300 ms');
      expect(ctx.events).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      process.env.AWS_ENDPOINT_URL_CLOUDTRAIL = ct.endpoint;
      await silent.close();
    }
  });

  it('is bounded even before the request: slow credentials (assuming the role on a cold start) cannot hold the page', async () => {
    const slowCredentials = regionalClients(async () => {
      await new Promise((r) => setTimeout(r, 3000));
      return { accessKeyId: 'AKIAPAGECONTEXT00001', secretAccessKey: 'x' };
    });
    const t0 = Date.now();
    const ctx = await credentialRecentEvents(slowCredentials('eu-west-1'), { accessKeyId: KEY, account: '333333333333', region: 'eu-west-1' }, { now: NOW, timeoutMs: 200 });
    expect(ctx.error).toBe('CloudTrail did not answer within 200 ms');
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});

describe('the page with its context', () => {
  beforeEach(() => {
    slack.messages.length = 0;
    pd.requests.length = 0;
  });

  it('the page goes out first; the history follows in the Slack thread and in PagerDuty custom_details, escaped', async () => {
    const order: string[] = [];
    const { page } = service(async (f) => {
      // When context is asked for, the page is already in Slack and PagerDuty.
      order.push(`context after ${slack.topLevel().length} message(s), ${pd.requests.length} PagerDuty event(s)`);
      return fromCloudTrail(f);
    });
    const finding = sampleFinding();
    const outcome = await page(finding);
    expect(outcome.channels.map((c) => c.result)).toEqual(['posted', 'triggered']);
    expect(order).toEqual(['context after 1 message(s), 1 PagerDuty event(s)']);
    const [top] = slack.topLevel();
    const replies = slack.replies(top!.ts);
    const reply = replies.find((r) => r.text?.startsWith('Recent CloudTrail history'))! as { text: string };
    expect(reply.text).toContain(`of ${KEY} in 333333333333 eu-west-1`);
    expect(reply.text.split('\n').filter((l) => l.includes('rds.amazonaws.com'))).toHaveLength(20);
    const triggers = pd.requests.map((r) => r.body!).filter((b) => b.event_action === 'trigger');
    expect(triggers).toHaveLength(2);
    expect(triggers[1]!.dedup_key).toBe(finding.id);
    const details = (triggers[1]!.payload as { custom_details: Record<string, unknown> }).custom_details;
    expect(details.credential_history).toHaveLength(20);
    expect((details.credential_history as string[])[0]).toMatch(/DeleteDBInstance \(rds\.amazonaws\.com, eu-west-1\) from 203\.0\.113\.7/);
    expect(details.finding_id).toBe(finding.id);
  });

  it('once per finding: a redelivered finding adds nothing', async () => {
    const { page } = service(fromCloudTrail);
    const finding = sampleFinding({ id: 'f-once' });
    await page(finding);
    const lookups = ct.lookups.length;
    await page(finding);
    expect(ct.lookups.length).toBe(lookups);
    const [top] = slack.topLevel();
    expect(slack.replies(top!.ts).filter((r) => r.text?.startsWith('Recent CloudTrail history'))).toHaveLength(1);
    expect(pd.requests.filter((r) => r.body?.event_action === 'trigger')).toHaveLength(2);
  });

  it('attacker-controlled event strings cannot mention, link or format in Slack', async () => {
    const { page } = service((f) => credentialRecentEvents(clientFor(f.region), { accessKeyId: KEY, account: f.account, region: f.region }, { now: NOW, max: 50 }));
    await page(sampleFinding({ id: 'f-hostile' }));
    const [top] = slack.topLevel();
    const reply = slack.replies(top!.ts).find((r) => r.text?.startsWith('Recent CloudTrail history'))!.text!;
    expect(reply).not.toContain('<!channel>');
    expect(reply).not.toContain('<https://evil.example');
    expect(reply).toContain('&lt;!channel&gt;');
    expect(reply).toContain("'tick'");
  });

  it('a history that fails never fails the page, and a credential without an access key id gets none', async () => {
    const log = memoryLog();
    const { page } = service(async () => {
      throw new Error('AccessDenied: no history role in this account');
    }, log);
    const outcome = await page(sampleFinding({ id: 'f-fails' }));
    expect(outcome.channels.map((c) => c.result)).toEqual(['posted', 'triggered']);
    expect(log.lines.some((l) => l.message === 'credential history not added to the page')).toBe(true);

    let asked = 0;
    const root = service(async () => void asked++);
    await root.page(sampleFinding({ id: 'f-root', credential: { ...sampleFinding().credential, type: 'root', accessKeyId: undefined, arn: 'arn:aws:iam::333333333333:root' } }));
    expect(asked).toBe(0);
  });
});
