import { describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_CONFIG, parseConfig, parseConfigText } from '../../functions/core/config.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';

function issuesOf(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('fills defaults around the minimal contract', () => {
    const config = parseConfig({ environments: [{ name: 'prod', accounts: ['123456789012'], sensitivity: 'high', response: 'enforce' }] });
    expect(config.protectedPrincipals).toEqual([]);
    expect(config.response.circuitBreaker).toEqual({ maxRevocations: 5, windowMinutes: 10 });
    expect(config.detection.hopWindowMinutes).toBe(15);
    expect(config.unknownEnvironment).toEqual({ sensitivity: 'high', response: 'dry-run' });
  });

  it('names the field and what is wrong', () => {
    expect(issuesOf({ environments: [{ name: 'prod', accounts: ['12345'], sensitivity: 'high', response: 'enforce' }] })).toEqual([
      'environments[0].accounts[0]: must be a 12-digit AWS account id',
    ]);
    expect(issuesOf({ environments: [{ name: 'prod', accounts: [], sensitivity: 'medium', response: 'enforce' }] })[0]).toMatch(/^environments\[0\]\.sensitivity: /);
    expect(issuesOf({ environments: [{ name: 'prod', accounts: [], sensitivity: 'high', response: 'revoke-everything' }] })[0]).toMatch(/^environments\[0\]\.response: /);
    expect(issuesOf({ environments: [] })).toEqual(['environments: list at least one environment']);
    expect(issuesOf({ environments: [{ name: 'a', accounts: [], sensitivity: 'low', response: 'enforce' }], surprise: 1 })[0]).toMatch(/surprise/);
  });

  it('refuses an account in two environments and duplicate names', () => {
    const issues = issuesOf({
      environments: [
        { name: 'a', accounts: ['111111111111'], sensitivity: 'low', response: 'enforce' },
        { name: 'a', accounts: ['111111111111'], sensitivity: 'high', response: 'enforce' },
      ],
    });
    expect(issues).toContain('environments[1].name: duplicate environment name "a"');
    expect(issues).toContain('environments[1].accounts[0]: account 111111111111 is already in environment "a"');
  });

  it('reads JSON text with // comment lines and reports invalid JSON with the file name', () => {
    const config = parseConfigText(`// comment\n${JSON.stringify(EXAMPLE_CONFIG)}`, 'my.json');
    expect(config.environments).toHaveLength(3);
    expect(() => parseConfigText('{ nope', 'my.json')).toThrow(/my.json is not valid JSON/);
  });

  it('resolves environments by account and by resource pattern, unlisted accounts to unknown', () => {
    const resolver = createEnvironmentResolver(
      parseConfig({
        environments: [
          { name: 'shared-prod', accounts: [], sensitivity: 'high', response: 'enforce', resourcePatterns: ['arn:aws:s3:::prod-*'] },
          { name: 'shared', accounts: ['444444444444'], sensitivity: 'low', response: 'dry-run' },
        ],
      }),
    );
    expect(resolver.forCall('444444444444', ['arn:aws:s3:::prod-backups'])).toBe('shared-prod');
    expect(resolver.forCall('444444444444', ['arn:aws:s3:::dev-scratch'])).toBe('shared');
    expect(resolver.forAccount('555555555555')).toBe('unknown');
    expect(resolver.mode('unknown')).toBe('dry-run');
    expect(resolver.sensitivityRank('shared-prod')).toBeGreaterThan(resolver.sensitivityRank('unknown'));
    expect(resolver.sensitivityRank('unknown')).toBeGreaterThan(resolver.sensitivityRank('shared'));
  });
});
