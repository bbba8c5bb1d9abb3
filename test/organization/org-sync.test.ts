/**
 * org-sync end to end: the real @aws-sdk/client-organizations against the loopback Organizations
 * stand-in (nested OUs, two items a page), the real DynamoDB client against dynalite; then detect,
 * built as the Lambda builds it, placing an account created in a production OU after deploy in
 * production from its first event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { parseConfig } from '../../functions/core/config.ts';
import type { Finding, ResponseAction } from '../../functions/core/finding.ts';
import { ORG_CACHE_KEY, OrganizationAccounts } from '../../functions/core/organization.ts';
import { createPipeline } from '../../functions/core/pipeline.ts';
import { createOrganizationCache } from '../../functions/adapters/organization-cache-dynamo.ts';
import { walkOrganizationalUnit } from '../../functions/adapters/organizations-ou-walker.ts';
import { createDynamoStateStore } from '../../functions/adapters/dynamo-state-store.ts';
import { createDetectHandler } from '../../functions/detect/handler.ts';
import { createOrgSyncHandler } from '../../functions/org-sync/handler.ts';
import { createResponder, type Revoker } from '../../functions/respond/responder.ts';
import { MemoryResponseLedger } from '../../functions/adapters/response-ledger.ts';
import { MemoryEventPublisher } from '../../functions/adapters/event-publisher.ts';
import { runOrgSync } from '../../functions/org-sync/sync.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { credentialsFor } from '../standins/aws-world.ts';
import { startOrganizationsStandIn, type OrgTree } from '../standins/organizations.ts';

const MANAGEMENT = '999999999999';
const ROOT = 'r-ab12';
const PROD = 'ou-ab12-prod0001';
const PROD_APPS = 'ou-ab12-prodapps01';
const PROD_APPS_EU = 'ou-ab12-prodappseu1';
const DEV_NESTED = 'ou-ab12-devnest01';
const SANDBOX = 'ou-ab12-sandbox01';

const config = parseConfig({
  environments: [
    { name: 'staging', sensitivity: 'low', response: 'dry-run', accounts: ['222222222222'] },
    { name: 'production', sensitivity: 'high', response: 'enforce', accounts: ['333333333333'], organizationalUnits: [PROD] },
    { name: 'dev', sensitivity: 'low', response: 'dry-run', organizationalUnits: [DEV_NESTED] },
  ],
});

/**
 *   r-ab12
 *   ├─ PROD (production): 401, 402, 403, 222 (listed as staging)
 *   │  ├─ PROD_APPS: 411, 412, 413
 *   │  │  └─ PROD_APPS_EU: 421
 *   │  └─ DEV_NESTED (dev): 431
 *   └─ SANDBOX: 501
 */
function tree(): OrgTree {
  return {
    rootId: ROOT,
    ous: {
      [PROD]: { parent: ROOT, name: 'Production' },
      [PROD_APPS]: { parent: PROD, name: 'Apps' },
      [PROD_APPS_EU]: { parent: PROD_APPS, name: 'Apps EU' },
      [DEV_NESTED]: { parent: PROD, name: 'Dev inside prod' },
      [SANDBOX]: { parent: ROOT, name: 'Sandbox' },
    },
    accounts: {
      '400000000401': PROD,
      '400000000402': PROD,
      '400000000403': PROD,
      '222222222222': PROD,
      '400000000411': PROD_APPS,
      '400000000412': PROD_APPS,
      '400000000413': PROD_APPS,
      '400000000421': PROD_APPS_EU,
      '400000000431': DEV_NESTED,
      '500000000501': SANDBOX,
    },
  };
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
}, 30_000);
afterAll(async () => {
  await dynamo?.close();
});

const organizationsClient = (endpoint: string, account = MANAGEMENT) => new OrganizationsClient({ endpoint, region: 'us-east-1', credentials: credentialsFor(account), maxAttempts: 1 });
const quietLogger = { info: () => {} };

async function withOrg<T>(fn: (org: Awaited<ReturnType<typeof startOrganizationsStandIn>>) => Promise<T>, t: OrgTree = tree()): Promise<T> {
  const org = await startOrganizationsStandIn(t, { managementAccount: MANAGEMENT });
  try {
    return await fn(org);
  } finally {
    await org.close();
  }
}

describe('the OU walk (real Organizations client, stand-in)', () => {
  it('finds every account at every depth, following NextToken on both List calls', async () => {
    await withOrg(async (org) => {
      const found = await walkOrganizationalUnit(organizationsClient(org.endpoint), PROD);
      expect(new Map(found)).toEqual(
        new Map([
          ['222222222222', 0], ['400000000401', 0], ['400000000402', 0], ['400000000403', 0],
          ['400000000411', 1], ['400000000412', 1], ['400000000413', 1],
          ['400000000431', 1],
          ['400000000421', 2],
        ]),
      );
      expect(found).toHaveLength(9);
      // Pages of two: the second and later pages were asked for with the token the first returned.
      const accountPages = org.calls.filter((c) => c.action === 'ListAccountsForParent' && c.input.ParentId === PROD);
      expect(accountPages.length).toBe(2);
      expect(accountPages[1]!.input.NextToken).toEqual(expect.any(String));
      expect(org.calls.filter((c) => c.action === 'ListOrganizationalUnitsForParent' && c.input.ParentId === PROD)).toHaveLength(1);
      expect(org.calls.filter((c) => c.action === 'ListAccountsForParent' && c.input.ParentId === PROD_APPS)).toHaveLength(2);
      // Nothing outside the OU.
      expect(found.map(([a]) => a)).not.toContain('500000000501');
      expect(new Set(org.calls.map((c) => c.action))).toEqual(new Set(['ListAccountsForParent', 'ListOrganizationalUnitsForParent']));
    });
  });

  it('follows a NextToken that comes with an empty page (Organizations may return one)', async () => {
    const org = await startOrganizationsStandIn(tree(), { managementAccount: MANAGEMENT, emptyFirstPage: true });
    try {
      const found = await walkOrganizationalUnit(organizationsClient(org.endpoint), PROD);
      expect(found).toHaveLength(9);
      expect(found.map(([a]) => a)).toContain('400000000421');
    } finally {
      await org.close();
    }
  });

  it('stops at the depth bound', async () => {
    await withOrg(async (org) => {
      const found = await walkOrganizationalUnit(organizationsClient(org.endpoint), PROD, { maxDepth: 1 });
      expect(found.map(([a]) => a)).not.toContain('400000000421');
      expect(found.map(([a]) => a)).toContain('400000000411');
    });
  });

  it('an OU that does not exist, or a caller that is not the management account, fails the walk', async () => {
    await withOrg(async (org) => {
      await expect(walkOrganizationalUnit(organizationsClient(org.endpoint), 'ou-ab12-gone00001')).rejects.toThrow(/ParentId/);
      await expect(walkOrganizationalUnit(organizationsClient(org.endpoint, '222222222222'), PROD)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });
  });
});

describe('org-sync writes the one cache item (dynalite)', () => {
  it('walks every configured OU and writes ORG#OU-ACCOUNTS; detect’s reader resolves it with the precedence', async () => {
    await withOrg(async (org) => {
      const handler = createOrgSyncHandler({ config, organizations: organizationsClient(org.endpoint), dynamodb: dynamo.client, tableName: dynamo.tableName, logger: quietLogger, now: () => new Date('2026-12-01T09:00:00Z') });
      const outcome = await handler({ source: 'aws.scheduler' });
      expect(outcome).toEqual({ status: 'written', ous: 2, accounts: 9, syncedAt: '2026-12-01T09:00:00.000Z' });
      const item = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: ORG_CACHE_KEY }, sk: { S: ORG_CACHE_KEY } } }));
      expect(item.Item?.syncedAt?.S).toBe('2026-12-01T09:00:00.000Z');
      const cached = await createOrganizationCache(dynamo.client, dynamo.tableName).get();
      expect(cached!.ous[DEV_NESTED]).toEqual([['400000000431', 0]]);
      const accounts = new OrganizationAccounts({ config, load: async () => cached });
      await accounts.ensureFresh(new Date('2026-12-01T09:00:01Z'));
      const resolver = createPipeline({ config, store: createDynamoStateStore({ client: dynamo.client, tableName: dynamo.tableName, config }), ouAccounts: accounts.current }).resolver;
      expect(resolver.forAccount('400000000421')).toBe('production');
      expect(resolver.forAccount('400000000431')).toBe('dev');
      expect(resolver.forAccount('222222222222')).toBe('staging');
      expect(resolver.forAccount('500000000501')).toBe('unknown');
    });
  });

  it('an older walk never overwrites a newer one; a failed walk leaves the last complete item', async () => {
    await withOrg(async (org) => {
      const cache = createOrganizationCache(dynamo.client, dynamo.tableName);
      const walk = (ou: string) => walkOrganizationalUnit(organizationsClient(org.endpoint), ou);
      expect((await runOrgSync({ config, walk, write: (m) => cache.put(m), now: () => new Date('2026-12-01T10:00:00Z') })).status).toBe('written');
      org.createAccount('400000000404', PROD);
      expect((await runOrgSync({ config, walk, write: (m) => cache.put(m), now: () => new Date('2026-12-01T09:59:00Z') })).status).toBe('stale');
      expect((await cache.get())!.ous[PROD]!.map(([a]) => a)).not.toContain('400000000404');

      const broken = parseConfig({ ...config, environments: [...config.environments, { name: 'gone', sensitivity: 'low', response: 'dry-run', organizationalUnits: ['ou-ab12-gone00001'] }] });
      await expect(runOrgSync({ config: broken, walk, write: (m) => cache.put(m), now: () => new Date('2026-12-01T11:00:00Z') })).rejects.toThrow();
      expect((await cache.get())!.syncedAt).toBe('2026-12-01T10:00:00.000Z');
    });
  });

  it('a config without OUs walks nothing and writes nothing', async () => {
    const plain = parseConfig({ environments: [{ name: 'a', sensitivity: 'low', response: 'dry-run', accounts: ['111111111111'] }] });
    const outcome = await runOrgSync({ config: plain, walk: async () => { throw new Error('must not walk'); }, write: async () => { throw new Error('must not write'); } });
    expect(outcome.status).toBe('nothing-configured');
  });
});

describe('detect: an account created in a production OU after deploy is production from its first event', () => {
  function record(account: string, eventId: string, time: string) {
    return {
      eventVersion: '1.09',
      userIdentity: { type: 'IAMUser', principalId: `AIDA${account}`, arn: `arn:aws:iam::${account}:user/ci-deployer`, accountId: account, accessKeyId: `AKIA${account}KEY1`, userName: 'ci-deployer' },
      eventTime: time,
      eventSource: 'rds.amazonaws.com',
      eventName: 'DeleteDBInstance',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.50',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: { dBInstanceIdentifier: `orders-${eventId}`, skipFinalSnapshot: true },
      responseElements: null,
      requestID: `req-${eventId}`,
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    };
  }
  const envelope = (detail: Record<string, unknown>, detailType = 'AWS API Call via CloudTrail') => ({
    version: '0',
    id: `eb-${String(detail.eventID)}`,
    'detail-type': detailType,
    source: `aws.${String(detail.eventSource).split('.')[0]}`,
    account: detail.recipientAccountId,
    time: detail.eventTime,
    region: detail.awsRegion,
    resources: [],
    detail,
  });

  it('CreateAccountResult → org-sync → the new account’s first destructive call is production, enforced', async () => {
    const dyn = await startLocalDynamo();
    const org = await startOrganizationsStandIn(tree(), { managementAccount: MANAGEMENT });
    try {
      let clock = new Date('2026-12-02T08:00:00Z');
      const orgSync = createOrgSyncHandler({ config, organizations: organizationsClient(org.endpoint), dynamodb: dyn.client, tableName: dyn.tableName, logger: quietLogger, now: () => clock });
      // Deploy: the first scheduled run.
      expect((await orgSync({})).status).toBe('written');

      // detect, wired as functions/detect/handler.ts wires it.
      const cache = createOrganizationCache(dyn.client, dyn.tableName);
      let reads = 0;
      const organization = new OrganizationAccounts({ config, load: () => (reads++, cache.get()) });
      const published: Finding[] = [];
      const detect = createDetectHandler({
        pipeline: createPipeline({ config, store: createDynamoStateStore({ client: dyn.client, tableName: dyn.tableName, config }), ouAccounts: organization.current }),
        publish: async (_type, detail) => void published.push(detail as Finding),
        logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
        metrics: new Metrics({ namespace: 'BlastwallTest', serviceName: 'test' }),
        now: () => clock,
        organization,
      });

      // Cold start: the cache is read once; a known OU account is production.
      clock = new Date('2026-12-02T08:01:00Z');
      expect((await detect(envelope(record('400000000411', 'evt-1', clock.toISOString())))).status).toBe('processed');
      expect(published.at(-1)!.environment).toBe('production');
      expect(reads).toBe(1);

      // Thirty seconds later the organisation creates an account in Apps (inside production)…
      clock = new Date('2026-12-02T08:01:30Z');
      org.createAccount('400000000499', PROD_APPS);
      // …and its CreateAccountResult reaches org-sync on the central bus.
      const createAccountResult = {
        eventVersion: '1.08', userIdentity: { accountId: MANAGEMENT, invokedBy: 'AWS Internal' }, eventTime: clock.toISOString(), eventSource: 'organizations.amazonaws.com',
        eventName: 'CreateAccountResult', awsRegion: 'us-east-1', eventID: 'evt-create', readOnly: false, eventType: 'AwsServiceEvent', managementEvent: true, recipientAccountId: MANAGEMENT,
        serviceEventDetails: { createAccountStatus: { id: 'car-1', state: 'SUCCEEDED', accountName: 'new', accountId: '400000000499' } },
      };
      expect(await orgSync(envelope(createAccountResult, 'AWS Service Event via CloudTrail'))).toMatchObject({ status: 'written', accounts: 10 });

      // The new account's first event, one minute later — well inside detect's five-minute refresh:
      // the unplaced account makes detect reload the cache once, and it is production.
      clock = new Date('2026-12-02T08:02:30Z');
      const first = await detect(envelope(record('400000000499', 'evt-2', clock.toISOString())));
      expect(first.status).toBe('processed');
      const finding = published.at(-1)!;
      expect(finding.id).toBe(first.status === 'processed' ? first.findingId : undefined);
      expect(finding.environment).toBe('production');
      expect(finding.mode).toBe('enforce');
      expect(finding.response!.every((a) => a.mode === 'enforce')).toBe(true);
      expect(reads).toBe(2);

      // respond plans again from the config and its own read of the cache (warm since before the
      // account existed): the unplaced target reloads it, and the revocation is enforced.
      const respondCache = new OrganizationAccounts({ config, load: () => cache.get() });
      await respondCache.ensureFresh(new Date('2026-12-02T08:00:30Z'));
      const revoked: ResponseAction[] = [];
      const revoker: Revoker = {
        revoke: async (a) => (revoked.push(a), { status: 'done', detail: 'revoked', attempts: 1 }),
        undo: async () => ({ status: 'done', detail: 'undone', attempts: 1 }),
      };
      const respond = (organization?: OrganizationAccounts) =>
        createResponder({ config, ledger: new MemoryResponseLedger(), revoker, publisher: new MemoryEventPublisher(), now: () => clock, ...(organization ? { organization } : {}) }).respond(structuredClone(finding));
      const enforced = await respond(respondCache);
      expect(enforced.status).toBe('responded');
      expect(revoked.length).toBeGreaterThan(0);
      expect(revoked.every((a) => a.account === '400000000499' && a.mode === 'enforce')).toBe(true);
      // Without the cache respond would have downgraded it to the unknown environment's dry-run.
      revoked.length = 0;
      const configOnly = await respond();
      expect(configOnly.status === 'responded' && configOnly.actions.every((a) => a.mode === 'dry-run')).toBe(true);
      expect(revoked).toEqual([]);

      // An account nobody placed (the sandbox) is unknown, and does not make detect read again within the minute.
      clock = new Date('2026-12-02T08:02:40Z');
      await detect(envelope(record('500000000501', 'evt-3', clock.toISOString())));
      expect(published.at(-1)!.environment).toBe('unknown');
      expect(reads).toBe(2);

      // MoveAccount: 411 (already placed, so no unplaced-account reload) moves into the dev OU; after
      // the sync it takes detect's five-minute refresh, counted from its last read at 08:02:30.
      org.moveAccount('400000000411', DEV_NESTED);
      clock = new Date('2026-12-02T08:03:00Z');
      await orgSync(envelope({ eventSource: 'organizations.amazonaws.com', eventName: 'MoveAccount', eventID: 'evt-move', eventTime: clock.toISOString(), awsRegion: 'us-east-1', recipientAccountId: MANAGEMENT }));
      clock = new Date('2026-12-02T08:07:00Z');
      await detect(envelope(record('400000000411', 'evt-4a', clock.toISOString())));
      expect(published.at(-1)!.environment).toBe('production');
      expect(reads).toBe(2);
      clock = new Date('2026-12-02T08:07:31Z');
      await detect(envelope(record('400000000411', 'evt-4', clock.toISOString())));
      expect(published.at(-1)!.environment).toBe('dev');
      expect(reads).toBe(3);
    } finally {
      await org.close();
      await dyn.close();
    }
  }, 30_000);

  it('a cache detect cannot read (OUs pushed through AppConfig before the cdk deploy that grants it) never stops detection', async () => {
    const cache = createOrganizationCache(dynamo.client, 'no-such-table');
    const warnings: string[] = [];
    const organization = new OrganizationAccounts({ config, load: () => cache.get(), log: { warn: (m) => void warnings.push(m) } });
    const published: Finding[] = [];
    const detect = createDetectHandler({
      pipeline: createPipeline({ config, store: createDynamoStateStore({ client: dynamo.client, tableName: dynamo.tableName, config }), ouAccounts: organization.current }),
      publish: async (_type, detail) => void published.push(detail as Finding),
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'BlastwallTest', serviceName: 'test' }),
      now: () => new Date('2026-12-03T08:00:00Z'),
      organization,
    });
    const out = await detect(envelope(record('400000000401', 'evt-unreadable', '2026-12-03T08:00:00Z')));
    expect(out.status).toBe('processed');
    expect(published.at(-1)!.environment).toBe('unknown');
    expect(warnings[0]).toMatch(/read failed/);
  });

  it('without the unplaced-account reload the same first event would have been unknown (what the reload is for)', async () => {
    const dyn = await startLocalDynamo();
    const org = await startOrganizationsStandIn(tree(), { managementAccount: MANAGEMENT });
    try {
      const orgSync = createOrgSyncHandler({ config, organizations: organizationsClient(org.endpoint), dynamodb: dyn.client, tableName: dyn.tableName, logger: quietLogger, now: () => new Date('2026-12-02T08:00:00Z') });
      await orgSync({});
      const cache = createOrganizationCache(dyn.client, dyn.tableName);
      const organization = new OrganizationAccounts({ config, load: () => cache.get() });
      await organization.ensureFresh(new Date('2026-12-02T08:01:00Z'));
      org.createAccount('400000000499', PROD_APPS);
      await createOrgSyncHandler({ config, organizations: organizationsClient(org.endpoint), dynamodb: dyn.client, tableName: dyn.tableName, logger: quietLogger, now: () => new Date('2026-12-02T08:01:30Z') })({});
      const pipeline = createPipeline({ config, store: createDynamoStateStore({ client: dyn.client, tableName: dyn.tableName, config }), ouAccounts: organization.current });
      await organization.ensureFresh(new Date('2026-12-02T08:02:30Z'));
      expect(pipeline.resolver.forAccount('400000000499')).toBe('unknown');
      expect(await organization.refreshForUnknown(['400000000499'], new Date('2026-12-02T08:02:30Z'))).toBe(true);
      expect(pipeline.resolver.forAccount('400000000499')).toBe('production');
    } finally {
      await org.close();
      await dyn.close();
    }
  }, 30_000);
});
