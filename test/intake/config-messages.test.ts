/**
 * The config's error messages, word for word. The schemas run on zod's mini build (issue 13, cold
 * start), which — unlike the classic API — registers no language: without the English messages
 * passed to each parse (`zodEnglish()` in functions/core/config-schema.ts) every built-in check
 * would read "Invalid input". The expected lines are what the classic schemas printed for the same
 * input before the change.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_CONFIG, parseConfig } from '../../functions/core/config.ts';
import { parseOuMembership } from '../../functions/core/organization.ts';

describe('config error messages (zod mini, English)', () => {
  it('name each field and say what is wrong, as before', () => {
    const bad = {
      ...EXAMPLE_CONFIG,
      environments: [{ name: 'dev', accounts: ['1'], sensitivity: 'medium', response: 'dry-run', extra: true }],
      protectedPrincipals: [''],
      detection: {
        hopWindowMinutes: 1441,
        burstThreshold: 2.5,
        rules: [{ id: 'x', eventSource: 'rds.amazonaws.com', eventNames: [], category: 'data-destruction', severity: 'high', what: 'ab', sources: [] }],
      },
      paging: { slackChannel: 'x'.repeat(81) },
      deployment: { alarmEmail: 'not-an-email', regions: 'eu-west-1' },
    };
    let error: unknown;
    try {
      parseConfig(bad, 'my.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        'my.json is invalid:',
        '  - environments[0].accounts[0]: must be a 12-digit AWS account id',
        '  - environments[0].sensitivity: Invalid option: expected one of "low"|"high"',
        '  - environments[0]: Unrecognized key: "extra"',
        '  - protectedPrincipals[0]: Too small: expected string to have >=1 characters',
        '  - detection.hopWindowMinutes: Too big: expected number to be <=1440',
        '  - detection.burstThreshold: Invalid input: expected int, received number',
        '  - detection.rules[0].eventNames: Too small: expected array to have >=1 items',
        '  - detection.rules[0].what: Too small: expected string to have >=3 characters',
        '  - detection.rules[0].sources: name at least one source (your runbook, an AWS page, a peer rule)',
        '  - paging.slackChannel: Too big: expected string to have <=80 characters',
        '  - deployment.regions: Invalid input: expected array, received string',
        '  - deployment.alarmEmail: Invalid email address',
      ].join('\n'),
    );
  });

  it('the organisational-unit cache item is judged with the same messages', () => {
    expect(parseOuMembership({ syncedAt: 'yesterday', ous: { 'ou-ab12-cd34ef56': [['444444444444', 6]] } })).toEqual({
      ok: false,
      reason: 'syncedAt: Invalid ISO datetime; ous.ou-ab12-cd34ef56.0.1: Too big: expected number to be <=5',
    });
    expect(parseOuMembership(null)).toEqual({ ok: false, reason: '(root): Invalid input: expected object, received null' });
  });
});
