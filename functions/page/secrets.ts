/**
 * The paging secrets (Secrets Manager, JSON), fetched with Powertools `getSecret`
 * and cached for 5 minutes per container. Shapes:
 *   Slack:     {"botToken": "xoxb-…", "signingSecret": "…", "channel": "C0123456789"}   (channel optional)
 *   PagerDuty: {"routingKey": "…32 chars…"}  or  {"routingKeys": {"production": "…", "*": "…"}}
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PagerDutySecret } from '../core/paging/pagerduty-payload.ts';

export interface SlackSecret {
  botToken: string;
  signingSecret: string;
  channel?: string;
}

export const SECRET_MAX_AGE_SECONDS = 300;

export async function loadSlackSecret(secretId: string | undefined): Promise<SlackSecret> {
  if (!secretId) throw new Error('SLACK_SECRET_ARN is not set');
  const value = (await getSecret(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS })) as Partial<SlackSecret> | undefined;
  if (!value || typeof value.botToken !== 'string' || typeof value.signingSecret !== 'string') {
    throw new Error('the Slack secret must be JSON {"botToken": "xoxb-…", "signingSecret": "…", "channel"?: "C…"}');
  }
  return { botToken: value.botToken, signingSecret: value.signingSecret, ...(typeof value.channel === 'string' ? { channel: value.channel } : {}) };
}

export async function loadPagerDutySecret(secretId: string | undefined): Promise<PagerDutySecret> {
  if (!secretId) throw new Error('PAGERDUTY_SECRET_ARN is not set');
  const value = (await getSecret(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS })) as PagerDutySecret | undefined;
  if (!value || (typeof value.routingKey !== 'string' && (typeof value.routingKeys !== 'object' || value.routingKeys === null))) {
    throw new Error('the PagerDuty secret must be JSON {"routingKey": "…"} or {"routingKeys": {"<environment>|*": "…"}}');
  }
  return value;
}
