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

/** The value `cdk deploy` creates the secrets with, until the operator fills them. */
export const PLACEHOLDER = 'REPLACE_ME';

function filled(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value !== PLACEHOLDER;
}

export async function loadSlackSecret(secretId: string | undefined): Promise<SlackSecret> {
  if (!secretId) throw new Error('SLACK_SECRET_ARN is not set');
  const value = (await getSecret(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS })) as Partial<SlackSecret> | undefined;
  if (!value || !filled(value.botToken) || !filled(value.signingSecret)) {
    throw new Error('the Slack secret is not filled in: put JSON {"botToken": "xoxb-…", "signingSecret": "…", "channel"?: "C…"} (docs/paging.md)');
  }
  return { botToken: value.botToken, signingSecret: value.signingSecret, ...(filled(value.channel) ? { channel: value.channel } : {}) };
}

export async function loadPagerDutySecret(secretId: string | undefined): Promise<PagerDutySecret> {
  if (!secretId) throw new Error('PAGERDUTY_SECRET_ARN is not set');
  const value = (await getSecret(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS })) as PagerDutySecret | undefined;
  const keys = value?.routingKeys && typeof value.routingKeys === 'object' ? Object.fromEntries(Object.entries(value.routingKeys).filter(([, v]) => filled(v))) : undefined;
  const routingKey = filled(value?.routingKey) ? value.routingKey : undefined;
  if (!routingKey && (!keys || Object.keys(keys).length === 0)) {
    throw new Error('the PagerDuty secret is not filled in: put JSON {"routingKey": "…"} or {"routingKeys": {"<environment>|*": "…"}} (docs/paging.md)');
  }
  return { ...(routingKey ? { routingKey } : {}), ...(keys && Object.keys(keys).length ? { routingKeys: keys } : {}) };
}
