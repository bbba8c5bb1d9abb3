/** docs/detection.md must document exactly what the code does: its tables are generated (`npm run docs`) and compared here. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../functions/core/detection/catalogue.ts';
import { COMBINATIONS, MITIGATIONS, SIGNAL_IDS, SIGNAL_TABLE } from '../../functions/core/detection/scoring.ts';
import { blockOf, catalogueTables, combinationsTable, mitigationsTable, signalsTable } from '../../docs/tools/detection-tables.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'detection.md'), 'utf8');
const stale = 'docs/detection.md is stale: run `npm run docs`';

describe('docs/detection.md', () => {
  it('lists every signal with the meaning and severity the code uses', () => {
    expect(blockOf(doc, 'signals'), stale).toBe(signalsTable());
    for (const id of SIGNAL_IDS) expect(doc).toContain(`| \`${id}\` | ${SIGNAL_TABLE[id].meaning} | ${SIGNAL_TABLE[id].severity} |`);
  });
  it('prints every combination and mitigation of the severity table', () => {
    expect(blockOf(doc, 'combinations'), stale).toBe(combinationsTable());
    expect(blockOf(doc, 'mitigations'), stale).toBe(mitigationsTable());
    for (const c of COMBINATIONS) expect(doc).toContain(`| ${c.why} |`);
    for (const m of MITIGATIONS) expect(doc).toContain(`| \`${m.signal}\` | ${m.lowerBy} |`);
  });
  it('lists every catalogue entry, by category, with its sources', () => {
    expect(blockOf(doc, 'catalogue'), stale).toBe(catalogueTables());
    for (const e of CATALOGUE) {
      expect(doc).toContain(`\`${e.eventSource.split('.')[0]}\`: ${e.eventNames.join(', ')} | ${e.category} | ${e.severity} |`);
      // Every entry names where it comes from: the AWS documentation, or (for Blastwall's own resources) Blastwall itself.
      expect(e.sources.some((s) => s.kind === 'aws-docs' || s.kind === 'blastwall'), e.id).toBe(true);
    }
  });
});
