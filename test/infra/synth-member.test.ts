/**
 * `npx cdk synth --no-notices` with `deployment.topology: "member"`, offline with the local
 * esbuild: cdk-nag clean; the member stacks bundle the very detect bundle the central stack
 * bundles (same asset, so the same zip and the same Lambda CodeSha256 — what heartbeat-watch
 * compares a member's detect with).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_FILE, REPO_ROOT } from '../../lib/config.ts';

let out: string;
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'blastwall-synth-member-'));
  const config = JSON.parse(readFileSync(join(REPO_ROOT, EXAMPLE_CONFIG_FILE), 'utf8'));
  config.deployment.topology = 'member';
  const file = join(out, 'blastwall.config.json');
  writeFileSync(file, JSON.stringify(config));
  run = spawnSync('npx', ['cdk', 'synth', '--no-notices', '-q', '-c', `config=${file}`, '-c', 'centralTableName=Blastwall-Central-State1A2B3C-XYZ', '-o', join(out, 'cdk.out')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
}, 240_000);

const template = (stack: string) => JSON.parse(readFileSync(join(out, 'cdk.out', `${stack}.template.json`), 'utf8'));
const functions = (stack: string) => Object.entries<any>(template(stack).Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

describe('npx cdk synth --no-notices, member topology', () => {
  it('succeeds, with cdk-nag validation passing', () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\[Warning|warning/i);
    const report = join(out, 'cdk.out', 'policy-validation-report.json');
    if (existsSync(report)) {
      const failures = (JSON.parse(readFileSync(report, 'utf8')).pluginReports ?? []).flatMap((r: { violations?: { ruleName: string }[] }) => r.violations ?? []);
      expect(failures).toEqual([]);
    }
  });

  it('member detect ships the central detect\'s bundle (same asset → same zip → same CodeSha256)', () => {
    const centralDetect = functions('Blastwall-Central').find(([id]) => id.startsWith('DetectFunction'))![1];
    for (const stack of ['Blastwall-Member-us-east-1', 'Blastwall-Member-eu-west-1', 'Blastwall-MemberTemplate']) {
      const memberDetect = functions(stack).find(([, f]) => f.Properties.FunctionName === 'Blastwall-member-detect')![1];
      expect(memberDetect.Metadata['aws:asset:path'], stack).toBe(centralDetect.Metadata['aws:asset:path']);
      expect(memberDetect.Properties.Code.S3Key, stack).toBe(centralDetect.Properties.Code.S3Key);
      expect(existsSync(join(out, 'cdk.out', memberDetect.Metadata['aws:asset:path'], 'index.mjs'))).toBe(true);
    }
    const heartbeat = functions('Blastwall-Member-us-east-1').find(([, f]) => f.Properties.FunctionName === 'Blastwall-member-heartbeat')![1];
    const code = readFileSync(join(out, 'cdk.out', heartbeat.Metadata['aws:asset:path'], 'index.mjs'), 'utf8');
    // The runtime's SDK v3 is used, not a bundled copy.
    expect(code).not.toMatch(/class LambdaClient\b|class CloudWatchClient\b/);
  });
});
