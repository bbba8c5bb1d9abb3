/**
 * The findings of every fixture, as one text: for each run, one line per finding
 * (finding id, severity, the reasons' signals in order, the categories). The
 * detector's hot path is reshaped for speed (issue 13); this text is generated
 * from the code before a reshaping and committed, and test/detection/golden.test.ts
 * fails when any finding changes.
 *
 * Runs: every Stratus Red Team detonation (as docs/tools/coverage.ts runs them: its
 * accounts as production), every Panther fixture record (a fresh store each), the
 * scenarios (time order, and one shuffled order: late arrivals), the Terraform and
 * CDK teardown hours (as `blastwall replay` runs them), the AWS documentation
 * examples, and 30,000 events of the bench's generated organisation (the state
 * the hot path keeps: hops, sources, bursts, refusals).
 *
 * `npx tsx test/detection/golden.ts --write` rewrites test/fixtures/golden/findings.txt.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '../../functions/core/audit-event.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { parseConfig } from '../../functions/core/config.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { createDetector, orderByEventTime } from '../../functions/core/detection/detector.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';
import { replayFiles } from '../../bin/cli/replay-engine.ts';
import { benchConfig, generate } from '../../bench/generate.ts';
import { CORPUS_DIR, config, detectorWith, run, SCENARIO_DIR, shuffle, normalise } from './support.ts';

export const GOLDEN_FILE = join(import.meta.dirname, '..', 'fixtures', 'golden', 'findings.txt');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

const line = (f: Finding) => `${f.id} ${f.severity} ${f.reasons.map((r) => `${r.signal}${r.mitigating ? '-' : ''}`).join(',')} [${f.categories.join(',')}]`;

async function detectAll(label: string, events: AuditEvent[], c = config): Promise<string[]> {
  const runs = await run(detectorWith(undefined, c), events);
  const out = [`# ${label} (${events.length} events)`];
  for (const { outcome } of runs) {
    if (outcome.finding && !outcome.duplicate) out.push(line(outcome.finding));
    for (const extra of outcome.additionalFindings ?? []) out.push(`+${line(extra)}`);
    if (outcome.suppressed) out.push(`suppressed ${outcome.suppressed.severity}`);
  }
  return out;
}

export async function goldenText(): Promise<string> {
  const out: string[] = [];
  // Stratus: each technique with its accounts as a high-sensitivity environment (docs/tools/coverage.ts).
  const stratus = join(CORPUS_DIR, 'stratus-red-team');
  for (const file of readdirSync(stratus).filter((f) => f.endsWith('.json')).sort()) {
    const records = JSON.parse(readFileSync(join(stratus, file), 'utf8')) as Record<string, unknown>[];
    const accounts = [...new Set(records.map((r) => r['recipientAccountId']).filter((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a)))];
    const c = parseConfig({ environments: [{ name: 'production', accounts, sensitivity: 'high', response: 'enforce' }] });
    const resolver = createEnvironmentResolver(c);
    const events = orderByEventTime(records.flatMap((r) => {
      const n = normaliseRecord(r, resolver);
      return n.ok ? [n.event] : [];
    }));
    const runs = await run(createDetector({ store: createMemoryStateStore(), config: c, resolver }), events);
    out.push(`# stratus/${file} (${events.length} events)`);
    for (const { outcome } of runs) if (outcome.finding && !outcome.duplicate) out.push(line(outcome.finding));
  }
  // Panther: independent records, a fresh store each.
  const lines = readFileSync(join(CORPUS_DIR, 'panther-analysis', 'cloudtrail-tests.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const [i, text] of lines.entries()) {
    const { record } = JSON.parse(text) as { record: unknown };
    const n = normaliseRecord(record, createEnvironmentResolver(config));
    if (!n.ok) continue;
    const runs = await run(detectorWith(), [n.event]);
    const f = runs[0]!.outcome.finding;
    if (f) out.push(`panther#${i} ${line(f)}`);
  }
  // Scenarios: in time order, and shuffled (late arrivals re-score later events).
  for (const file of readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const events = (JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as unknown[]).map((r) => normalise(r));
    out.push(...(await detectAll(`scenario ${file}`, orderByEventTime(events))));
    out.push(...(await detectAll(`scenario ${file}, shuffled`, shuffle(events, 13))));
  }
  // Teardown hours, as `blastwall replay` runs them.
  for (const file of ['terraform-hour.json', 'cdk-hour.json']) {
    const found: string[] = [];
    const summary = await replayFiles([join(FIXTURES, 'teardown', file)], config, { onFinding: ({ finding }) => found.push(line(finding)) });
    out.push(`# teardown ${file} (${summary.events} events)`, ...found);
  }
  // AWS documentation examples, each file in time order.
  const docs = join(FIXTURES, 'aws-docs-examples');
  for (const file of readdirSync(docs).filter((f) => f.endsWith('.json')).sort()) {
    const raw = JSON.parse(readFileSync(join(docs, file), 'utf8')) as unknown;
    const records = (Array.isArray(raw) ? raw : ((raw as { Records?: unknown[] }).Records ?? [raw])) as unknown[];
    const events = records.flatMap((r) => {
      const n = normaliseRecord(r, createEnvironmentResolver(config));
      return n.ok ? [n.event] : [];
    });
    out.push(...(await detectAll(`aws-docs-examples/${file}`, orderByEventTime(events))));
  }
  // The bench's organisation: 30,000 events, its own configuration.
  const bench = benchConfig();
  const benchResolver = createEnvironmentResolver(bench);
  const { records } = generate({ events: 30_000, seed: 11, humanOnly: false });
  const events = records.flatMap((r) => {
    const n = normaliseRecord(r, benchResolver);
    return n.ok ? [n.event] : [];
  });
  out.push(...(await detectAll('bench organisation seed 11', events, bench)));
  return `${out.join('\n')}\n`;
}

if (process.argv.includes('--write')) {
  writeFileSync(GOLDEN_FILE, await goldenText());
  console.log(`wrote ${GOLDEN_FILE}`);
}
