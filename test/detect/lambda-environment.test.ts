import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import { ENV_VARS } from '../../functions/core/telemetry-names.ts';
import { configFromEnvironment, requiredEnv } from '../../functions/adapters/lambda-environment.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const name of [ENV_VARS.config, ENV_VARS.tableName]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('what the functions read from their environment', () => {
  it('names the function and the variable when one is missing or empty', () => {
    delete process.env[ENV_VARS.tableName];
    expect(() => requiredEnv('detect', ENV_VARS.tableName)).toThrow('detect: environment variable TABLE_NAME is not set');
    process.env[ENV_VARS.tableName] = '';
    expect(() => requiredEnv('page', ENV_VARS.tableName)).toThrow('page: environment variable TABLE_NAME is not set');
    process.env[ENV_VARS.tableName] = 'blastwall-state';
    expect(requiredEnv('page', ENV_VARS.tableName)).toBe('blastwall-state');
  });

  it('validates BLASTWALL_CONFIG, naming the field that is wrong', () => {
    process.env[ENV_VARS.config] = JSON.stringify(EXAMPLE_CONFIG);
    expect(configFromEnvironment('respond').environments.map((e) => e.name)).toEqual(['development', 'staging', 'production']);
    process.env[ENV_VARS.config] = JSON.stringify({ environments: [{ name: 'p', accounts: ['1'], sensitivity: 'high', response: 'enforce' }] });
    expect(() => configFromEnvironment('respond')).toThrow(/environments\[0\]\.accounts\[0\]: must be a 12-digit AWS account id/);
  });
});
