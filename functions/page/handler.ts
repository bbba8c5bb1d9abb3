/**
 * `page`: `Blastwall Finding` and `Blastwall Response` events from the central bus →
 * Slack and PagerDuty. Thin: the logic is in page-service.ts.
 *
 * Permissions: secretsmanager:GetSecretValue on the Slack and PagerDuty secrets,
 * dynamodb:GetItem/PutItem on the table (PAGE# items). Nothing else — no IAM.
 * A channel that cannot be delivered after bounded retries makes the invocation
 * throw (after the other channel was attempted): Lambda retries, then the DLQ.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { DynamoPageLedger } from '../adapters/page-ledger-dynamo.ts';
import { SlackPager } from '../adapters/slack-pager.ts';
import { PagerDutyPager } from '../adapters/pagerduty-pager.ts';
import { createPageService, type PageOutcome, type PageService } from './page-service.ts';
import { loadPagerDutySecret, loadSlackSecret } from './secrets.ts';
import { ENDPOINT_OVERRIDES } from './endpoints.ts';
import { STSClient } from '@aws-sdk/client-sts';
import { credentialRecentEvents } from '../adapters/credential-history.ts';
import { assumedAccounts, type HistoryAccount } from '../adapters/history-accounts.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

let service: PageService | undefined;
let slackPager: { token: string; pager: SlackPager } | undefined;

function fromEnvironment(): PageService {
  const config = configFromEnvironment('page');
  const tableName = requiredEnv('page', ENV_VARS.tableName);
  const ledger = new DynamoPageLedger(new DynamoDBClient({ maxAttempts: 3, requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true } }), tableName);
  // Endpoint overrides exist for the loopback tests of this handler; unset in AWS.
  const pd = new PagerDutyPager(process.env[ENDPOINT_OVERRIDES.pagerDuty] ? { baseUrl: process.env[ENDPOINT_OVERRIDES.pagerDuty] } : {});
  const slackApiUrl = process.env[ENDPOINT_OVERRIDES.slack];
  return createPageService({
    config,
    ledger,
    slack: async () => {
      const secret = await loadSlackSecret(process.env[ENV_VARS.slackSecretArn]);
      const channel = config.paging.slackChannel ?? secret.channel;
      if (!channel) throw new Error('no Slack channel: set paging.slackChannel in the config or "channel" in the Slack secret');
      // A rotated token gets a new client; otherwise the client (and its queue) is reused.
      if (slackPager?.token !== secret.botToken) {
        slackPager = {
          token: secret.botToken,
          pager: new SlackPager({
            token: secret.botToken,
            ...(slackApiUrl ? { slackApiUrl } : {}),
            // Worst case per call: 3 × 4 s + 2 backoffs ≤ 2 s + 5 s of Retry-After ≈ 21 s, inside the 30 s timeout.
            timeoutMs: 4000,
            maxRateLimitWaitSeconds: 5,
          }),
        };
      }
      return { pager: slackPager.pager, channel };
    },
    pagerDuty: async () => ({ pager: pd, secret: await loadPagerDutySecret(process.env[ENV_VARS.pagerDutySecretArn]) }),
    log: {
      info: (m, d) => logger.info(m, (d ?? {}) as never),
      warn: (m, d) => logger.warn(m, (d ?? {}) as never),
      error: (m, d) => logger.error(m, (d ?? {}) as never),
    },
    credentialContext: credentialContextFromEnvironment(),
    onChannelFailure: (channel) => {
      const m = metrics.singleMetric();
      m.addDimension('Channel', channel);
      m.addMetric(METRICS.pageFailures, MetricUnit.Count, 1);
    },
  });
}

/** The credential's recent events, through the read-only history role in the finding's account (when the stack set one). */
function credentialContextFromEnvironment() {
  const roleName = process.env[ENV_VARS.historyRoleName];
  if (!roleName) return undefined;
  const sts = new STSClient({});
  const accounts = new Map<string, HistoryAccount>();
  return async (finding: import('../core/finding.ts').Finding) => {
    const accessKeyId = finding.credential.accessKeyId;
    if (!accessKeyId) return undefined;
    let account = accounts.get(finding.account);
    if (!account) accounts.set(finding.account, (account = assumedAccounts(sts, [finding.account], roleName, 'blastwall-page')[0]!));
    return credentialRecentEvents(account.clientFor(finding.region), { accessKeyId, account: finding.account, region: finding.region });
  };
}

export const handler = async (event: EventBridgeEvent<string, unknown>, context?: Context): Promise<PageOutcome> => {
  service ??= fromEnvironment();
  try {
    return await service.handle(event, context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {});
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
