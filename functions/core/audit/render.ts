/**
 * The audit's three faces: JSON lines (the contract other tools read), a text table
 * worst first, and a self-contained HTML page (no script, no external resource; a
 * Content-Security-Policy that forbids both; every string escaped).
 *
 * Pure module.
 */
import type { AuditResult, CredentialAnswer } from './evaluate.ts';

/** One JSON object per line: a `credential` per credential, worst first, then the `summary`. Names are fixed. */
export function auditJsonLines(result: AuditResult): string {
  const line = (c: CredentialAnswer) =>
    JSON.stringify({
      type: 'credential',
      principal: c.principal,
      account: c.account,
      environment: c.environment,
      credential: { type: c.credential.type, accessKeyIds: c.credential.accessKeyIds },
      risk: c.risk,
      questions: {
        worstAction: { actions: c.questions.worstAction.actions, environment: c.questions.worstAction.environment },
        reachesMoreSensitive: { answer: c.questions.reachesMoreSensitive.answer, paths: c.questions.reachesMoreSensitive.paths },
        rotation: { lastRotatedDays: c.questions.rotation.lastRotatedDays, lastUsedDays: c.questions.rotation.lastUsedDays, usedBy: c.questions.rotation.usedBy },
        reachesBackups: { answer: c.questions.reachesBackups.answer, actions: c.questions.reachesBackups.actions },
        approvalGate: { answer: c.questions.approvalGate.answer, why: c.questions.approvalGate.why },
      },
      why: c.why,
    });
  return [...result.credentials.map(line), JSON.stringify(result.summary)].map((l) => `${l}\n`).join('');
}

/** Control characters and terminal escapes never reach the terminal from an export. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

function shortPrincipal(arn: string): string {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `${m[2]}/${m[3]}` : arn;
}

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s + ' '.repeat(n - s.length);
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const days = (d: number | null) => (d === null ? '-' : `${d}d`);

export function auditText(result: AuditResult): string {
  const header = ['RISK', 'CREDENTIAL', 'ENV', 'WORST ACTION (WHERE)', 'MORE SENS', 'BACKUPS', 'GATE', 'KEY AGE', 'USED'];
  const widths = [9, 34, 14, 44, 10, 8, 5, 8, 6];
  const rows = result.credentials.map((c) => {
    const worst = c.questions.worstAction;
    const worstText = worst.actions.length ? `${worst.actions[0]}${worst.actions.length > 1 ? ` +${worst.actions.length - 1}` : ''} (${worst.environment})` : '-';
    return [
      c.risk.toUpperCase(),
      shortPrincipal(c.principal),
      c.environment,
      worstText,
      yesNo(c.questions.reachesMoreSensitive.answer),
      yesNo(c.questions.reachesBackups.answer),
      yesNo(c.questions.approvalGate.answer),
      days(c.questions.rotation.lastRotatedDays),
      days(c.questions.rotation.lastUsedDays),
    ];
  });
  const line = (cells: string[]) => cells.map((cell, i) => pad(clean(cell), widths[i]!)).join(' ').trimEnd();
  const out = [line(header), ...rows.map(line), ''];
  const attention = result.credentials.filter((c) => c.risk === 'critical' || c.risk === 'high');
  if (attention.length > 0) {
    out.push('Fix first:');
    for (const c of attention) {
      out.push(`  ${c.risk.toUpperCase()} ${clean(c.principal)} (${c.environment})`);
      for (const w of c.why) out.push(`    - ${clean(w)}`);
    }
    out.push('');
  }
  const s = result.summary;
  out.push(
    `${s.credentials} credentials in ${s.accounts.length} account${s.accounts.length === 1 ? '' : 's'}: ${(['critical', 'high', 'medium', 'low', 'info'] as const).map((r) => `${s.byRisk[r]} ${r}`).join(', ')}`,
  );
  for (const w of s.warnings) out.push(`warning: ${clean(w)}`);
  return `${out.join('\n')}\n`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const RISK_COLOURS: Record<string, string> = { critical: '#8b0000', high: '#c0392b', medium: '#d68910', low: '#2e86c1', info: '#7f8c8d' };

export function auditHtml(result: AuditResult, title = 'Blastwall audit'): string {
  const e = escapeHtml;
  const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li><code>${e(i)}</code></li>`).join('')}</ul>` : '<p>none</p>');
  const rows = result.credentials
    .map((c, i) => {
      const q = c.questions;
      return `<tr class="credential risk-${e(c.risk)}" id="c${i}">
<td><span class="risk" style="background:${RISK_COLOURS[c.risk] ?? '#555'}">${e(c.risk)}</span></td>
<td><code>${e(c.principal)}</code><br><small>${e(c.credential.type)}${c.credential.accessKeyIds.length ? ` ${e(c.credential.accessKeyIds.join(', '))}` : ''}</small></td>
<td>${e(c.environment)}</td>
<td>${q.worstAction.actions.length ? `${e(q.worstAction.actions[0]!)}${q.worstAction.actions.length > 1 ? ` +${q.worstAction.actions.length - 1}` : ''} <small>in ${e(q.worstAction.environment ?? '')}</small>` : '—'}</td>
<td class="${q.reachesMoreSensitive.answer ? 'bad' : 'ok'}">${yesNo(q.reachesMoreSensitive.answer)}</td>
<td class="${q.reachesBackups.answer ? 'bad' : 'ok'}">${yesNo(q.reachesBackups.answer)}</td>
<td class="${q.approvalGate.answer ? 'ok' : 'bad'}">${yesNo(q.approvalGate.answer)}</td>
<td>${days(q.rotation.lastRotatedDays)} / ${days(q.rotation.lastUsedDays)}</td>
</tr>
<tr class="answers"><td colspan="8"><details><summary>The five answers and why</summary>
<ol class="questions">
<li data-question="worstAction"><b>Worst single action</b>${q.worstAction.environment ? ` (in ${e(q.worstAction.environment)})` : ''}: ${list(q.worstAction.actions)}</li>
<li data-question="reachesMoreSensitive"><b>Reaches a more sensitive environment</b>: ${yesNo(q.reachesMoreSensitive.answer)}${list(q.reachesMoreSensitive.paths.map((p) => p.join(' → ')))}</li>
<li data-question="rotation"><b>Rotation</b>: last rotated ${e(days(q.rotation.lastRotatedDays))} ago, last used ${e(days(q.rotation.lastUsedDays))} ago; used by: ${q.rotation.usedBy.length ? e(q.rotation.usedBy.join('; ')) : 'no sightings given'}</li>
<li data-question="reachesBackups"><b>Reaches the backups of data it can delete</b>: ${yesNo(q.reachesBackups.answer)}${list(q.reachesBackups.actions)}</li>
<li data-question="approvalGate"><b>Approval gate</b>: ${yesNo(q.approvalGate.answer)} — ${e(q.approvalGate.why)}</li>
</ol>
<p>Why:</p><ul class="why">${c.why.map((w) => `<li>${e(w)}</li>`).join('')}</ul>
</details></td></tr>`;
    })
    .join('\n');
  const s = result.summary;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.risk{color:#fff;border-radius:3px;padding:0 .4rem;text-transform:uppercase;font-size:12px}
.bad{color:#c0392b;font-weight:600}.ok{color:#1e8449}
tr.answers td{border-bottom:2px solid #bbb}
code{font-size:12px;word-break:break-all}
.warnings{background:#fff8e1;padding:.5rem 1rem}
</style>
</head>
<body>
<h1>${e(title)}</h1>
<p id="summary">${s.credentials} credentials in ${s.accounts.length} account(s) (${e(s.accounts.join(', '))}), generated ${e(s.generatedAt)}:
${(['critical', 'high', 'medium', 'low', 'info'] as const).map((r) => `<span class="count-${r}">${s.byRisk[r]} ${r}</span>`).join(', ')}.</p>
${s.warnings.length ? `<div class="warnings"><p>What this audit could not see:</p><ul>${s.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>` : ''}
<table>
<thead><tr><th>Risk</th><th>Credential</th><th>Environment</th><th>Worst action</th><th>More sensitive?</th><th>Backups?</th><th>Gate?</th><th>Rotated / used</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
