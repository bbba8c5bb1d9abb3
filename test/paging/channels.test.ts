/** The real @slack/web-api WebClient and the PagerDuty adapter against loopback stand-ins. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackPager } from '../../functions/adapters/slack-pager.ts';
import { PagerDutyPager, PagerDutyError } from '../../functions/adapters/pagerduty-pager.ts';
import { buildSlackMessage } from '../../functions/core/paging/slack-message.ts';
import { buildResolve, buildTrigger } from '../../functions/core/paging/pagerduty-payload.ts';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack.ts';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../standins/pagerduty.ts';
import { ROUTING_KEY, revokeAction, sampleFinding } from './fixtures.ts';
import { postPageToSlackFromEnv } from '../../functions/page/local.ts';

const FAST_RETRY = { retries: 2, factor: 1, minTimeout: 20, maxTimeout: 50 };

describe('Slack through the real WebClient', () => {
  let slack: SlackStandIn;
  let pager: SlackPager;
  beforeEach(async () => {
    slack = await startSlackStandIn();
    pager = new SlackPager({ token: slack.token, slackApiUrl: slack.url, retryConfig: FAST_RETRY, maxRateLimitWaitSeconds: 2 });
  });
  afterEach(async () => slack.close());

  it('posts the blocks and the fallback text, updates the same message and replies in its thread', async () => {
    const first = buildSlackMessage({ finding: sampleFinding() });
    const { channel, ts } = await pager.post('C0ONCALL01', first);
    expect(channel).toBe('C0ONCALL01');
    const stored = slack.messages[0]!;
    expect(stored.ts).toBe(ts);
    expect(stored.text).toBe(first.text);
    expect(stored.blocks).toEqual(first.blocks);
    expect(slack.calls[0]!.args.unfurl_links).toBe('false');

    const second = buildSlackMessage({ finding: sampleFinding({ response: [revokeAction('done')] }) });
    await pager.update(channel, ts, second);
    await pager.reply(channel, ts, 'Done: iam:UpdateAccessKey');
    expect(slack.topLevel()).toHaveLength(1);
    expect(slack.messages[0]!.blocks).toEqual(second.blocks);
    expect(slack.messages[0]!.updates).toBe(1);
    expect(slack.replies(ts).map((m) => m.text)).toEqual(['Done: iam:UpdateAccessKey']);
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
  });

  it('honours 429 Retry-After, then succeeds', async () => {
    slack.fail('chat.postMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await pager.post('C0ONCALL01', buildSlackMessage({ finding: sampleFinding() }));
    const [limited, accepted] = slack.calls;
    expect(limited!.status).toBe(429);
    expect(accepted!.status).toBe(200);
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slack.topLevel()).toHaveLength(1);
  });

  it('gives up at once when Retry-After exceeds the budget (the function must end in time)', async () => {
    slack.fail('chat.postMessage', { status: 429, retryAfter: 60 });
    const started = Date.now();
    await expect(pager.post('C0ONCALL01', buildSlackMessage({ finding: sampleFinding() }))).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 60 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(slack.calls).toHaveLength(1);
  });

  it('retries a 5xx a bounded number of times', async () => {
    slack.fail('chat.postMessage', { status: 503 }, 1);
    await pager.post('C0ONCALL01', buildSlackMessage({ finding: sampleFinding() }));
    expect(slack.calls.map((c) => c.status)).toEqual([503, 200]);

    slack.down();
    const started = Date.now();
    await expect(pager.update('C0ONCALL01', slack.messages[0]!.ts, buildSlackMessage({ finding: sampleFinding() }))).rejects.toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 503,
    });
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(3); // 1 + 2 retries
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('default bounds: 2 retries, and a production-like pager never waits minutes', async () => {
    const prod = new SlackPager({ token: slack.token, slackApiUrl: slack.url });
    slack.down();
    const started = Date.now();
    await expect(prod.post('C0ONCALL01', buildSlackMessage({ finding: sampleFinding() }))).rejects.toMatchObject({ code: 'slack_webapi_http_error' });
    expect(slack.calls).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('surfaces platform errors (bad token, unknown message) without retrying', async () => {
    const bad = new SlackPager({ token: 'xoxb-wrong', slackApiUrl: slack.url, retryConfig: FAST_RETRY });
    await expect(bad.post('C0ONCALL01', buildSlackMessage({ finding: sampleFinding() }))).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(pager.update('C0ONCALL01', '1.2', buildSlackMessage({ finding: sampleFinding() }))).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    expect(slack.calls).toHaveLength(2);
  });
});

describe('local demo posting', () => {
  it('posts for real only when SLACK_BOT_TOKEN and SLACK_CHANNEL are set, and reports Slack errors instead of throwing', async () => {
    const slack = await startSlackStandIn();
    try {
      const f = sampleFinding();
      expect(await postPageToSlackFromEnv(f, {})).toEqual({ posted: false, reason: 'SLACK_BOT_TOKEN and SLACK_CHANNEL are not both set' });
      expect(slack.calls).toHaveLength(0);
      const out = await postPageToSlackFromEnv(f, { SLACK_BOT_TOKEN: slack.token, SLACK_CHANNEL: 'C0DEMO', SLACK_API_URL: slack.url });
      expect(out).toEqual({ posted: true, channel: 'C0DEMO', ts: slack.messages[0]!.ts });
      expect(slack.messages[0]!.blocks).toEqual(buildSlackMessage({ finding: f }).blocks);
      const bad = await postPageToSlackFromEnv(f, { SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_CHANNEL: 'C0DEMO', SLACK_API_URL: slack.url });
      expect(bad).toMatchObject({ posted: false, reason: expect.stringContaining('invalid_auth') });
    } finally {
      await slack.close();
    }
  });
});

describe('PagerDuty Events v2', () => {
  let pd: PagerDutyStandIn;
  let pager: PagerDutyPager;
  beforeEach(async () => {
    pd = await startPagerDutyStandIn();
    pager = new PagerDutyPager({ baseUrl: pd.url, backoffMs: 20, maxBackoffMs: 100 });
  });
  afterEach(async () => pd.close());

  it('triggers one incident per finding, dedups re-deliveries and resolves', async () => {
    const f = sampleFinding();
    expect(await pager.send(buildTrigger(f, ROUTING_KEY))).toEqual({ dedupKey: f.id });
    await pager.send(buildTrigger(f, ROUTING_KEY));
    expect(pd.incidents).toHaveLength(1);
    expect(pd.open(f.id)).toMatchObject({ triggers: 2, severity: 'critical', summary: `[production] ${f.summary}` });
    expect(pd.open(f.id)!.links![0]!.href).toContain('AccessKeyId=AKIAPRODCIKEY0000001');
    await pager.send(buildResolve(f.id, ROUTING_KEY));
    expect(pd.incidents[0]!.status).toBe('resolved');
    expect(pd.requests.map((r) => [r.body?.event_action, r.status])).toEqual([
      ['trigger', 202],
      ['trigger', 202],
      ['resolve', 202],
    ]);
  });

  it('retries 5xx and 429 (bounded), then succeeds', async () => {
    pd.fail(500);
    pd.fail(429, 1, 0);
    await pager.send(buildTrigger(sampleFinding(), ROUTING_KEY));
    expect(pd.requests.map((r) => r.status)).toEqual([500, 429, 202]);
    expect(pd.incidents).toHaveLength(1);
  });

  it('gives up after the bounded retries when PagerDuty is down', async () => {
    pd.down();
    const started = Date.now();
    const error = await pager.send(buildTrigger(sampleFinding(), ROUTING_KEY)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyError);
    expect((error as PagerDutyError).status).toBe(503);
    expect(pd.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not retry an invalid event (400) and reports why', async () => {
    const error = await pager.send(buildTrigger(sampleFinding(), 'not-a-routing-key')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyError);
    expect((error as PagerDutyError).status).toBe(400);
    expect((error as Error).message).toContain('Invalid routing key');
    expect(pd.requests).toHaveLength(1);
  });

  it('fails fast when nothing listens', async () => {
    const closed = new PagerDutyPager({ baseUrl: 'http://127.0.0.1:9', retries: 1, backoffMs: 10 });
    await expect(closed.send(buildTrigger(sampleFinding(), ROUTING_KEY))).rejects.toMatchObject({ name: 'PagerDutyError', retryable: true });
  });
});
