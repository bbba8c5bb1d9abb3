/**
 * `blastwall backtest [--config FILE] --since TIME [--until TIME] [--regions R1,R2]
 *   [--role-name NAME] [--event-data-store ARN] [--format text|json|html] [--out FILE]
 *   [--checkpoint FILE]`
 *
 * What would Blastwall have done to the last weeks of this organisation? Pulls the
 * management events from CloudTrail itself (LookupEvents per account and region, or
 * one CloudTrail Lake query) and runs them through the very replay `blastwall replay`
 * runs: same pipeline, same dry-run, same output formats (`--format json` is the replay
 * contract). Credentials, region and endpoints come from the AWS SDK's standard
 * configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDTRAIL …).
 *
 * Exit status: 0 done; 3 some records rejected; 2 usage error; 1 CloudTrail failed
 * (with --checkpoint, a rerun continues where it stopped).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cloudTrailClient } from '../../functions/adapters/cloudtrail-history.ts';
import { fetchHistory, readCheckpoint, removeSpool, resolveAccounts, spoolDirOf, type Checkpoint, type HistorySource } from './history-fetch.ts';
import { UsageError, type Io } from './io.ts';
import { loadConfig } from './load-config.ts';
import { createOutput, createSink, parseFormat } from './output-format.ts';
import { createProgress } from './progress.ts';
import { EXIT } from './replay-command.ts';
import { replayFiles } from './replay-engine.ts';
import { parseTimeArg } from './time-arg.ts';

export const BACKTEST_USAGE = `usage: blastwall backtest [--config FILE] --since TIME [--until TIME] [--regions R1,R2]
         [--role-name NAME] [--event-data-store ARN] [--format text|json|html] [--out FILE]
         [--checkpoint FILE]

Pulls your management events from CloudTrail and runs them through Blastwall's
detection exactly as "blastwall replay" does (dry-run: nothing is revoked or paged).

  --since TIME              ISO 8601 (2026-11-01T00:00:00Z) or back from now (14d, 36h)
  --until TIME              end of the window (default: now)
  --regions R1,R2           default: the config's deployment.regions plus us-east-1
                            (IAM and STS events are recorded there)
  --role-name NAME          assume arn:aws:iam::ACCOUNT:role/NAME in every configured
                            account; without it, the account of your credentials
  --event-data-store ARN    one CloudTrail Lake query for the whole organisation instead
                            of LookupEvents (about 2 requests/s per account and region)
  --format text|json|html   as in replay (json is the replay contract)
  --out FILE                write the report to FILE (html wants one)
  --checkpoint FILE         record what was fetched; a rerun with it continues

Credentials, region and endpoints come from the AWS SDK's standard configuration
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDTRAIL ...).

Exit status: 0 done; 3 some records rejected; 2 usage error; 1 CloudTrail failed
(with --checkpoint, run the same command again to continue).`;

export const BACKTEST_FAILED = 1;

export async function backtestCommand(args: string[], io: Io, now = new Date()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        regions: { type: 'string' },
        'role-name': { type: 'string' },
        'event-data-store': { type: 'string' },
        format: { type: 'string', default: 'text' },
        out: { type: 'string' },
        checkpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${BACKTEST_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${BACKTEST_USAGE}\n`);
    return EXIT.ok;
  }
  const format = parseFormat(v.format);
  if (v.since === undefined) throw new UsageError(`--since is required\n\n${BACKTEST_USAGE}`);
  let since = parseTimeArg('--since', v.since, now);
  let until = v.until === undefined ? now : parseTimeArg('--until', v.until, now);
  if (since >= until) throw new UsageError(`--since ${since.toISOString()} is not before --until ${until.toISOString()}`);
  const { config, source: configSource } = await loadConfig(v.config, io.cwd);
  const regions = v.regions
    ? v.regions.split(',').map((r) => r.trim()).filter(Boolean)
    : [...new Set([...(config.deployment?.regions ?? []), 'us-east-1'])];
  for (const region of regions) if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--regions: "${region}" is not an AWS region`);

  // The checkpoint's window wins over relative times on a rerun: "14d" a day later is another window.
  const checkpointFile = v.checkpoint === undefined ? undefined : v.checkpoint.startsWith('/') ? v.checkpoint : join(io.cwd, v.checkpoint);
  const kind = v['event-data-store'] ? 'lake' : 'lookup-events';
  let checkpoint: Checkpoint | undefined = checkpointFile ? await readCheckpoint(checkpointFile) : undefined;
  if (checkpoint) {
    if (checkpoint.source !== kind) throw new UsageError(`--checkpoint ${v.checkpoint}: records a ${checkpoint.source} backtest, not ${kind}; remove it to start over`);
    since = new Date(checkpoint.since);
    until = new Date(checkpoint.until);
    const left = Object.values(checkpoint.units).filter((u) => !u.done).length;
    io.stderr(`resuming the backtest of ${checkpoint.since} → ${checkpoint.until} from ${v.checkpoint} (${Object.keys(checkpoint.units).length - left} units done)\n`);
  }
  checkpoint ??= { version: 1, source: kind, since: since.toISOString(), until: until.toISOString(), units: {} };
  const spoolDir = checkpointFile ? spoolDirOf(checkpointFile) : await mkdtemp(join(tmpdir(), 'blastwall-backtest-'));

  const accounts = [...new Set(config.environments.flatMap((e) => e.accounts))];
  const progress = createProgress(io.stderrStream, 0);
  try {
    const history: HistorySource =
      kind === 'lake'
        ? { kind, window: { since, until }, accounts: [], regions: [], lake: { eventDataStore: v['event-data-store']!, client: cloudTrailClient(regionOfArn(v['event-data-store']!) ?? regions[0]!) } }
        : { kind, window: { since, until }, accounts: await resolveAccounts(accounts, v['role-name'], regions[0]!), regions };
    const files = await fetchHistory(history, spoolDir, checkpointFile ?? join(spoolDir, 'checkpoint.json'), checkpoint, {
      onProgress: (fraction) => progress.update(Math.round(fraction * 1000), 1000, kind === 'lake' ? 'querying CloudTrail Lake' : 'fetching LookupEvents', 'permille'),
      onNote: (text) => (io.stderrStream?.isTTY ? undefined : io.stderr(`${text}\n`)),
      requestsPerSecond: requestRate(io.env),
    });
    progress.done();
    if (format === 'text') io.stderr(`config: ${configSource}\n`);
    const scope =
      kind === 'lake'
        ? `backtest of CloudTrail Lake ${v['event-data-store']}, ${since.toISOString()} → ${until.toISOString()}`
        : `backtest of ${history.accounts.length} account${history.accounts.length === 1 ? '' : 's'} × ${regions.join(', ')}, ${since.toISOString()} → ${until.toISOString()}`;
    const output = createOutput(format, createSink(io, v.out), { title: 'Blastwall backtest', scope, configSource }, { config, notice: (text) => io.stderr(text) });
    const summary = await replayFiles(files, config, {
      onRejected: (file, line, reason) => io.stderr(`${file.slice(spoolDir.length + 1)}:${line}: ${reason}\n`),
      onFinding: (result) => output.finding(result),
      progress,
    });
    await output.end(summary);
    if (!checkpointFile) await removeSpool(spoolDir);
    return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) throw error;
    io.stderr(`blastwall: backtest: ${(error as Error).message}\n`);
    if (checkpointFile) io.stderr(`what was fetched is recorded in ${v.checkpoint}: run the same command again to continue.\n`);
    else await removeSpool(spoolDir);
    return BACKTEST_FAILED;
  }
}

/** Region of an ARN (`arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID`). */
function regionOfArn(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : undefined;
}

/**
 * LookupEvents requests per second per account and region: CloudTrail's quota (2) unless
 * BLASTWALL_LOOKUP_RATE says otherwise (a raised quota, or a stand-in in tests).
 */
export function requestRate(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env.BLASTWALL_LOOKUP_RATE);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
