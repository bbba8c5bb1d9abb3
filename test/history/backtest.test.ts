/**
 * `blastwall backtest` end to end: the real CloudTrail and STS clients against the
 * loopback stand-in holding a recorded month, configured only through the SDK's
 * standard environment variables. Its findings equal `replay`'s on the same records.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { startCloudTrailStandIn, type CloudTrailStandIn } from '../standins/cloudtrail.ts';
import { benchConfig, recordedHistory, writeBenchConfigFile, type CloudTrailRecord } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'blastwall-backtest-'));
const config = benchConfig();
const configFile = writeBenchConfigFile(join(dir, 'config.json'), {
  protectedPrincipals: config.protectedPrincipals,
  deployment: { regions: ['eu-west-1', 'eu-central-1', 'us-west-2'] },
});
const month = recordedHistory(3000, { start: '2026-11-01T00:00:00Z', spanHours: 24 * 30 });
const WINDOW = ['--since', '2026-11-01T00:00:00Z', '--until', '2026-12-01T00:00:00Z'];
const ROLE = 'BlastwallHistoryReader';
const AMBIENT_KEY = 'AKIAAMBIENT000000001';
const env = { BLASTWALL_LOOKUP_RATE: '500' };

let ct: CloudTrailStandIn;
const saved = { ...process.env };

beforeAll(async () => {
  ct = await startCloudTrailStandIn();
  ct.add(month);
  ct.addKey(AMBIENT_KEY, '333333333333');
  for (const e of config.environments) for (const a of e.accounts) ct.addRole(a, ROLE);
  // The SDK's standard configuration, nothing of Blastwall's own.
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: AMBIENT_KEY,
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
    AWS_ENDPOINT_URL_STS: ct.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  process.env = saved;
  await ct?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The records as the backtest numbers them: unit by unit (account/region in path order), each in event-time order. */
function replayInputs(records: readonly CloudTrailRecord[], name: string): string[] {
  const units = new Map<string, CloudTrailRecord[]>();
  for (const r of records) {
    const key = `${r.recipientAccountId}-${r.awsRegion}`;
    units.set(key, [...(units.get(key) ?? []), r]);
  }
  return [...units.keys()].sort().map((key, i) => {
    const sorted = [...units.get(key)!].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || (a.eventID < b.eventID ? -1 : 1));
    const file = join(dir, `${name}-${String(i).padStart(3, '0')}.json`);
    writeFileSync(file, JSON.stringify({ Records: sorted }));
    return file;
  });
}

describe('blastwall backtest (LookupEvents, every configured account through a read-only role)', () => {
  let json: Awaited<ReturnType<typeof runCli>>;
  let fullRunRequests = 0;
  beforeAll(async () => {
    json = await runCli(['backtest', '--config', configFile, ...WINDOW, '--role-name', ROLE, '--format', 'json'], dir, env);
    fullRunRequests = ct.lookups.length;
  });

  it('assumes the role in every configured account and reads every region of the config plus us-east-1, 50 events a page', () => {
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const accounts = config.environments.flatMap((e) => e.accounts);
    expect(new Set(ct.assumedRoles)).toEqual(new Set(accounts.map((a) => `arn:aws:iam::${a}:role/${ROLE}`)));
    const units = new Set(ct.lookups.map((l) => `${l.account}/${l.region}`));
    expect(units.size).toBe(accounts.length * 4);
    expect(new Set(ct.lookups.map((l) => l.region))).toEqual(new Set(['us-east-1', 'eu-west-1', 'eu-central-1', 'us-west-2']));
    expect(ct.lookups.every((l) => l.body.MaxResults === 50 && l.body.StartTime === Date.parse('2026-11-01T00:00:00Z') / 1000)).toBe(true);
    expect(ct.lookups.some((l) => l.body.NextToken !== undefined)).toBe(true);
  });

  it('--format json is the replay contract, and its findings equal replay’s on the same records', async () => {
    const replay = await runCli(['replay', '--format', 'json', '--config', configFile, ...replayInputs(month, 'month')]);
    const findings = json.lines.filter((l) => l.type === 'finding');
    expect(findings.length).toBeGreaterThan(10);
    expect(json.lines).toEqual(replay.lines);
    expect(json.lines.at(-1)).toMatchObject({ type: 'summary', events: month.length, rejected: 0 });
  });

  it('--format text: the timeline, then the summary by environment, severity, signal and principal', async () => {
    const text = await runCli(['backtest', '--config', configFile, ...WINDOW, '--role-name', ROLE, '--format', 'text'], dir, env);
    expect(text.code).toBe(0);
    const summary = json.lines.at(-1)!;
    const tail = text.stdout.slice(text.stdout.lastIndexOf('─') + 1);
    expect(tail).toContain(`${month.length} events read, 0 rejected`);
    expect(tail).toContain(`${summary.findings} findings, ${summary.revocations} revocations planned.`);
    for (const heading of ['By environment:', 'By severity:', 'Noisiest signals:', 'Noisiest credentials (principals):', 'Would revoke (']) expect(tail).toContain(heading);
    const findings = json.lines.filter((l) => l.type === 'finding');
    const production = findings.filter((f) => f.environment === 'production').length;
    if (production) expect(tail).toMatch(new RegExp(`\\n +${production}  production\\n`));
    expect(text.stdout.split('─'.repeat(78)).length).toBeGreaterThan(findings.length);
  });

  it('--format html --out FILE: the same page as replay’s, one row per finding', async () => {
    const out = join(dir, 'backtest.html');
    const run = await runCli(['backtest', '--config', configFile, ...WINDOW, '--role-name', ROLE, '--format', 'html', '--out', out], dir, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const page = readFileSync(out, 'utf8');
    const ids = [...page.matchAll(/<tr class="finding" data-severity="\w+" data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(json.lines.filter((l) => l.type === 'finding').map((f) => String(f.id)));
    expect(page).toContain('<svg id="timeline"');
    expect(page).toMatch(/backtest of 12 accounts × us-east-1, eu-west-1, eu-central-1, us-west-2|backtest of 12 accounts × eu-west-1, eu-central-1, us-west-2, us-east-1/);
  });

  it('without --role-name it reads the account of the ambient credentials only', async () => {
    const before = ct.lookups.length;
    const assumed = ct.assumedRoles.length;
    const run = await runCli(['backtest', '--config', configFile, ...WINDOW, '--regions', 'us-east-1', '--format', 'json'], dir, env);
    expect(run.code).toBe(0);
    expect(ct.assumedRoles.length).toBe(assumed);
    expect(new Set(ct.lookups.slice(before).map((l) => `${l.account}/${l.region}`))).toEqual(new Set(['333333333333/us-east-1']));
    const mine = month.filter((r) => r.recipientAccountId === '333333333333' && r.awsRegion === 'us-east-1');
    expect(run.lines.at(-1)).toMatchObject({ events: mine.length });
  });

  it('throttling (HTTP 400 ThrottlingException) is retried with backoff: the same result', async () => {
    ct.throttle(3);
    const before = ct.lookups.length;
    const run = await runCli(['backtest', '--config', configFile, ...WINDOW, '--role-name', ROLE, '--format', 'json'], dir, env);
    expect(ct.lookups.slice(before).filter((l) => l.status === 400)).toHaveLength(3);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(json.lines);
    expect(run.stderr).toMatch(/throttled \(ThrottlingException\), retry 1 in 500 ms/);
  });

  it('--checkpoint: a run killed mid-way continues where it stopped and ends with the same report', async () => {
    const checkpoint = join(dir, 'month.checkpoint.json');
    ct.breakAfter(30);
    const broken = await runCli(['backtest', '--config', configFile, ...WINDOW, '--role-name', ROLE, '--format', 'json', '--checkpoint', checkpoint], dir, env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/AccessDeniedException/);
    expect(broken.stderr).toContain('run the same command again to continue');
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { units: Record<string, { done: boolean; events: number }> };
    const doneBefore = Object.values(saved.units).filter((u) => u.done).length;
    expect(doneBefore).toBeGreaterThan(0);
    expect(doneBefore).toBeLessThan(48);
    ct.heal();
    const before = ct.lookups.length;
    // A relative --since on the rerun: the checkpoint's window wins.
    const resumed = await runCli(['backtest', '--config', configFile, '--since', '3d', '--role-name', ROLE, '--format', 'json', '--checkpoint', checkpoint], dir, env);
    expect(resumed.stderr).toMatch(/^resuming the backtest of 2026-11-01T00:00:00.000Z → 2026-12-01T00:00:00.000Z/);
    expect(resumed.code).toBe(0);
    expect(resumed.lines).toEqual(json.lines);
    // Finished units are not read again: fewer requests than a whole run.
    expect(ct.lookups.length - before).toBeLessThan(fullRunRequests);
    const units = new Set(ct.lookups.slice(before).map((l) => `${l.account}/${l.region}`));
    expect(units.size).toBe(48 - doneBefore);
    expect(existsSync(`${checkpoint}.events`)).toBe(true);
  });

  it('--event-data-store: one CloudTrail Lake query for the organisation, the same findings as replay in time order', async () => {
    const arn = 'arn:aws:cloudtrail:us-east-1:999999999999:eventdatastore/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const run = await runCli(['backtest', '--config', configFile, ...WINDOW, '--event-data-store', arn, '--format', 'json'], dir, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(ct.lakeQueries).toHaveLength(1);
    expect(ct.lakeQueries[0]).toBe(
      "SELECT eventJson FROM 0a1b2c3d-4e5f-6789-abcd-ef0123456789 WHERE eventTime >= '2026-11-01 00:00:00' AND eventTime <= '2026-12-01 00:00:00' AND eventCategory = 'Management' ORDER BY eventTime ASC",
    );
    const file = join(dir, 'lake.json');
    writeFileSync(file, JSON.stringify({ Records: [...month].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime)) }));
    const replay = await runCli(['replay', '--format', 'json', '--config', configFile, file]);
    expect(run.lines).toEqual(replay.lines);
  });

  it('progress covers the fetching: the share of the window each account-region has walked back, up to 100 %', async () => {
    const { fetchHistory } = await import('../../bin/cli/history-fetch.ts');
    const { regionalClients } = await import('../../functions/adapters/history-accounts.ts');
    const spool = join(dir, 'progress-spool');
    const fractions: number[] = [];
    const files = await fetchHistory(
      {
        kind: 'lookup-events',
        window: { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') },
        accounts: [{ account: '333333333333', clientFor: regionalClients() }],
        regions: ['us-east-1'],
      },
      spool,
      join(dir, 'progress.checkpoint.json'),
      { version: 1, source: 'lookup-events', since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', units: {} },
      { onProgress: (f) => void fractions.push(f), requestsPerSecond: 500 },
    );
    expect(files.length).toBeGreaterThan(0);
    expect(fractions.length).toBeGreaterThan(2);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(fractions[0]).toBeLessThan(1);
  });

  it('usage errors exit 2 with a reason', async () => {
    expect(await runCli(['backtest', '--config', configFile])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--since is required/) });
    expect(await runCli(['backtest', '--since', 'yesterday'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--since yesterday: expected an ISO 8601 time/) });
    expect(await runCli(['backtest', '--since', '2d', '--until', '3d'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not before --until/) });
    expect(await runCli(['backtest', '--since', '2d', '--regions', 'mars-1'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/"mars-1" is not an AWS region/) });
    expect(await runCli(['backtest', '--since', '2d', '--format', 'pdf'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format must be/) });
  });
});
