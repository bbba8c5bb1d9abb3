import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { runCli } from './run-cli.ts';

const STRATUS = 'test/fixtures/corpus/stratus-red-team';
const stratusFiles = readdirSync(STRATUS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(STRATUS, f));

const dir = mkdtempSync(join(tmpdir(), 'blastwall-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = (id: string, eventName = 'DeleteBucket') => ({
  eventVersion: '1.08',
  eventID: id,
  eventTime: '2026-11-02T10:00:00Z',
  eventSource: eventName === 'DeleteBucket' ? 's3.amazonaws.com' : 'sts.amazonaws.com',
  eventName,
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  recipientAccountId: '333333333333',
  readOnly: eventName !== 'DeleteBucket',
  requestParameters: { bucketName: 'orders-backups' },
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::333333333333:user/ops', accountId: '333333333333', accessKeyId: 'AKIAOPSKEY0000000001', userName: 'ops' },
});

describe('blastwall replay --format json (the contract other tools read)', () => {
  it('reads the whole Stratus corpus with 0 rejected and flags its destructive calls', async () => {
    const run = await runCli(['replay', '--format', 'json', ...stratusFiles]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.rejected).toBe(0);
    expect(summary.events).toBeGreaterThan(100);
    const findings = run.lines.filter((l) => l.type === 'finding');
    expect(summary.findings).toBe(findings.length);
    const flagged = new Set(findings.map((f) => f.eventName));
    for (const name of ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'LeaveOrganization', 'DeleteFlowLogs']) expect(flagged).toContain(name);
    for (const f of findings) {
      expect(Object.keys(f).slice(0, 12)).toEqual(['type', 'id', 'eventId', 'eventIndex', 'time', 'eventName', 'account', 'environment', 'severity', 'credential', 'reasons', 'response']);
      expect(Object.keys(f.credential as object)).toEqual(['type', 'accessKeyId', 'arn']);
      expect(['info', 'low', 'medium', 'high', 'critical']).toContain(f.severity);
      expect(f.reasons).not.toHaveLength(0);
      for (const r of f.response as Array<Record<string, unknown>>) expect(r.status).toBe('planned');
    }
  });

  it('reports bad lines as FILE:LINE: reason, processes the rest, counts them, exits 3', async () => {
    const file = join(dir, 'mixed.jsonl');
    const lines = [
      JSON.stringify(good('ok-1', 'GetCallerIdentity')),
      'junk',
      '{}',
      '[]',
      JSON.stringify({ ...good('bad-identity'), userIdentity: null }),
      JSON.stringify({ ...good('bad-time'), eventTime: 'not a time' }),
      JSON.stringify({ ...good('huge'), eventName: 'X'.repeat(200 * 1024) }),
      JSON.stringify(good('ok-2')),
    ];
    writeFileSync(file, lines.join('\n'));
    const run = await runCli(['replay', '--format', 'json', file]);
    expect(run.code).toBe(3);
    const errors = run.stderr.trim().split('\n');
    expect(errors).toEqual([
      `${file}:2: not valid JSON: ${errors[0]!.split('not valid JSON: ')[1]}`,
      `${file}:3: eventName is missing`,
      `${file}:4: expected a JSON object (a CloudTrail record or an EventBridge event), got an array`,
      `${file}:5: userIdentity must be an object, got null`,
      `${file}:6: eventTime "not a time" is not an ISO 8601 timestamp`,
      `${file}:7: eventName is 204800 characters long; at most 128 are accepted`,
    ]);
    expect(run.lines.at(-1)).toMatchObject({ type: 'summary', events: 2, rejected: 6 });
    const finding = run.lines.find((l) => l.type === 'finding' && l.eventId === 'ok-2');
    expect(finding).toMatchObject({ eventIndex: 1, eventName: 'DeleteBucket', environment: 'production' });
  });

  it('numbers eventIndex across files, counting only parsed records, and reads .json.gz log files', async () => {
    const first = join(dir, 'a.jsonl');
    writeFileSync(first, ['junk', JSON.stringify(good('a-1', 'GetCallerIdentity'))].join('\n'));
    const second = join(dir, 'b.json.gz');
    writeFileSync(second, gzipSync(JSON.stringify({ Records: [good('b-1', 'GetCallerIdentity'), good('b-2')] })));
    const run = await runCli(['replay', '--format', 'json', first, second]);
    expect(run.code).toBe(3);
    expect(run.lines.at(-1)).toMatchObject({ events: 3, rejected: 1 });
    expect(run.lines.find((l) => l.eventId === 'b-2')).toMatchObject({ eventIndex: 2 });
  });

  it('merges files by event time (file by file, k-way): the same findings and eventIndex as one file holding every record', async () => {
    // Three log files whose times interleave, one of them out of order inside, one not valid JSON at the end.
    const at = (id: string, minute: number, eventName = 'DeleteBucket') => ({ ...good(id, eventName), eventTime: `2026-11-02T10:${String(minute).padStart(2, '0')}:00Z` });
    const a = [at('a-1', 5), at('a-2', 1, 'GetCallerIdentity'), at('a-3', 9)];
    const b = [at('b-1', 2), at('b-2', 5), at('b-3', 7, 'GetCallerIdentity')];
    const c = [at('c-1', 1), at('c-2', 8)];
    const files = [a, b, c].map((records, i) => {
      const file = join(dir, `merge-${i}.json${i === 1 ? '' : '.gz'}`);
      const text = JSON.stringify({ Records: records }, null, i === 2 ? 2 : undefined);
      writeFileSync(file, i === 1 ? text : gzipSync(text));
      return file;
    });
    const broken = join(dir, 'merge-broken.json');
    writeFileSync(broken, '{"Records": [' + JSON.stringify(at('x-1', 3)) + ',');
    const whole = join(dir, 'merge-all.json');
    writeFileSync(whole, JSON.stringify({ Records: [...a, ...b, ...c] }));
    const split = await runCli(['replay', '--format', 'json', ...files, broken]);
    const one = await runCli(['replay', '--format', 'json', whole]);
    expect(split.stderr).toMatch(/^.*merge-broken\.json:1: not valid JSON/);
    expect(split.lines.filter((l) => l.type === 'finding')).toEqual(one.lines.filter((l) => l.type === 'finding'));
    expect(split.lines.at(-1)).toEqual({ ...one.lines.at(-1), rejected: 1 });
    const times = split.lines.filter((l) => l.type === 'finding').map((l) => `${l.time}`);
    expect(times).toEqual([...times].sort());
    expect(split.lines.find((l) => l.eventId === 'c-2')).toMatchObject({ eventIndex: 7 });
  });

  it('exits 2 with a clear message on usage errors', async () => {
    expect(await runCli(['replay'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no input files/) });
    expect(await runCli(['replay', '--format', 'xml', 'x.json'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format must be "text", "json", "html", "asff" or "ocsf"/) });
    expect(await runCli(['replay', join(dir, 'missing.json')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing.json: no such file/) });
    expect(await runCli(['replay', '--bogus', 'x'])).toMatchObject({ code: 2 });
    expect(await runCli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
    const badConfig = join(dir, 'bad-config.json');
    writeFileSync(badConfig, JSON.stringify({ environments: [{ name: 'prod', accounts: ['1'], sensitivity: 'high', response: 'enforce' }] }));
    const run = await runCli(['replay', '--config', badConfig, stratusFiles[0]!]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('environments[0].accounts[0]: must be a 12-digit AWS account id');
  });

  it('prints a readable timeline with the page in text format', async () => {
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify([good('t-1')]));
    const run = await runCli(['replay', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DeleteBucket');
    expect(run.stdout).toMatch(/1 events read, 0 rejected/);
  });

  it('works as the installed `blastwall` binary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/blastwall.mjs', 'replay', '--format', 'json', stratusFiles[0]!], { timeout: 30_000 });
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'summary', rejected: 0 });
  });
});
