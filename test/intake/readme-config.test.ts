import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../functions/core/config.ts';

describe('the README configuration example', () => {
  it('is a valid blastwall.config.json, comments and all', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /## Configuration[\s\S]*?```jsonc\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README has a ```jsonc block under "## Configuration"').toBeDefined();
    // Trailing `// …` comments after a value are not part of the format: the example uses whole-line comments only.
    const config = parseConfigText(block!, 'README.md');
    expect(config.environments.map((e) => e.name)).toEqual(['development', 'staging', 'production']);
    expect(config.paging.approvers).toEqual(['U012ABCDEF']);
    expect(config.deployment.organizationId).toBe('o-abc123defg');
  });
});
