/**
 * The tables of docs/detection.md, generated from the code: signals, the
 * severity table, the catalogue (one table per category, with sources) and the
 * Stratus coverage. `npm run docs` writes them between `<!-- generated:NAME -->`
 * markers; test/detection/docs.test.ts fails when the file and the code differ.
 */
import { CATALOGUE, CATEGORIES, type CatalogueEntry } from '../../functions/core/detection/catalogue.ts';
import { describeCondition } from '../../functions/core/detection/conditions.ts';
import { COMBINATIONS, MITIGATIONS, SIGNAL_IDS, SIGNAL_TABLE } from '../../functions/core/detection/scoring.ts';
import type { TechniqueCoverage } from './coverage.ts';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function signalsTable(): string {
  const rows = SIGNAL_IDS.map((id) => `| \`${id}\` | ${SIGNAL_TABLE[id].meaning} | ${SIGNAL_TABLE[id].severity} |`);
  return ['| Signal | What it means | Severity it contributes |', '|---|---|---|', ...rows].join('\n');
}

export function combinationsTable(): string {
  const rows = COMBINATIONS.map((c, i) => {
    const when = c.all.map((group) => group.map((id) => `\`${id}\``).join(' or ')).join(' **and** ');
    const effect = [c.raiseBy ? `raise ${c.raiseBy} step${c.raiseBy > 1 ? 's' : ''}` : '', c.atLeast ? `${c.raiseBy ? 'then ' : ''}at least ${c.atLeast}` : ''].filter(Boolean).join(', ');
    return `| ${i + 1} | ${when} | ${effect} | ${c.why} |`;
  });
  return ['| # | When all of these are present (at low or above) | Effect | Why |', '|---|---|---|---|', ...rows].join('\n');
}

export function mitigationsTable(): string {
  const rows = MITIGATIONS.map(
    (m) =>
      `| \`${m.signal}\` | ${m.lowerBy} | ${m.blockedBy.map((id) => `\`${id}\``).join(', ')} | ${m.cap ? `only down to ${m.cap.atMost} when ${m.cap.when.map((id) => `\`${id}\``).join(' or ')}` : '—'} |`,
  );
  return ['| Mitigating signal | Lowers by | Not applied when present | Capped instead |', '|---|---|---|---|', ...rows].join('\n');
}

function modifiersOf(entry: CatalogueEntry): string {
  const parts: string[] = [];
  if (entry.when) parts.push(`only when ${describeCondition(entry.when)}`);
  if (entry.burst) {
    parts.push(
      `only in numbers: ${entry.burst.threshold}${entry.burst.countPath ? ` ${entry.burst.countPath.replace(/^requestParameters\./, '')}` : ''} ${entry.burst.noun} within ${entry.burst.windowMinutes} min by a principal that does not usually make them`,
    );
  }
  if (entry.humanOnly) parts.push('only by hand (not an AWS service or a deployment engine)');
  for (const m of entry.modifiers ?? []) parts.push(`${describeCondition(m.when)} → ${m.severity}`);
  if (entry.onlyOwnResources) parts.push("only on Blastwall's own resources");
  else if (entry.ownResourcePaths) parts.push('own resource → detector-tamper, critical');
  return parts.length ? cell(parts.join('; ')) : '—';
}

const PEERS = new Set(['sigma', 'panther', 'elastic']);

/** The entry's sources; where no public rule set has a rule for the call, it says so (that is where Blastwall stands alone). */
function sourcesOf(entry: CatalogueEntry): string {
  const refs = entry.sources.map((s) => `${s.kind}: ${s.ref}`).join('; ');
  return entry.sources.some((s) => PEERS.has(s.kind)) ? refs : `${refs}; no Sigma, Panther or Elastic rule`;
}

export function catalogueTables(entries: readonly CatalogueEntry[] = CATALOGUE): string {
  const sections: string[] = [];
  for (const category of CATEGORIES) {
    const list = entries.filter((e) => e.category === category);
    if (list.length === 0) continue;
    sections.push(
      [
        `### ${category} (\`functions/core/detection/catalogue/${category}.ts\`)`,
        '',
        '| Call(s) | Category | Base | Raised/lowered by parameters | Sources |',
        '|---|---|---|---|---|',
        ...list.map(
          (e) =>
            `| \`${e.eventSource.split('.')[0]}\`: ${e.eventNames.join(', ')} | ${e.category} | ${e.severity} | ${modifiersOf(e)} | ${cell(sourcesOf(e))} |`,
        ),
      ].join('\n'),
    );
  }
  return sections.join('\n\n');
}

export function coverageTable(rows: readonly TechniqueCoverage[]): string {
  const flagged = rows.filter((r) => r.severity === 'medium' || r.severity === 'high' || r.severity === 'critical').length;
  return [
    `${flagged} of ${rows.length} Stratus Red Team techniques flagged at medium or above (each file's accounts as a high-sensitivity environment, a fresh store per file); ${rows.reduce((n, r) => n + r.rejected, 0)} records rejected.`,
    '',
    '| Technique | Records | Highest finding | On | Category / signal |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.technique} | ${r.records} | ${r.severity} | ${r.call} | ${r.why} |`),
  ].join('\n');
}

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function replaceBlock(doc: string, name: string, content: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start === -1 || end === -1 || end < start) throw new Error(`docs/detection.md has no ${open} … ${close} block`);
  return `${doc.slice(0, start + open.length)}\n${content}\n${doc.slice(end)}`;
}

export function blockOf(doc: string, name: string): string | undefined {
  const open = `<!-- generated:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(`<!-- /generated:${name} -->`);
  return start === -1 || end === -1 ? undefined : doc.slice(start + open.length + 1, end - 1);
}
