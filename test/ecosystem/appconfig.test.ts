/**
 * The config from AWS AppConfig: read at cold start through Powertools Parameters and the real
 * @aws-sdk/client-appconfigdata against a loopback stand-in, validated on load (a rejected
 * config counts ConfigRejected, the metric AppConfig's rollback monitor watches), deployed by
 * the central stack as a hosted configuration that each function alone may read; and a
 * 1,000-account organisation in 8 environments synthesises and loads.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appConfigLocation, loadConfigFromAppConfig } from '../../functions/adapters/lambda-environment.ts';
import { ConfigError, EXAMPLE_CONFIG, configJsonSchema } from '../../functions/core/config.ts';
import { ENV_VARS, METRICS } from '../../functions/core/telemetry-names.ts';
import { startAppConfigStandIn, type AppConfigStandIn } from '../standins/appconfig.ts';
import { exampleConfig, synthesise } from '../infra/support.ts';
import { organisationConfig } from './organisation-config.ts';

let appconfig: AppConfigStandIn;
const saved = { ...process.env };

beforeAll(async () => {
  appconfig = await startAppConfigStandIn();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIA999999999999TEST', AWS_SECRET_ACCESS_KEY: 'stand-in', AWS_REGION: 'eu-west-1' });
});
afterAll(async () => {
  process.env = saved;
  await appconfig.close();
});

describe('loading the config from AppConfig', () => {
  it('reads and validates it through Powertools Parameters and the real AppConfig Data client', async () => {
    appconfig.deploy('app1', 'env1', 'prof1', JSON.stringify(EXAMPLE_CONFIG));
    const config = await loadConfigFromAppConfig(appConfigLocation('app1/env1/prof1'), { endpoint: appconfig.endpoint });
    expect(config.environments.map((e) => e.name)).toEqual(['development', 'staging', 'production']);
    // Defaults applied: the same validated object the CLI and the CDK app get.
    expect(config.response.revokeAtSeverity).toBe('high');
    expect(appconfig.calls.map((c) => c.operation).slice(0, 2)).toEqual(['StartConfigurationSession', 'GetLatestConfiguration']);
  });

  it('rejects an invalid config naming the field, and reports it (for the rollback alarm)', async () => {
    const duplicate = { ...EXAMPLE_CONFIG, environments: [...EXAMPLE_CONFIG.environments, { ...EXAMPLE_CONFIG.environments[0]! }] };
    appconfig.deploy('app1', 'env1', 'bad', JSON.stringify(duplicate));
    const rejected: ConfigError[] = [];
    await expect(loadConfigFromAppConfig(appConfigLocation('app1/env1/bad'), { endpoint: appconfig.endpoint, onRejected: (e) => void rejected.push(e) })).rejects.toThrow(
      /AppConfig app1\/env1\/bad is invalid:[\s\S]*duplicate environment name "development"/,
    );
    expect(rejected).toHaveLength(1);
  });

  it('refuses a malformed location', () => {
    expect(() => appConfigLocation('app/env')).toThrow(/BLASTWALL_APPCONFIG must be APPLICATION\/ENVIRONMENT\/PROFILE/);
  });

  it('at cold start: the module reads BLASTWALL_APPCONFIG once, and configFromEnvironment serves it', async () => {
    appconfig.deploy('app2', 'env2', 'prof2', JSON.stringify(EXAMPLE_CONFIG));
    delete process.env[ENV_VARS.config];
    process.env[ENV_VARS.appConfig] = 'app2/env2/prof2';
    process.env.BLASTWALL_APPCONFIG_URL = appconfig.endpoint;
    try {
      vi.resetModules();
      const before = appconfig.calls.length;
      const fresh = await import('../../functions/adapters/lambda-environment.ts');
      expect(fresh.configFromEnvironment('detect').environments).toHaveLength(3);
      expect(fresh.configFromEnvironment('page').environments).toHaveLength(3);
      // Read once per container, not per call.
      expect(appconfig.calls.length - before).toBe(2);
    } finally {
      delete process.env[ENV_VARS.appConfig];
      delete process.env.BLASTWALL_APPCONFIG_URL;
    }
  });

  it('at cold start: an invalid config fails the start and counts ConfigRejected in the Blastwall namespace', async () => {
    appconfig.deploy('app3', 'env3', 'prof3', JSON.stringify({ environments: [{ name: 'p', accounts: ['1'], sensitivity: 'high', response: 'enforce' }] }));
    delete process.env[ENV_VARS.config];
    process.env[ENV_VARS.appConfig] = 'app3/env3/prof3';
    process.env.BLASTWALL_APPCONFIG_URL = appconfig.endpoint;
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      vi.resetModules();
      await expect(import('../../functions/adapters/lambda-environment.ts')).rejects.toThrow(/12-digit AWS account id/);
    } finally {
      spy.mockRestore();
      delete process.env[ENV_VARS.appConfig];
      delete process.env.BLASTWALL_APPCONFIG_URL;
    }
    const emf = lines.map((l) => l.trim()).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    const metric = emf.find((e) => e._aws?.CloudWatchMetrics?.[0]?.Metrics?.some((m: { Name: string }) => m.Name === METRICS.configRejected));
    expect(metric, lines.join('')).toBeDefined();
    expect(metric!._aws.CloudWatchMetrics[0].Namespace).toBe('Blastwall');
    expect(metric![METRICS.configRejected]).toBe(1);
    expect(metric!.service).toBe('blastwall');
  });
});

describe('the central stack deploys the config to AppConfig', () => {
  const s = synthesise();
  const json = s.central.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
  const of = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

  it('as a validated hosted configuration, deployed with a rollback monitor on ConfigRejected', () => {
    const [[, version]] = of('AWS::AppConfig::HostedConfigurationVersion') as [[string, any]];
    expect(JSON.parse(version.Properties.Content).environments.length).toBeGreaterThan(0);
    const [[, profile]] = of('AWS::AppConfig::ConfigurationProfile') as [[string, any]];
    const validator = profile.Properties.Validators[0];
    expect(validator.Type).toBe('JSON_SCHEMA');
    expect(JSON.parse(validator.Content)).toEqual(configJsonSchema());
    expect(configJsonSchema().$schema).toBe('http://json-schema.org/draft-04/schema#');
    const [[, env]] = of('AWS::AppConfig::Environment') as [[string, any]];
    const alarmId = env.Properties.Monitors[0].AlarmArn['Fn::GetAtt'][0];
    expect(json.Resources[alarmId]!.Properties.MetricName).toBe(METRICS.configRejected);
    expect(of('AWS::AppConfig::Deployment')).toHaveLength(1);
    const [[, strategy]] = of('AWS::AppConfig::DeploymentStrategy') as [[string, any]];
    expect(strategy.Properties.FinalBakeTimeInMinutes).toBeGreaterThan(0);
  });

  it('each function may read exactly that configuration profile', async () => {
    const account = s.built.central.account;
    const region = s.built.central.region;
    const fn = of('AWS::Lambda::Function').find(([, r]) => /detect/.test(r.Properties.Description))![1];
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = of('AWS::IAM::Policy')
      .filter(([, r]) => r.Properties.Roles.some((x: { Ref: string }) => x.Ref === roleId))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement)
      .filter((st: { Sid?: string }) => st.Sid === 'ReadOwnConfig');
    expect(statements).toHaveLength(1);
    // Resolve the ids CloudFormation assigns to concrete stand-in values.
    const ids: Record<string, string> = { Application: 'app0001', Environment: 'env0001', Config: 'prof001' };
    const resolve = (v: any): any => {
      if (typeof v === 'string') return v;
      if (Array.isArray(v)) return v.map(resolve);
      if (v.Ref === 'AWS::Partition') return 'aws';
      if (v.Ref) return ids[Object.keys(ids).find((k) => String(v.Ref).includes(k))!] ?? v.Ref;
      if (v['Fn::GetAtt']) return ids[Object.keys(ids).find((k) => String(v['Fn::GetAtt'][0]).includes(k))!];
      if (v['Fn::Join']) return (resolve(v['Fn::Join'][1]) as string[]).join(v['Fn::Join'][0]);
      return v;
    };
    const policy = { Version: '2012-10-17', Statement: statements.map((st: any) => ({ ...st, Resource: resolve(st.Resource) })) };
    const arn = (profile: string) => `arn:aws:appconfig:${region}:${account}:application/app0001/environment/env0001/configuration/${profile}`;
    const decide = async (action: string, resource: string) => {
      const out = await runSimulation(
        { identityPolicies: [{ name: 'detect', policy }], serviceControlPolicies: [], resourceControlPolicies: [], request: { action, principal: `arn:aws:iam::${account}:role/detect`, resource: { accountId: account, resource }, contextVariables: {} } },
        {},
      );
      if (out.resultType === 'error') throw new Error(JSON.stringify(out.errors));
      return out.overallResult;
    };
    expect(await decide('appconfig:StartConfigurationSession', arn('prof001'))).toBe('Allowed');
    expect(await decide('appconfig:GetLatestConfiguration', arn('prof001'))).toBe('Allowed');
    expect(await decide('appconfig:StartConfigurationSession', arn('other01'))).toBe('ImplicitlyDenied');
  });
});

describe('an organisation of 1,000 accounts in 8 environments', () => {
  const raw = organisationConfig(1000, 8);

  it('synthesises: the whole config in AppConfig, nothing of it in any function environment', () => {
    const s = synthesise(exampleConfig((c) => Object.assign(c, { environments: raw.environments })));
    const json = s.central.toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
    const version = Object.values(json.Resources).find((r) => r.Type === 'AWS::AppConfig::HostedConfigurationVersion')!;
    const deployed = JSON.parse(version.Properties.Content);
    expect(deployed.environments).toHaveLength(8);
    expect(deployed.environments.flatMap((e: { accounts: string[] }) => e.accounts)).toHaveLength(1000);
    for (const fn of Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      const bytes = Buffer.byteLength(JSON.stringify(fn.Properties.Environment?.Variables ?? {}));
      expect(bytes).toBeLessThan(4096);
    }
  });

  it('loads from AppConfig and validates', async () => {
    appconfig.deploy('org', 'central', 'config', JSON.stringify(raw));
    const config = await loadConfigFromAppConfig(appConfigLocation('org/central/config'), { endpoint: appconfig.endpoint });
    expect(config.environments.flatMap((e) => e.accounts)).toHaveLength(1000);
  });
});
