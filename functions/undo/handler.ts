/**
 * `undo`: the Lambda Function URL Slack's interactivity posts to (auth type NONE —
 * the Slack signature is the authentication). Thin: the logic is in undo-service.ts.
 *
 * Permissions: secretsmanager:GetSecretValue on the Slack secret, events:PutEvents
 * on the central bus (`Blastwall Restore Requested` only), dynamodb:GetItem/PutItem
 * on the table (PAGE# items). No IAM power: respond does the restore.
 */
import type { APIGatewayProxyStructuredResultV2 as LambdaFunctionURLResult, LambdaFunctionURLEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { DynamoPageLedger } from '../adapters/page-ledger-dynamo.ts';
import { DynamoRequestOnce } from '../adapters/request-once.ts';
import { SlackPager } from '../adapters/slack-pager.ts';
import { createEventPublisher } from '../adapters/event-publisher.ts';
import { loadSlackSecret } from '../page/secrets.ts';
import { ENDPOINT_OVERRIDES } from '../page/endpoints.ts';
import { createUndoService } from './undo-service.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

let service: ReturnType<typeof createUndoService> | undefined;
let slackPager: { token: string; pager: SlackPager } | undefined;

function fromEnvironment() {
  const config = configFromEnvironment('undo');
  const tableName = requiredEnv('undo', ENV_VARS.tableName);
  const busName = requiredEnv('undo', ENV_VARS.eventBusName);
  const publisher = createEventPublisher({ eventBusName: busName });
  const secret = () => loadSlackSecret(process.env[ENV_VARS.slackSecretArn]);
  const dynamo = new DynamoDBClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1_000, connectionTimeout: 500, throwOnRequestTimeout: true } });
  return createUndoService({
    config,
    ledger: new DynamoPageLedger(dynamo, tableName),
    requests: new DynamoRequestOnce(dynamo, tableName),
    signingSecret: async () => (await secret()).signingSecret,
    slack: async () => {
      const s = await secret();
      // Slack answers interactions within 3 s: no rate-limit waiting here.
      if (slackPager?.token !== s.botToken) slackPager = { token: s.botToken, pager: new SlackPager({ token: s.botToken, ...(process.env[ENDPOINT_OVERRIDES.slack] ? { slackApiUrl: process.env[ENDPOINT_OVERRIDES.slack] } : {}), maxRateLimitWaitSeconds: 0, retryConfig: { retries: 1, minTimeout: 100, maxTimeout: 300 }, timeoutMs: 1500 }) };
      return { pager: slackPager.pager, channel: config.paging.slackChannel ?? s.channel ?? '' };
    },
    publish: (detailType, detail) => publisher.publish(detailType, detail),
    log: {
      info: (m, d) => logger.info(m, (d ?? {}) as never),
      warn: (m, d) => logger.warn(m, (d ?? {}) as never),
      error: (m, d) => logger.error(m, (d ?? {}) as never),
    },
    onRefused: (reason) => {
      const m = metrics.singleMetric();
      m.addDimension('Reason', reason.replace(/:.*/, ''));
      m.addMetric(METRICS.undoRefused, MetricUnit.Count, 1);
    },
  });
}

export const handler = async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
  service ??= fromEnvironment();
  try {
    return await service.handle(event);
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
