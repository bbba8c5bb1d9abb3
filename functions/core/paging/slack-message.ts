/**
 * The Slack page: Block Kit blocks + fallback `text`, built from the page state.
 * Pure; the adapter posts it. Limits respected: header ≤ 150 chars, section text
 * ≤ 3000, ≤ 10 fields, button value ≤ 2000, ≤ 50 blocks.
 */
import type { Finding } from '../finding.ts';
import { findingLinks } from './links.ts';
import {
  describeApiCall,
  describeCredential,
  describeCrossing,
  hasRestorableRevocation,
  lastEvents,
  responseHeading,
  shortTime,
  statusWord,
} from './describe.ts';
import type { PageView } from './page-state.ts';
import { codeSpan, escapeMrkdwn, plainOneLine, preformatted, truncateMrkdwn, truncatePlain } from './sanitise.ts';
import { escalationReason, pageSeverity } from './routing.ts';

export const ACTION_IDS = {
  restore: 'blastwall_restore',
  keep: 'blastwall_keep',
} as const;

/** A Block Kit block, as plain JSON. */
export type SlackBlock = { type: string; block_id?: string } & Record<string, unknown>;

export interface SlackMessage {
  /** Fallback for notifications and clients that cannot show blocks. */
  text: string;
  blocks: SlackBlock[];
}

const SEVERITY_EMOJI: Record<string, string> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':information_source:',
};

const STATUS_EMOJI: Record<string, string> = {
  done: ':white_check_mark:',
  FAILED: ':x:',
  skipped: ':fast_forward:',
  planned: ':hourglass_flowing_sand:',
  'would do': ':test_tube:',
  'to do': ':raising_hand:',
  restored: ':leftwards_arrow_with_hook:',
};

export { escapeMrkdwn } from './sanitise.ts';

function code(s: string): string {
  return codeSpan(s);
}

/** A mrkdwn text object. `verbatim: true`: Slack does not turn URLs, #channels or @names into links or mentions. */
function text(s: string, max = 3000) {
  return { type: 'mrkdwn', text: truncateMrkdwn(s, max), verbatim: true };
}

function plain(s: string, max = 150) {
  return { type: 'plain_text', text: truncatePlain(plainOneLine(s), max), emoji: true };
}

/** One line for notifications, screen readers and the thread. */
export function fallbackText(view: PageView): string {
  const f = view.finding;
  const severity = pageSeverity(f);
  const done = f.response.filter((a) => a.status === 'done' && a.mode === 'enforce' && a.action !== 'manual');
  const failed = f.response.filter((a) => a.status === 'failed');
  let outcome = '';
  if (view.restored) outcome = ' — credential restored';
  else if (failed.length > 0) outcome = ' — revocation FAILED, act now';
  else if (done.length > 0) outcome = ` — revoked ${done.map((a) => a.target).join(', ')}`;
  else if (f.mode === 'dry-run') outcome = ' — dry-run, nothing revoked';
  // The fallback `text` is mrkdwn too (notifications, the thread): escaped like every block.
  return truncateMrkdwn(escapeMrkdwn(plainOneLine(`[${severity.toUpperCase()}] ${f.environment}: ${f.summary}${outcome}`)), 3000);
}

/** One line of attacker text as inert mrkdwn. */
function t(s: string): string {
  return escapeMrkdwn(plainOneLine(s));
}

export function buildSlackMessage(view: PageView): SlackMessage {
  const f = view.finding;
  const severity = pageSeverity(f);
  const blocks: SlackBlock[] = [];

  blocks.push({
    type: 'header',
    block_id: 'bw_header',
    text: plain(`${severity.toUpperCase()} · ${f.environment} · ${f.eventName}`),
  });
  const escalation = escalationReason(f);
  blocks.push({
    type: 'section',
    block_id: 'bw_summary',
    text: text(`${SEVERITY_EMOJI[severity] ?? ''} *${t(f.summary)}*${escalation ? `\n:warning: ${t(escalation)}` : ''}`),
  });
  blocks.push({
    type: 'section',
    block_id: 'bw_facts',
    fields: [
      text(`*Credential*\n${code(describeCredential(f.credential))}`, 2000),
      text(`*Environments crossed*\n${t(describeCrossing(f))}`, 2000),
      text(`*Account · region*\n${f.account} · ${t(f.region)}`, 2000),
      text(`*From*\n${t(f.actor.sourceIp)} · ${t(f.actor.userAgentFamily)}`, 2000),
      ...f.lineage.slice(0, 6).map((l) => text(`*Minted by*\n${code(describeCredential(l))}`, 2000)),
    ],
  });

  const reasons = f.reasons.map((r) => `• ${r.mitigating ? '_(mitigating)_' : `*[${r.severity}]*`} ${t(r.text)}`);
  blocks.push({ type: 'section', block_id: 'bw_reasons', text: text(`*Why*\n${reasons.join('\n') || '—'}`) });

  const actions = f.response.map((a) => {
    const word = statusWord(a);
    const lines = [`${STATUS_EMOJI[word] ?? ''} *${word}* ${code(describeApiCall(a))}`];
    if (a.detail && a.action !== 'manual') lines.push(`      ${t(a.detail)}`);
    if (a.undo) lines.push(`      undo: ${code(a.undo)}`);
    return lines.join('\n');
  });
  blocks.push({
    type: 'section',
    block_id: 'bw_response',
    text: text(`*${t(responseHeading(f))}*\n${actions.join('\n') || '—'}`),
  });

  const events = lastEvents(f);
  if (events.length > 0) {
    const rows = events.map(
      (e) => `${shortTime(e.time)}  ${e.eventName.padEnd(24)} ${e.environment.padEnd(12)} ${e.sourceIp.padEnd(15)} ${e.accessKeyId ?? ''}${e.errorCode ? ` ${e.errorCode}` : ''}`.trimEnd(),
    );
    blocks.push({
      type: 'section',
      block_id: 'bw_events',
      text: text(`*Events that led here*\n${preformatted(rows)}`),
    });
  }

  const links = findingLinks(f).map((l) => `<${l.href}|${t(l.text)}>`);
  blocks.push({
    type: 'context',
    block_id: 'bw_links',
    elements: [text([...links, `finding ${code(f.id)}`].join(' · '))],
  });

  const state = stateLine(view);
  if (state) blocks.push({ type: 'context', block_id: 'bw_state', elements: [text(state)] });

  if (hasRestorableRevocation(f) && !view.restored && !view.decision) {
    blocks.push({
      type: 'actions',
      block_id: 'bw_undo',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.restore,
          text: plain('Restore credential'),
          style: 'danger',
          value: f.id,
          confirm: {
            title: plain('Restore the credential?', 100),
            // The confirmation dialog's text is plain_text, at most 300 characters.
            text: plain(`This re-enables ${f.response.filter((a) => a.status === 'done' && a.action !== 'manual').map((a) => a.target).join(', ')}. Only approvers can restore.`, 300),
            confirm: plain('Restore', 30),
            deny: plain('Cancel', 30),
            style: 'danger',
          },
        },
        { type: 'button', action_id: ACTION_IDS.keep, text: plain('Keep revoked'), style: 'primary', value: f.id },
      ],
    });
  }
  return { text: fallbackText(view), blocks };
}

function stateLine(view: PageView): string | undefined {
  if (view.restored) {
    const r = view.restored;
    const who = r.approver?.name ?? r.by;
    return `:leftwards_arrow_with_hook: Credential restored${who ? ` — approved by ${t(who)}` : ''}${r.at ? ` at ${t(r.at)}` : ''}${r.reason ? `: ${t(r.reason)}` : ''}`;
  }
  if (view.restoreProblem && !view.decision) return `:warning: ${t(view.restoreProblem)} — the credential stays revoked.`;
  if (view.decision?.kind === 'kept') return `:lock: Kept revoked by <@${view.decision.by.id}> at ${view.decision.at}`;
  if (view.decision?.kind === 'restore-requested')
    return `:hourglass_flowing_sand: Restore requested by <@${view.decision.by.id}> at ${view.decision.at} — Blastwall is restoring the credential`;
  return undefined;
}

/** The thread reply that says what changed; undefined when nothing a human cares about did. */
export function threadReplyText(changes: readonly string[]): string | undefined {
  if (changes.length === 0) return undefined;
  return truncateMrkdwn(changes.map((c) => `• ${t(plainOneLine(c))}`).join('\n'), 3000);
}

