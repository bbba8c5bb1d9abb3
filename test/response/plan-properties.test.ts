/**
 * Properties of the planner over arbitrary credentials and lineages (fast-check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CREDENTIAL_TYPES, SEVERITIES, type Credential } from '../../functions/core/audit-event.ts';
import { planResponse } from '../../functions/core/response/plan.ts';
import { NOW, PROD, STAGING, makeFinding, testConfig } from './fixtures.ts';

const name = fc.oneof(fc.constantFrom('ci-deployer', 'ProdDeploy', 'BreakGlassAdmin', 'BlastwallResponder', 'stg-dev'), fc.string({ maxLength: 70 }));
const credential: fc.Arbitrary<Credential> = fc.record(
  {
    type: fc.constantFrom(...CREDENTIAL_TYPES),
    accessKeyId: fc.oneof(fc.constant('AKIAPRODCIDEPLOYER01'), fc.constant('ASIAPRODROLESESSION1'), fc.string({ maxLength: 30 })),
    accountId: fc.constantFrom(PROD, STAGING, '444444444444', 'not-an-account'),
    principalName: name,
    issuerArn: fc.oneof(fc.constant(`arn:aws:iam::${PROD}:role/ProdDeploy`), fc.constant(`arn:aws:iam::${PROD}:user/ci-deployer`), fc.string({ maxLength: 60 })),
    homeEnvironment: fc.constantFrom('production', 'staging', 'unknown'),
  },
  { requiredKeys: ['type', 'homeEnvironment'] },
);

describe('planResponse properties', () => {
  it('only ever plans the three revocations, each aimed at the finding\'s own credentials, never an unsafe input', () => {
    fc.assert(
      fc.property(credential, fc.array(credential, { maxLength: 3 }), fc.constantFrom(...SEVERITIES), fc.constantFrom('enforce', 'dry-run', 'page-only' as const), (c, lineage, severity, mode) => {
        const finding = makeFinding({ credential: c, lineage, severity, mode });
        const actions = planResponse(finding, { config: testConfig(), now: NOW });
        expect(actions.length).toBeGreaterThan(0);
        const keys = new Set([c, ...lineage].map((x) => x.accessKeyId));
        for (const a of actions) {
          expect(['iam:UpdateAccessKey', 'iam:PutRolePolicy', 'iam:PutUserPolicy', 'manual']).toContain(a.action);
          if (a.action === 'manual') {
            expect(a.apiCall).toBeUndefined();
            expect(a.status).toBe('skipped');
            expect(a.detail?.length).toBeGreaterThan(20);
            continue;
          }
          const input = a.apiCall!.input as Record<string, string>;
          expect(a.account).toMatch(/^\d{12}$/);
          for (const v of Object.values(input).filter((v) => typeof v === 'string' && !v.startsWith('{'))) expect(v).toMatch(/^[\w+=,.@-]{1,128}$/);
          if (a.action === 'iam:UpdateAccessKey') {
            expect(input.Status).toBe('Inactive');
            expect(keys.has(input.AccessKeyId)).toBe(true);
            expect(input.AccessKeyId).toMatch(/^AKIA/);
          } else {
            expect(input.PolicyName).toBe('BlastwallRevokeOlderSessions');
            expect(JSON.parse(input.PolicyDocument!).Statement[0].Effect).toBe('Deny');
          }
          // Nothing would act below the threshold, in page-only, or on a protected principal.
          if (a.status === 'planned') {
            expect(['high', 'critical']).toContain(severity);
            expect(a.mode).not.toBe('page-only');
            expect(a.target).not.toMatch(/:role\/(BreakGlass|BlastwallResponder)/);
            if (a.action === 'iam:PutRolePolicy') expect(input.RoleName).not.toMatch(/^(BreakGlass|BlastwallResponder)/);
          }
        }
        const keysOf = actions.map((a) => `${a.action}|${a.account}|${a.target}`);
        expect(new Set(keysOf).size).toBe(keysOf.length);
      }),
      { numRuns: 400 },
    );
  });
});
