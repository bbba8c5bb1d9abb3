/**
 * Environments by organisational unit, the pure parts: the config field, the precedence
 * (explicit account > nearest OU > unknown), the resolver option, and detect's bounded cache.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type BlastwallConfig } from '../../functions/core/config.ts';
import { createEnvironmentResolver } from '../../functions/core/environment.ts';
import { accountEnvironmentsFromOus, configuredOus, OrganizationAccounts, parseOuMembership, type OuMembership } from '../../functions/core/organization.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { createMemoryStateStore } from '../../functions/adapters/memory-state-store.ts';

const PROD_OU = 'ou-ab12-prod0001';
const PROD_DEV_OU = 'ou-ab12-devnest01';
const SANDBOX_OU = 'ou-ab12-sandbox01';

function config(patch: (raw: any) => void = () => {}): BlastwallConfig {
  const raw: any = {
    environments: [
      { name: 'production', sensitivity: 'high', response: 'enforce', accounts: ['333333333333'], organizationalUnits: [PROD_OU] },
      { name: 'dev', sensitivity: 'low', response: 'dry-run', accounts: ['111111111111'], organizationalUnits: [PROD_DEV_OU] },
    ],
  };
  patch(raw);
  return parseConfig(raw);
}

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config: environments[].organizationalUnits', () => {
  it('defaults to none and accepts OU ids', () => {
    expect(parseConfig({ environments: [{ name: 'a', sensitivity: 'low', response: 'dry-run' }] }).environments[0]!.organizationalUnits).toEqual([]);
    expect(configuredOus(config())).toEqual([PROD_OU, PROD_DEV_OU]);
  });

  it('refuses what is not an OU id (a root, an account, an ARN), naming the field', () => {
    for (const bad of ['r-ab12', '123456789012', 'ou-AB12-prod0001', `arn:aws:organizations::1:ou/o-x/${PROD_OU}`, 'ou-ab-prod0001']) {
      const found = issues(() => config((raw) => (raw.environments[0].organizationalUnits = [bad])));
      expect(found, bad).toEqual([expect.stringMatching(/^environments\[0\]\.organizationalUnits\[0\]: must be an organisational unit id/)]);
    }
  });

  it('the same OU in two environments (or twice in one) is an error naming the field', () => {
    expect(issues(() => config((raw) => (raw.environments[1].organizationalUnits = [PROD_DEV_OU, PROD_OU])))).toEqual([
      `environments[1].organizationalUnits[1]: organisational unit ${PROD_OU} is already in environment "production"`,
    ]);
    expect(issues(() => config((raw) => (raw.environments[0].organizationalUnits = [PROD_OU, PROD_OU])))).toEqual([
      `environments[0].organizationalUnits[1]: organisational unit ${PROD_OU} is listed twice`,
    ]);
  });
});

const membership = (ous: OuMembership['ous']): OuMembership => ({ syncedAt: '2026-12-01T00:00:00.000Z', ous });

describe('accountEnvironmentsFromOus: which environment an OU account is in', () => {
  it('an account in a configured OU, at any depth, is in its environment', () => {
    const map = accountEnvironmentsFromOus(config(), membership({ [PROD_OU]: [['444444444444', 0], ['555555555555', 2]] }));
    expect(Object.fromEntries(map)).toEqual({ '444444444444': 'production', '555555555555': 'production' });
  });

  it('the nearest configured OU wins: a dev OU nested in the production OU keeps its accounts in dev', () => {
    const m = membership({ [PROD_OU]: [['444444444444', 0], ['666666666666', 1]], [PROD_DEV_OU]: [['666666666666', 0]] });
    expect(accountEnvironmentsFromOus(config(), m).get('666666666666')).toBe('dev');
    // Whatever order the environments are listed in.
    const reversed = config((raw) => raw.environments.reverse());
    expect(accountEnvironmentsFromOus(reversed, m).get('666666666666')).toBe('dev');
  });

  it('an account listed explicitly wins over any OU', () => {
    const map = accountEnvironmentsFromOus(config(), membership({ [PROD_OU]: [['111111111111', 0]] }));
    expect(map.has('111111111111')).toBe(false);
    expect(createEnvironmentResolver(config(), { ouAccounts: map }).forAccount('111111111111')).toBe('dev');
  });

  it('OUs in the cache that the config no longer names place nobody', () => {
    expect(accountEnvironmentsFromOus(config(), membership({ [SANDBOX_OU]: [['777777777777', 0]] })).size).toBe(0);
  });

  it('a cache payload that is not one is refused with the reason', () => {
    expect(parseOuMembership({ syncedAt: 'yesterday', ous: {} }).ok).toBe(false);
    const bad = parseOuMembership({ syncedAt: '2026-12-01T00:00:00.000Z', ous: { [PROD_OU]: [['12345', 0]] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/ous/);
    expect(parseOuMembership(membership({ [PROD_OU]: [['444444444444', 0]] }))).toEqual({ ok: true, membership: membership({ [PROD_OU]: [['444444444444', 0]] }) });
  });
});

describe('createEnvironmentResolver(config, { ouAccounts })', () => {
  it('places OU accounts, with their environment’s sensitivity and mode; others stay unknown', () => {
    const r = createEnvironmentResolver(config(), { ouAccounts: new Map([['444444444444', 'production']]) });
    expect(r.forAccount('444444444444')).toBe('production');
    expect(r.sensitivity(r.forAccount('444444444444'))).toBe('high');
    expect(r.mode(r.forAccount('444444444444'))).toBe('enforce');
    expect(r.forAccount('888888888888')).toBe('unknown');
    // Without the option: the config alone (replay).
    expect(createEnvironmentResolver(config()).forAccount('444444444444')).toBe('unknown');
  });

  it('ignores an environment name the config does not have', () => {
    expect(createEnvironmentResolver(config(), { ouAccounts: new Map([['444444444444', 'staging']]) }).forAccount('444444444444')).toBe('unknown');
  });

  it('a function is asked on every lookup: a refreshed map applies to a resolver already handed out', () => {
    let map = new Map<string, string>();
    const r = createEnvironmentResolver(config(), { ouAccounts: () => map });
    expect(r.forAccount('444444444444')).toBe('unknown');
    map = new Map([['444444444444', 'production']]);
    expect(r.forAccount('444444444444')).toBe('production');
  });

  it('the pipeline plans the response with the same resolver: an OU production target is enforced, not the unknown default', async () => {
    const map = new Map([['444444444444', 'production']]);
    const withOus = createPipeline({ config: config(), store: createMemoryStateStore(), ouAccounts: () => map });
    const configOnly = createPipeline({ config: config(), store: createMemoryStateStore() });
    const record = {
      eventVersion: '1.09',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::444444444444:user/ci', accountId: '444444444444', accessKeyId: 'AKIAEXAMPLEKEY000001', userName: 'ci' },
      eventTime: '2026-12-01T10:00:00Z',
      eventSource: 'rds.amazonaws.com',
      eventName: 'DeleteDBInstance',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.50',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: { dBInstanceIdentifier: 'orders', skipFinalSnapshot: true },
      responseElements: null,
      requestID: 'req-1',
      eventID: 'evt-ou-plan-1',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '444444444444',
      eventCategory: 'Management',
    };
    const run = async (p: typeof withOus) => {
      const n = p.normalise(record);
      if (!n.ok) throw new Error(n.reason);
      return (await p.detect(n.event, new Date('2026-12-01T10:00:01Z'))).finding!;
    };
    const placed = await run(withOus);
    expect(placed.environment).toBe('production');
    expect(placed.mode).toBe('enforce');
    expect(placed.response!.length).toBeGreaterThan(0);
    expect(placed.response!.every((a) => a.mode === 'enforce')).toBe(true);
    const unplaced = await run(configOnly);
    expect(unplaced.environment).toBe('unknown');
    expect(unplaced.response!.every((a) => a.mode === 'dry-run')).toBe(true);
  });
});

describe('OrganizationAccounts: detect’s view of the cache', () => {
  const t0 = new Date('2026-12-01T10:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  function harness(initial: OuMembership | undefined) {
    let current = initial;
    let fail = false;
    const warnings: string[] = [];
    const org = new OrganizationAccounts({
      config: config(),
      load: async () => {
        if (fail) throw new Error('table unreachable');
        return current;
      },
      log: { warn: (m) => void warnings.push(m) },
    });
    return { org, warnings, set: (m: OuMembership | undefined) => (current = m), failing: (f: boolean) => (fail = f) };
  }

  it('loads on the first event, reloads after five minutes, not before', async () => {
    const h = harness(membership({ [PROD_OU]: [['444444444444', 0]] }));
    await h.org.ensureFresh(t0);
    expect(h.org.loads).toBe(1);
    expect(h.org.current().get('444444444444')).toBe('production');
    h.set(membership({ [PROD_OU]: [['444444444444', 0], ['555555555555', 0]] }));
    await h.org.ensureFresh(at(4 * 60_000));
    expect(h.org.loads).toBe(1);
    await h.org.ensureFresh(at(5 * 60_000));
    expect(h.org.loads).toBe(2);
    expect(h.org.current().get('555555555555')).toBe('production');
  });

  it('a failed read never fails the event: the last map stays (empty at a cold start), logged, tried again a minute later', async () => {
    const h = harness(membership({ [PROD_OU]: [['444444444444', 0]] }));
    h.failing(true);
    await h.org.ensureFresh(t0);
    expect(h.org.current().size).toBe(0);
    expect(h.warnings).toEqual([expect.stringMatching(/read failed/)]);
    h.failing(false);
    await h.org.ensureFresh(at(30_000));
    expect(h.org.loads).toBe(1);
    await h.org.ensureFresh(at(60_000));
    expect(h.org.loads).toBe(2);
    expect(h.org.current().get('444444444444')).toBe('production');
    h.failing(true);
    await h.org.ensureFresh(at(60_000 + 5 * 60_000));
    expect(h.org.current().get('444444444444')).toBe('production');
    expect(h.warnings).toHaveLength(2);
  });

  it('an event from an unplaced account reloads at once, at most once a minute for all accounts together', async () => {
    const h = harness(membership({ [PROD_OU]: [] }));
    await h.org.ensureFresh(t0);
    h.set(membership({ [PROD_OU]: [['444444444444', 0]] }));
    expect(await h.org.refreshForUnknown(['444444444444'], at(1_000))).toBe(true);
    expect(h.org.current().get('444444444444')).toBe('production');
    expect(h.org.loads).toBe(2);
    // A flood of made-up accounts: no further read within the minute.
    for (let i = 0; i < 50; i++) expect(await h.org.refreshForUnknown([String(900000000000 + i)], at(2_000 + i))).toBe(false);
    expect(h.org.loads).toBe(2);
    expect(await h.org.refreshForUnknown(['900000000001'], at(62_000))).toBe(false);
    expect(h.org.loads).toBe(3);
  });

  it('listed accounts, already placed accounts and values that are not account ids never cause a read', async () => {
    const h = harness(membership({ [PROD_OU]: [['444444444444', 0]] }));
    await h.org.ensureFresh(t0);
    expect(await h.org.refreshForUnknown(['333333333333', '444444444444', 'not-an-account', undefined], at(1_000))).toBe(false);
    expect(h.org.loads).toBe(1);
  });

  it('does nothing when the config names no OU', async () => {
    const org = new OrganizationAccounts({ config: config((raw) => raw.environments.forEach((e: any) => (e.organizationalUnits = []))), load: async () => { throw new Error('must not read'); } });
    expect(org.enabled).toBe(false);
    await org.ensureFresh(t0);
    expect(await org.refreshForUnknown(['444444444444'], t0)).toBe(false);
  });

  it('warns when org-sync has not written the item yet, and places nobody', async () => {
    const h = harness(undefined);
    await h.org.ensureFresh(t0);
    expect(h.org.current().size).toBe(0);
    expect(h.warnings).toEqual([expect.stringMatching(/not written yet/)]);
  });
});
