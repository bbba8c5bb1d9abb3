/**
 * The replay's reading threads (bin/cli/replay-worker.ts): files gunzipped, parsed and
 * normalised in worker threads (and the main thread) during the reading pass, each file
 * once; then the main thread merges by event time and detects, pulling batches. Same findings, same order, same rejections as reading in the main
 * thread; batches pulled, never pushed; a thread that dies is an error, never a hang.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { replayFiles, type ReplayedFinding } from '../../bin/cli/replay-engine.ts';
import { expandInputs } from '../../bin/cli/input-tree.ts';
import { findingLine } from '../../bin/cli/replay-command.ts';
import { runCli } from '../cli/run-cli.ts';
import { benchConfig, recordedHistory, writeS3Tree } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'blastwall-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = benchConfig();
const records = recordedHistory(4000, { spanHours: 24 * 3 });
const trail = join(dir, 'trail');
writeS3Tree(trail, records);

describe('replay with worker threads reading', () => {
  it('gives exactly the findings, event indexes and summary of reading in the main thread, across files, kept in memory or spooled', async () => {
    const files = await expandInputs([trail]);
    expect(files.length).toBeGreaterThan(20);
    const run = async (reader: 'thread' | 'worker', retainEvents?: number) => {
      const found: ReplayedFinding[] = [];
      const order: number[] = [];
      const summary = await replayFiles(files, config, { reader, retainEvents, onFinding: (f) => found.push(f), onEvent: (_e, i) => void order.push(i) });
      return { lines: found.map(findingLine), order, summary };
    };
    const thread = await run('thread');
    const worker = await run('worker');
    const spooled = await run('worker', 0);
    expect(thread.summary.memory.reader).toBe('thread');
    expect(worker.summary.memory).toMatchObject({ reader: 'worker' });
    expect(worker.summary.memory.readers).toBeGreaterThanOrEqual(1);
    expect(thread.lines.length).toBeGreaterThan(3);
    expect(worker.lines).toEqual(thread.lines);
    expect(spooled.lines).toEqual(thread.lines);
    expect(worker.order).toEqual(thread.order);
    expect(spooled.order).toEqual(thread.order);
    const { memory: _m, ...rest } = thread.summary;
    expect(worker.summary).toMatchObject(rest);
    expect(spooled.summary).toMatchObject(rest);
    // Spooled: only the batches of the files open at one moment are in memory.
    expect(spooled.summary.memory.peakHeldEvents).toBeLessThan(records.length / 5);
  });

  it('orders events across files by (time, input position), a file out of order inside sorted, from two threads', async () => {
    const at = (id: string, minute: number) => ({ ...records[0]!, eventID: id, eventTime: `2026-11-02T10:${String(minute).padStart(2, '0')}:00Z` });
    const sub = join(dir, 'shuffled');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'a.json.gz'), gzipSync(JSON.stringify({ Records: [at('a-1', 5), at('a-2', 1), at('a-3', 9)] })));
    writeFileSync(join(sub, 'b.json.gz'), gzipSync(JSON.stringify({ Records: [at('b-1', 1), at('b-2', 5), at('b-3', 7)] })));
    writeFileSync(join(sub, 'c.jsonl'), [at('c-1', 0), at('c-2', 5)].map((r) => JSON.stringify(r)).join('\n'));
    const order: string[] = [];
    const summary = await replayFiles(await expandInputs([sub]), config, { reader: 'worker', workers: 2, retainEvents: 1, onEvent: (e, i) => order.push(`${e.id}#${i}`) });
    expect(summary.memory.readers).toBe(2);
    expect(order).toEqual(['c-1#6', 'a-2#1', 'b-1#3', 'a-1#0', 'b-2#4', 'c-2#7', 'b-3#5', 'a-3#2']);
  });

  it('pulls batches: at most one batch per open file is asked for ahead of the merge', async () => {
    const files = await expandInputs([trail]);
    const summary = await replayFiles(files, config, { reader: 'worker', retainEvents: 0 });
    expect(summary.events).toBe(records.length);
    expect(summary.memory.peakBatchesInFlight).toBeGreaterThanOrEqual(1);
    expect(summary.memory.peakBatchesInFlight).toBeLessThanOrEqual(summary.memory.peakOpenFiles + 1);
    expect(summary.memory.peakBatchesInFlight).toBeLessThan(files.length / 4);
  });

  it('names a bad file and the line of each rejected record, and warns of an empty file, in input order, as the main thread does', async () => {
    const sub = join(dir, 'bad');
    mkdirSync(sub, { recursive: true });
    const good = { ...records[1]! };
    writeFileSync(join(sub, '1-lines.jsonl'), `${JSON.stringify(good)}\n{"eventName": oops}\n${JSON.stringify({ ...good, eventID: 'x-2', eventTime: 'yesterday' })}\n`);
    writeFileSync(join(sub, '2-broken.json.gz'), gzipSync('{"Records": [ {"eventName": '));
    writeFileSync(join(sub, '3-empty.json.gz'), gzipSync(''));
    const files = await expandInputs([sub]);
    const run = async (reader: 'thread' | 'worker') => {
      const told: string[] = [];
      const summary = await replayFiles(files, config, {
        reader,
        onRejected: (file, line, reason) => told.push(`${file.slice(sub.length + 1)}:${line}: ${reason}`),
        onWarning: (file, message) => told.push(`${file.slice(sub.length + 1)}: warning: ${message}`),
      });
      return { told, summary };
    };
    const worker = await run('worker');
    expect(worker.told).toEqual((await run('thread')).told);
    expect(worker.told[0]).toMatch(/^1-lines\.jsonl:2: not valid JSON/);
    expect(worker.told[1]).toMatch(/^1-lines\.jsonl:3: .*eventTime/);
    expect(worker.told[2]).toMatch(/^2-broken\.json\.gz:1: /);
    expect(worker.told[3]).toBe('3-empty.json.gz: warning: empty file: no records');
    expect(worker.summary).toMatchObject({ events: 1, rejected: 3 });
  });

  it('a reading thread that dies is a clear error, not a hang, and leaves no spool behind', async () => {
    const files = await expandInputs([trail]);
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('blastwall-replay-')).length;
    await expect(replayFiles(files, config, { reader: 'worker', workers: 1, crashWorkerOnRead: 2 })).rejects.toThrow(/reading thread stopped unexpectedly \(exit code 70\)/);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('blastwall-replay-')).length).toBe(before);
  });

  it('`blastwall replay --retain-events N` and BLASTWALL_REPLAY_READER=worker: the same JSON output as the default', async () => {
    const plain = await runCli(['replay', '--format', 'json', trail]);
    const viaWorker = await runCli(['replay', '--format', 'json', '--retain-events', '0', trail], process.cwd(), { BLASTWALL_REPLAY_READER: 'worker' });
    expect(plain.code).toBe(0);
    expect(viaWorker).toEqual(plain);
    expect(await runCli(['replay', '--retain-events', 'many', trail])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--retain-events/) });
  });
});
