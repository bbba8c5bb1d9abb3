/**
 * `blastwall replay` end to end, through the real CLI in a child process exactly as
 * a user runs it (`node bin/blastwall.mjs replay --format json --config FILE PATH`),
 * gunzip and parse included. Throughput = records / wall time of the child.
 *
 * Headline: a directory of many small CloudTrail log files, as `aws s3 sync` copies a
 * trail's bucket (`AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz`, a few
 * hundred records and a few hundred KB of JSON each, as CloudTrail writes them every
 * five minutes per account and region). Beside it, the same records as one big file.
 *
 * Yardstick, in the same run: a fresh `node` that gunzips, `JSON.parse`s and walks the
 * same files (bench/read-yardstick.mjs), alternated with the replay (read, replay,
 * read, replay …, at least 5 pairs on the many files); replayToReadRatio is the
 * median of the pairs' replay÷read throughput ratios, with min and max. And
 * `gzip -dc | jq -c '.Records[]'` over the big file where `jq` is installed.
 *
 * Peak RSS: the child is started with `--import bench/rss-probe.mjs`, which writes
 * `process.resourceUsage().maxRSS` (of the whole process, its reading threads included)
 * to a file when the process exits. Memory against input size, two ways:
 *   - 60 files of 5,000 events against the first 6 of them (peakRssMbManyFiles,
 *     peakRssGrowthForTenTimesInput): the 6 files cover the first 7 of 72 hours, so
 *     the detection state (hourly role sessions, lineage kept 3 days) grows with the span too;
 *   - the fair test of "bounded by the state" (peakRssGrowthForTenTimesDensity): one
 *     organisation (same seed: the same 100 users, 20 roles and 200 machines, small
 *     enough that a tenth of the density already uses nearly every hourly role session)
 *     over the same 72 hours, 30,000 events against 300,000 — ten times the density, not
 *     the span. The distinct credentials and machines each input uses are in
 *     `details.replay.memory` (1,383 against 1,540 credentials).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchConfig, generate, type GeneratedStats } from './generate.ts';
import { ROOT, WORK } from './bundles.ts';
import { ratioStats, type RatioStats } from './core.ts';

export interface ReplayRun {
  records: number;
  files: number;
  bytesGz: number;
  bytesJson: number;
  wallMs: number;
  eventsPerSec: number;
  peakRssMb: number;
  findings: number;
}

export interface ReplayResult {
  /** Headline: many small files (median of the pairs). */
  replayEventsPerSec: number;
  replayEventsPerSecSingleFile: number;
  /** gunzip + JSON.parse + walk of the same many files in a fresh node (median of the pairs). */
  readEventsPerSec: number;
  replayToReadRatio: number;
  replayToReadRatioStats: RatioStats;
  jqEventsPerSec: number | null;
  jqNote: string;
  peakRssMb: number;
  peakRssMbSingleFile: number;
  /** 60 files of 5,000 events; beside it the same for 6 files (full runs only). */
  peakRssMbManyFiles: number | null;
  peakRssMbTenthFiles: number | null;
  peakRssGrowthForTenTimesInput: number | null;
  /** One organisation over the same 72 hours: 30,000 events (6 files) against 300,000 (60 files). */
  peakRssMbDensityBase: number | null;
  peakRssMbDensityTenTimes: number | null;
  peakRssGrowthForTenTimesDensity: number | null;
  memory: MemoryRun[] | null;
  manyFiles: ReplayRun[];
  singleFile: ReplayRun;
  /** The many files read by the main thread alone and with worker threads, alternated (2 pairs). */
  readerAB: { thread: ReplayRun[]; worker: ReplayRun[] };
  cli: string;
  generated: GeneratedStats;
}

export interface MemoryRun {
  input: string;
  events: number;
  files: number;
  spanHours: number;
  credentials: number;
  actors: number;
  retainEvents: number | 'default';
  peakRssMb: number;
}

interface Written {
  dir: string;
  files: string[];
  records: number;
  bytesGz: number;
  bytesJson: number;
}

/** Splits records into CloudTrail-style log files: by account, then in time order, `perFile` records each. */
function writeLogTree(name: string, records: Record<string, unknown>[], perFile: number): Written {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  const byAccount = new Map<string, Record<string, unknown>[]>();
  for (const r of records) {
    const account = String(r.recipientAccountId ?? '000000000000');
    const list = byAccount.get(account) ?? [];
    list.push(r);
    byAccount.set(account, list);
  }
  const files: string[] = [];
  let bytesGz = 0;
  let bytesJson = 0;
  for (const [account, list] of byAccount) {
    for (let i = 0; i < list.length; i += perFile) {
      const chunk = list.slice(i, i + perFile);
      const t = String(chunk[0]!.eventTime);
      const [y, m, d] = t.slice(0, 10).split('-');
      const stamp = t.replace(/[-:]/g, '').slice(0, 13) + 'Z';
      const folder = join(dir, 'AWSLogs', account, 'CloudTrail', 'us-east-1', y!, m!, d!);
      mkdirSync(folder, { recursive: true });
      const file = join(folder, `${account}_CloudTrail_us-east-1_${stamp}_${String(i / perFile).padStart(5, '0')}.json.gz`);
      const json = Buffer.from(JSON.stringify({ Records: chunk }));
      const gz = gzipSync(json);
      writeFileSync(file, gz);
      files.push(file);
      bytesGz += gz.length;
      bytesJson += json.length;
    }
  }
  return { dir, files, records: records.length, bytesGz, bytesJson };
}

function writeOne(name: string, records: Record<string, unknown>[]): Written {
  const file = join(WORK, `${name}.json.gz`);
  const json = Buffer.from(JSON.stringify({ Records: records }));
  const gz = gzipSync(json);
  writeFileSync(file, gz);
  return { dir: file, files: [file], records: records.length, bytesGz: gz.length, bytesJson: json.length };
}

async function runChild(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  const t0 = process.hrtime.bigint();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Keep only the tail of stdout (the summary line) and a bounded stderr: the bench's own memory must not depend on the output.
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-64 * 1024);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 16 * 1024) err += d;
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  return { ...result, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function replay(input: Written, configFile: string, extra: string[] = [], env: Record<string, string> = {}): Promise<ReplayRun> {
  const rssFile = join(WORK, 'replay-rss.json');
  rmSync(rssFile, { force: true });
  const args = ['--import', join(ROOT, 'bench', 'rss-probe.mjs'), join(ROOT, 'bin', 'blastwall.mjs'), 'replay', '--format', 'json', '--config', configFile, ...extra, input.dir];
  const { code, stdout, stderr, wallMs } = await runChild(args, { BLASTWALL_RSS_FILE: rssFile, ...env });
  if (code !== 0 && code !== 3) throw new Error(`replay exited ${code}: ${stderr.slice(0, 2000)}`);
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as { type?: string; events?: number; findings?: number };
  if (summary.type !== 'summary') throw new Error(`replay did not end with a summary line: ${lines[lines.length - 1]?.slice(0, 200)}`);
  if (summary.events !== input.records) throw new Error(`replay read ${summary.events} of ${input.records} records: ${stderr.slice(0, 1000)}`);
  if (!existsSync(rssFile)) throw new Error('the replay child did not report its peak RSS');
  const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number };
  return {
    records: input.records,
    files: input.files.length,
    bytesGz: input.bytesGz,
    bytesJson: input.bytesJson,
    wallMs,
    eventsPerSec: input.records / (wallMs / 1000),
    peakRssMb: maxRssKb / 1024,
    findings: summary.findings ?? 0,
  };
}

async function read(input: Written): Promise<number> {
  const { code, stdout, stderr, wallMs } = await runChild([join(ROOT, 'bench', 'read-yardstick.mjs'), ...input.files]);
  if (code !== 0) throw new Error(`read yardstick failed: ${stderr.slice(0, 1000)}`);
  if (Number(stdout) !== input.records) throw new Error(`read yardstick counted ${stdout} of ${input.records}`);
  return input.records / (wallMs / 1000);
}

function jq(input: Written): { eventsPerSec: number | null; note: string } {
  const which = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' });
  if (which.status !== 0) return { eventsPerSec: null, note: 'jq is not installed: yardstick skipped' };
  const t0 = process.hrtime.bigint();
  const out = spawnSync('sh', ['-c', `gzip -dc '${input.files[0]}' | jq -c '.Records[]' | wc -l`], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out.status !== 0 || Number(out.stdout.trim()) !== input.records) return { eventsPerSec: null, note: `jq failed: ${out.stderr.slice(0, 200)}` };
  return { eventsPerSec: input.records / (wallMs / 1000), note: `gzip -dc | jq -c '.Records[]' | wc -l over the single file (${input.records} records)` };
}

export async function measureReplay(opts: { events: number; perFile?: number; pairs?: number; memory?: boolean; seed?: number }): Promise<ReplayResult> {
  const { records, stats } = generate({ events: opts.events, seed: opts.seed ?? 11 });
  const configFile = join(WORK, 'bench.config.json');
  writeFileSync(configFile, JSON.stringify(benchConfig(), null, 2));
  const many = writeLogTree(`replay-tree-${opts.events}`, records, opts.perFile ?? 500);
  const single = writeOne(`replay-${opts.events}`, records);

  // Warm the file cache (and the CLI's own start) once on both sides.
  await read(many);
  const pairs = Math.max(5, opts.pairs ?? 5);
  const manyRuns: ReplayRun[] = [];
  const reads: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const readEps = await read(many);
    const run = await replay(many, configFile);
    reads.push(readEps);
    manyRuns.push(run);
    ratios.push(run.eventsPerSec / readEps);
  }
  const singleRun = await replay(single, configFile);
  // The same tree read by the main thread alone (BLASTWALL_REPLAY_READER=thread), alternated with the default, for the A/B of the reading threads.
  const threadOnly: ReplayRun[] = [];
  const withWorkers: ReplayRun[] = [];
  for (let i = 0; i < 2; i++) {
    threadOnly.push(await replay(many, configFile, [], { BLASTWALL_REPLAY_READER: 'thread' }));
    withWorkers.push(await replay(many, configFile, [], { BLASTWALL_REPLAY_READER: 'worker' }));
  }
  const j = jq(single);
  const ratio = ratioStats(ratios);
  const replayEps = ratioStats(manyRuns.map((r) => r.eventsPerSec)).median;

  let peakRssMbManyFiles: number | null = null;
  let peakRssMbTenthFiles: number | null = null;
  let peakRssMbDensityBase: number | null = null;
  let peakRssMbDensityTenTimes: number | null = null;
  let memory: MemoryRun[] | null = null;
  if (opts.memory) {
    memory = [];
    const big = generate({ events: 300_000, seed: 31 });
    // One organisation, the same seed and 72 hours, at two densities.
    const org = { seed: 31, users: 100, roles: 20, actors: 200 };
    const sparse = generate({ events: 30_000, ...org });
    const dense = generate({ events: 300_000, ...org });
    const sixty = writeLogTree('replay-rss-60', big.records, 5_000);
    const six = writeLogTree('replay-rss-6', big.records.slice(0, 30_000), 5_000);
    const sixSparse = writeLogTree('replay-rss-6-sparse', sparse.records, 5_000);
    const sixtyDense = writeLogTree('replay-rss-60-dense', dense.records, 5_000);
    // What the state grows with: the distinct credentials (access keys, role sessions) and machines (address + agent) an input uses.
    const distinct = (records: Record<string, unknown>[]) => {
      const credentials = new Set<unknown>();
      const actors = new Set<string>();
      for (const r of records) {
        credentials.add((r.userIdentity as { accessKeyId?: string } | undefined)?.accessKeyId);
        actors.add(`${String(r.sourceIPAddress)}|${String(r.userAgent)}`);
      }
      return { credentials: credentials.size, actors: actors.size };
    };
    const hours = (records: Record<string, unknown>[]) => (Date.parse(String(records.at(-1)!.eventTime)) - Date.parse(String(records[0]!.eventTime))) / 3600_000;
    const measure = async (input: string, w: Written, records: Record<string, unknown>[], retainEvents: number | 'default') => {
      const run = await replay(w, configFile, retainEvents === 'default' ? [] : ['--retain-events', String(retainEvents)]);
      memory!.push({ input, events: w.records, files: w.files.length, spanHours: Math.round(hours(records) * 10) / 10, ...distinct(records), retainEvents, peakRssMb: run.peakRssMb });
      return run.peakRssMb;
    };
    peakRssMbTenthFiles = await measure('the first 6 of the 60 files', six, big.records.slice(0, 30_000), 'default');
    peakRssMbManyFiles = await measure('60 files', sixty, big.records, 'default');
    const base = '6 files, one small organisation, 72 h';
    const tenTimes = '60 files, the same organisation and 72 h, ten times the density';
    peakRssMbDensityBase = await measure(base, sixSparse, sparse.records, 'default');
    peakRssMbDensityTenTimes = await measure(tenTimes, sixtyDense, dense.records, 'default');
    // Beside them, nothing kept in memory between reading and replaying (--retain-events 0): what is left is the state.
    await measure(base, sixSparse, sparse.records, 0);
    await measure(tenTimes, sixtyDense, dense.records, 0);
    await measure('60 files', sixty, big.records, 0);
    for (const w of [sixty, six, sixSparse, sixtyDense]) rmSync(w.dir, { recursive: true, force: true });
  }
  const cli = existsSync(join(ROOT, 'dist', 'cli', 'blastwall.mjs')) ? 'dist/cli/blastwall.mjs (prebuilt bundle)' : 'bin/cli.ts through tsx';
  return {
    replayEventsPerSec: replayEps,
    replayEventsPerSecSingleFile: singleRun.eventsPerSec,
    readEventsPerSec: ratioStats(reads).median,
    replayToReadRatio: ratio.median,
    replayToReadRatioStats: ratio,
    jqEventsPerSec: j.eventsPerSec,
    jqNote: j.note,
    peakRssMb: Math.max(...manyRuns.map((r) => r.peakRssMb)),
    peakRssMbSingleFile: singleRun.peakRssMb,
    peakRssMbManyFiles,
    peakRssMbTenthFiles,
    peakRssGrowthForTenTimesInput: peakRssMbManyFiles !== null && peakRssMbTenthFiles ? peakRssMbManyFiles / peakRssMbTenthFiles : null,
    peakRssMbDensityBase,
    peakRssMbDensityTenTimes,
    peakRssGrowthForTenTimesDensity: peakRssMbDensityTenTimes !== null && peakRssMbDensityBase ? peakRssMbDensityTenTimes / peakRssMbDensityBase : null,
    memory,
    manyFiles: manyRuns,
    singleFile: singleRun,
    readerAB: { thread: threadOnly, worker: withWorkers },
    cli,
    generated: stats,
  };
}
