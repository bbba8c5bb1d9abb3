/**
 * `blastwall replay [--config FILE] [--format text|json] FILE...`
 *
 * Contract (other tools depend on it):
 *   --format json: one JSON object per line on stdout, a `finding` per finding and a
 *   final `summary`; rejected input as `FILE:LINE: reason` on stderr.
 *   Exit 0 = all read, 3 = some input rejected (the rest was processed), 2 = usage error.
 */
import { parseArgs } from 'node:util';
import type { Finding } from '../../functions/core/finding.ts';
import { renderPageText } from '../../functions/core/paging/render-text.ts';
import { describeApiCall } from '../../functions/core/response/plan.ts';
import { loadConfig } from './load-config.ts';
import { createProgress } from './progress.ts';
import { checkReadable } from './read-input.ts';
import { replayFiles, type ReplayedFinding, type ReplaySummary } from './replay-engine.ts';
import { UsageError, type Io } from './io.ts';

export const EXIT = { ok: 0, usage: 2, rejected: 3 } as const;

export const REPLAY_USAGE = `usage: blastwall replay [--config FILE] [--format text|json] FILE...

Runs recorded CloudTrail (S3 log files .json/.json.gz, JSON arrays, JSON lines,
EventBridge events) through Blastwall's detection on an embedded state store and
reports what it found and what it would revoke and page. Nothing is revoked.

  --config FILE    blastwall.config.json (default: ./blastwall.config.json if present,
                   else the built-in example with accounts 111111111111 (development),
                   222222222222 (staging), 333333333333 (production))
  --format text    a readable timeline with each page as on-call would read it (default)
  --format json    JSON lines: a "finding" object per finding, then a "summary"

Exit status: 0 all records read; 3 some records rejected (listed on stderr as
FILE:LINE: reason, the rest processed); 2 usage error.`;

export async function replayCommand(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${REPLAY_USAGE}`);
  }
  if (parsed.values.help) {
    io.stdout(`${REPLAY_USAGE}\n`);
    return EXIT.ok;
  }
  const format = parsed.values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be "text" or "json", not "${format}"`);
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError(`no input files\n\n${REPLAY_USAGE}`);

  const { config, source } = await loadConfig(parsed.values.config, io.cwd);
  for (const file of files) await checkReadable(file);
  if (format === 'text') io.stderr(`config: ${source}\n`);

  const summary = await replayFiles(files, config, {
    onRejected: (file, line, reason) => io.stderr(`${file}:${line}: ${reason}\n`),
    onFinding: (result) => io.stdout(format === 'json' ? `${JSON.stringify(findingLine(result))}\n` : findingText(result)),
    progress: format === 'text' ? createProgress(io.stderrStream) : undefined,
  });
  io.stdout(format === 'json' ? `${JSON.stringify(summaryLine(summary))}\n` : summaryText(summary));
  return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
}

/** The JSON-lines contract for a finding. Names are fixed: other tools read them. */
export function findingLine({ finding, eventIndex }: ReplayedFinding) {
  return {
    type: 'finding',
    id: finding.id,
    eventId: finding.eventId,
    eventIndex,
    time: finding.time,
    eventName: finding.eventName,
    account: finding.account,
    environment: finding.environment,
    severity: finding.severity,
    credential: {
      type: finding.credential.type,
      accessKeyId: finding.credential.accessKeyId ?? null,
      arn: finding.credential.arn ?? null,
    },
    reasons: finding.reasons.map((r) => ({ signal: r.signal, text: r.text })),
    // What Blastwall would do: every entry is `planned` in a replay.
    response: finding.response
      .filter((a) => a.status === 'planned')
      .map((a) => ({
        action: a.action,
        target: a.target,
        mode: a.mode,
        status: a.status,
        ...(a.apiCall ? { call: describeApiCall(a) } : {}),
        ...(a.detail ? { detail: a.detail } : {}),
      })),
    // What it deliberately would not do, and why (protected principal, page-only, below the revoke threshold …).
    skipped: finding.response
      .filter((a) => a.status !== 'planned')
      .map((a) => ({ action: a.action, target: a.target, mode: a.mode, reason: a.detail ?? a.code ?? 'skipped' })),
  };
}

export function summaryLine(summary: ReplaySummary) {
  return {
    type: 'summary',
    events: summary.events,
    rejected: summary.rejected,
    findings: summary.findings,
    revocations: summary.revocations,
    suppressed: summary.suppressed.length,
    suppressedEvents: summary.suppressed,
    expiredSuppressions: summary.expiredSuppressions,
  };
}

function findingText({ finding, eventIndex }: ReplayedFinding): string {
  const rule = '─'.repeat(78);
  return `${rule}\n#${eventIndex} ${finding.time}  ${finding.severity.toUpperCase()}  ${finding.eventName}  ${finding.account} (${finding.environment})\n${rule}\n${renderPageText(finding)}\n\n`;
}

function summaryText(summary: ReplaySummary): string {
  const bySeverity = summary.findings === 1 ? 'finding' : 'findings';
  let text = `${summary.events} events read, ${summary.rejected} rejected, ${summary.duplicates} duplicate deliveries ignored; ${summary.findings} ${bySeverity}, ${summary.revocations} revocations planned.\n`;
  if (summary.suppressed.length) {
    const bySuppression = new Map<number, { reason: string; count: number }>();
    for (const s of summary.suppressed) bySuppression.set(s.suppression, { reason: s.reason, count: (bySuppression.get(s.suppression)?.count ?? 0) + 1 });
    text += `${summary.suppressed.length} suppressed (no finding, by detection.suppressions):\n`;
    for (const [index, { reason, count }] of bySuppression) text += `  suppressions[${index}]: ${count} event${count === 1 ? '' : 's'} — ${reason}\n`;
  }
  for (const e of summary.expiredSuppressions) text += `suppressions[${e.index}] expired on ${e.expires} and no longer applies — ${e.reason}\n`;
  return text;
}

export type { Finding };
