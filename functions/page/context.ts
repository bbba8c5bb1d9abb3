/**
 * The credential's recent CloudTrail history under a page: a Slack thread reply and a
 * PagerDuty update (same dedup key, `custom_details.credential_history`). Sent once per
 * finding, after the page itself went out (the page never waits for it); best effort:
 * a failure is logged, never fails the page.
 */
import type { CredentialContext, CredentialEvent } from '../adapters/credential-history.ts';

/** Slack mrkdwn: `&`, `<`, `>` are control characters (links, mentions); event strings are attacker-controlled. */
const controlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const slackEscape = (s: string) => controlEscape(s).replace(/[`*_~]/g, (c) => `\u200b${c}`);

export function contextLine(e: CredentialEvent): string {
  return `${e.time} ${e.eventName} (${e.eventSource}, ${e.region}) from ${e.sourceIp} · ${e.userAgent}${e.errorCode ? ` · ${e.errorCode}` : ''}`;
}

export function contextSlackText(ctx: CredentialContext): string {
  const head = `Recent CloudTrail history of ${ctx.accessKeyId} in ${ctx.account} ${ctx.region} (LookupEvents, newest first, last 24 h):`;
  if (ctx.error) return slackEscape(`${head}\nnot available: ${ctx.error}. Look it up in the CloudTrail console.`);
  if (ctx.events.length === 0) return slackEscape(`${head}\nno other events recorded yet (CloudTrail can take minutes to list them).`);
  // In a code block nothing formats, but &, <, > still must be escaped (mentions, links), and a backtick would end the block.
  return `${slackEscape(head)}\n\`\`\`\n${ctx.events.map((e) => controlEscape(contextLine(e).replace(/`/g, "'"))).join('\n')}\n\`\`\``;
}

export function contextDetails(ctx: CredentialContext): string[] {
  if (ctx.error) return [`not available: ${ctx.error}`];
  return ctx.events.length ? ctx.events.map(contextLine) : ['no other events recorded yet'];
}
