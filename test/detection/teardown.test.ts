/**
 * Precision on a team's own teardown (issue 10, item 3): a realistic
 * create-then-destroy hour of Terraform and of CDK in production (high
 * sensitivity, `enforce`), replayed exactly as `blastwall replay` does
 * (normalise → detect → plan the response), raises nothing at high or above and
 * plans no revocation; deleting its own trails, log groups and flow logs stays a
 * finding at medium that says it was its own creation.
 *
 * Counter-cases from the very same hour: the same destruction by another IAM
 * user's key, and by the same user a day and an hour after the creation, are
 * judged as what they are.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Severity, severityRank, SEVERITIES } from '../../functions/core/audit-event.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { isRevocation } from '../../functions/core/response/plan.ts';
import { replayFiles, type ReplaySummary } from '../../bin/cli/replay-engine.ts';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { CDK, OWN_LOGS, TERRAFORM, terraformHour } from '../fixtures/teardown/build.ts';
import { config } from './support.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'teardown');
const scratch = mkdtempSync(join(tmpdir(), 'blastwall-teardown-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Replayed {
  summary: ReplaySummary;
  rejected: string[];
  events: AuditEvent[];
  findings: { event: AuditEvent; finding: Finding }[];
}

async function replay(file: string): Promise<Replayed> {
  const rejected: string[] = [];
  const events: AuditEvent[] = [];
  const findings: Replayed['findings'] = [];
  const summary = await replayFiles([file], config, {
    onRejected: (_f, line, reason) => rejected.push(`${line}: ${reason}`),
    onEvent: (event) => events.push(event),
    onFinding: ({ event, finding }) => findings.push({ event, finding }),
  });
  return { summary, rejected, events, findings };
}

async function replayRecords(name: string, records: unknown[]): Promise<Replayed> {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(records));
  return replay(file);
}

const atLeast = (severity: Severity, floor: Severity) => severityRank(severity) >= severityRank(floor);
const plannedRevocations = (f: Finding) => f.response.filter((a) => isRevocation(a) && a.status === 'planned');
const own = (f: Finding) => f.reasons.find((r) => r.signal === 'deletes-own-recent-creation');

function bySeverity(r: Replayed): string {
  const counts = SEVERITIES.map((s) => `${s} ${r.findings.filter((x) => x.finding.severity === s).length}`).join(', ');
  const lines = r.findings.map(({ event, finding }) => `    ${finding.severity.padEnd(8)} ${event.action.name}${own(finding) ? ' (its own creation)' : ''}`);
  return `${r.summary.events} events, ${r.summary.findings} findings (${counts}), ${r.summary.revocations} revocations\n${lines.join('\n')}`;
}

/** The deletions of its own trails, log groups, flow logs and DNS query logging in a replay. */
function ownLogDeletions(r: Replayed) {
  return r.events.filter((e) => ['StopLogging', 'DeleteTrail', 'DeleteLogGroup', 'DeleteFlowLogs', 'DisassociateResolverQueryLogConfig', 'DeleteResolverQueryLogConfig'].includes(e.action.name));
}

/** The calls that destroy data, stop logs or schedule a key's deletion (what a teardown pages for when misjudged). */
const DESTRUCTIVE = [
  'DeleteSecret',
  'DeleteLogGroup',
  'StopLogging',
  'DeleteTrail',
  'DeleteDBInstance',
  'DeleteBucket',
  'DeleteTable',
  'ScheduleKeyDeletion',
  'DeleteFunction20150331',
  'TerminateInstances',
  'DeleteFlowLogs',
  'DeleteBackupPlan',
  'DeleteBackupSelection',
  'DeleteBackupVault',
  'DisassociateResolverQueryLogConfig',
  'DeleteResolverQueryLogConfig',
];

function expectQuietTeardown(r: Replayed, logs: { trails: string[]; logGroups: string[]; flowLog: string; queryLog: string }) {
  // Intake: every real record shape is accepted (Secrets Manager's service events carry 142-character request ids).
  expect(r.rejected).toEqual([]);
  expect(r.summary.rejected).toBe(0);
  expect(r.events.filter((e) => e.action.name === 'StartSecretVersionDelete').length).toBeGreaterThan(0);

  // Nothing pages as high or critical, and nothing would be revoked.
  expect(r.findings.filter((x) => atLeast(x.finding.severity, 'high')).map((x) => `${x.event.action.name}: ${x.finding.severity}`)).toEqual([]);
  expect(r.findings.flatMap((x) => plannedRevocations(x.finding))).toEqual([]);
  expect(r.summary.revocations).toBe(0);

  // Its own trails, log groups and flow logs: still a finding, at medium, saying it was its own creation.
  const logDeletes = ownLogDeletions(r);
  expect(logDeletes.map((e) => e.action.name).sort()).toEqual(
    [...logs.trails.map(() => 'DeleteTrail'), ...logs.logGroups.map(() => 'DeleteLogGroup'), 'DeleteFlowLogs', 'StopLogging', 'DisassociateResolverQueryLogConfig', 'DeleteResolverQueryLogConfig'].sort(),
  );
  for (const event of logDeletes) {
    const finding = r.findings.find((x) => x.event.id === event.id)?.finding;
    expect(finding, `${event.action.name} of its own log`).toBeDefined();
    expect(finding!.severity, `${event.action.name}`).toBe('medium');
    expect(finding!.categories).toContain('logging-tamper');
    expect(own(finding!)?.text, `${event.action.name}`).toMatch(/which the same principal created \d+ minutes? earlier: cleaning up its own work — but it is a log it created/);
  }
  // Setting up its own new data-events trail (management events off) is a deployment: medium, its own creation, no revocation.
  const selectors = r.events.filter((e) => e.action.name === 'PutEventSelectors');
  expect(selectors).toHaveLength(1);
  const selectorFinding = r.findings.find((x) => x.event.id === selectors[0]!.id)?.finding;
  expect(selectorFinding?.severity).toBe('medium');
  expect(own(selectorFinding!)?.text).toMatch(/which the same principal created \d+ seconds? earlier/);
  const named = ownLogDeletions(r).flatMap((e) => r.findings.find((x) => x.event.id === e.id)!.finding.reasons.map((x) => x.text)).join(' ');
  for (const name of [...logs.trails, ...logs.logGroups, logs.flowLog, logs.queryLog]) expect(named).toContain(name);

  // Every other deletion is its own recent creation, lowered three steps: databases (with a final snapshot), secrets
  // (by ARN, partial ARN or name), tables, buckets, keys, functions, instances and the backup plan fall below a
  // finding; deleting its own (necessarily empty) backup vault, critical by itself, stays a low finding.
  const others = r.events.filter((e) => DESTRUCTIVE.includes(e.action.name) && !logDeletes.includes(e));
  expect(others.length).toBeGreaterThanOrEqual(12);
  const raised = others.flatMap((e) => r.findings.filter((x) => x.event.id === e.id)).map((x) => `${x.event.action.name}: ${x.finding.severity}${own(x.finding) ? ' (own)' : ''}`);
  expect(raised).toEqual(['DeleteBackupVault: low (own)']);
}

describe('a team’s own teardown in production (enforce)', () => {
  it('Terraform: an IAM user creates with its access key and destroys ten minutes later with a session token it minted', async () => {
    const r = await replay(join(FIXTURES, 'terraform-hour.json'));
    console.log(`terraform-hour: ${bySeverity(r)}`);
    expectQuietTeardown(r, OWN_LOGS.terraform);
    // One principal, two credentials: the key created, the session token deleted.
    const creators = new Set(r.events.filter((e) => e.action.name.startsWith('Create')).map((e) => e.credential.accessKeyId));
    const deleters = new Set(r.events.filter((e) => DESTRUCTIVE.includes(e.action.name)).map((e) => e.credential.accessKeyId));
    expect([...creators]).toEqual([TERRAFORM.key]);
    expect([...deleters]).toEqual([TERRAFORM.sessionKey]);
    // 17 secrets, deleted without recovery, by full ARN, partial ARN and name: no finding for any.
    const secretDeletes = r.events.filter((e) => e.action.name === 'DeleteSecret');
    expect(secretDeletes).toHaveLength(17);
    const forms = TERRAFORM.stack.secrets.map((secret) => {
      const id = String(secretDeletes.find((e) => e.responseElements?.['name'] === secret.name)?.requestParameters?.['secretId']);
      const form = id === secret.name ? 'name' : id.endsWith(`:secret:${secret.name}`) ? 'partial-arn' : id.startsWith(`arn:aws:secretsmanager:`) ? 'arn' : 'missing';
      expect(form, secret.name).toBe(secret.deleteBy);
      return form;
    });
    expect(new Set(forms)).toEqual(new Set(['arn', 'partial-arn', 'name']));
    // The database kept a final snapshot: no "backups in blast radius".
    const dbDelete = r.events.find((e) => e.action.name === 'DeleteDBInstance')!;
    expect(r.findings.find((x) => x.event.id === dbDelete.id)).toBeUndefined();
    expect(r.findings.filter((x) => x.event.action.name !== 'DeleteBackupVault').flatMap((x) => x.finding.reasons).filter((reason) => reason.signal === 'backups-in-blast-radius')).toEqual([]);
  });

  it('CDK: CloudFormation creates with one exec-role session and deletes with another after DeleteStack', async () => {
    const r = await replay(join(FIXTURES, 'cdk-hour.json'));
    console.log(`cdk-hour: ${bySeverity(r)}`);
    expectQuietTeardown(r, OWN_LOGS.cdk);
    const sessions = new Set(r.events.filter((e) => e.credential.issuerArn?.endsWith(`role/${CDK.execRole}`)).map((e) => e.credential.accessKeyId));
    expect([...sessions].sort()).toEqual([CDK.execDeployKey, CDK.execDestroyKey].sort());
    // DeleteStack of the stack the same deploy role created through a CREATE change set: its own creation.
    const deleteStack = r.events.find((e) => e.action.name === 'DeleteStack')!;
    expect(r.findings.find((x) => x.event.id === deleteStack.id)).toBeUndefined();
  });
});

describe('the same destruction, judged as what it is', () => {
  it('by another IAM user’s key: no mitigation; trails critical, data high, a revocation planned', async () => {
    const r = await replayRecords('other-principal.json', terraformHour({ destroyer: 'other' }));
    console.log(`terraform-hour, destroyed by another user: ${bySeverity(r)}`);
    expect(r.summary.rejected).toBe(0);
    const deletes = r.events.filter((e) => DESTRUCTIVE.includes(e.action.name));
    expect(deletes.every((e) => e.credential.accessKeyId === TERRAFORM.otherKey)).toBe(true);
    const severityOf = (e: AuditEvent) => r.findings.find((x) => x.event.id === e.id)?.finding;
    for (const e of deletes) {
      const f = severityOf(e);
      expect(f, `${e.action.name} by another principal`).toBeDefined();
      expect(own(f!), `${e.action.name}`).toBeUndefined();
    }
    for (const e of deletes.filter((x) => ['StopLogging', 'DeleteTrail', 'DeleteBackupVault'].includes(x.action.name))) expect(severityOf(e)!.severity, e.action.name).toBe('critical');
    for (const e of deletes.filter((x) => ['DeleteDBInstance', 'DeleteSecret', 'DeleteTable', 'ScheduleKeyDeletion', 'DeleteFlowLogs', 'DeleteBucket', 'DeleteBackupPlan', 'DeleteResolverQueryLogConfig'].includes(x.action.name))) {
      expect(atLeast(severityOf(e)!.severity, 'high'), `${e.action.name}: ${severityOf(e)!.severity}`).toBe(true);
    }
    expect(r.summary.revocations).toBeGreaterThan(0);
    expect(r.findings.some((x) => plannedRevocations(x.finding).some((a) => a.target.includes(TERRAFORM.otherKey) || a.target.includes(TERRAFORM.otherUser)))).toBe(true);
  });

  it('a secret it never created, of the same last name as one it did, is not its own (prod/db-password vs prod/orders/db-password)', async () => {
    const records = terraformHour() as Record<string, unknown>[];
    const template = records.find((r) => r['eventName'] === 'DeleteSecret' && (r['responseElements'] as Record<string, unknown>)['name'] === 'prod/orders/db-password')!;
    const foreign = structuredClone(template);
    foreign['eventID'] = '7d0c1a52-9b7e-4f8e-a0a1-3c2b1a0f9e8d';
    foreign['requestParameters'] = { secretId: 'prod/db-password', forceDeleteWithoutRecovery: true };
    foreign['responseElements'] = { arn: 'arn:aws:secretsmanager:eu-west-1:333333333333:secret:prod/db-password-Zx81Qa', name: 'prod/db-password', deletionDate: 'Jun 10, 2025, 10:13:40 AM' };
    records.push(foreign);
    const r = await replayRecords('foreign-secret.json', records);
    const finding = r.findings.find((x) => x.event.id === foreign['eventID'])?.finding;
    expect(finding).toBeDefined();
    expect(own(finding!)).toBeUndefined();
    expect(finding!.severity).toBe('high');
  });

  it('by the same user 25 hours after the creation (beyond recentCreationHours): not mitigated', async () => {
    expect(config.detection.recentCreationHours).toBe(24);
    const r = await replayRecords('day-old.json', terraformHour({ createdHoursBefore: 25 }));
    console.log(`terraform-hour, created 25 hours before: ${bySeverity(r)}`);
    expect(r.summary.rejected).toBe(0);
    expect(r.findings.filter((x) => own(x.finding) && DESTRUCTIVE.includes(x.event.action.name)).map((x) => x.event.action.name)).toEqual([]);
    const finding = (name: string) => r.findings.find((x) => x.event.action.name === name)?.finding;
    expect(finding('DeleteTrail')!.severity).toBe('critical');
    expect(atLeast(finding('DeleteDBInstance')!.severity, 'high')).toBe(true);
    expect(atLeast(finding('ScheduleKeyDeletion')!.severity, 'high')).toBe(true);
    expect(r.summary.revocations).toBeGreaterThan(0);
  });

  it('by the same user 23 hours after the creation (within recentCreationHours): still its own teardown', async () => {
    const r = await replayRecords('hours-old.json', terraformHour({ createdHoursBefore: 23 }));
    expect(r.findings.filter((x) => atLeast(x.finding.severity, 'high')).map((x) => `${x.event.action.name}: ${x.finding.severity}`)).toEqual([]);
    expect(r.summary.revocations).toBe(0);
    expect(own(r.findings.find((x) => x.event.action.name === 'DeleteTrail')!.finding)?.text).toMatch(/created 23 hours earlier/);
  });
});
