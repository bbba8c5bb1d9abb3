/**
 * The page as the on-call reads it in a terminal (`blastwall demo`,
 * `blastwall replay --format text`). Same content as the Slack message.
 */
import type { Finding } from '../finding.ts';
import { findingLinks } from './links.ts';
import {
  describeCredential,
  describeCrossing,
  lastEvents,
  responseHeading,
  shortTime,
  statusWord,
} from './describe.ts';
import { describeApiCall } from './describe.ts';
import { escalationReason, pageSeverity } from './routing.ts';
import { plainOneLine } from './sanitise.ts';

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
} as const;

export function renderPageText(finding: Finding, opts: { color?: boolean } = {}): string {
  const c = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const severity = pageSeverity(finding);
  const sevColor = severity === 'critical' || severity === 'high' ? 'red' : severity === 'medium' ? 'yellow' : 'dim';
  const lines: string[] = [];

  lines.push(
    `${c('bold', c(sevColor, `[${severity.toUpperCase()}]`))} ${c('bold', oneLine(finding.environment))} · account ${oneLine(finding.account)} · ${oneLine(finding.region)} · ${oneLine(finding.time)}`,
  );
  lines.push(c('bold', oneLine(finding.summary)));
  const escalation = escalationReason(finding);
  if (escalation) lines.push(c('red', oneLine(escalation)));
  lines.push('');
  lines.push(`${label('Credential')}${oneLine(describeCredential(finding.credential))}`);
  lines.push(`${label('Crossed')}${oneLine(describeCrossing(finding))}`);
  for (const l of finding.lineage) lines.push(`${label('Minted by')}${oneLine(describeCredential(l))}`);
  lines.push(`${label('From')}${oneLine(finding.actor.sourceIp)} · ${oneLine(finding.actor.userAgentFamily)}`);

  lines.push('');
  lines.push(c('bold', 'Why'));
  for (const r of finding.reasons) {
    const tag = r.mitigating ? c('green', '(mitigating)') : c(r.severity === 'critical' || r.severity === 'high' ? 'red' : 'yellow', `[${r.severity}]`);
    lines.push(`  • ${tag} ${oneLine(r.text)}`);
  }

  lines.push('');
  lines.push(c('bold', responseHeading(finding)));
  if (finding.response.length === 0) lines.push('  (no response action)');
  for (const a of finding.response) {
    const word = statusWord(a);
    const color = word === 'done' ? 'green' : word === 'FAILED' ? 'red' : word === 'skipped' || word === 'to do' ? 'yellow' : 'cyan';
    lines.push(`  ${c(color, pad(word, 9))} ${oneLine(describeApiCall(a))}`);
    if (a.detail && a.action !== 'manual') lines.push(`  ${' '.repeat(9)} ${oneLine(a.detail)}`);
    if (a.undo) lines.push(`  ${' '.repeat(9)} undo: ${oneLine(a.undo)}`);
  }
  if (finding.response.some((a) => a.status === 'done' && a.mode === 'enforce' && a.action !== 'manual')) {
    lines.push(`  ${c('dim', 'To restore: press "Restore credential" on the Slack page (approvers only), or run the undo above.')}`);
  }

  const events = lastEvents(finding);
  if (events.length > 0) {
    lines.push('');
    lines.push(c('bold', 'Events that led here'));
    for (const e of events) {
      const err = e.errorCode ? c('yellow', ` ${oneLine(e.errorCode)}`) : '';
      lines.push(`  ${oneLine(shortTime(e.time))}  ${pad(oneLine(e.eventName), 24)} ${pad(oneLine(e.environment), 12)} ${pad(oneLine(e.sourceIp), 15)} ${oneLine(e.accessKeyId ?? '')}${err}`.trimEnd());
    }
  }

  lines.push('');
  for (const link of findingLinks(finding)) lines.push(`${label('CloudTrail')}${oneLine(link.href)}`);
  lines.push(`${label('Finding')}${oneLine(finding.id)}`);
  return lines.join('\n');
}

function label(s: string): string {
  return pad(s, 12);
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/** Event text on one line, without control characters or ANSI escapes (only Blastwall colours the terminal). */
function oneLine(s: string): string {
  return plainOneLine(s);
}
