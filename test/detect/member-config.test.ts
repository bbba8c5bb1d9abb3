/**
 * Member topology: member detect reads the config from the central account's AppConfig by
 * assuming the central config-reader role (AppConfig has no resource policies). The real STS
 * and AppConfig Data clients at loopback stand-ins: the AppConfig requests must be signed by
 * the assumed session, for the central region, and addressed by name.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_CONFIG } from '../../functions/core/config.ts';
import { appConfigLocation, centralConfigAccess, loadConfigFromAppConfig } from '../../functions/adapters/lambda-environment.ts';
import { startAppConfigStandIn, type AppConfigStandIn } from '../standins/appconfig.ts';
import { startIamStsStandIn, type IamStsStandIn } from '../standins/iam-sts.ts';

const CENTRAL = '999999999999';
const MEMBER_DETECT_KEY = 'AKIAMEMBERDETECTFN01';
const READER = `arn:aws:iam::${CENTRAL}:role/Blastwall-member-config-reader`;
let sts: IamStsStandIn;
let appconfig: AppConfigStandIn;

beforeAll(async () => {
  [sts, appconfig] = await Promise.all([startIamStsStandIn(), startAppConfigStandIn()]);
  sts.addRole(CENTRAL, 'Blastwall-member-config-reader');
  sts.trustCallers([MEMBER_DETECT_KEY]);
  appconfig.deploy('Blastwall', 'central', 'blastwall-config', JSON.stringify(EXAMPLE_CONFIG));
  const vars: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: MEMBER_DETECT_KEY,
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    BLASTWALL_APPCONFIG_ROLE_ARN: READER,
    BLASTWALL_APPCONFIG_REGION: 'eu-west-1',
  };
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([sts?.close(), appconfig?.close()]);
});

describe('member detect reads the central config through the config-reader role', () => {
  it('assumes the role once, then reads AppConfig by name in the central region with the assumed session', async () => {
    const access = await centralConfigAccess();
    expect(access.region).toBe('eu-west-1');
    const config = await loadConfigFromAppConfig(appConfigLocation('Blastwall/central/blastwall-config'), { endpoint: appconfig.endpoint, ...access });
    expect(config.environments.map((e) => e.name)).toEqual(EXAMPLE_CONFIG.environments.map((e) => e.name));
    const assumed = sts.calls('AssumeRole');
    expect(assumed).toHaveLength(1);
    expect(assumed[0]).toMatchObject({ signedBy: MEMBER_DETECT_KEY, params: { RoleArn: READER, RoleSessionName: 'blastwall-member-detect', DurationSeconds: '900' } });
    const reads = appconfig.calls.filter((c) => c.status < 300);
    expect(reads.map((c) => c.operation)).toEqual(['StartConfigurationSession', 'GetLatestConfiguration']);
    for (const c of reads) {
      expect(c.signedBy).toMatch(/^ASIA/);
      expect(c.signedBy).not.toBe(MEMBER_DETECT_KEY);
      expect(c.signedForRegion).toBe('eu-west-1');
    }
  });

  it('a role the central account does not trust this caller for: the cold start fails loudly', async () => {
    sts.trustCallers(['AKIASOMEONEELSE00001']);
    const access = await centralConfigAccess();
    await expect(loadConfigFromAppConfig(appConfigLocation('Blastwall/central/blastwall-config'), { endpoint: appconfig.endpoint, ...access })).rejects.toThrow(/not authorized|AccessDenied/);
  });

  it('without the role variable (the central functions) nothing is assumed', async () => {
    vi.stubEnv('BLASTWALL_APPCONFIG_ROLE_ARN', undefined);
    vi.stubEnv('BLASTWALL_APPCONFIG_REGION', undefined);
    expect(await centralConfigAccess()).toEqual({});
  });
});
