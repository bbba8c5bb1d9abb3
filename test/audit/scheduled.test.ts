/**
 * The scheduled audit end to end: the real IAM and Organizations clients against loopback
 * stand-ins serving the crafted exports (paginated, URL-encoded documents, an SCP on an OU),
 * the result stored in DynamoDB (dynalite), and a page through the page function's service
 * to Slack and PagerDuty stand-ins when a credential's risk rises to high or above — and
 * only then.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { encodeItemData } from '../../functions/adapters/dynamo-state-store.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectLive } from '../../functions/adapters/audit-collector.ts';
import { dynamoAuditStore } from '../../functions/adapters/audit-store-dynamo.ts';
import type { EventPublisher } from '../../functions/adapters/event-publisher.ts';
import { runScheduledAudit } from '../../functions/audit/audit-service.ts';
import { UnreadableAccountsError } from '../../functions/backup-watchdog/watchdog.ts';
import type { Finding } from '../../functions/core/finding.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { credentialsFor } from '../standins/aws-world.ts';
import { startIamAuditStandIn, type IamAccountData, type OrgData } from '../standins/iam-audit.ts';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startHarness } from '../paging/harness.ts';
import { DEV, NOW, PROD, PROD_EU, STAGING, fixtureConfig, readFixture } from './support.ts';

const CI = `arn:aws:iam::${STAGING}:user/ci-deployer`;

function accounts(): Record<string, IamAccountData> {
  return {
    [DEV]: { details: JSON.parse(readFixture('development-111111111111.json')), report: readFixture('development-credentials.csv') },
    [STAGING]: { details: JSON.parse(readFixture('staging-222222222222.json')), report: readFixture('staging-credentials.csv'), accessKeys: { 'ci-deployer': ['AKIACIDEPLOYER000001'] } },
    [PROD]: { details: JSON.parse(readFixture('production-333333333333.json')) },
    [PROD_EU]: { details: JSON.parse(readFixture('production-eu-444444444444.json')) },
  };
}

/** The fixture SCPs, with the MFA guardrail attached to the OU production-eu sits in (found through ListParents). */
function org(): OrgData {
  const scps = JSON.parse(readFixture('scps.json')) as { PolicyId: string; Name: string; Content: string; Targets: { TargetId: string; Type: string }[] }[];
  scps[1]!.Targets = [{ TargetId: 'ou-abcd-prodeu', Type: 'ORGANIZATIONAL_UNIT' }];
  // As in AWS, FullAWSAccess is attached at every level, the OU included.
  scps[0]!.Targets.push({ TargetId: 'ou-abcd-prodeu', Type: 'ORGANIZATIONAL_UNIT' });
  return { policies: scps, parents: { [PROD_EU]: { Id: 'ou-abcd-prodeu', Type: 'ORGANIZATIONAL_UNIT' }, 'ou-abcd-prodeu': { Id: 'r-abcd', Type: 'ROOT' } } };
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function capture(): EventPublisher & { events: { detailType: string; detail: Finding }[] } {
  const events: { detailType: string; detail: Finding }[] = [];
  return { events, publish: async (detailType, detail) => void events.push({ detailType, detail: JSON.parse(JSON.stringify(detail)) as Finding }) };
}

async function runDay(data: Record<string, IamAccountData>, now: Date, publisher: EventPublisher) {
  const standin = await startIamAuditStandIn(data, org());
  try {
    const config = fixtureConfig();
    const clients = (account: string) => new IAMClient({ endpoint: standin.endpoint, region: 'us-east-1', credentials: credentialsFor(account), maxAttempts: 1 });
    const outcome = await runScheduledAudit({
      config,
      collect: () =>
        collectLive(
          config,
          { iam: clients, organizations: new OrganizationsClient({ endpoint: standin.endpoint, region: 'us-east-1', credentials: credentialsFor('999999999999'), maxAttempts: 1 }), dynamodb: dynamo.client },
          { tableName: dynamo.tableName, log: () => {}, sleep: async () => {} },
        ),
      store: dynamoAuditStore(dynamo.client, dynamo.tableName),
      publisher,
      now: () => now,
    });
    return { outcome, calls: standin.calls };
  } finally {
    await standin.close();
  }
}

describe('scheduled audit', () => {
  it('pages when a staging key gains a path to production deletes, stores the result, and does not page again for the same risk', async () => {
    // Day 1: the CI key may only push images.
    const day1Data = accounts();
    const ciUser = (day1Data[STAGING]!.details.UserDetailList as { UserPolicyList: { PolicyDocument: { Statement: unknown[] } }[] }[])[0]!;
    ciUser.UserPolicyList[0]!.PolicyDocument.Statement = ciUser.UserPolicyList[0]!.PolicyDocument.Statement.slice(0, 1);
    // The detector saw the production deployer role used from the CI network: "used by".
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { pk: { S: `CRED#role:arn:aws:iam::${PROD}:role/prod-deployer` }, sk: { S: 'STATE' }, data: { B: encodeItemData({ key: `role:arn:aws:iam::${PROD}:role/prod-deployer`, sources: [{ network: '198.51.100.0/24', family: 'terraform', firstSeen: 1, lastSeen: 2 }] }) } },
      }),
    );
    const day1 = capture();
    const first = await runDay(day1Data, NOW, day1);
    const deployer = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `AUDIT#arn:aws:iam::${PROD}:role/prod-deployer` }, sk: { S: 'LATEST' } } }));
    expect(JSON.parse(deployer.Item!.answer!.S!).questions.rotation.usedBy).toEqual(['terraform from 198.51.100.0/24']);
    expect(first.outcome.credentials).toBe(7);
    expect(first.outcome.warnings).toEqual([]);
    // The paginator followed the Marker: two pages per account, in the account that signed.
    expect(first.calls.filter((c) => c.action === 'GetAccountAuthorizationDetails').map((c) => c.account).sort()).toEqual([DEV, DEV, STAGING, STAGING, PROD, PROD, PROD_EU, PROD_EU].sort());
    expect(first.outcome.paged.map((p) => p.principal)).not.toContain(CI);
    // What was already critical on the first audit pages once.
    expect(first.outcome.paged.map((p) => p.principal).sort()).toEqual([`arn:aws:iam::${PROD}:role/prod-backup-admin`, `arn:aws:iam::${PROD}:role/prod-deployer`]);
    // The OU's MFA guardrail was applied (found through ListParents): the DBA role is gated.
    const dba = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `AUDIT#arn:aws:iam::${PROD_EU}:role/dba` }, sk: { S: 'LATEST' } } }));
    expect(dba.Item?.risk?.S).toBe('low');
    expect(JSON.parse(dba.Item!.answer!.S!).questions.approvalGate.answer).toBe(true);

    // Day 2: someone added sts:AssumeRole on the production deployer role to the CI key.
    const day2 = capture();
    const second = await runDay(accounts(), new Date(NOW.getTime() + 86_400_000), day2);
    expect(second.outcome.paged).toEqual([expect.objectContaining({ principal: CI, risk: 'critical', previous: 'info' })]);
    expect(day2.events).toHaveLength(1);
    const finding = day2.events[0]!;
    expect(finding.detailType).toBe(DETAIL_TYPES.postureFinding);
    expect(finding.detail).toMatchObject({ severity: 'critical', environment: 'staging', mode: 'page-only', response: [expect.objectContaining({ action: 'manual', status: 'skipped' })], credential: { type: 'access-key', accessKeyId: 'AKIACIDEPLOYER000001', arn: CI } });
    expect(finding.detail.summary).toContain(`arn:aws:iam::${PROD}:role/prod-deployer`);
    expect(finding.detail.response[0]!.detail).toContain(`remove sts:AssumeRole on arn:aws:iam::${PROD}:role/prod-deployer from ${CI}`);
    const stored = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `AUDIT#${CI}` }, sk: { S: 'LATEST' } } }));
    expect(stored.Item?.risk?.S).toBe('critical');

    // The page goes where findings go.
    const harness = await startHarness();
    try {
      await harness.service.handle({ 'detail-type': finding.detailType, detail: finding.detail });
      expect(harness.pd.incidents).toHaveLength(1);
      expect(harness.pd.incidents[0]!.summary).toMatch(/ci-deployer/);
      expect(harness.slack.topLevel()).toHaveLength(1);
    } finally {
      await harness.close();
    }

    // Day 3: nothing changed — no page.
    const day3 = capture();
    const third = await runDay(accounts(), new Date(NOW.getTime() + 2 * 86_400_000), day3);
    expect(third.outcome.paged).toEqual([]);
    expect(day3.events).toEqual([]);
  }, 60_000);

  it('audits the accounts it can read and fails the invocation for the ones it cannot', async () => {
    const data = accounts();
    delete data[PROD_EU];
    await expect(runDay(data, NOW, capture())).rejects.toBeInstanceOf(UnreadableAccountsError);
  }, 60_000);
});
