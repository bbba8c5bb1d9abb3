/**
 * Acceptance scenarios a–f of issue 3, on CloudTrail records in test/fixtures/scenarios
 * (built by test/fixtures/scenarios/build.ts).
 */
import { describe, expect, it } from 'vitest';
import { type Severity, severityRank } from '../../functions/core/audit-event.ts';
import { orderByEventTime } from '../../functions/core/detection/detector.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { CROSS_ACCOUNT, INCIDENT } from '../fixtures/scenarios/build.ts';
import { config, detectorWith, findingsOf, loadScenario, run, shuffle } from './support.ts';

const revokes = (severity: Severity) => severityRank(severity) >= severityRank(config.response.revokeAtSeverity);

describe('scenario a: the incident (docs/architecture.md) after three weeks of ordinary history', () => {
  it('revokes nothing during the history, flags the hop at the first production call, and is critical by DeleteDBInstance', async () => {
    const events = orderByEventTime(loadScenario('incident.json'));
    const runs = await run(detectorWith(), events);
    const incidentStart = Date.parse(`${INCIDENT.incidentDay}T14:00:00Z`);
    const history = runs.filter((r) => r.event.timeMs < incidentStart);
    expect(history.length).toBeGreaterThan(200);
    const historyFindings = history.filter((r) => r.outcome.finding);
    expect(historyFindings.filter((r) => revokes(r.outcome.finding!.severity))).toEqual([]);

    const hopper = runs.filter((r) => r.event.timeMs >= incidentStart && r.event.credential.accessKeyId === INCIDENT.ciKey);
    expect(hopper.map((r) => r.event.action.name)).toEqual(['GetCallerIdentity', 'DescribeDBInstances', 'DeleteDBInstance', 'DeleteVolume', 'DeleteRecoveryPoint']);
    const first = hopper[0]!.outcome.finding!;
    expect(first, 'the first production call of the hopping actor').toBeDefined();
    expect(revokes(first.severity)).toBe(true);
    expect(first.reasons.map((r) => r.signal)).toContain('credential-hop');
    expect(first.reasons.map((r) => r.signal)).toContain('new-source');
    expect(first.environmentsCrossed).toEqual(['staging', 'production']);
    expect(first.credential.accessKeyId).toBe(INCIDENT.ciKey);
    expect(first.mode).toBe('enforce');
    expect(first.response).toEqual([]);
    // The events that led there include the agent's refused staging call.
    expect(first.recentEvents.some((e) => e.errorCode === 'AccessDenied' && e.environment === 'staging')).toBe(true);
    expect(first.recentEvents.at(-1)!.eventId).toBe(first.eventId);

    const del = hopper.find((r) => r.event.action.name === 'DeleteDBInstance')!.outcome.finding!;
    expect(del.severity).toBe('critical');
    expect(del.categories).toEqual(expect.arrayContaining(['data-destruction', 'backup-destruction']));
    expect(del.reasons.map((r) => r.signal)).toEqual(expect.arrayContaining(['destructive-call', 'backups-in-blast-radius', 'credential-hop']));
    for (const r of hopper.slice(2)) expect(r.outcome.finding?.severity).toBe('critical');
    console.log(`scenario a: ${history.length} history events → ${historyFindings.length} findings (max ${maxOf(historyFindings.map((r) => r.outcome.finding!.severity))}); incident: ${hopper.map((r) => `${r.event.action.name}=${r.outcome.finding?.severity}`).join(', ')}`);
    console.log(`  first finding: ${first.summary}\n${first.reasons.map((r) => `    - [${r.signal}/${r.severity}] ${r.text}`).join('\n')}`);
  });
});

describe('scenario b: a staging IAM user assumes a production role and deletes data', () => {
  it('is critical, names the production role session and, through lineage, the staging key that minted it', async () => {
    const runs = await run(detectorWith(), orderByEventTime(loadScenario('cross-account.json')));
    const deletes = runs.filter((r) => ['DeleteTable', 'DeleteBucket'].includes(r.event.action.name));
    expect(deletes).toHaveLength(2);
    for (const { outcome } of deletes) {
      const f = outcome.finding!;
      expect(f.severity).toBe('critical');
      expect(f.credential.type).toBe('role-session');
      expect(f.credential.accessKeyId).toBe(CROSS_ACCOUNT.sessionKey);
      expect(f.credential.issuerArn).toBe('arn:aws:iam::333333333333:role/prod-admin');
      expect(f.lineage).toHaveLength(1);
      expect(f.lineage[0]!.accessKeyId).toBe(CROSS_ACCOUNT.userKey);
      expect(f.lineage[0]!.homeEnvironment).toBe('staging');
      expect(f.environmentsCrossed).toEqual(['staging', 'production']);
      expect(f.reasons.find((r) => r.signal === 'session-lineage')!.text).toMatch(/minted by the staging access key/);
    }
    // The two copies of the cross-account AssumeRole are one call: one finding, the second copy is a duplicate.
    const copies = runs.filter((r) => r.event.action.name === 'AssumeRole');
    expect(copies).toHaveLength(2);
    expect(copies.filter((r) => r.outcome.duplicate)).toHaveLength(1);
    expect(new Set(copies.map((r) => r.outcome.finding?.id)).size).toBe(1);
    expect(copies[0]!.outcome.finding!.reasons.map((r) => r.signal)).toContain('cross-environment');
  });
});

describe('scenario c: CI and a Terraform preview pipeline deleting only what they created', () => {
  it('revokes nothing and nothing is above medium', async () => {
    const runs = await run(detectorWith(), orderByEventTime(loadScenario('routine-ci.json')));
    const findings = [...findingsOf(runs).values()];
    const worst = maxOf(findings.map((f) => f.severity));
    expect(severityRank(worst)).toBeLessThanOrEqual(severityRank('medium'));
    const ownCleanups = runs.filter((r) => ['DeleteTable', 'DeleteBucket', 'DeleteObjects', 'TerminateInstances', 'DeleteVolume', 'DeleteStack'].includes(r.event.action.name));
    expect(ownCleanups.length).toBeGreaterThan(50);
    // Own clean-ups are mitigated all the way down to info: no finding at all.
    expect(ownCleanups.filter((r) => r.outcome.finding)).toEqual([]);
    // The janitor's snapshot deletes become routine after a day and a few repetitions.
    const janitor = runs.filter((r) => r.event.action.name === 'DeleteSnapshot');
    expect(janitor.at(-1)!.outcome.finding!.reasons.map((r) => r.signal)).toContain('routine-in-low-environment');
    console.log(`scenario c: ${runs.length} events → ${findings.length} findings, worst ${worst}`);
  });
});

describe('scenario d: tampering with Blastwall, CloudTrail and GuardDuty', () => {
  it('is critical for each', async () => {
    const runs = await run(detectorWith(), orderByEventTime(loadScenario('tamper.json')));
    const byName = new Map(runs.map((r) => [r.event.action.name, r.outcome.finding]));
    expect(byName.get('DisableRule')!.severity).toBe('critical');
    expect(byName.get('DisableRule')!.categories).toEqual(['detector-tamper']);
    expect(byName.get('DisableRule')!.reasons[0]!.text).toMatch(/BlastwallForwardManagementEvents is one of Blastwall's own resources/);
    expect(byName.get('StopLogging')!.severity).toBe('critical');
    expect(byName.get('StopLogging')!.categories).toEqual(['logging-tamper']);
    expect(byName.get('DeleteDetector')!.severity).toBe('critical');
    expect(byName.get('DeleteDetector')!.categories).toEqual(['security-control-tamper']);
  });
});

describe('scenario e: root signs in without MFA from a new address and deletes a bucket', () => {
  it('is critical and says plainly that root cannot be revoked by policy', async () => {
    const runs = await run(detectorWith(), orderByEventTime(loadScenario('root.json')));
    const login = runs[1]!.outcome.finding!;
    expect(login.reasons.map((r) => r.signal)).toEqual(expect.arrayContaining(['root-use', 'console-login-without-mfa']));
    expect(severityRank(login.severity)).toBeGreaterThanOrEqual(severityRank('high'));
    const del = runs[2]!.outcome.finding!;
    expect(del.severity).toBe('critical');
    expect(del.credential.type).toBe('root');
    expect(del.reasons.find((r) => r.signal === 'root-use')!.text).toMatch(/no IAM policy can revoke it/);
  });
});

describe('scenario f: every record delivered twice and out of order', () => {
  const files = ['incident.json', 'cross-account.json', 'routine-ci.json', 'tamper.json', 'root.json'];

  it('gives the same findings as in-order delivery, and no duplicates', async () => {
    const events = files.flatMap(loadScenario);
    const inOrder = findingsOf(await run(detectorWith(), orderByEventTime(events)));

    for (const seed of [1, 7, 42]) {
      // Twice, shuffled: the pipeline orders each batch by eventTime, never by arrival.
      const delivered = shuffle([...events, ...events], seed);
      const store = createMemoryStateStore();
      const runs = await run(detectorWith(store), orderByEventTime(delivered));
      const again = findingsOf(runs);
      expect([...again.keys()].sort()).toEqual([...inOrder.keys()].sort());
      for (const [id, f] of inOrder) expect(again.get(id)!.severity).toBe(f.severity);
      // Each finding was produced exactly once; its second delivery came back as a duplicate with the same finding.
      const produced = runs.filter((r) => r.outcome.finding && !r.outcome.duplicate).map((r) => r.outcome.finding!.id);
      expect(produced.length).toBe(new Set(produced).size);
      const dupes = runs.filter((r) => r.outcome.duplicate);
      for (const d of dupes) expect(inOrder.has(d.outcome.finding!.id)).toBe(true);
      expect(dupes.every((d) => d.outcome.published)).toBe(true);

      // Late redeliveries in any order, after everything was processed: nothing new.
      const late = await run(detectorWith(store), shuffle(events, seed + 1));
      expect(late.filter((r) => r.outcome.finding && !r.outcome.duplicate)).toEqual([]);
      expect(late.filter((r) => r.outcome.duplicate).length).toBe(inOrder.size + copiesJoinedBySharedId(events));
    }
    console.log(`scenario f: ${events.length} records ×2 in 3 shuffles → the same ${inOrder.size} findings each time`);
  });

  it('re-publishes a finding whose publication was lost (crash between process and publish)', async () => {
    const events = orderByEventTime(loadScenario('tamper.json'));
    const store = createMemoryStateStore();
    const detector = detectorWith(store);
    const target = events.find((e) => e.action.name === 'StopLogging')!;
    for (const e of events) if (e !== target) await detector.process(e);
    const first = await detector.process(target);
    expect(first.duplicate).toBe(false);
    // crash: markPublished never ran
    const retry = await detector.process(target);
    expect(retry).toEqual({ duplicate: true, finding: first.finding, published: false });
    await detector.markPublished(target, first.finding!.id);
    expect((await detector.process(target)).published).toBe(true);
  });
});

function copiesJoinedBySharedId(events: { sharedEventId?: string }[]): number {
  const counts = new Map<string, number>();
  for (const e of events) if (e.sharedEventId) counts.set(e.sharedEventId, (counts.get(e.sharedEventId) ?? 0) + 1);
  return [...counts.values()].reduce((n, c) => n + c - 1, 0);
}

function maxOf(severities: Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (severityRank(b) > severityRank(a) ? b : a), 'info');
}

describe('two detect instances sharing one store (read cache staleness)', () => {
  it('still sees the hop when another instance processed the staging calls and this one holds cached state', async () => {
    const events = orderByEventTime(loadScenario('incident.json'));
    const store = createMemoryStateStore();
    const frozen = () => 0; // worst case: this instance's cache never expires
    const { createDetector } = await import('../../functions/core/detection/detector.ts');
    const { resolver } = await import('./support.ts');
    // The memory store is `local` (no read cache by default): turn the cache on explicitly.
    const x = createDetector({ store, config, resolver, now: frozen, contextCacheMs: 20_000 });
    const y = createDetector({ store, config, resolver, now: frozen, contextCacheMs: 20_000 });
    const incidentStart = Date.parse(`${INCIDENT.incidentDay}T14:00:00Z`);
    // y processes the whole history: it caches the agent machine's state.
    await run(y, events.filter((e) => e.timeMs < incidentStart));
    // x processes today's staging calls; y then gets the production key's calls.
    const today = events.filter((e) => e.timeMs >= incidentStart);
    await run(x, today.filter((e) => e.credential.accessKeyId !== INCIDENT.ciKey));
    const hopper = await run(y, today.filter((e) => e.credential.accessKeyId === INCIDENT.ciKey));
    expect(hopper[0]!.outcome.finding?.severity).toBe('high');
    expect(hopper[0]!.outcome.finding!.reasons.map((r) => r.signal)).toContain('credential-hop');
    expect(hopper.find((r) => r.event.action.name === 'DeleteDBInstance')!.outcome.finding!.severity).toBe('critical');
  });
});
