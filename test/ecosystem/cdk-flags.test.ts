/**
 * cdk.json carries the recommended feature flags of the installed aws-cdk-lib, as `cdk init`
 * writes them, with the recommended value except where Blastwall decides otherwise (listed
 * here with the reason, and in docs/deploy.md). `cdk synth` printing no warning is asserted in
 * test/infra/synth.test.ts, which runs the real CLI.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/config.ts';

const require = createRequire(import.meta.url);
const recommended = require('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;
const context = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** Flags set against the recommendation, on purpose. */
export const FLAG_EXCEPTIONS: Record<string, { value: unknown; reason: string }> = {
  '@aws-cdk/aws-iam:minimizePolicies': {
    value: false,
    reason: 'every IAM statement keeps its own Sid (OwnStateTableItems, PublishFindings …): reviewers and the least-privilege tests read each one; merged statements would lose them',
  },
  '@aws-cdk/core:target-partitions': {
    value: ['aws'],
    reason: 'Blastwall is deployed and tested in the aws partition; region facts for aws-cn would add lookup tables to the region-agnostic StackSet template for a partition nobody tested',
  },
};

describe('cdk.json feature flags', () => {
  it('has every recommended flag of the installed aws-cdk-lib', () => {
    const missing = Object.keys(recommended).filter((k) => !(k in context));
    expect(missing).toEqual([]);
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
  });

  it('with the recommended value, except the documented exceptions', () => {
    for (const [flag, value] of Object.entries(recommended)) {
      const exception = FLAG_EXCEPTIONS[flag];
      expect(context[flag], flag).toEqual(exception ? exception.value : value);
    }
  });

  it('every exception is documented in docs/deploy.md', () => {
    const deploy = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const flag of Object.keys(FLAG_EXCEPTIONS)) expect(deploy).toContain(flag);
  });
});
