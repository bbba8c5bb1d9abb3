import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PageDeliveryError } from '../../functions/page/page-service.ts';
import { ACTION_IDS } from '../../functions/core/paging/slack-message.ts';
import { KEY, revokeAction, sampleFinding, testConfig } from './fixtures.ts';
import { startHarness } from './harness.ts';

type Harness = Awaited<ReturnType<typeof startHarness>>;

function blockIds(blocks: Array<Record<string, unknown>> | undefined): unknown[] {
  return (blocks ?? []).map((b) => b.block_id);
}

describe('page: one Slack message and one incident per finding, updated as it unfolds', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('posts and triggers for a critical production finding', async () => {
    const f = sampleFinding();
    const out = await h.finding(f);
    expect(out.channels).toEqual([
      { channel: 'slack', result: 'posted' },
      { channel: 'pagerduty', result: 'triggered' },
    ]);
    expect(h.slack.topLevel('C0ONCALL01')).toHaveLength(1);
    expect(blockIds(h.slack.messages[0]!.blocks)).toEqual(['bw_header', 'bw_summary', 'bw_facts', 'bw_reasons', 'bw_response', 'bw_events', 'bw_links']);
    expect(h.pd.open(f.id)).toMatchObject({ severity: 'critical', triggers: 1 });
    const rec = await h.ledger.get(f.id);
    expect(rec?.slack).toMatchObject({ channel: 'C0ONCALL01', ts: h.slack.messages[0]!.ts });
    expect(rec?.pagerduty).toMatchObject({ state: 'triggered', severity: 'critical' });
  });

  it('a re-delivered finding updates nothing twice: no second message, no second trigger', async () => {
    const f = sampleFinding();
    await h.finding(f);
    const again = await h.finding(f);
    expect(again.channels).toEqual([
      { channel: 'slack', result: 'unchanged' },
      { channel: 'pagerduty', result: 'unchanged' },
    ]);
    expect(h.slack.messages).toHaveLength(1);
    expect(h.slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(0);
    expect(h.pd.requests).toHaveLength(1);
    // …and costs no ledger write.
    const version = (await h.ledger.get(f.id))!.version;
    await h.finding(f);
    expect((await h.ledger.get(f.id))!.version).toBe(version);
  });

  it('concurrent deliveries of the same finding post one message', async () => {
    const f = sampleFinding();
    const results = await Promise.allSettled([h.finding(f), h.finding(f), h.finding(f)]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(h.slack.topLevel()).toHaveLength(1);
    expect(h.pd.incidents).toHaveLength(1);
  });

  it('a Response updates the same message, replies in its thread, and offers the undo buttons', async () => {
    const f = sampleFinding();
    await h.finding(f);
    const ts = h.slack.messages[0]!.ts;
    const out = await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    expect(out.channels[0]).toEqual({ channel: 'slack', result: 'updated' });
    expect(h.slack.topLevel()).toHaveLength(1);
    const msg = h.slack.messages[0]!;
    expect(msg.updates).toBe(1);
    expect(blockIds(msg.blocks)).toContain('bw_undo');
    const buttons = (msg.blocks!.find((b) => b.block_id === 'bw_undo') as { elements: Array<{ action_id: string }> }).elements.map((e) => e.action_id);
    expect(buttons).toEqual([ACTION_IDS.restore, ACTION_IDS.keep]);
    expect(msg.text).toContain(`revoked ${KEY}`);
    expect(h.slack.replies(ts).map((r) => r.text)).toEqual([
      `• Done: iam:UpdateAccessKey on ${KEY}. Undo: aws iam update-access-key --user-name ci-deployer --access-key-id ${KEY} --status Active`,
    ]);
    // The same Response re-delivered: nothing new.
    await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    expect(h.slack.messages[0]!.updates).toBe(1);
    expect(h.slack.replies(ts)).toHaveLength(1);
  });

  it('a failed revocation escalates: message says so, PagerDuty re-triggered at critical', async () => {
    const f = sampleFinding({ severity: 'high' });
    await h.finding(f);
    expect(h.pd.open(f.id)!.severity).toBe('error');
    await h.response({ findingId: f.id, actions: [revokeAction('failed', { detail: 'Throttling after 3 attempts' })] });
    expect(h.pd.incidents).toHaveLength(1);
    expect(h.pd.open(f.id)).toMatchObject({ severity: 'critical', triggers: 2 });
    const reply = h.slack.replies(h.slack.messages[0]!.ts)[0]!.text!;
    expect(reply).toContain('Severity high → critical.');
    expect(reply).toContain(`FAILED: iam:UpdateAccessKey on ${KEY} — Throttling after 3 attempts`);
  });

  it('a restore resolves the incident and the thread says who approved it', async () => {
    const f = sampleFinding();
    await h.finding(f);
    await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    const out = await h.response({
      findingId: f.id,
      actions: [revokeAction('done', { restored: { approver: { id: 'U0APPROVER1', name: 'ana' }, reason: 'false positive', at: '2026-11-25T10:10:00Z', status: 'done' } } as never)],
    });
    expect(out.channels).toEqual([
      { channel: 'slack', result: 'updated' },
      { channel: 'pagerduty', result: 'resolved' },
    ]);
    expect(h.pd.incidents[0]!.status).toBe('resolved');
    const msg = h.slack.messages[0]!;
    expect(blockIds(msg.blocks)).toContain('bw_state');
    expect(blockIds(msg.blocks)).not.toContain('bw_undo');
    expect(msg.text).toContain('credential restored');
    const replies = h.slack.replies(msg.ts).map((r) => r.text);
    expect(replies[1]).toContain(`Undone: iam:UpdateAccessKey on ${KEY}.`);
    expect(replies[1]).toContain('Credential restored (approved by ana): false positive.');
    // Re-delivered restore: no second resolve, and never a new trigger.
    await h.response({ findingId: f.id, actions: [], restored: { approver: { name: 'ana' } } });
    await h.finding(f);
    expect(h.pd.requests.map((r) => r.body?.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('a restore that failed or was refused keeps the incident open and gives the buttons back', async () => {
    const f = sampleFinding();
    await h.finding(f);
    await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    // As respond publishes it: `restored` with a status, and the per-action restore record.
    const failedRestore = { approver: { id: 'U0APPROVER1', name: 'ana' }, reason: 'fp', at: '2026-11-25T10:10:00Z', status: 'failed', detail: 'AccessDenied' };
    await h.response({
      findingId: f.id,
      finding: { ...f, response: [revokeAction('done', { restored: failedRestore } as never)] },
      actions: [revokeAction('done', { restored: failedRestore } as never)],
      restored: { at: '2026-11-25T10:10:00Z', by: 'ana', approver: { id: 'U0APPROVER1', name: 'ana' }, reason: 'fp', status: 'failed', detail: 'failed: AccessDenied' },
    });
    expect(h.pd.open(f.id)).toBeDefined();
    expect(h.pd.requests.map((r) => r.body?.event_action)).toEqual(['trigger']);
    const msg = h.slack.topLevel()[0]!;
    expect(msg.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(true);
    expect(JSON.stringify(msg.blocks)).toContain('Restore FAILED: failed: AccessDenied — the credential stays revoked.');
    const last = h.slack.replies(msg.ts).at(-1)!.text!;
    expect(last).toContain(`Restore FAILED: iam:UpdateAccessKey on ${KEY} — AccessDenied.`);
    expect(last).toContain('The credential stays revoked; an approver can try again.');

    await h.response({ findingId: f.id, actions: [], restoreRefused: 'restore refused: U0X is not in paging.approvers' });
    expect(h.slack.replies(msg.ts).at(-1)!.text).toContain('restore refused: U0X is not in paging.approvers');
    expect(h.pd.incidents[0]!.status).toBe('triggered');
  });

  it('a Response that arrives before its Finding is kept, then shown with it', async () => {
    const f = sampleFinding();
    const early = await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    expect(early).toEqual({ findingId: f.id, deferred: true, channels: [] });
    expect(h.slack.calls).toHaveLength(0);
    await h.finding(f); // carries the planned action: the done one must win
    expect(h.slack.messages).toHaveLength(1);
    expect(JSON.stringify(h.slack.messages[0]!.blocks)).toContain(':white_check_mark: *done*');
  });

  it('Slack down does not stop PagerDuty; the failure throws (→ retry, DLQ) and is counted', async () => {
    h.slack.down();
    const f = sampleFinding();
    const error = await h.finding(f).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageDeliveryError);
    expect((error as PageDeliveryError).failures.map((x) => x.channel)).toEqual(['slack']);
    expect(h.pd.open(f.id)).toBeDefined();
    expect(h.failures).toEqual(['slack']);
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'page not delivered')).toBe(true);
    // The retry, once Slack is back: one message, PagerDuty not paged twice.
    h.slack.up();
    const retry = await h.finding(f);
    expect(retry.channels).toEqual([
      { channel: 'slack', result: 'posted' },
      { channel: 'pagerduty', result: 'unchanged' },
    ]);
    expect(h.slack.topLevel()).toHaveLength(1);
    expect(h.pd.requests.filter((r) => r.status === 202)).toHaveLength(1);
  });

  it('PagerDuty down does not stop Slack, and the other way round on retry', async () => {
    h.pd.down();
    const f = sampleFinding();
    const error = await h.finding(f).catch((e: unknown) => e);
    expect((error as PageDeliveryError).failures.map((x) => x.channel)).toEqual(['pagerduty']);
    expect(h.slack.topLevel()).toHaveLength(1);
    h.pd.up();
    const retry = await h.finding(f);
    expect(retry.channels).toEqual([
      { channel: 'slack', result: 'unchanged' },
      { channel: 'pagerduty', result: 'triggered' },
    ]);
    expect(h.slack.topLevel()).toHaveLength(1);
    expect(h.pd.incidents).toHaveLength(1);
  });

  it('both down: both attempted, both reported', async () => {
    h.slack.down();
    h.pd.down();
    const error = await h.finding(sampleFinding()).catch((e: unknown) => e);
    expect((error as PageDeliveryError).failures.map((x) => x.channel)).toEqual(['slack', 'pagerduty']);
    expect(h.slack.calls.length).toBeGreaterThan(0);
    expect(h.pd.requests.length).toBeGreaterThan(0);
  });

  it('never starts a channel call it has no time left for (Lambda timeout): fails for the retry instead', async () => {
    const f = sampleFinding();
    const error = await h.service.handle({ 'detail-type': 'Blastwall Finding', detail: f }, { remainingMs: () => 3000 }).catch((e: unknown) => e);
    expect((error as PageDeliveryError).failures.map((x) => [x.channel, x.error])).toEqual([
      ['slack', 'not enough time left in this invocation to post the Slack message; the retry will finish it'],
      ['pagerduty', 'not enough time left in this invocation to trigger PagerDuty; the retry will finish it'],
    ]);
    expect(h.slack.calls).toHaveLength(0);
    expect(h.pd.requests).toHaveLength(0);
    const retry = await h.service.handle({ 'detail-type': 'Blastwall Finding', detail: f }, { remainingMs: () => 25_000 });
    expect(retry.channels.map((c) => c.result)).toEqual(['posted', 'triggered']);
  });

  it('a deleted message is posted again rather than lost', async () => {
    const f = sampleFinding();
    await h.finding(f);
    h.slack.messages.splice(0, 1);
    await h.response({ findingId: f.id, actions: [revokeAction('done')] });
    expect(h.slack.topLevel()).toHaveLength(1);
    expect((await h.ledger.get(f.id))!.slack!.ts).toBe(h.slack.topLevel()[0]!.ts);
  });
});

describe('page: routing from config', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('medium in staging → Slack only; info → nothing at all', async () => {
    h = await startHarness({
      config: testConfig({
        routes: [
          { environment: 'production', minSeverity: 'critical', channels: ['pagerduty', 'slack'] },
          { environment: 'staging', minSeverity: 'medium', channels: ['slack'] },
        ],
      }),
    });
    const medium = await h.finding(sampleFinding({ id: 'f-medium', environment: 'staging', severity: 'medium' }));
    expect(medium.channels).toEqual([
      { channel: 'slack', result: 'posted' },
      { channel: 'pagerduty', result: 'not-routed' },
    ]);
    const info = await h.finding(sampleFinding({ id: 'f-info', environment: 'staging', severity: 'info' }));
    expect(info.channels.map((c) => c.result)).toEqual(['not-routed', 'not-routed']);
    expect(h.slack.messages).toHaveLength(1);
    expect(h.pd.requests).toHaveLength(0);
    // Routed nowhere and never paged: not even a ledger write.
    expect(await h.ledger.get('f-info')).toBeUndefined();
    await h.response({ findingId: 'f-info', finding: sampleFinding({ id: 'f-info', environment: 'staging', severity: 'info' }), actions: [] });
    expect(await h.ledger.get('f-info')).toBeUndefined();
  });

  it('ignores other detail types and malformed details without paging', async () => {
    h = await startHarness();
    expect(await h.service.handle({ 'detail-type': 'AWS API Call via CloudTrail', detail: {} })).toMatchObject({ ignored: expect.any(String) });
    expect(await h.service.handle({ 'detail-type': 'Blastwall Finding', detail: { id: 3 } })).toMatchObject({ ignored: 'malformed finding' });
    expect(h.slack.calls).toHaveLength(0);
  });
});
