/**
 * The two Lambda entry points as deployed: wiring from the environment the stack sets,
 * Powertools getSecret (Secrets Manager mocked at the SDK boundary), the DynamoDB page
 * ledger on dynalite (through AWS_ENDPOINT_URL_DYNAMODB), Slack and PagerDuty stand-ins
 * (test-only endpoint overrides), EventBridge mocked at the SDK boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, EventBridgeEvent, LambdaFunctionURLEvent } from 'aws-lambda';
import { startLocalDynamo, type LocalDynamo } from '../support/dynalite.ts';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack.ts';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../standins/pagerduty.ts';
import { ENDPOINT_OVERRIDES } from '../../functions/page/endpoints.ts';
import { slackSignature } from '../../functions/core/paging/signature.ts';
import { ACTION_IDS } from '../../functions/core/paging/slack-message.ts';
import { DETAIL_TYPES, ENV_VARS } from '../../functions/core/telemetry-names.ts';
import { APPROVER, ROUTING_KEY, revokeAction, sampleFinding, testConfig } from './fixtures.ts';

const SLACK_ARN = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:blastwall/slack-AbCdEf';
const PD_ARN = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:blastwall/pagerduty-AbCdEf';
const SIGNING = 'handler-test-signing-secret';

let dynamo: LocalDynamo;
let slack: SlackStandIn;
let pd: PagerDutyStandIn;
const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  pd = await startPagerDutyStandIn();
  sm.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves({ SecretString: JSON.stringify({ botToken: slack.token, signingSecret: SIGNING, channel: 'C0FROMSECRET' }) });
  sm.on(GetSecretValueCommand, { SecretId: PD_ARN }).resolves({ SecretString: JSON.stringify({ routingKey: ROUTING_KEY }) });
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    [ENV_VARS.config]: JSON.stringify(testConfig()),
    [ENV_VARS.tableName]: dynamo.tableName,
    [ENV_VARS.eventBusName]: 'blastwall-central',
    [ENV_VARS.slackSecretArn]: SLACK_ARN,
    [ENV_VARS.pagerDutySecretArn]: PD_ARN,
    [ENDPOINT_OVERRIDES.slack]: slack.url,
    [ENDPOINT_OVERRIDES.pagerDuty]: pd.url,
  });
});
afterAll(async () => {
  await slack?.close();
  await pd?.close();
  await dynamo?.close();
});

function busEvent(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: `evt-${Math.random()}`,
    'detail-type': detailType,
    source: 'blastwall',
    account: '999999999999',
    time: '2026-11-25T10:00:10Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

const context = { getRemainingTimeInMillis: () => 29_000 } as Context;

describe('page and undo handlers, wired from the environment', () => {
  it('page: finding → Slack (config channel wins over the secret) + PagerDuty; response → update; undo: signed restore → bus', async () => {
    const { handler: page } = await import('../../functions/page/handler.ts');
    const { handler: undo } = await import('../../functions/undo/handler.ts');
    const f = sampleFinding({ id: 'f-handler-e2e' });

    const first = await page(busEvent(DETAIL_TYPES.finding, f), context);
    expect(first.channels.map((c) => c.result)).toEqual(['posted', 'triggered']);
    expect(slack.topLevel('C0ONCALL01')).toHaveLength(1);
    expect(pd.open(f.id)).toBeDefined();

    await page(busEvent(DETAIL_TYPES.response, { findingId: f.id, finding: { ...f, response: [revokeAction('done')] }, actions: [revokeAction('done')] }), context);
    const msg = slack.topLevel('C0ONCALL01')[0]!;
    expect(msg.updates).toBe(1);
    expect(msg.blocks!.some((b) => b.block_id === 'bw_undo')).toBe(true);

    const body = new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: APPROVER, username: 'ana' },
        container: { channel_id: 'C0ONCALL01', message_ts: msg.ts },
        actions: [{ action_id: ACTION_IDS.restore, value: f.id }],
      }),
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const urlEvent = {
      version: '2.0',
      rawPath: '/',
      headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SIGNING, ts, body) },
      requestContext: { http: { method: 'POST', sourceIp: '198.51.100.9' } },
      body,
      isBase64Encoded: false,
    } as unknown as LambdaFunctionURLEvent;
    const res = await undo(urlEvent);
    expect(res.statusCode).toBe(200);
    const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => [e.EventBusName, e.DetailType])).toEqual([['blastwall-central', DETAIL_TYPES.restoreRequested]]);

    const unsigned = await undo({ ...urlEvent, headers: {} });
    expect(unsigned.statusCode).toBe(401);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);

    // respond restores and reports: the page resolves the incident.
    const restored = revokeAction('done', { restored: { approver: { id: APPROVER, name: 'ana' }, reason: 'ok', at: new Date().toISOString(), status: 'done' } } as never);
    const out = await page(
      busEvent(DETAIL_TYPES.response, {
        findingId: f.id,
        finding: { ...f, response: [restored] },
        actions: [restored],
        restored: { at: new Date().toISOString(), by: 'ana', approver: { id: APPROVER, name: 'ana' }, reason: 'ok', status: 'done', detail: 'done' },
      }),
      context,
    );
    expect(out.channels.map((c) => c.result)).toEqual(['updated', 'resolved']);
    expect(pd.incidents[0]!.status).toBe('resolved');
  });
});
