/** The summary's numbers are what they claim: a suggested suppression silences exactly the findings it counts. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/core/config.ts';
import { replayFiles, type ReplayedFinding } from '../../bin/cli/replay-engine.ts';
import { createReportCollector, summaryText, suppressionEntry } from '../../bin/cli/report.ts';
import { benchConfig, recordedHistory } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'blastwall-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'history.json');
writeFileSync(file, JSON.stringify({ Records: recordedHistory(4000, { spanHours: 24 * 20 }) }));
const base = benchConfig();

async function run(suppressions: unknown[] = []) {
  const config = parseConfig(
    {
      environments: base.environments.map((e) => ({ name: e.name, accounts: e.accounts, sensitivity: e.sensitivity, response: e.response })),
      detection: { suppressions },
    },
    'test',
  );
  const findings: ReplayedFinding[] = [];
  const collector = createReportCollector();
  const summary = await replayFiles([file], config, { onFinding: (f) => (findings.push(f), collector.add(f)) });
  return { summary, findings, report: collector.result() };
}

describe('the report', () => {
  it('counts by environment, severity, signal and principal add up to the findings', async () => {
    const { summary, report } = await run();
    expect(summary.findings).toBeGreaterThan(10);
    const total = (rows: Array<[string, number]>) => rows.reduce((n, [, c]) => n + c, 0);
    expect(total(report.byEnvironment)).toBe(summary.findings);
    expect(total(report.byPrincipal)).toBe(summary.findings);
    expect(Object.values(report.bySeverity).reduce((a, b) => a + b, 0)).toBe(summary.findings);
    // The would-revoke list holds every planned revocation; those in enforce environments are the summary's count.
    expect(report.revocations.filter((r) => r.mode === 'enforce')).toHaveLength(summary.revocations);
    expect(summary.revocations).toBeGreaterThan(0);
    expect(summaryText(summary, report)).toMatch(/By environment:[\s\S]*Noisiest signals:[\s\S]*Would revoke \(/);
  });

  it('the suggested suppression silences exactly the findings it says, and nothing else', async () => {
    const before = await run();
    const hint = before.report.suppressions[0]!;
    expect(hint.silenced).toBeGreaterThan(1);
    const entry = { ...suppressionEntry(hint), reason: 'routine clean-up by this principal', expires: '2099-01-01' };
    const after = await run([entry]);
    expect(after.summary.findings).toBe(before.summary.findings - hint.silenced);
    expect(after.summary.suppressed).toHaveLength(hint.silenced);
    const silencedIds = new Set(after.summary.suppressed.map((s) => s.eventId));
    const remaining = before.findings.filter((f) => !silencedIds.has(f.finding.eventId)).map((f) => f.finding.id);
    expect(after.findings.map((f) => f.finding.id)).toEqual(remaining);
  });
});
