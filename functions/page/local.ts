/**
 * For `blastwall demo` on a laptop: post a finding's page to Slack for real when
 * `SLACK_BOT_TOKEN` and `SLACK_CHANNEL` are set (`SLACK_API_URL` optionally points
 * elsewhere). Returns `{ posted: false }` without them; never throws for a Slack
 * error — the demo prints the reason instead.
 */
import type { Finding } from '../core/finding.ts';
import { buildSlackMessage } from '../core/paging/slack-message.ts';
import { SlackPager } from '../adapters/slack-pager.ts';

export type LocalSlackResult =
  | { posted: true; channel: string; ts: string }
  | { posted: false; reason: string };

export async function postPageToSlackFromEnv(finding: Finding, env: NodeJS.ProcessEnv = process.env): Promise<LocalSlackResult> {
  const token = env.SLACK_BOT_TOKEN;
  const channel = env.SLACK_CHANNEL;
  if (!token || !channel) return { posted: false, reason: 'SLACK_BOT_TOKEN and SLACK_CHANNEL are not both set' };
  const pager = new SlackPager({ token, ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}) });
  try {
    const out = await pager.post(channel, buildSlackMessage({ finding }));
    return { posted: true, ...out };
  } catch (error) {
    return { posted: false, reason: `Slack refused the page: ${(error as Error).message}` };
  }
}
