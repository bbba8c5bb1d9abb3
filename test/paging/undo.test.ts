/**
 * The undo Function URL end to end: a Slack-signed interaction → signature → approver →
 * `Blastwall Restore Requested` through the real EventBridge publisher (SDK client mocked
 * at the wire boundary with aws-sdk-client-mock) → the Slack message updated on the stand-in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { createEventPublisher } from '../../functions/adapters/event-publisher.ts';
import { createUndoService } from '../../functions/undo/undo-service.ts';
import { MemoryRequestOnce } from '../../functions/adapters/request-once.ts';
import { slackSignature } from '../../functions/core/paging/signature.ts';
import { ACTION_IDS } from '../../functions/core/paging/slack-message.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { APPROVER, revokeAction, sampleFinding } from './fixtures.ts';
import { memoryLog, startHarness } from './harness.ts';

const SIGNING_SECRET = 'test-signing-secret-0123456789ab';
const NOW = new Date('2026-11-25T10:20:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

type Harness = Awaited<ReturnType<typeof startHarness>>;

let clicks = 0;

/** A click's body; every call is a new click (its own trigger_id and action_ts) unless they are given. */
function clickBody(opts: { user?: string; action?: string; findingId: string; ts?: string; triggerId?: string; actionTs?: string }): string {
  clicks++;
  const payload = {
    type: 'block_actions',
    user: { id: opts.user ?? APPROVER, username: 'ana', name: 'ana', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: opts.ts ?? '1', channel_id: 'C0ONCALL01', is_ephemeral: false },
    channel: { id: 'C0ONCALL01', name: 'oncall' },
    message: { ts: opts.ts ?? '1', text: '' },
    response_url: 'https://hooks.slack.com/actions/T1/1/x',
    trigger_id: opts.triggerId ?? `1.2.${clicks}`,
    actions: [{ action_id: opts.action ?? ACTION_IDS.restore, block_id: 'bw_undo', value: opts.findingId, type: 'button', action_ts: opts.actionTs ?? `1764065000.${clicks}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function urlEvent(body: string, headers: Record<string, string>, opts: { base64?: boolean; method?: string } = {}): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abc',
      http: { method: opts.method ?? 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'Slackbot' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '25/Nov/2026:10:20:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    body: opts.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: opts.base64 ?? false,
  };
}

function signed(body: string, opts: { secret?: string; ts?: number; base64?: boolean } = {}): LambdaFunctionURLEvent {
  const ts = String(opts.ts ?? NOW_S - 5);
  return urlEvent(body, { 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(opts.secret ?? SIGNING_SECRET, ts, body) }, opts);
}

describe('undo (Function URL)', () => {
  let h: Harness;
  const eb = mockClient(EventBridgeClient);
  let undo: ReturnType<typeof createUndoService>;
  const log = memoryLog();
  const refused: string[] = [];
  const finding = sampleFinding();

  beforeEach(async () => {
    eb.reset();
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    log.lines.length = 0;
    refused.length = 0;
    h = await startHarness();
    await h.finding(finding);
    await h.response({ findingId: finding.id, actions: [revokeAction('done')] });
    const publisher = createEventPublisher({ eventBusName: 'blastwall-central', client: new EventBridgeClient({ region: 'eu-west-1' }) });
    undo = createUndoService({
      config: h.config,
      ledger: h.ledger,
      requests: new MemoryRequestOnce(),
      signingSecret: async () => SIGNING_SECRET,
      slack: async () => ({ pager: h.slackPager, channel: 'C0ONCALL01' }),
      publish: (type, detail) => publisher.publish(type, detail),
      log,
      onRefused: (r) => void refused.push(r),
      now: () => NOW,
    });
  });
  afterEach(async () => h.close());

  const ts = () => h.slack.topLevel()[0]!.ts;
  const published = () => eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);

  it('a signed "Restore credential" from an approver publishes the restore request and updates the message', async () => {
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(res.statusCode).toBe(200);
    const entries = published();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ EventBusName: 'blastwall-central', Source: 'blastwall', DetailType: DETAIL_TYPES.restoreRequested });
    expect(JSON.parse(entries[0]!.Detail!)).toEqual({
      findingId: finding.id,
      approver: { id: APPROVER, name: 'ana' },
      reason: `Restore approved in Slack by ana (${APPROVER})`,
    });
    const msg = h.slack.topLevel()[0]!;
    expect(msg.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(false);
    expect(JSON.stringify(msg.blocks)).toContain(`Restore requested by <@${APPROVER}>`);
    expect(h.slack.replies(msg.ts).at(-1)!.text).toContain('ana requested a restore of the credential');
    expect((await h.ledger.get(finding.id))!.decision).toMatchObject({ kind: 'restore-requested', by: { id: APPROVER } });

    // A double click (or Slack's retry) publishes nothing more.
    const again = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(again.statusCode).toBe(200);
    expect(published()).toHaveLength(1);
  });

  it('two approvers clicking at once: one decision, one restore request', async () => {
    const [a, b] = await Promise.all([
      undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() }))),
      undo.handle(signed(clickBody({ findingId: finding.id, action: ACTION_IDS.keep, ts: ts() }))),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const decision = (await h.ledger.get(finding.id))!.decision!;
    expect(published()).toHaveLength(decision.kind === 'restore-requested' ? 1 : 0);
    expect([a.body, b.body].filter((x) => x === 'already decided')).toHaveLength(1);
  });

  it('Slack down after the decision: the decision stands (the page catches up later)', async () => {
    h.slack.down();
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(res).toMatchObject({ statusCode: 200, body: 'restore requested' });
    expect(published()).toHaveLength(1);
    expect(log.lines.some((l) => l.level === 'error' && l.message === 'slack message not updated after decision')).toBe(true);
    h.slack.up();
  });

  it('accepts a base64-encoded body (Function URLs may encode it)', async () => {
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() }), { base64: true }));
    expect(res.statusCode).toBe(200);
    expect(published()).toHaveLength(1);
  });

  it('"Keep revoked" is recorded and shown, and publishes nothing', async () => {
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, action: ACTION_IDS.keep, ts: ts() })));
    expect(res).toMatchObject({ statusCode: 200, body: 'kept revoked' });
    expect(published()).toHaveLength(0);
    expect((await h.ledger.get(finding.id))!.decision).toMatchObject({ kind: 'kept', by: { id: APPROVER, name: 'ana' } });
    expect(JSON.stringify(h.slack.topLevel()[0]!.blocks)).toContain(`Kept revoked by <@${APPROVER}>`);
    // After keeping, a restore click does nothing.
    await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(published()).toHaveLength(0);
  });

  it.each([
    ['unsigned', () => urlEvent(clickBody({ findingId: finding.id }), {})],
    ['missing signature', () => urlEvent(clickBody({ findingId: finding.id }), { 'x-slack-request-timestamp': String(NOW_S) })],
    ['stale (6 minutes old)', () => signed(clickBody({ findingId: finding.id }), { ts: NOW_S - 360 })],
    ['signed with the wrong secret', () => signed(clickBody({ findingId: finding.id }), { secret: 'not-the-signing-secret' })],
    [
      'tampered body',
      () => {
        const e = signed(clickBody({ findingId: finding.id, user: 'U0INTRUDER' }));
        return { ...e, body: e.body!.replace('U0INTRUDER', APPROVER) };
      },
    ],
  ])('%s → 401, a log line, nothing published or changed', async (_name, make) => {
    const before = JSON.stringify(h.slack.messages);
    const res = await undo.handle(make());
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('unauthorized');
    expect(published()).toHaveLength(0);
    expect(JSON.stringify(h.slack.messages)).toBe(before);
    expect((await h.ledger.get(finding.id))!.decision).toBeUndefined();
    expect(log.lines.filter((l) => l.level === 'warn' && l.message === 'undo request refused')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^signature: /);
  });

  it('a signed click from someone who is not an approver changes nothing and tells them privately', async () => {
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, user: 'U0INTRUDER', ts: ts() })));
    expect(res.statusCode).toBe(200);
    expect(published()).toHaveLength(0);
    expect((await h.ledger.get(finding.id))!.decision).toBeUndefined();
    expect(h.slack.ephemerals).toEqual([{ channel: 'C0ONCALL01', user: 'U0INTRUDER', text: expect.stringContaining('Only approvers') }]);
    expect(refused).toEqual(['not an approver']);
  });

  it('after respond reports the restore failed, the buttons are back and an approver can ask again', async () => {
    await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(published()).toHaveLength(1);
    await h.response({
      findingId: finding.id,
      actions: [],
      restored: { at: NOW.toISOString(), by: 'ana', approver: { id: APPROVER, name: 'ana' }, reason: 'x', status: 'failed', detail: 'failed: Throttling' },
    });
    expect(h.slack.topLevel()[0]!.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(true);
    const again = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(again).toMatchObject({ statusCode: 200, body: 'restore requested' });
    expect(published()).toHaveLength(2);
  });

  it('a replay of the same signed request is honoured once, also after a failed restore gave the buttons back (issue 15 item 9)', async () => {
    const request = signed(clickBody({ findingId: finding.id, ts: ts() }));
    expect(await undo.handle(request)).toMatchObject({ statusCode: 200, body: 'restore requested' });
    await h.response({
      findingId: finding.id,
      actions: [],
      restored: { at: NOW.toISOString(), by: 'ana', approver: { id: APPROVER, name: 'ana' }, reason: 'x', status: 'failed', detail: 'failed: Throttling' },
    });
    expect(h.slack.topLevel()[0]!.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(true);
    // The captured request, sent again inside the 5-minute signature window: nothing happens.
    const replay = await undo.handle(structuredClone(request));
    expect(replay).toMatchObject({ statusCode: 200, body: 'replayed request' });
    expect(published()).toHaveLength(1);
    expect((await h.ledger.get(finding.id))!.decision).toBeUndefined();
    expect(refused).toEqual(['replayed request']);
    // The same click (trigger_id, action_ts) re-sent with a new timestamp is the same request too.
    const body = clickBody({ findingId: finding.id, ts: ts(), triggerId: 'T-CLICK', actionTs: '1764065999.1' });
    expect(await undo.handle(signed(body, { ts: NOW_S - 30 }))).toMatchObject({ body: 'restore requested' });
    await h.response({
      findingId: finding.id,
      actions: [],
      restored: { at: NOW.toISOString(), by: 'ana', approver: { id: APPROVER, name: 'ana' }, reason: 'x', status: 'failed', detail: 'failed: again' },
    });
    expect(await undo.handle(signed(body, { ts: NOW_S - 10 }))).toMatchObject({ body: 'replayed request' });
    expect(published()).toHaveLength(2);
    // A new click by the approver is a new request.
    expect(await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })))).toMatchObject({ body: 'restore requested' });
    expect(published()).toHaveLength(3);
  });

  it('when the bus refuses, the decision is rolled back and the button stays', async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('AccessDeniedException'), { name: 'AccessDeniedException' }));
    const res = await undo.handle(signed(clickBody({ findingId: finding.id, ts: ts() })));
    expect(res.statusCode).toBe(500);
    expect((await h.ledger.get(finding.id))!.decision).toBeUndefined();
    expect(h.slack.topLevel()[0]!.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(true);
  });

  it('refuses an unknown finding, a non-POST and a non-Blastwall payload', async () => {
    expect((await undo.handle(signed(clickBody({ findingId: 'f-unknown' })))).statusCode).toBe(404);
    expect((await undo.handle(urlEvent('', {}, { method: 'GET' }))).statusCode).toBe(405);
    const other = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: APPROVER }, actions: [{ action_id: 'x', value: 'y' }] }) }).toString();
    expect((await undo.handle(signed(other))).statusCode).toBe(400);
    expect(published()).toHaveLength(0);
  });
});

describe('request marks on DynamoDB (dynalite)', () => {
  it('a request id is new once within its window, then again after it', async () => {
    const { startLocalDynamo } = await import('../support/dynalite.ts');
    const { DynamoRequestOnce } = await import('../../functions/adapters/request-once.ts');
    const dynamo = await startLocalDynamo();
    try {
      const once = new DynamoRequestOnce(dynamo.client, dynamo.tableName);
      const t = NOW.getTime();
      const results = await Promise.all([once.firstTime('sig#abc', t, 600_000), once.firstTime('sig#abc', t, 600_000)]);
      expect(results.sort()).toEqual([false, true]);
      expect(await once.firstTime('sig#abc', t + 599_000, 600_000)).toBe(false);
      expect(await once.firstTime('sig#other', t, 600_000)).toBe(true);
      expect(await once.firstTime('sig#abc', t + 600_001, 600_000)).toBe(true);
    } finally {
      await dynamo.close();
    }
  });
});
