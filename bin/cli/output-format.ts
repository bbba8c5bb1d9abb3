/**
 * The output formats `replay` and `backtest` share. One switch, one case per
 * format: a new format (say `asff`) is a new entry in FORMATS and one case in
 * {@link createOutput}.
 *
 * The json format is the contract other tools read (findingLine / summaryLine in
 * replay-command.ts): names are fixed.
 */
import { createWriteStream } from 'node:fs';
import { UsageError, type Io } from './io.ts';
import type { ReplayedFinding, ReplaySummary } from './replay-engine.ts';
// The contract's shapes stay where they always were (other tools and branches edit them there).
import { findingLine, findingText, summaryLine, summaryText } from './replay-command.ts';
import { breakdownText, createReportCollector } from './report.ts';
import { renderHtmlReport, type HtmlReportMeta } from './report-html.ts';

export const FORMATS = ['text', 'json', 'html'] as const;
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

export function createOutput(format: OutputFormat, sink: Sink, meta: Omit<HtmlReportMeta, 'generatedAt'>): FindingsOutput {
  switch (format) {
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
          sink.write(summaryText(summary) + breakdownText(collector.result()));
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
