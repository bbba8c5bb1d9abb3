/**
 * The real corpus (Stratus Red Team detonations, Panther rule fixtures): every
 * destructive or tamper call in it is flagged. "Destructive or tamper" is defined
 * here independently of the catalogue — by the verb of the API name, plus the
 * calls that destroy or blind only with certain parameters — so a gap in the
 * catalogue fails this test instead of hiding.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { baseEventName } from '../../functions/core/detection/catalogue.ts';
import { evaluate } from '../../functions/core/detection/conditions.ts';
import { CORPUS_DIR, detectorWith, resolver, run } from './support.ts';

const DESTRUCTIVE_VERB = /^(Delete|Stop|Disable|Terminate|Remove|Detach|Disassociate|Leave|ScheduleKeyDeletion|Deactivate|Deregister|Suspend)/;
/** Verb matches that destroy nothing: each with the reason. */
const NOT_DESTRUCTIVE: Record<string, string> = {
  'ssm.amazonaws.com:TerminateSession': "ends the caller's own Session Manager shell",
  'iam.amazonaws.com:DetachUserGroup': 'not an AWS API (a hand-edited Panther fixture name)',
};
/** Calls that destroy or blind only with certain parameters (the test's own definition). */
const PARAMETER_TAMPER: { source: string; name: string; when: Parameters<typeof evaluate>[0] }[] = [
  { source: 'cloudtrail.amazonaws.com', name: 'PutEventSelectors', when: { param: 'requestParameters.eventSelectors.includeManagementEvents', equals: false } },
  { source: 's3.amazonaws.com', name: 'PutBucketVersioning', when: { param: 'requestParameters.VersioningConfiguration.Status', equals: 'Suspended' } },
  { source: 's3.amazonaws.com', name: 'PutBucketLifecycle', when: { param: 'requestParameters.LifecycleConfiguration.Rule.Status', equals: 'Enabled' } },
  { source: 's3.amazonaws.com', name: 'PutBucketLogging', when: { param: 'requestParameters.BucketLoggingStatus.LoggingEnabled', exists: false } },
  { source: 'rds.amazonaws.com', name: 'ModifyDBInstance', when: { param: 'requestParameters.deletionProtection', equals: false } },
  { source: 'rds.amazonaws.com', name: 'ModifyDBCluster', when: { any: [{ param: 'requestParameters.deletionProtection', equals: false }, { param: 'requestParameters.backupRetentionPeriod', equals: 0 }] } },
];

function isDestructiveOrTamper(e: AuditEvent): boolean {
  const name = baseEventName(e.action.name);
  if (NOT_DESTRUCTIVE[`${e.action.eventSource}:${name}`]) return false;
  if (DESTRUCTIVE_VERB.test(name)) return true;
  return PARAMETER_TAMPER.some((p) => p.source === e.action.eventSource && p.name === name && evaluate(p.when, e));
}

interface Group {
  label: string;
  events: AuditEvent[];
}

function loadGroups(): { groups: Group[]; rejected: number } {
  const groups: Group[] = [];
  let rejected = 0;
  const stratus = join(CORPUS_DIR, 'stratus-red-team');
  for (const file of readdirSync(stratus).filter((f) => f.endsWith('.json')).sort()) {
    const events: AuditEvent[] = [];
    for (const record of JSON.parse(readFileSync(join(stratus, file), 'utf8')) as unknown[]) {
      const r = normaliseRecord(record, resolver);
      if (r.ok) events.push(r.event);
      else rejected++;
    }
    groups.push({ label: `stratus/${file}`, events });
  }
  // Panther's fixtures are independent unit-test records (they even reuse event ids): one fresh store each.
  const lines = readFileSync(join(CORPUS_DIR, 'panther-analysis', 'cloudtrail-tests.jsonl'), 'utf8').split('\n').filter(Boolean);
  lines.forEach((line, i) => {
    const { record, rule, test } = JSON.parse(line) as { record: unknown; rule: string; test: string };
    const r = normaliseRecord(record, resolver);
    if (r.ok) groups.push({ label: `panther/${rule}/${test}#${i}`, events: [r.event] });
    else rejected++;
  });
  return { groups, rejected };
}

describe('real corpus', () => {
  it('flags every destructive or tamper call, and prints how many by category', async () => {
    const { groups, rejected } = loadGroups();
    const byCategory: Record<string, number> = {};
    const bySeverity: Record<string, number> = {};
    const missed: string[] = [];
    let events = 0;
    let destructive = 0;
    for (const group of groups) {
      const runs = await run(detectorWith(), [...group.events].sort((a, b) => a.timeMs - b.timeMs));
      for (const { event, outcome } of runs) {
        events++;
        if (outcome.finding) bySeverity[outcome.finding.severity] = (bySeverity[outcome.finding.severity] ?? 0) + 1;
        if (!isDestructiveOrTamper(event)) continue;
        destructive++;
        const categories = outcome.finding?.categories ?? [];
        if (categories.length === 0) missed.push(`${group.label}: ${event.action.eventSource}:${event.action.name}`);
        for (const c of new Set(categories)) byCategory[c] = (byCategory[c] ?? 0) + 1;
      }
    }
    console.log(
      `corpus: ${events} events (${rejected} partial Panther records rejected by normalise), ${destructive} destructive or tamper calls, all flagged.\n` +
        `  by category: ${JSON.stringify(byCategory)}\n  findings by severity (all events): ${JSON.stringify(bySeverity)}`,
    );
    expect(missed).toEqual([]);
    expect(destructive).toBeGreaterThan(80);
    for (const c of ['data-destruction', 'backup-destruction', 'logging-tamper', 'security-control-tamper', 'identity-change']) expect(byCategory[c]).toBeGreaterThan(0);
  });

  it('flags the Stratus defense-evasion detonations at high or critical', async () => {
    const { groups } = loadGroups();
    const expected: Record<string, string> = {
      'aws.defense-evasion.cloudtrail-delete.json': 'DeleteTrail',
      'aws.defense-evasion.cloudtrail-stop.json': 'StopLogging',
      'aws.defense-evasion.cloudtrail-event-selectors.json': 'PutEventSelectors',
      'aws.defense-evasion.vpc-remove-flow-logs.json': 'DeleteFlowLogs',
      'aws.defense-evasion.dns-delete-logs.json': 'DeleteResolverQueryLogConfig',
    };
    for (const [file, name] of Object.entries(expected)) {
      const group = groups.find((g) => g.label === `stratus/${file}`)!;
      const runs = await run(detectorWith(), group.events);
      const hit = runs.find((r) => r.event.action.name === name)!;
      expect(['high', 'critical'], `${file} ${name}`).toContain(hit.outcome.finding?.severity);
    }
  });
});
