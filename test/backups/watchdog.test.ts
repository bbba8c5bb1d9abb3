/**
 * The hourly backup watchdog end to end: SDK clients against the RDS/EC2/Backup/DynamoDB
 * stand-ins → Posture Findings → the page function's service → Slack and PagerDuty
 * stand-ins, the same channels as findings. And `blastwall backups --live`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventPublisher } from '../../functions/adapters/event-publisher.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { findingSchema } from '../../functions/respond/schema.ts';
import { runWatchdog, UnreadableAccountsError } from '../../functions/backup-watchdog/watchdog.ts';
import { backupsCommand } from '../../bin/cli/backups-command.ts';
import { startBackupStandins } from '../standins/aws-world.ts';
import { startHarness } from '../paging/harness.ts';
import { NOW, PROD, config, sdkClients, world } from './support.ts';

let standins: Awaited<ReturnType<typeof startBackupStandins>>;
beforeAll(async () => {
  standins = await startBackupStandins(world());
});
afterAll(async () => {
  await standins.close();
});

function capture(): EventPublisher & { events: { detailType: string; detail: Finding }[] } {
  const events: { detailType: string; detail: Finding }[] = [];
  return { events, publish: async (detailType, detail) => void events.push({ detailType, detail: JSON.parse(JSON.stringify(detail)) as Finding }) };
}

describe('backup watchdog → page', () => {
  let harness: Awaited<ReturnType<typeof startHarness>>;
  beforeEach(async () => {
    harness = await startHarness({ config: { ...config(), paging: { ...config().paging, slackChannel: 'C0ONCALL01' } } });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('pages the stale and the same-account-only backups on Slack and PagerDuty, not the healthy ones, and not twice', async () => {
    const publisher = capture();
    const outcome = await runWatchdog({ config: config(), clientsFor: sdkClients(standins.endpoint), publisher, now: () => NOW });
    expect(outcome.resources).toBe(4);
    expect(outcome.paged.map((p) => p.resource.split(':').pop())).toEqual(['ledger', 'volume/vol-0data']);
    expect(publisher.events.every((e) => e.detailType === DETAIL_TYPES.postureFinding)).toBe(true);
    for (const e of publisher.events) {
      expect(e.detail.mode).toBe('page-only');
      // What a human should do: a manual step, not an action anyone executes, and not an escalation.
      expect(e.detail.response).toEqual([expect.objectContaining({ action: 'manual', status: 'skipped', mode: 'page-only' })]);
      expect(e.detail.response[0]!.detail).toMatch(/^Do now: /);
      expect((e.detail.response[0] as { escalate?: boolean }).escalate).toBeUndefined();
      // A well-formed finding by the bus schema every consumer checks.
      expect(findingSchema.safeParse(e.detail).success).toBe(true);
    }

    for (const e of publisher.events) await harness.service.handle({ 'detail-type': e.detailType, detail: e.detail });
    expect(harness.pd.incidents.map((i) => i.summary).join('\n')).toMatch(/ledger .* older than backups.maxAgeHours/);
    // Paged at the finding's severity (high), not raised to critical by the manual step.
    expect(harness.pd.incidents.map((i) => i.severity)).toEqual(['error', 'error']);
    expect(harness.pd.incidents).toHaveLength(2);
    expect(harness.slack.topLevel('C0ONCALL01')).toHaveLength(2);

    // The next hour, nothing changed: the same ids, no new incident or message.
    const again = capture();
    await runWatchdog({ config: config(), clientsFor: sdkClients(standins.endpoint), publisher: again, now: () => new Date(NOW.getTime() + 3_600_000) });
    expect(again.events.map((e) => e.detail.id)).toEqual(publisher.events.map((e) => e.detail.id));
    for (const e of again.events) await harness.service.handle({ 'detail-type': e.detailType, detail: e.detail });
    expect(harness.pd.incidents).toHaveLength(2);
    expect(harness.slack.topLevel('C0ONCALL01')).toHaveLength(2);
  });

  it('fails the invocation (after paging what it could read) when an account cannot be read', async () => {
    const publisher = capture();
    const clients = sdkClients(standins.endpoint);
    await expect(
      runWatchdog({
        config: config(),
        clientsFor: (account, region) => (account === PROD && region === 'eu-central-1' ? { ...clients(account, region), backup: sdkClients('http://127.0.0.1:1')(account, region).backup } : clients(account, region)),
        publisher,
        now: () => NOW,
      }),
    ).rejects.toBeInstanceOf(UnreadableAccountsError);
    expect(publisher.events.length).toBeGreaterThan(0);
  });
});

describe('blastwall backups --live', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), cwd: process.cwd(), env: {} } };
  };

  it('prints the watchdog\'s view as a table, worst first, and exits 1 when something would page', async () => {
    const { out, io: cli } = io();
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'blastwall-backups-'));
    await writeFile(join(dir, 'blastwall.config.json'), JSON.stringify({ ...JSON.parse(JSON.stringify(config())) }));
    const code = await backupsCommand(['--live', '--config', join(dir, 'blastwall.config.json')], cli, { clientsFor: sdkClients(standins.endpoint), now: () => NOW });
    expect(code).toBe(1);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+ENV\s+TYPE\s+RESOURCE/);
    expect(lines[1]).toMatch(/^HIGH\s+production\s+rds:db\s+ledger/);
    expect(out.stdout).toMatch(/^OK\s+production\s+rds:db\s+orders .* other-account$/m);
    expect(out.stdout).toMatch(/4 protected resources, 2 failing \(max age 26 h/);

    const json = io();
    expect(await backupsCommand(['--live', '--format', 'json', '--config', join(dir, 'blastwall.config.json')], json.io, { clientsFor: sdkClients(standins.endpoint), now: () => NOW })).toBe(1);
    const parsed = json.out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.at(-1)).toMatchObject({ type: 'summary', resources: 4, failing: 2, maxAgeHours: 26 });
  });

  it('needs --live', async () => {
    await expect(backupsCommand([], io().io)).rejects.toThrow(/pass --live/);
  });
});
