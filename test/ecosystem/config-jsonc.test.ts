/** The config file's syntax: JSON with comments and trailing commas (jsonc-parser), errors with line and column. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../functions/core/config.ts';

const env = '{ "name": "production", "accounts": ["333333333333"], "sensitivity": "high", "response": "enforce" }';

describe('config text', () => {
  it('accepts // and /* */ comments and trailing commas', () => {
    const config = parseConfigText(`/* Blastwall
   config */
{
  // environments
  "environments": [${env},], /* inline */
  "protectedPrincipals": ["arn:aws:iam::*:role/BreakGlass*",],
}`);
    expect(config.environments.map((e) => e.name)).toEqual(['production']);
    expect(config.protectedPrincipals).toEqual(['arn:aws:iam::*:role/BreakGlass*']);
  });

  it('never touches comment-like text inside strings', () => {
    const config = parseConfigText(`{"environments": [${env}], "protectedPrincipals": ["arn:aws:iam::*:role/a//b", "arn:aws:iam::*:role/c/*d*/"]}`);
    expect(config.protectedPrincipals).toEqual(['arn:aws:iam::*:role/a//b', 'arn:aws:iam::*:role/c/*d*/']);
  });

  it('reports a syntax error with its line and column', () => {
    const text = `{\n  "environments": [${env}]\n  "protectedPrincipals": []\n}`;
    let error: unknown;
    try {
      parseConfigText(text, 'my.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('my.json is not valid JSON: line 3, column 3: CommaExpected');
  });

  it('rejects an empty file', () => {
    expect(() => parseConfigText('   ', 'my.json')).toThrow(/my.json is not valid JSON: line 1, column \d+: ValueExpected/);
  });
});
