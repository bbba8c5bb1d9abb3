/** docs/detection.md must document exactly what the code does. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../functions/core/detection/catalogue.ts';
import { COMBINATIONS, MITIGATIONS, SIGNAL_IDS, SIGNAL_TABLE } from '../../functions/core/detection/scoring.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'detection.md'), 'utf8');

describe('docs/detection.md', () => {
  it('lists every signal with the meaning and severity the code uses', () => {
    for (const id of SIGNAL_IDS) {
      expect(doc).toContain(`| \`${id}\` | ${SIGNAL_TABLE[id].meaning} | ${SIGNAL_TABLE[id].severity} |`);
    }
  });
  it('prints every combination and mitigation of the severity table', () => {
    for (const c of COMBINATIONS) expect(doc).toContain(`| ${c.why} |`);
    for (const m of MITIGATIONS) expect(doc).toContain(`| \`${m.signal}\` | ${m.lowerBy} |`);
  });
  it('lists every catalogue entry', () => {
    for (const e of CATALOGUE) expect(doc).toContain(`\`${e.eventSource.split('.')[0]}\`: ${e.eventNames.join(', ')} | ${e.category} | ${e.severity} |`);
  });
});
