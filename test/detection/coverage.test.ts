/**
 * Coverage on real attacks: every Stratus Red Team technique of the corpus is
 * flagged at medium or above (its accounts as a high-sensitivity environment),
 * and docs/detection.md carries exactly this table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stratusCoverage } from '../../docs/tools/coverage.ts';
import { blockOf, coverageTable } from '../../docs/tools/detection-tables.ts';

describe('Stratus Red Team coverage', () => {
  it('flags every technique at medium or above, rejects no record, and the docs table matches (printed)', async () => {
    const rows = await stratusCoverage();
    const table = coverageTable(rows);
    console.log(table);
    expect(rows.length).toBe(35);
    expect(rows.filter((r) => r.rejected > 0)).toEqual([]);
    const below = rows.filter((r) => !['medium', 'high', 'critical'].includes(r.severity)).map((r) => `${r.technique}: ${r.severity}`);
    expect(below).toEqual([]);
    // Where a peer rule set rates a technique high, so does Blastwall (Sigma level high / issue's explicit cases).
    const high = ['aws.exfiltration.ec2-share-ami', 'aws.exfiltration.ec2-share-ebs-snapshot', 'aws.exfiltration.rds-share-snapshot', 'aws.execution.ec2-user-data', 'aws.privilege-escalation.iam-update-user-login-profile'];
    for (const technique of high) expect(['high', 'critical'], technique).toContain(rows.find((r) => r.technique === technique)?.severity);
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'detection.md'), 'utf8');
    expect(blockOf(doc, 'coverage'), 'docs/detection.md is stale: run `npm run docs`').toBe(table);
  });
});
