import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_TYPES } from '../../functions/core/audit-event.ts';
import { REVOCATION_TABLE, revocationTableMarkdown } from '../../functions/core/response/revocation-table.ts';
import { planResponse } from '../../functions/core/response/plan.ts';
import { NOW, PROD, PROD_KEY, makeFinding, testConfig } from './fixtures.ts';
import type { Credential } from '../../functions/core/audit-event.ts';

const README = new URL('../../README.md', import.meta.url);
const doc = readFileSync(new URL('../../docs/response.md', import.meta.url), 'utf8');

describe('docs/response.md "What Blastwall will and won\'t revoke"', () => {
  it('embeds exactly the code\'s table', () => {
    const match = /<!-- revocation-table:start -->\n([\s\S]*?)\n<!-- revocation-table:end -->/.exec(doc);
    expect(match, 'the table markers are missing from docs/response.md').not.toBeNull();
    expect(match![1]).toBe(revocationTableMarkdown());
    // README.md may embed the same table between the same markers; then it must match too.
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
    const inReadme = /<!-- revocation-table:start -->\n([\s\S]*?)\n<!-- revocation-table:end -->/.exec(readme);
    if (inReadme) expect(inReadme[1]).toBe(revocationTableMarkdown());
  });

  it('the table covers every credential type once', () => {
    expect(REVOCATION_TABLE.map((r) => r.credential).sort()).toEqual([...CREDENTIAL_TYPES].sort());
  });

  it('the planner does what the table says for each credential type', () => {
    const examples: Record<string, Credential> = {
      'access-key': { type: 'access-key', accessKeyId: PROD_KEY, accountId: PROD, principalName: 'ci', homeEnvironment: 'production' },
      'role-session': { type: 'role-session', accountId: PROD, principalName: 'Deploy', issuerArn: `arn:aws:iam::${PROD}:role/Deploy`, homeEnvironment: 'production' },
      'user-session': { type: 'user-session', accountId: PROD, principalName: 'ci', homeEnvironment: 'production' },
      'console-session': { type: 'console-session', accountId: PROD, principalName: 'ci', homeEnvironment: 'production' },
    };
    for (const rule of REVOCATION_TABLE) {
      const credential = examples[rule.credential] ?? ({ type: rule.credential, accountId: PROD, homeEnvironment: 'production' } as Credential);
      const lineage: Credential[] = rule.credential === 'user-session' ? [{ ...examples['access-key']!, principalName: 'ci' }] : [];
      const actions = planResponse(makeFinding({ credential, lineage }), { config: testConfig(), now: NOW });
      const calls = actions.filter((a) => a.apiCall).map((a) => a.action);
      expect(calls, rule.credential).toEqual(rule.operations);
      const hasManual = actions.some((a) => a.action === 'manual');
      expect(hasManual, rule.credential).toBe(rule.revocable !== 'yes');
    }
  });
});
