/**
 * The output formats `replay` and `backtest` share. One switch, one case per
 * format: a new format (say `asff`) is a new entry in FORMATS and one case in
 * {@link createOutput}.
 *
 * The json format is the contract other tools read (see replay-command.ts): names
 * are fixed.
 */
import { createWriteStream } from 'node:fs';
import { renderPageText } from '../../functions/core/paging/render-text.ts';
import { describeApiCall } from '../../functions/core/response/plan.ts';
import { UsageError, type Io } from './io.ts';
import type { ReplayedFinding, ReplaySummary } from './replay-engine.ts';
import { createReportCollector, summaryText } from './report.ts';
import { renderHtmlReport, type HtmlReportMeta } from './report-html.ts';
import { createExporter } from './export-formats.ts';
import type { BlastwallConfig } from '../../functions/core/config.ts';

export const FORMATS = ['text', 'json', 'html', 'asff', 'ocsf'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export function parseFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${FORMATS.map((f) => `"${f}"`).join(', ').replace(/, ([^,]*)$/, ' or $1')}, not "${format}"`);
  return format as OutputFormat;
}

/** Where the output goes: stdout, or `--out FILE`. */
export interface Sink {
  write(text: string): void;
  close(): Promise<void>;
}

export function createSink(io: Io, out: string | undefined): Sink {
  if (out === undefined) return { write: (text) => io.stdout(text), close: async () => {} };
  const stream = createWriteStream(out);
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  return {
    write: (text) => void stream.write(text),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(new UsageError(`--out ${out}: ${failure.message}`));
        stream.end(() => (failure ? reject(new UsageError(`--out ${out}: ${failure.message}`)) : resolve()));
      }),
  };
}

export interface FindingsOutput {
  finding(result: ReplayedFinding): void;
  end(summary: ReplaySummary): Promise<void>;
}

export interface OutputOptions {
  /** For asff: the account and region findings are imported into (deployment.centralAccount/centralRegion). */
  config?: BlastwallConfig;
  /** Where the summary goes when the output itself is a file another tool reads (asff, ocsf): stderr. */
  notice?: (text: string) => void;
}

export function createOutput(format: OutputFormat, sink: Sink, meta: Omit<HtmlReportMeta, 'generatedAt'>, options: OutputOptions = {}): FindingsOutput {
  switch (format) {
    case 'asff':
    case 'ocsf': {
      // One finding in, one exported finding out; the output carries only the findings, the summary goes to `notice`.
      if (format === 'asff' && !options.config) throw new Error('the asff format needs the config (import account and region)');
      const exporter = createExporter(format, options.config!);
      const collector = createReportCollector({ keepFindings: false });
      sink.write(exporter.start());
      return {
        finding: (result) => {
          collector.add(result);
          sink.write(exporter.finding(result.finding));
        },
        end: async (summary) => {
          sink.write(exporter.end());
          options.notice?.(summaryText(summary, collector.result()));
          await sink.close();
        },
      };
    }
    case 'json':
      return {
        finding: (result) => sink.write(`${JSON.stringify(findingLine(result))}\n`),
        end: async (summary) => {
          sink.write(`${JSON.stringify(summaryLine(summary))}\n`);
          await sink.close();
        },
      };
    case 'text': {
      // The timeline as it happens, the summary at the end (counts only: findings are not kept).
      const collector = createReportCollector({ keepFindings: false });
      return {
        finding: (result) => {
          collector.add(result);
          sink.write(findingText(result));
        },
        end: async (summary) => {
          sink.write(summaryText(summary, collector.result()));
          await sink.close();
        },
      };
    }
    case 'html': {
      const collector = createReportCollector();
      return {
        finding: (result) => collector.add(result),
        end: async (summary) => {
          sink.write(renderHtmlReport(summary, collector.result(), { ...meta, generatedAt: new Date() }));
          await sink.close();
        },
      };
    }
  }
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

export function findingText({ finding, eventIndex }: ReplayedFinding): string {
  const rule = '─'.repeat(78);
  return `${rule}\n#${eventIndex} ${finding.time}  ${finding.severity.toUpperCase()}  ${finding.eventName}  ${finding.account} (${finding.environment})\n${rule}\n${renderPageText(finding)}\n\n`;
}
