/**
 * protectedMatcher is compiled once per config object and list of passed ARNs (a response is
 * planned for every finding). The cache must never answer for another config: a second config
 * with other protected principals, or other passed ARNs, gets its own answer.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { protectedMatcher } from '../../functions/core/response/protected.ts';

const BREAK_GLASS = 'arn:aws:iam::333333333333:role/break-glass';
const CI = 'arn:aws:iam::333333333333:role/ci-deployer';

describe('protectedMatcher cache', () => {
  it('compiles once per config and passed ARNs, and answers for each config on its own', () => {
    const a = parseConfig({ ...EXAMPLE_CONFIG, protectedPrincipals: [BREAK_GLASS] });
    const b = parseConfig({ ...EXAMPLE_CONFIG, protectedPrincipals: [CI] });
    const matchA = protectedMatcher(a, []);
    expect(protectedMatcher(a, [])).toBe(matchA);
    expect(matchA(BREAK_GLASS)).toMatch(/protected principal/);
    expect(matchA(CI)).toBeUndefined();
    const matchB = protectedMatcher(b, []);
    expect(matchB).not.toBe(matchA);
    expect(matchB(BREAK_GLASS)).toBeUndefined();
    expect(matchB(`arn:aws:sts::333333333333:assumed-role/ci-deployer/run-1`)).toMatch(/protected principal/);
    const passed = 'arn:aws:iam::333333333333:role/custom-responder';
    expect(matchA(passed)).toBeUndefined();
    expect(protectedMatcher(a, [passed])(passed)).toMatch(/BLASTWALL_OWN_ROLE_ARNS/);
  });
});
