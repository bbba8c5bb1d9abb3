import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import { EXAMPLE_CONFIG_FILE, loadConfigText, REPO_ROOT, resolveConfigPath } from '../../lib/config.ts';
import { actionsOf, exampleConfig, flat, logicalId, roleStatements, synthesise, type Synthesised } from './support.ts';

function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('which config file', () => {
  const root = mkdtempSync(join(tmpdir(), 'blastwall-root-'));

  it('context wins, then $BLASTWALL_CONFIG_FILE, then blastwall.config.json at the root, then the example', () => {
    expect(resolveConfigPath({ context: 'cfg/a.json', env: { BLASTWALL_CONFIG_FILE: 'b.json' }, cwd: '/w', root })).toEqual({ path: '/w/cfg/a.json', origin: 'context' });
    expect(resolveConfigPath({ env: { BLASTWALL_CONFIG_FILE: 'b.json' }, cwd: '/w', root })).toEqual({ path: '/w/b.json', origin: 'environment' });
    expect(resolveConfigPath({ env: {}, cwd: '/w', root })).toEqual({ path: join(root, EXAMPLE_CONFIG_FILE), origin: 'example' });
    writeFileSync(join(root, 'blastwall.config.json'), '{}');
    expect(resolveConfigPath({ env: {}, cwd: '/w', root })).toEqual({ path: join(root, 'blastwall.config.json'), origin: 'default' });
  });

  it('the committed example is the foundation’s EXAMPLE_CONFIG environments, all in dry-run, plus a deployment section', () => {
    const example = JSON.parse(readFileSync(join(REPO_ROOT, EXAMPLE_CONFIG_FILE), 'utf8'));
    expect(example.environments.map((e: { name: string; accounts: string[] }) => [e.name, e.accounts])).toEqual(
      EXAMPLE_CONFIG.environments.map((e) => [e.name, e.accounts]),
    );
    expect(new Set(example.environments.map((e: { response: string }) => e.response))).toEqual(new Set(['dry-run']));
    const loaded = loadConfigText(JSON.stringify(example), 'example');
    expect(loaded.deployment).toMatchObject({ organizationId: 'o-exampleorg1', centralAccount: '999999999999', centralRegion: 'eu-west-1' });
  });
});

describe('invalid config fails before synthesis, naming the field', () => {
  const withDeployment = (deployment: Record<string, unknown>) =>
    JSON.stringify({ ...EXAMPLE_CONFIG, deployment: { organizationId: 'o-exampleorg1', centralAccount: '999999999999', ...deployment } });

  it.each([
    ['deployment.centralAccount', withDeployment({ centralAccount: '12345' })],
    ['deployment.organizationId', withDeployment({ organizationId: 'my-org' })],
    ['deployment.regions[1]', withDeployment({ regions: ['us-east-1', 'mars-1'] })],
    ['deployment.silenceAlarmMinutes', withDeployment({ silenceAlarmMinutes: 2 })],
    ['deployment.alarmEmail', withDeployment({ alarmEmail: 'not an address' })],
    ['environments[0].response', JSON.stringify({ ...EXAMPLE_CONFIG, environments: [{ name: 'prod', accounts: [], sensitivity: 'high', response: 'yolo' }] })],
    ['response.responderRoleName', JSON.stringify({ ...JSON.parse(withDeployment({})), response: { responderRoleName: 'no spaces allowed' } })],
  ])('%s', (field, text) => {
    expect(failure(() => loadConfigText(text, 'blastwall.config.json')).message).toContain(field);
  });

  it('deployment.organizationId and deployment.centralAccount are required to deploy', () => {
    const error = failure(() => loadConfigText(JSON.stringify(EXAMPLE_CONFIG), 'blastwall.config.json'));
    expect(error.issues.join('\n')).toMatch(/^deployment\.organizationId: required/m);
    expect(error.issues.join('\n')).toMatch(/^deployment\.centralAccount: required/m);
  });

  it('a config too large for the template AppConfig is deployed from is refused at synth, not at deploy', () => {
    const huge = { ...JSON.parse(withDeployment({})), protectedPrincipals: Array.from({ length: 12000 }, (_, i) => `arn:aws:iam::123456789012:role/break-glass-${i}`) };
    expect(failure(() => loadConfigText(JSON.stringify(huge), 'blastwall.config.json')).message).toMatch(/\(root\): .*must stay under 524288 bytes/);
  });

  it('a stack-unsafe ownResourcePrefix is refused', () => {
    const bad = { ...JSON.parse(withDeployment({})), detection: { ownResourcePrefix: 'blast wall' } };
    expect(failure(() => loadConfigText(JSON.stringify(bad), 'x')).message).toContain('detection.ownResourcePrefix');
  });

  it('`cdk synth -c config=…` with an invalid file exits non-zero naming the field, and writes no template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blastwall-bad-'));
    const file = join(dir, 'blastwall.config.json');
    writeFileSync(file, withDeployment({ centralAccount: 'abc' }));
    const out = join(dir, 'cdk.out');
    const run = spawnSync('npx', ['cdk', 'synth', '--no-notices', '-q', '-c', `config=${file}`, '-o', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('deployment.centralAccount: must be a 12-digit AWS account id');
    let written: string[] = [];
    try {
      written = readdirSync(out).filter((f) => f.endsWith('.template.json'));
    } catch {
      written = [];
    }
    expect(written).toEqual([]);
  }, 180_000);
});

describe('config drives the stacks', () => {
  let s: Synthesised;
  beforeAll(() => {
    s = synthesise(
      exampleConfig((raw) => {
        raw.deployment.silenceAlarmMinutes = 45;
        raw.deployment.regions = ['eu-central-1'];
        raw.deployment.centralRegion = 'eu-central-1';
        delete raw.deployment.alarmEmail;
        raw.response = { responderRoleName: 'SecOpsResponder' };
        raw.detection = { ownResourcePrefix: 'Bw' };
      }),
      {},
    );
  });

  it('stack names, bus and regions follow the config; us-east-1 is always a member region', () => {
    expect(Object.keys(s.templates).sort()).toEqual(['Bw-Central', 'Bw-Member-eu-central-1', 'Bw-Member-us-east-1', 'Bw-MemberTemplate']);
    s.central.hasResourceProperties('AWS::Events::EventBus', { Name: 'Bw-central' });
    expect(s.built.central.region).toBe('eu-central-1');
  });

  it('the silence alarm uses silenceAlarmMinutes; no alarmEmail means no email subscription', () => {
    s.central.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Invocations', EvaluationPeriods: 45, DatapointsToAlarm: 45, TreatMissingData: 'breaching' });
    expect(Object.keys(s.central.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
  });

  it('the responder role name flows to the member role and to respond’s only AssumeRole target', () => {
    s.member.hasResourceProperties('AWS::IAM::Role', { RoleName: 'SecOpsResponder' });
    const respond = roleStatements(s.central, logicalId(s.central, 'AWS::IAM::Role', 'RespondRole'));
    const assume = respond.filter((st) => actionsOf(st).includes('sts:AssumeRole'));
    expect(assume.map((st) => flat(st.Resource))).toEqual(['arn:aws:iam::*:role/SecOpsResponder']);
    const member = (s.member.toJSON() as any).Resources;
    const trust = member[logicalId(s.member, 'AWS::IAM::Role', 'ResponderRole')].Properties.AssumeRolePolicyDocument.Statement[0];
    expect(flat(trust.Condition.ArnEquals['aws:PrincipalArn'])).toBe('arn:${AWS::Partition}:iam::999999999999:role/Bw-respond-function');
    const forwarder = roleStatements(s.member, logicalId(s.member, 'AWS::IAM::Role', 'ForwarderRole'));
    expect(flat(forwarder[0]!.Resource)).toBe('arn:${AWS::Partition}:events:eu-central-1:999999999999:event-bus/Bw-central');
  });
});
