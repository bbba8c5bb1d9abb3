/**
 * The real thing, offline: `npx cdk synth --no-notices` from the repository, with
 * the example config, bundling all four functions with the local esbuild.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_FILE, REPO_ROOT } from '../../lib/config.ts';

let out: string;
let run: ReturnType<typeof spawnSync>;
let manifest: { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'blastwall-synth-'));
  // With StackSet targets, so the one run also synthesises the optional StackSet stack.
  run = spawnSync('npx', ['cdk', 'synth', '--no-notices', '-q', '-c', `config=${EXAMPLE_CONFIG_FILE}`, '-c', 'stackSetTargets=r-ab12', '-o', out], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  if (run.status === 0) manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
}, 240_000);

const template = (stack: string) => JSON.parse(readFileSync(join(out, `${stack}.template.json`), 'utf8'));

describe('npx cdk synth --no-notices (offline, example config)', () => {
  it('succeeds, with cdk-nag validation passing', () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    // No synth warning: every recommended feature flag is set in cdk.json (test/ecosystem/cdk-flags.test.ts).
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/feature flags are not configured|\[Warning|warning/i);
    const report = join(out, 'policy-validation-report.json');
    if (existsSync(report)) {
      const parsed = JSON.parse(readFileSync(report, 'utf8'));
      const failures = (parsed.pluginReports ?? []).flatMap((r: { violations?: { ruleName: string }[] }) => r.violations ?? []);
      expect(failures.map((v: { ruleName: string }) => v.ruleName)).toEqual([]);
    }
  });

  it('produces the central stack, a member stack per region, the StackSet template and the StackSet', () => {
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id)
      .sort();
    expect(stacks).toEqual(['Blastwall-Central', 'Blastwall-Member-eu-west-1', 'Blastwall-Member-us-east-1', 'Blastwall-MemberStackSet', 'Blastwall-MemberTemplate']);
    expect(Object.keys(template('Blastwall-Central').Resources).length).toBeGreaterThan(40);
    const member = template('Blastwall-MemberTemplate');
    expect(member.Parameters?.BootstrapVersion).toBeUndefined();
    const set = Object.values<any>(template('Blastwall-MemberStackSet').Resources).find((x) => x.Type === 'AWS::CloudFormation::StackSet');
    expect(set.Properties.PermissionModel).toBe('SERVICE_MANAGED');
    expect(Object.keys(JSON.parse(set.Properties.TemplateBody).Resources).sort()).toEqual(Object.keys(member.Resources).sort());
  });

  it('bundles each function as a minified ESM file with the SDK left external', () => {
    const central = template('Blastwall-Central');
    const functions = Object.entries<any>(central.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    // detect, respond, page, undo + audit and backup-watchdog (lib/constructs/prevention.ts) + warm-up and reconcile (lib/constructs/history.ts)
    expect(functions).toHaveLength(8);
    for (const [id, fn] of functions) {
      const assetPath = fn.Metadata?.['aws:asset:path'];
      expect(assetPath, id).toBeDefined();
      const bundle = join(out, assetPath, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(statSync(bundle).size).toBeGreaterThan(1000);
      // minified: few, very long lines
      expect(code.split('\n').length).toBeLessThan(200);
      // The runtime's SDK v3 is used, not a bundled copy.
      expect(code).not.toMatch(/class DynamoDBClient\b/);
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });
});

