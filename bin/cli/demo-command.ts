/**
 * `blastwall demo`: the incident Blastwall exists to stop (docs/architecture.md), replayed
 * through the real pipeline on the embedded store, told step by step: what it saw,
 * what it would revoke (the exact API call) and the page on-call would get.
 */
import { fileURLToPath } from 'node:url';
import { parseConfig, EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { renderPageText } from '../../functions/core/paging/render-text.ts';
import { describeApiCall, isEnforcedRevocation } from '../../functions/core/response/plan.ts';
import { postPageToSlackFromEnv } from '../../functions/page/local.ts';
import { replayFiles } from './replay-engine.ts';
import type { Io } from './io.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../test/fixtures/scenarios/incident.json', import.meta.url));

/** Events closer than this to the last one are "the incident"; earlier ones are history. */
const INCIDENT_WINDOW_MS = 30 * 60 * 1000;

interface Seen {
  event: AuditEvent;
  finding?: Finding;
}

export async function demoCommand(_args: string[], io: Io): Promise<number> {
  const config = parseConfig(EXAMPLE_CONFIG, 'built-in example');
  const seen: Seen[] = [];
  const summary = await replayFiles([DEMO_SCENARIO], config, {
    onEvent: (event, _index, finding) => seen.push(finding ? { event, finding } : { event }),
    onRejected: (file, line, reason) => io.stderr(`${file}:${line}: ${reason}\n`),
  });
  const out = (text = '') => io.stdout(`${text}\n`);
  const last = seen.at(-1)?.event.timeMs ?? 0;
  const history = seen.filter((s) => s.event.timeMs < last - INCIDENT_WINDOW_MS);
  const incident = seen.filter((s) => s.event.timeMs >= last - INCIDENT_WINDOW_MS);

  out('Blastwall demo: the incident in docs/architecture.md, replayed through the real detection pipeline');
  out('(embedded state store; nothing leaves this machine; nothing is revoked).');
  out();
  out('Environments (built-in example config):');
  for (const env of config.environments) out(`  ${env.name.padEnd(12)} accounts ${env.accounts.join(', ')}  sensitivity ${env.sensitivity}, response ${env.response}`);
  out();

  out(`1. Ordinary history: ${history.length} events over ${spanDays(history)} days`);
  const historyFindings = history.filter((s) => s.finding);
  const historyRevocations = historyFindings.flatMap((s) => s.finding!.response.filter(isEnforcedRevocation));
  out(`   ${countBy(history.map((s) => s.event.credential.principalName ?? s.event.credential.type))}`);
  out(`   → ${plural(historyFindings.length, 'finding')} (${severities(historyFindings)}), ${plural(historyRevocations.length, 'revocation')}: routine work is left alone.`);
  out();

  out('2. The incident, event by event:');
  const planned = new Map<string, string>();
  for (const { event, finding } of incident) {
    const who = `${event.credential.accessKeyId ?? event.credential.type} ${event.credential.principalName ?? ''}`.trim();
    const result = event.action.errorCode ? event.action.errorCode : 'ok';
    out(`   ${event.time.slice(11, 19)}  ${event.environment.padEnd(11)} ${who.padEnd(36)} ${`${event.action.service}:${event.action.name}`.padEnd(30)} ${result}`);
    if (finding) {
      out(`      ⮑ ${finding.severity.toUpperCase()}: ${finding.summary}`);
      for (const action of finding.response) {
        if (!action.apiCall) {
          out(`        ${action.action}: ${action.detail ?? action.target}`);
          continue;
        }
        const call = describeApiCall(action);
        if (action.status === 'skipped') out(`        skipped: ${call}${action.detail ? ` — ${action.detail}` : ''}`);
        else if (planned.has(call)) out(`        already revoked at ${planned.get(call)} (respond treats the repeat as done, not a second call)`);
        else {
          planned.set(call, event.time.slice(11, 19));
          out(`        would call (${action.mode}): ${call}`);
        }
      }
    }
  }
  out();

  const firstRevoking = incident.find((s) => s.finding?.response.some(isEnforcedRevocation));
  if (firstRevoking?.finding) {
    out('3. The page on-call receives for the first revocation (Slack and PagerDuty):');
    out();
    out(indent(renderPageText(firstRevoking.finding), '   '));
    out();
    const slack = await postPageToSlackFromEnv(firstRevoking.finding, io.env);
    out(slack.posted ? `   Posted to Slack for real: channel ${slack.channel}, message ${slack.ts}.` : `   (Set SLACK_BOT_TOKEN and SLACK_CHANNEL to post this page to Slack for real: ${slack.reason}.)`);
    out();
  }

  out('4. What it changes:');
  const firstDestructive = incident.find((s) => s.finding?.categories.length);
  if (firstRevoking) {
    out(`   Blastwall would revoke at ${firstRevoking.event.time} (${firstRevoking.event.action.name}, ${firstRevoking.event.environment}).`);
    if (firstDestructive && firstDestructive.event.timeMs >= firstRevoking.event.timeMs) {
      const seconds = Math.round((firstDestructive.event.timeMs - firstRevoking.event.timeMs) / 1000);
      out(`   The first destructive call (${firstDestructive.event.action.name}) came ${seconds} s later: with the key already inactive it fails, and the backups survive.`);
    }
  } else {
    out('   Nothing would be revoked in this scenario.');
  }
  out();
  out(`Summary: ${plural(summary.events, 'event')}, ${plural(summary.findings, 'finding')}, ${plural(summary.revocations, 'revocation')} planned, ${summary.rejected} rejected.`);
  out('Next: `npx blastwall replay --format json your-cloudtrail.json.gz` to backtest your own history.');
  return summary.rejected > 0 ? 3 : 0;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function spanDays(items: Seen[]): number {
  if (items.length === 0) return 0;
  return Math.max(1, Math.round((items.at(-1)!.event.timeMs - items[0]!.event.timeMs) / 86_400_000));
}

function countBy(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${n}: ${c}`).join(', ');
}

function severities(findings: Seen[]): string {
  if (findings.length === 0) return 'none';
  return countBy(findings.map((s) => s.finding!.severity));
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
