/**
 * Coverage of the Stratus Red Team corpus: each technique's detonation log
 * replayed through the detector on a fresh store, with the file's accounts as a
 * high-sensitivity environment — the way the public rule sets were compared.
 * Used by the coverage test and by the docs generator (one computation).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { severityRank, type Severity } from '../../functions/core/audit-event.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { createDetector, orderByEventTime } from '../../functions/core/detection/detector.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';

export const STRATUS_DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'corpus', 'stratus-red-team');

export interface TechniqueCoverage {
  technique: string;
  records: number;
  rejected: number;
  /** Highest finding severity, `none` when nothing was found. */
  severity: Severity | 'none';
  /** The call that carries it, and its catalogue category (or the strongest signal). */
  call: string;
  why: string;
}

export async function stratusCoverage(dir = STRATUS_DIR): Promise<TechniqueCoverage[]> {
  const out: TechniqueCoverage[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const records = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>[];
    const accounts = [...new Set(records.map((r) => r['recipientAccountId']).filter((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a)))];
    const config = parseConfig({ environments: [{ name: 'production', accounts, sensitivity: 'high', response: 'enforce' }] });
    const resolver = createEnvironmentResolver(config);
    const detector = createDetector({ store: createMemoryStateStore(), config, resolver });
    const normalised = records.map((r) => normaliseRecord(r, resolver));
    const events = orderByEventTime(normalised.flatMap((r) => (r.ok ? [r.event] : [])));
    const row: TechniqueCoverage = { technique: file.replace(/\.json$/, ''), records: records.length, rejected: records.length - events.length, severity: 'none', call: '—', why: '—' };
    for (const event of events) {
      const { finding } = await detector.process(event);
      if (!finding) continue;
      if (row.severity === 'none' || severityRank(finding.severity) > severityRank(row.severity)) {
        row.severity = finding.severity;
        row.call = `${event.action.eventSource.split('.')[0]}:${event.action.name}`;
        const top = finding.reasons.filter((r) => !r.mitigating && r.signal !== 'scoring').sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
        row.why = finding.categories[0] ?? top?.signal ?? '—';
      }
    }
    out.push(row);
  }
  return out;
}
