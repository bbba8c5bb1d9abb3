/**
 * `backup-watchdog` (hourly schedule): the newest restorable recovery point of every
 * protected resource in high-sensitivity environments; a page (Blastwall Posture Finding →
 * page) when it is older than backups.maxAgeHours or has no copy outside its account or
 * region.
 *
 * Permissions: sts:AssumeRole on the member reader role only; events:PutEvents of Posture
 * Findings. Everything it reads, it reads as the reader role (List/Describe calls only).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { EventBridgePublisher } from '../adapters/event-publisher.ts';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { ResponderCredentials } from '../adapters/responder-credentials.ts';
import { readerClients, READER_CLIENT_OPTIONS as timeouts } from '../adapters/reader-clients.ts';
import { ENV_VARS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { runWatchdog, type WatchdogOutcome } from './watchdog.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });

export const handler = async (): Promise<WatchdogOutcome> => {
  const config = configFromEnvironment('backup-watchdog');
  const busName = requiredEnv('backup-watchdog', ENV_VARS.eventBusName);
  const credentials = new ResponderCredentials({ sts: new STSClient(timeouts), roleName: config.audit.readerRoleName, sessionName: 'blastwall-backup-watchdog' });
  return runWatchdog({
    config,
    clientsFor: readerClients(credentials),
    publisher: new EventBridgePublisher({ client: new EventBridgeClient(timeouts), eventBusName: busName }),
    log: { info: (m, d) => logger.info(m, (d ?? {}) as never), error: (m, d) => logger.error(m, (d ?? {}) as never) },
  });
};
