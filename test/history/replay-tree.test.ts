/**
 * `blastwall replay DIR`: the tree `aws s3 sync` writes, read recursively, merged in
 * event-time order by streaming, with memory bounded by the files open at one moment
 * of event time — not by the input.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { replayFiles, type ReplayedFinding } from '../../bin/cli/replay-engine.ts';
import { expandInputs } from '../../bin/cli/input-tree.ts';
import { createProgressBar } from '../../bin/cli/progress.ts';
import { findingLine } from '../../bin/cli/replay-command.ts';
import { runCli } from '../cli/run-cli.ts';
import { benchConfig, recordedHistory, writeBenchConfigFile, writeS3Tree } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'blastwall-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = benchConfig();
const records = recordedHistory(6000, { spanHours: 24 * 6 });
const configFile = writeBenchConfigFile(join(dir, 'config.json'), { protectedPrincipals: config.protectedPrincipals });

// Half the accounts as a plain trail, the other half as an organisation trail; a digest
// folder, a hidden file and an empty log file beside them.
const trail = join(dir, 'trail');
const accounts = [...new Set(records.map((r) => r.recipientAccountId))].sort();
const plain = new Set(accounts.slice(0, accounts.length / 2));
const treeFiles = [
  ...writeS3Tree(trail, records.filter((r) => plain.has(r.recipientAccountId))),
  ...writeS3Tree(trail, records.filter((r) => !plain.has(r.recipientAccountId)), { org: 'o-abc123def4' }),
].sort();
const digest = join(trail, 'AWSLogs', accounts[0]!, 'CloudTrail-Digest', 'us-east-1', '2026', '11', '01');
mkdirSync(digest, { recursive: true });
writeFileSync(join(digest, `${accounts[0]}_CloudTrail-Digest_us-east-1_x.json.gz`), gzipSync(JSON.stringify({ awsAccountId: accounts[0], digestStartTime: '2026-11-01T00:00:00Z' })));
writeFileSync(join(trail, '.DS_Store'), 'not a log');
const emptyFile = join(trail, 'AWSLogs', accounts[0]!, 'CloudTrail', 'us-east-1', '2026', '11', '01', 'empty.json.gz');
writeFileSync(emptyFile, gzipSync(''));

// The same records in one file, in the tree's path order (so eventIndex numbers agree).
async function oneFileInPathOrder(): Promise<string> {
  const { gunzipSync } = await import('node:zlib');
  const { readFileSync } = await import('node:fs');
  const all = treeFiles.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(f)).toString()) as { Records: unknown[] }).Records);
  const file = join(dir, 'all.json');
  writeFileSync(file, JSON.stringify({ Records: all }));
  return file;
}

function largestGroup<T>(items: readonly T[], key: (item: T) => string): number {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return Math.max(...counts.values());
}

describe('replay over a CloudTrail S3 tree', () => {
  it('finds every log file recursively, organisation trails included, and skips digests and hidden files', async () => {
    const files = await expandInputs([trail]);
    expect(files).toEqual([...treeFiles, emptyFile].sort());
    expect(files.some((f) => f.includes('CloudTrail-Digest'))).toBe(false);
    expect(files.some((f) => f.includes('/o-abc123def4/'))).toBe(true);
    expect(treeFiles.length).toBeGreaterThan(100);
  });

  it('the README example: `replay --config FILE ./trail/` gives the same findings as one file holding every record, and warns of the empty file', async () => {
    const tree = await runCli(['replay', '--format', 'json', '--config', configFile, trail]);
    const one = await runCli(['replay', '--format', 'json', '--config', configFile, await oneFileInPathOrder()]);
    expect(tree.code).toBe(0);
    expect(tree.stderr).toBe(`${emptyFile}: warning: empty file: no records\n`);
    const findings = tree.lines.filter((l) => l.type === 'finding');
    expect(findings.length).toBeGreaterThan(5);
    expect(findings).toEqual(one.lines.filter((l) => l.type === 'finding'));
    expect(tree.lines.at(-1)).toEqual(one.lines.at(-1));
    expect(tree.lines.at(-1)).toMatchObject({ type: 'summary', events: records.length, rejected: 0 });
    const times = findings.map((f) => String(f.time));
    expect(times).toEqual([...times].sort());
  });

  it('streams: with nothing kept from reading, at most a few files are open and a few chunks held, whatever the input size', async () => {
    const files = await expandInputs([trail]);
    const kept: ReplayedFinding[] = [];
    const streamed: ReplayedFinding[] = [];
    const whole = await replayFiles(files, config, { onFinding: (f) => kept.push(f) });
    const bounded = await replayFiles(files, config, { retainEvents: 0, onFinding: (f) => streamed.push(f) });
    expect(streamed.map(findingLine)).toEqual(kept.map(findingLine));
    expect(bounded.events).toBe(records.length);
    // Kept from reading: every event is in memory at once.
    expect(whole.memory.peakHeldEvents).toBe(records.length);
    // Streaming: the files of one hour (one per account and region that was active), one chunk each.
    const perHour = largestGroup(treeFiles, (f) => f.split('_').at(-2)!);
    expect(bounded.memory.peakOpenFiles).toBeLessThanOrEqual(perHour + 1);
    const largestFile = largestGroup(records, (r) => `${r.recipientAccountId}${r.awsRegion}${r.eventTime.slice(0, 13)}`);
    expect(bounded.memory.peakHeldEvents).toBeLessThanOrEqual((perHour + 1) * largestFile);
    expect(bounded.memory.peakHeldEvents).toBeLessThan(records.length / 10);
  });

  it('the state follows the organisation, not the findings: a finding\'s processed marker is kept two hours of event time, and a second copy of every file is still a duplicate', async () => {
    const files = await expandInputs([trail]);
    const copy = join(dir, 'trail-copy');
    const copies = [
      ...writeS3Tree(copy, records.filter((r) => plain.has(r.recipientAccountId))),
      ...writeS3Tree(copy, records.filter((r) => !plain.has(r.recipientAccountId)), { org: 'o-abc123def4' }),
    ];
    const once: ReplayedFinding[] = [];
    const twice: ReplayedFinding[] = [];
    const keptAll: ReplayedFinding[] = [];
    const bounded = await replayFiles(files, config, { retainEvents: 0, onFinding: (f) => once.push(f) });
    const doubled = await replayFiles([...files, ...copies].sort(), config, { retainEvents: 0, onFinding: (f) => twice.push(f) });
    const forever = await replayFiles(files, config, { retainEvents: 0, processedMarkerSeconds: Infinity, onFinding: (f) => keptAll.push(f) });
    // Same findings whether markers are kept two hours or for the history period.
    expect(once.map((f) => f.finding)).toEqual(keptAll.map((f) => f.finding));
    expect(once.length).toBeGreaterThan(20);
    // The copies are recognised: the same findings, and the copy of every event that raised one is a duplicate
    // (benign events carry no marker), exactly as when markers stay for the history period.
    const doubledForever = await replayFiles([...files, ...copies].sort(), config, { retainEvents: 0, processedMarkerSeconds: Infinity });
    expect(twice.map((f) => f.finding)).toEqual(once.map((f) => f.finding));
    expect(doubled.duplicates).toBeGreaterThan(20);
    expect(doubled.duplicates).toBe(doubledForever.duplicates);
    // Six days of findings no longer sit in the state: fewer items at the peak than with markers for the history period.
    expect(bounded.memory.peakStateItems).toBeGreaterThan(0);
    expect(forever.memory.peakStateItems - bounded.memory.peakStateItems).toBeGreaterThan(once.length / 2);
  });

  it('a file out of time order inside is read whole and sorted; the order across files stays (time, input position)', async () => {
    const at = (id: string, minute: number) => ({ ...records[0]!, eventID: id, eventTime: `2026-11-02T10:${String(minute).padStart(2, '0')}:00Z` });
    const sub = join(dir, 'shuffled');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'a.json.gz'), gzipSync(JSON.stringify({ Records: [at('a-1', 5), at('a-2', 1), at('a-3', 9)] })));
    writeFileSync(join(sub, 'b.json.gz'), gzipSync(JSON.stringify({ Records: [at('b-1', 1), at('b-2', 5), at('b-3', 7)] })));
    const order: string[] = [];
    const summary = await replayFiles(await expandInputs([sub]), config, { retainEvents: 0, onEvent: (e, i) => order.push(`${e.id}#${i}`) });
    expect(order).toEqual(['a-2#1', 'b-1#3', 'a-1#0', 'b-2#4', 'b-3#5', 'a-3#2']);
    expect(summary.memory.peakOpenFiles).toBe(2);
  });

  it('the progress bar covers reading (in bytes) before replaying (in events), with an ETA', async () => {
    let text = '';
    let clock = 0;
    const progress = createProgressBar((t) => void (text += t), 0, () => (clock += 400));
    await replayFiles(await expandInputs([trail]), config, { progress });
    const reading = text.indexOf('reading [');
    const replaying = text.indexOf('replaying [');
    expect(reading).toBeGreaterThanOrEqual(0);
    expect(replaying).toBeGreaterThan(reading);
    expect(text.slice(reading, replaying)).toMatch(/reading \[#+-*\] \d+\.\d\/\d+\.\d MB  ETA \d+:\d\d/);
    expect(text).toMatch(new RegExp(`replaying \\[#{30}\\] ${records.length}/${records.length}`));
  });

  it('a directory without log files is a usage error', async () => {
    const bare = join(dir, 'bare');
    mkdirSync(bare, { recursive: true });
    expect(await runCli(['replay', bare])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no \.json, \.json\.gz or \.jsonl files/) });
  });
});
