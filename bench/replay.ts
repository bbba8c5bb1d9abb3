/**
 * `blastwall replay` end to end: a large generated CloudTrail S3 log file
 * (`{"Records":[…]}`, gzip) through the real CLI in a child process, exactly as a
 * user runs it (`node bin/blastwall.mjs replay --format json --config FILE FILE`),
 * parse and gunzip included. Throughput = records / wall time of the child.
 *
 * Peak RSS: the child is started with `--import bench/rss-probe.mjs`, which writes
 * `process.resourceUsage().maxRSS` to a file when the process exits (no reliance on
 * /usr/bin/time).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchConfig, generate, type GeneratedStats } from './generate.ts';
import { ROOT, WORK } from './bundles.ts';

export interface ReplayResult {
  replayEventsPerSec: number;
  peakRssMb: number;
  replayRecords: number;
  replayFileBytes: number;
  replayWallMs: number;
  replayExitCode: number | null;
  replayFindings: number;
  replaySummary: unknown;
  generated: GeneratedStats;
}

export async function measureReplay(opts: { events: number; seed?: number }): Promise<ReplayResult> {
  const { records, stats } = generate({ events: opts.events, seed: opts.seed ?? 11 });
  const file = join(WORK, `replay-${opts.events}.json.gz`);
  const gz = gzipSync(Buffer.from(JSON.stringify({ Records: records })));
  writeFileSync(file, gz);
  const configFile = join(WORK, 'bench.config.json');
  writeFileSync(configFile, JSON.stringify(benchConfig(), null, 2));
  const rssFile = join(WORK, 'replay-rss.json');
  rmSync(rssFile, { force: true });

  const args = ['--import', join(ROOT, 'bench', 'rss-probe.mjs'), join(ROOT, 'bin', 'blastwall.mjs'), 'replay', '--format', 'json', '--config', configFile, file];
  const t0 = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, BLASTWALL_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0 && code !== 3) throw new Error(`replay exited ${code}: ${stderr.slice(0, 2000)}`);
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as { type?: string; events?: number; findings?: number };
  if (summary.type !== 'summary') throw new Error(`replay did not end with a summary line: ${lines[lines.length - 1]?.slice(0, 200)}`);
  if (summary.events !== records.length) throw new Error(`replay read ${summary.events} of ${records.length} records: ${stderr.slice(0, 1000)}`);
  if (!existsSync(rssFile)) throw new Error('the replay child did not report its peak RSS');
  const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number };
  return {
    replayEventsPerSec: records.length / (wallMs / 1000),
    peakRssMb: maxRssKb / 1024,
    replayRecords: records.length,
    replayFileBytes: gz.length,
    replayWallMs: wallMs,
    replayExitCode: code,
    replayFindings: summary.findings ?? 0,
    replaySummary: summary,
    generated: stats,
  };
}
