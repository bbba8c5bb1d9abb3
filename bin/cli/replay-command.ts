/**
 * `blastwall replay [--config FILE] [--format text|json|html] [--out FILE] FILE|DIR...`
 *
 * Contract (other tools depend on it):
 *   --format json: one JSON object per line on stdout, a `finding` per finding and a
 *   final `summary`; rejected input as `FILE:LINE: reason` on stderr.
 *   Exit 0 = all read, 3 = some input rejected (the rest was processed), 2 = usage error.
 */
import { parseArgs } from 'node:util';
import type { Finding } from '../../functions/core/finding.ts';
import { expandInputs } from './input-tree.ts';
import { loadConfig } from './load-config.ts';
import { createOutput, createSink, parseFormat } from './output-format.ts';
import { createProgress } from './progress.ts';
import { replayFiles } from './replay-engine.ts';
import { UsageError, type Io } from './io.ts';

export { findingLine, summaryLine } from './output-format.ts';

export const EXIT = { ok: 0, usage: 2, rejected: 3 } as const;

export const REPLAY_USAGE = `usage: blastwall replay [--config FILE] [--format text|json|html|asff|ocsf] [--out FILE] FILE|DIR...

Runs recorded CloudTrail (S3 log files .json/.json.gz, JSON arrays, JSON lines,
EventBridge events) through Blastwall's detection on an embedded state store and
reports what it found and what it would revoke and page. Nothing is revoked.
A directory is read recursively: point it at what \`aws s3 sync\` copied from the
trail's bucket (AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz); the
events of all files are merged in event-time order.

  --config FILE    blastwall.config.json (default: ./blastwall.config.json if present,
                   else the built-in example with accounts 111111111111 (development),
                   222222222222 (staging), 333333333333 (production))
  --format text    a readable timeline with each page as on-call would read it, then a
                   summary by environment, severity, signal and principal (default)
  --format json    JSON lines: a "finding" object per finding, then a "summary"
  --format html    one self-contained page: timeline chart, would-revoke list, top
                   principals and signals, every finding with its reasons
  --format asff    a JSON array of AWS Security Finding Format findings, for
                   aws securityhub batch-import-findings --findings file://FILE
                   (imported into deployment.centralAccount/centralRegion of the config,
                   else each finding's own account and region)
  --format ocsf    JSON lines of OCSF 1.3 Detection Findings (class 2004), for Security Lake
                   and SIEMs; with asff and ocsf the summary goes to stderr
  --out FILE       write the report to FILE instead of stdout
  --retain-events N
                   events kept in memory between reading the files and replaying them
                   in time order (default 50000); beyond, they wait in a temporary
                   file as JSON (no file is read twice). Lower it to bound memory on
                   very large inputs, 0 to keep none

Inputs of 2 MB or more are read (gunzipped, parsed, normalised) by worker threads
and the main thread together; once every file is read, the main thread merges and
detects while the workers hand over the events they kept.
BLASTWALL_REPLAY_READER=thread|worker forces either.

Exit status: 0 all records read; 3 some records rejected (listed on stderr as
FILE:LINE: reason, the rest processed); 2 usage error. An empty file is a warning.`;

export async function replayCommand(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string', default: 'text' },
        out: { type: 'string' },
        'retain-events': { type: 'string' },
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
  const format = parseFormat(parsed.values.format);
  if (parsed.positionals.length === 0) throw new UsageError(`no input files\n\n${REPLAY_USAGE}`);

  const retainEvents = parsed.values['retain-events'] === undefined ? undefined : Number(parsed.values['retain-events']);
  if (retainEvents !== undefined && !(Number.isSafeInteger(retainEvents) && retainEvents >= 0)) {
    throw new UsageError(`--retain-events must be a whole number of events (0 or more), got "${parsed.values['retain-events']}"\n\n${REPLAY_USAGE}`);
  }
  const readerChoice = io.env.BLASTWALL_REPLAY_READER;
  if (readerChoice !== undefined && readerChoice !== 'thread' && readerChoice !== 'worker') {
    throw new UsageError(`BLASTWALL_REPLAY_READER must be "thread" or "worker", got "${readerChoice}"`);
  }
  const { config, source } = await loadConfig(parsed.values.config, io.cwd);
  const files = await expandInputs(parsed.positionals.map((p) => resolveFrom(io.cwd, p)));
  if (format === 'text') io.stderr(`config: ${source}\n`);

  const output = createOutput(
    format,
    createSink(io, parsed.values.out),
    {
      title: 'Blastwall replay',
      scope: `replay of ${files.length} file${files.length === 1 ? '' : 's'} (${parsed.positionals.join(' ')})`,
      configSource: source,
    },
    { config, notice: (text) => io.stderr(text) },
  );
  const summary = await replayFiles(files, config, {
    onRejected: (file, line, reason) => io.stderr(`${file}:${line}: ${reason}\n`),
    onWarning: (file, message) => io.stderr(`${file}: warning: ${message}\n`),
    onFinding: (result) => output.finding(result),
    progress: format === 'text' || parsed.values.out !== undefined ? createProgress(io.stderrStream) : undefined,
    ...(retainEvents !== undefined ? { retainEvents } : {}),
    ...(readerChoice ? { reader: readerChoice } : {}),
  });
  await output.end(summary);
  return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
}

/** Paths as the user typed them, relative to the CLI's working directory (tests run it in-process elsewhere). */
function resolveFrom(cwd: string, path: string): string {
  return path.startsWith('/') ? path : path === '' ? cwd : cwd === process.cwd() ? path : `${cwd}/${path}`;
}

export type { Finding };
