import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { slackSignature, verifySlackSignature } from '../../functions/core/paging/signature.ts';
import { isApprover, parseInteraction } from '../../functions/core/paging/interaction.ts';
import { ACTION_IDS } from '../../functions/core/paging/slack-message.ts';
import { APPROVER } from './fixtures.ts';

// The worked example from Slack's "Verifying requests from Slack" documentation.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TS = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack signature verification', () => {
  const now = Number(DOC_TS) + 10;
  it("accepts Slack's documented example", () => {
    expect(slackSignature(DOC_SECRET, DOC_TS, DOC_BODY)).toBe(DOC_SIG);
    expect(verifySlackSignature({ signingSecret: DOC_SECRET, timestamp: DOC_TS, signature: DOC_SIG, body: DOC_BODY, nowSeconds: now })).toEqual({ ok: true });
  });
  it('computes v0=HMAC-SHA256(secret, "v0:ts:body")', () => {
    const expected = `v0=${createHmac('sha256', 's3cret').update('v0:1700000000:payload=%7B%7D').digest('hex')}`;
    expect(slackSignature('s3cret', '1700000000', 'payload=%7B%7D')).toBe(expected);
  });
  it('refuses stale and future timestamps (5 minutes)', () => {
    const base = { signingSecret: DOC_SECRET, timestamp: DOC_TS, signature: DOC_SIG, body: DOC_BODY };
    expect(verifySlackSignature({ ...base, nowSeconds: Number(DOC_TS) + 300 })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...base, nowSeconds: Number(DOC_TS) + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature({ ...base, nowSeconds: Number(DOC_TS) - 301 })).toEqual({ ok: false, reason: 'stale' });
  });
  it('refuses a tampered body, a wrong secret and a re-dated signature', () => {
    const base = { signingSecret: DOC_SECRET, timestamp: DOC_TS, signature: DOC_SIG, body: DOC_BODY, nowSeconds: now };
    expect(verifySlackSignature({ ...base, body: DOC_BODY.replace('roadrunner', 'coyote') })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ ...base, signingSecret: 'another-secret' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ ...base, timestamp: String(Number(DOC_TS) + 1) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ ...base, signature: 'v0=abc' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ ...base, signature: DOC_SIG.toUpperCase() })).toEqual({ ok: false, reason: 'bad-signature' });
  });
  it('refuses missing headers, a malformed timestamp and an empty secret', () => {
    const base = { signingSecret: DOC_SECRET, timestamp: DOC_TS, signature: DOC_SIG, body: DOC_BODY, nowSeconds: now };
    expect(verifySlackSignature({ ...base, timestamp: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifySlackSignature({ ...base, signature: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifySlackSignature({ ...base, timestamp: '1531420618.5' })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(verifySlackSignature({ ...base, signingSecret: '' })).toEqual({ ok: false, reason: 'no-secret' });
  });
});

function interactionBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('interaction payload and approvers', () => {
  const payload = {
    type: 'block_actions',
    user: { id: APPROVER, username: 'ana', name: 'ana', team_id: 'T1' },
    api_app_id: 'A1',
    container: { type: 'message', message_ts: '1764000000.000001', channel_id: 'C0ONCALL01', is_ephemeral: false },
    channel: { id: 'C0ONCALL01', name: 'oncall' },
    message: { ts: '1764000000.000001', text: 'x' },
    response_url: 'https://hooks.slack.com/actions/T1/1/x',
    actions: [{ action_id: ACTION_IDS.restore, block_id: 'bw_undo', value: 'f-1', type: 'button', action_ts: '1764000001.0' }],
  };
  it('parses a Blastwall button click', () => {
    expect(parseInteraction(interactionBody(payload))).toEqual({
      ok: true,
      interaction: { choice: 'restore', findingId: 'f-1', user: { id: APPROVER, name: 'ana' }, channel: 'C0ONCALL01', messageTs: '1764000000.000001', actionTs: '1764000001.0' },
    });
    const keep = { ...payload, actions: [{ ...payload.actions[0], action_id: ACTION_IDS.keep }] };
    expect(parseInteraction(interactionBody(keep))).toMatchObject({ ok: true, interaction: { choice: 'keep' } });
  });
  it('rejects other payloads', () => {
    expect(parseInteraction('')).toMatchObject({ ok: false });
    expect(parseInteraction('payload=%7Bnot-json')).toMatchObject({ ok: false, reason: 'payload is not JSON' });
    expect(parseInteraction(interactionBody({ ...payload, type: 'view_submission' }))).toMatchObject({ ok: false });
    expect(parseInteraction(interactionBody({ ...payload, actions: [{ action_id: 'other', value: 'f-1' }] }))).toEqual({ ok: false, reason: 'not a Blastwall button' });
  });
  it('approves only listed Slack user ids; an empty list approves no one', () => {
    expect(isApprover(APPROVER, [APPROVER, 'U0OTHER'])).toBe(true);
    expect(isApprover('U0INTRUDER', [APPROVER])).toBe(false);
    expect(isApprover(APPROVER.toLowerCase(), [APPROVER])).toBe(false);
    expect(isApprover(APPROVER, [])).toBe(false);
  });
});
