/**
 * Every credential in the real corpus (Stratus Red Team detonations, Panther's test records)
 * gets a plan: a well-formed IAM call, or a manual step that says why. Nothing throws,
 * nothing is guessed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { normaliseRecord } from '../../functions/core/normalise.ts';
import { planResponse } from '../../functions/core/response/plan.ts';
import { NOW } from './fixtures.ts';

const CORPUS = new URL('../fixtures/corpus/', import.meta.url);

function corpusRecords(): unknown[] {
  const out: unknown[] = [];
  const stratus = new URL('stratus-red-team/', CORPUS);
  for (const f of readdirSync(stratus).filter((f) => f.endsWith('.json'))) out.push(...(JSON.parse(readFileSync(new URL(f, stratus), 'utf8')) as unknown[]));
  for (const line of readFileSync(new URL('panther-analysis/cloudtrail-tests.jsonl', CORPUS), 'utf8').split('\n')) {
    if (line.trim()) out.push((JSON.parse(line) as { record: unknown }).record);
  }
  return out;
}

describe('plans for every credential in the real corpus', () => {
  it('are well-formed calls or manual steps', () => {
    // Every account is enforce here, so every plan shows the call it would make.
    const config = parseConfig({ ...EXAMPLE_CONFIG, unknownEnvironment: { sensitivity: 'high', response: 'enforce' } });
    const resolver = createEnvironmentResolver(config);
    const tally = new Map<string, number>();
    let planned = 0;
    for (const record of corpusRecords()) {
      const result = normaliseRecord(record, resolver);
      if (!result.ok) continue;
      const e = result.event;
      const finding: Finding = {
        id: `f-${e.id}`,
        eventId: e.id,
        time: e.time,
        eventName: e.action.name,
        eventSource: e.action.eventSource,
        account: e.account,
        region: e.region,
        environment: e.environment,
        severity: 'critical',
        summary: '',
        credential: e.credential,
        actor: e.actor,
        reasons: [],
        categories: [],
        environmentsCrossed: [],
        lineage: [],
        recentEvents: [],
        mode: 'enforce',
        response: [],
      };
      const actions = planResponse(finding, { config, now: NOW });
      expect(actions.length).toBeGreaterThan(0);
      for (const a of actions) {
        const k = `${e.credential.type} → ${a.action}`;
        tally.set(k, (tally.get(k) ?? 0) + 1);
        if (a.action === 'manual') {
          expect(a.detail).toMatch(/Do now:|Revoke by hand:/);
          continue;
        }
        planned++;
        expect(a.account).toMatch(/^\d{12}$/);
        const input = a.apiCall!.input as Record<string, string>;
        if (a.action === 'iam:UpdateAccessKey') {
          expect(input.AccessKeyId).toBe(e.credential.accessKeyId);
          expect(input.Status).toBe('Inactive');
        }
        for (const name of [input.UserName, input.RoleName].filter(Boolean)) expect(name).toMatch(/^[\w+=,.@-]{1,128}$/);
      }
    }
    console.log('corpus plans by credential → action:\n' + [...tally].sort().map(([k, v]) => `  ${String(v).padStart(4)}  ${k}`).join('\n'));
    expect(planned).toBeGreaterThan(500);
    expect([...tally.keys()].some((k) => k.startsWith('root → manual'))).toBe(true);
    expect([...tally.keys()].some((k) => k.startsWith('identity-center → manual'))).toBe(true);
  });
});
