/**
 * The HTML report of a replay or a backtest: one self-contained page (inline CSS
 * and SVG, no script, no network — its Content-Security-Policy forbids any fetch),
 * to read in a browser or attach to a change request.
 *
 * Every string from an event is attacker-controlled: everything is escaped.
 */
import { SEVERITIES, type Severity } from '../../functions/core/audit-event.ts';
import { describeApiCall } from '../../functions/core/response/plan.ts';
import type { ReplaySummary } from './replay-engine.ts';
import { principalOf, suppressionEntry, totalsLine, type Report } from './report.ts';

export const SEVERITY_COLOURS: Record<Severity, string> = {
  info: '#9aa5b1',
  low: '#4c9be8',
  medium: '#f0b429',
  high: '#e8590c',
  critical: '#c92a2a',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface HtmlReportMeta {
  title: string;
  /** e.g. "replay of 60 files" or "backtest of 2 accounts × 3 regions, 2026-11-01 → 2026-11-30". */
  scope: string;
  configSource: string;
  generatedAt: Date;
}

const HOUR = 3_600_000;
const BUCKETS = [HOUR, 6 * HOUR, 24 * HOUR, 7 * 24 * HOUR];

/** Findings by time bucket, one lane per environment, bars stacked by severity. */
export function timelineSvg(report: Report, maxLanes = 8): string {
  const width = 960;
  const laneHeight = 70;
  const left = 130;
  const environments = report.byEnvironment.slice(0, maxLanes).map(([name]) => name);
  const height = Math.max(1, environments.length) * laneHeight + 40;
  const parts: string[] = [];
  parts.push(`<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Findings over time by environment and severity">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (report.findings.length === 0 || report.first === undefined || report.last === undefined) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#52606d" font-size="14">no findings</text></svg>`);
    return parts.join('');
  }
  const start = Date.parse(report.first);
  const end = Date.parse(report.last);
  const bucketMs = BUCKETS.find((b) => (end - start) / b <= 90) ?? BUCKETS.at(-1)!;
  const origin = Math.floor(start / bucketMs) * bucketMs;
  const buckets = Math.floor((end - origin) / bucketMs) + 1;
  const counts = new Map<string, Record<Severity, number>>();
  for (const f of report.findings) {
    const lane = environments.indexOf(f.environment);
    if (lane === -1) continue;
    const key = `${lane}:${Math.floor((Date.parse(f.time) - origin) / bucketMs)}`;
    const cell = counts.get(key) ?? (Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>);
    cell[f.severity]++;
    counts.set(key, cell);
  }
  const peak = Math.max(1, ...[...counts.values()].map((c) => SEVERITIES.reduce((n, s) => n + c[s], 0)));
  const plotWidth = width - left - 10;
  const barWidth = Math.max(1, plotWidth / buckets - 1);
  environments.forEach((environment, lane) => {
    const base = 20 + (lane + 1) * laneHeight - 8;
    parts.push(`<text x="${left - 8}" y="${base - laneHeight / 2 + 8}" text-anchor="end" font-size="12" fill="#1f2933">${escapeHtml(environment)}</text>`);
    parts.push(`<line x1="${left}" y1="${base}" x2="${width - 10}" y2="${base}" stroke="#cbd2d9"/>`);
    for (let b = 0; b < buckets; b++) {
      const cell = counts.get(`${lane}:${b}`);
      if (!cell) continue;
      let y = base;
      for (const severity of SEVERITIES) {
        if (!cell[severity]) continue;
        const h = Math.max(2, (cell[severity] / peak) * (laneHeight - 16));
        y -= h;
        const x = left + b * (plotWidth / buckets);
        const when = new Date(origin + b * bucketMs).toISOString();
        parts.push(`<rect class="bar" data-severity="${severity}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${SEVERITY_COLOURS[severity]}"><title>${escapeHtml(`${environment} ${when}: ${cell[severity]} ${severity}`)}</title></rect>`);
      }
    }
  });
  const label = bucketMs === HOUR ? 'hour' : bucketMs === 6 * HOUR ? '6 hours' : bucketMs === 24 * HOUR ? 'day' : 'week';
  parts.push(`<text x="${left}" y="${height - 6}" font-size="11" fill="#52606d">${escapeHtml(new Date(origin).toISOString().slice(0, 16))}Z</text>`);
  parts.push(`<text x="${width - 10}" y="${height - 6}" text-anchor="end" font-size="11" fill="#52606d">one bar per ${label} · ${escapeHtml(report.last.slice(0, 16))}Z</text>`);
  parts.push('</svg>');
  return parts.join('');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:24px;background:#f5f7fa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
section{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:12px 16px;margin-bottom:16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #e4e7eb}
th{background:#f0f4f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,monospace;word-break:break-all}ul{margin:0;padding-left:18px}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.legend span{margin-right:12px}.muted{color:#52606d}
${SEVERITIES.map((s) => `.sev-${s}{background:${SEVERITY_COLOURS[s]}}`).join('')}
`;

export function renderHtmlReport(summary: ReplaySummary, report: Report, meta: HtmlReportMeta): string {
  const e = escapeHtml;
  const sev = (s: Severity) => `<span class="sev sev-${s}">${s}</span>`;
  const counts = (rows: Array<[string, number]>, id: string, heading: string, top = 15) =>
    `<table id="${id}"><thead><tr><th>${heading}</th><th>findings</th></tr></thead><tbody>${rows
      .slice(0, top)
      .map(([name, n]) => `<tr><td><code>${e(name)}</code></td><td class="n">${n}</td></tr>`)
      .join('')}</tbody></table>`;

  const revocations = report.revocations.length
    ? `<table id="revocations"><thead><tr><th>mode</th><th>exact call</th><th>first</th><th>findings</th></tr></thead><tbody>${report.revocations
        .map((r) => `<tr class="revocation"><td>${e(r.mode)}</td><td><code>${e(r.call)}</code></td><td>${e(r.firstTime)}</td><td class="n">${r.findings}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p id="revocations">Nothing would be revoked.</p>';

  const hints = report.suppressions.filter((h) => h.silenced > 1).slice(0, 10);
  const suppressions = hints.length
    ? `<p>Repeated findings of one principal, call and environment. If one is routine, this <code>detection.suppressions</code> entry (with a real reason and expiry) would silence exactly them:</p><table id="suppressions"><thead><tr><th>would silence</th><th>signals</th><th>suppression entry</th></tr></thead><tbody>${hints
        .map((h) => `<tr><td class="n">${h.silenced}</td><td>${e(h.signals.join(', '))}</td><td><code>${e(JSON.stringify(suppressionEntry(h)))}</code></td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No principal repeats a finding on the same call in the same environment.</p>';

  const rows = report.findings
    .map((f, k) => {
      const planned = f.response.filter((a) => a.status === 'planned');
      const skipped = f.response.filter((a) => a.status !== 'planned');
      return `<tr class="finding" data-severity="${f.severity}" data-id="${e(f.id)}"><td class="n">${report.eventIndexes[k] ?? ''}</td><td>${e(f.time)}</td><td>${sev(f.severity)}</td><td>${e(f.environment)}<br><span class="muted">${e(f.account)} ${e(f.region)}</span></td><td><code>${e(f.eventSource)}</code><br><b>${e(f.eventName)}</b></td><td><code>${e(principalOf(f))}</code>${f.credential.accessKeyId ? `<br><code>${e(f.credential.accessKeyId)}</code>` : ''}</td><td><ul class="reasons">${f.reasons
        .map((r) => `<li${r.mitigating ? ' class="muted"' : ''}><b>${e(r.signal)}</b> (${e(r.severity)}): ${e(r.text)}</li>`)
        .join('')}</ul></td><td>${planned.map((a) => `<div><code>[${e(a.mode)}] ${e(describeApiCall(a))}</code></div>`).join('')}${skipped
        .map((a) => `<div class="muted">not ${e(a.action)}: ${e(a.detail ?? a.code ?? 'skipped')}</div>`)
        .join('')}</td></tr>`;
    })
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(meta.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${e(meta.title)}</h1>
<p class="muted">${e(meta.scope)} · config: ${e(meta.configSource)} · generated ${e(meta.generatedAt.toISOString())} · dry-run: nothing was revoked or paged.</p>
<section id="summary"><b>${e(totalsLine(summary))}</b>
<p>${[...SEVERITIES].reverse().map((s) => `${sev(s)} ${report.bySeverity[s]}`).join(' &nbsp; ')}</p></section>
<h2>Timeline</h2>
<section>${timelineSvg(report)}
<p class="legend">${SEVERITIES.map((s) => `<span>${sev(s)}</span>`).join('')}</p></section>
<h2>Would revoke</h2>
<section>${revocations}</section>
<h2>Top principals and signals</h2>
<section>${counts(report.byPrincipal, 'principals', 'principal')}</section>
<section>${counts(report.bySignal, 'signals', 'signal')}</section>
<section>${counts(report.byEnvironment, 'environments', 'environment')}</section>
<h2>What a suppression would silence</h2>
<section>${suppressions}</section>
<h2>Findings (${report.findings.length})</h2>
<section><table id="findings"><thead><tr><th>#</th><th>time</th><th>severity</th><th>environment</th><th>call</th><th>principal</th><th>reasons</th><th>response</th></tr></thead>
<tbody>${rows}</tbody></table></section>
</body></html>
`;
}
