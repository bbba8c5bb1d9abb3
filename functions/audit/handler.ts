/**
 * `audit` (daily schedule): the five questions for every credential of every configured
 * account, stored; a page (Blastwall Posture Finding → page) when a credential's risk
 * rises to high or above.
 *
 * Permissions: sts:AssumeRole on the member reader role (audit.readerRoleName) only;
 * Organizations read calls (SCPs, their targets, OU parents); dynamodb BatchGetItem on
 * CRED# (read) and AUDIT# (read/write); events:PutEvents of Posture Findings. No IAM write.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { collectLive } from '../adapters/audit-collector.ts';
import { dynamoAuditStore } from '../adapters/audit-store-dynamo.ts';
import { EventBridgePublisher } from '../adapters/event-publisher.ts';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { ResponderCredentials } from '../adapters/responder-credentials.ts';
import { ENV_VARS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { runScheduledAudit, type AuditRunOutcome } from './audit-service.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const timeouts = { maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000, throwOnRequestTimeout: true } };

export const handler = async (): Promise<AuditRunOutcome> => {
  const config = configFromEnvironment('audit');
  const tableName = requiredEnv('audit', ENV_VARS.tableName);
  const busName = requiredEnv('audit', ENV_VARS.eventBusName);
  const dynamodb = new DynamoDBClient(timeouts);
  const credentials = new ResponderCredentials({ sts: new STSClient(timeouts), roleName: config.audit.readerRoleName, sessionName: 'blastwall-audit' });
  // IAM is global: one client per account, signing as that account's reader role.
  const iam = new Map<string, IAMClient>();
  return runScheduledAudit({
    config,
    collect: () =>
      collectLive(
        config,
        {
          iam: (account) => {
            let client = iam.get(account);
            if (!client) iam.set(account, (client = new IAMClient({ ...timeouts, credentials: () => credentials.forAccount(account) })));
            return client;
          },
          organizations: new OrganizationsClient(timeouts),
          dynamodb,
        },
        { tableName, log: (line) => logger.warn(line) },
      ),
    store: dynamoAuditStore(dynamodb, tableName),
    publisher: new EventBridgePublisher({ client: new EventBridgeClient(timeouts), eventBusName: busName }),
    log: { info: (m, d) => logger.info(m, (d ?? {}) as never), warn: (m, d) => logger.warn(m, (d ?? {}) as never) },
  });
};
