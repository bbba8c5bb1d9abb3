/**
 * Slack request signing: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with
 * the app's signing secret. Requests older (or further in the future) than five
 * minutes are refused (replay), and the comparison is constant-time.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' | 'no-secret' };

export function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function verifySlackSignature(input: {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp` */
  timestamp: string | undefined;
  /** `X-Slack-Signature` */
  signature: string | undefined;
  /** The raw body, exactly as received. */
  body: string;
  /** Epoch seconds; defaults to now. */
  nowSeconds?: number;
}): SignatureCheck {
  if (!input.signingSecret) return { ok: false, reason: 'no-secret' };
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'bad-timestamp' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(input.timestamp)) > MAX_SIGNATURE_AGE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(input.signingSecret, input.timestamp, input.body), 'utf8');
  const given = Buffer.from(input.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
