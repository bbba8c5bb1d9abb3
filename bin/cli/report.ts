/**
 * What a replay or a backtest found, gathered for the text summary and the HTML
 * report: counts by environment, severity, signal and principal, the noisiest
 * credentials and signals, what a suppression would silence, the revocations it
 * would make (with the exact calls) and the findings themselves for the timeline.
 *
 * Memory grows with the findings, never with the events.
 */
import { SEVERITIES, type Severity } from '../../functions/core/audit-event.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { describeApiCall, isRevocation } from '../../functions/core/response/plan.ts';
import type { ReplayedFinding, ReplaySummary } from './replay-engine.ts';

export interface Revocation {
  account: string;
  action: string;
  target: string;
  mode: string;
  /** The exact API call, as `respond` would make it. */
  call: string;
  firstTime: string;
  findings: number;
}

/**
 * A `detection.suppressions` entry that would silence a group of findings: a suppression
 * matches events by principal, action and environment (functions/core/detection/suppressions.ts),
 * so this is exactly what it would take away.
 */
export interface SuppressionHint {
  principal: string;
  /** `service:EventName`, as a suppression's `action` names it. */
  action: string;
  environment: string;
  silenced: number;
  /** The signals these findings were raised by (to judge whether it is noise). */
  signals: string[];
}

export interface Report {
  findings: Finding[];
  eventIndexes: number[];
  bySeverity: Record<Severity, number>;
  byEnvironment: Array<[string, number]>;
  bySignal: Array<[string, number]>;
  byPrincipal: Array<[string, number]>;
  revocations: Revocation[];
  suppressions: SuppressionHint[];
  first?: string;
  last?: string;
}

/** The principal a finding is about, as a person would name it. */
export function principalOf(finding: Finding): string {
  const c = finding.credential;
  return c.issuerArn ?? c.arn ?? c.accessKeyId ?? c.type;
}

const raising = (finding: Finding) => finding.reasons.filter((r) => !r.mitigating);

export function createReportCollector(options: { keepFindings?: boolean } = {}) {
  const findings: Finding[] = [];
  const eventIndexes: number[] = [];
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byEnvironment = new Map<string, number>();
  const bySignal = new Map<string, number>();
  const byPrincipal = new Map<string, number>();
  const groups = new Map<string, SuppressionHint & { signalSet: Set<string> }>();
  const revocations = new Map<string, Revocation>();
  let first: string | undefined;
  let last: string | undefined;
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    add({ finding, eventIndex }: ReplayedFinding): void {
      if (options.keepFindings !== false) {
        findings.push(finding);
        eventIndexes.push(eventIndex);
      }
      bySeverity[finding.severity]++;
      bump(byEnvironment, finding.environment);
      const principal = principalOf(finding);
      bump(byPrincipal, principal);
      const signals = new Set(raising(finding).map((r) => r.signal));
      for (const signal of signals) bump(bySignal, signal);
      const action = `${finding.eventSource.split('.')[0]}:${finding.eventName}`;
      const key = `${principal}\u0000${action}\u0000${finding.environment}`;
      const group = groups.get(key) ?? { principal, action, environment: finding.environment, silenced: 0, signals: [], signalSet: new Set<string>() };
      group.silenced++;
      for (const signal of signals) group.signalSet.add(signal);
      groups.set(key, group);
      for (const action of finding.response) {
        if (action.status !== 'planned' || !isRevocation(action)) continue;
        const key = `${action.account}|${action.action}|${action.target}`;
        const known = revocations.get(key);
        if (known) known.findings++;
        else revocations.set(key, { account: action.account, action: action.action, target: action.target, mode: action.mode, call: describeApiCall(action), firstTime: finding.time, findings: 1 });
      }
      if (first === undefined || finding.time < first) first = finding.time;
      if (last === undefined || finding.time > last) last = finding.time;
    },
    result(): Report {
      const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      return {
        findings,
        eventIndexes,
        bySeverity,
        byEnvironment: ranked(byEnvironment),
        bySignal: ranked(bySignal),
        byPrincipal: ranked(byPrincipal),
        revocations: [...revocations.values()],
        suppressions: [...groups.values()]
          .map(({ signalSet, ...hint }) => ({ ...hint, signals: [...signalSet].sort() }))
          .sort((a, b) => b.silenced - a.silenced || (`${a.principal}${a.action}` < `${b.principal}${b.action}` ? -1 : 1)),
        first,
        last,
      };
    },
  };
}

export type ReportCollector = ReturnType<typeof createReportCollector>;

/** The `detection.suppressions` entry for a hint, reason and expiry left for the team to write. */
export function suppressionEntry(h: SuppressionHint): Record<string, string> {
  return { principal: h.principal, action: h.action, environment: h.environment, reason: 'WHY this is routine', expires: 'YYYY-MM-DD' };
}

/** The totals line every text summary starts with (tests and users grep it). */
export function totalsLine(summary: ReplaySummary): string {
  const noun = summary.findings === 1 ? 'finding' : 'findings';
  return `${summary.events} events read, ${summary.rejected} rejected, ${summary.duplicates} duplicate deliveries ignored; ${summary.findings} ${noun}, ${summary.revocations} revocations planned.`;
}

/** The text summary: totals, then by environment, severity, signal and principal, the would-revoke list and suppression hints. */
/** What detection.suppressions silenced (never silently) and which suppressions expired. */
function suppressionLines(summary: ReplaySummary): string[] {
  const out: string[] = [];
  if (summary.suppressed.length) {
    const bySuppression = new Map<number, { reason: string; count: number }>();
    for (const s of summary.suppressed) bySuppression.set(s.suppression, { reason: s.reason, count: (bySuppression.get(s.suppression)?.count ?? 0) + 1 });
    out.push(`${summary.suppressed.length} suppressed (no finding, by detection.suppressions):`);
    for (const [index, { reason, count }] of bySuppression) out.push(`  suppressions[${index}]: ${count} event${count === 1 ? '' : 's'} — ${reason}`);
  }
  for (const e of summary.expiredSuppressions) out.push(`suppressions[${e.index}] expired on ${e.expires} and no longer applies — ${e.reason}`);
  return out;
}

export function summaryText(summary: ReplaySummary, report: Report, top = 10): string {
  const out: string[] = [totalsLine(summary), ...suppressionLines(summary)];
  if (summary.findings === 0) return `${out.join('\n')}\n`;
  const table = (title: string, rows: Array<[string, number]>) => {
    out.push('', title);
    const shown = rows.slice(0, top);
    const width = Math.max(...shown.map(([, n]) => String(n).length));
    for (const [name, n] of shown) out.push(`  ${String(n).padStart(width)}  ${name}`);
    if (rows.length > shown.length) out.push(`  … and ${rows.length - shown.length} more`);
  };
  out.push('', `Findings from ${report.first} to ${report.last}.`);
  table('By environment:', report.byEnvironment);
  table('By severity:', [...SEVERITIES].reverse().map((s) => [s, report.bySeverity[s]] as [string, number]).filter(([, n]) => n > 0));
  table('Noisiest signals:', report.bySignal);
  table('Noisiest credentials (principals):', report.byPrincipal);
  out.push('', `Would revoke (${report.revocations.length}):`);
  if (report.revocations.length === 0) out.push('  nothing');
  for (const r of report.revocations.slice(0, top)) out.push(`  [${r.mode}] ${r.call}  (first ${r.firstTime}, ${r.findings} finding${r.findings === 1 ? '' : 's'})`);
  if (report.revocations.length > top) out.push(`  … and ${report.revocations.length - top} more`);
  const hints = report.suppressions.filter((h) => h.silenced > 1).slice(0, 5);
  if (hints.length) {
    out.push('', 'What a suppression would silence (the repeated findings; if one is routine, add its entry to detection.suppressions with a reason and an expiry):');
    for (const h of hints) out.push(`  ${h.silenced} findings (${h.signals.join(', ')}): ${JSON.stringify(suppressionEntry(h))}`);
  }
  return `${out.join('\n')}\n`;
}
