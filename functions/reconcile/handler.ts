/**
 * `reconcile`: scheduled every 15 minutes. Compares CloudTrail's write events in each
 * member account and region (through the read-only history role) with what detect
 * processed, and runs the missed ones through the very detect handler
 * (functions/reconcile/reconcile.ts). Publishes `MissedEvents`; an alarm pages on any.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { createLimiterPool, LOOKUP_REQUESTS_PER_SECOND } from '../adapters/cloudtrail-history.ts';
import { assumedAccounts } from '../adapters/history-accounts.ts';
import { createDynamoCheckpointStore } from '../adapters/history-checkpoint-dynamo.ts';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { createDynamoSeenLedger } from '../adapters/seen-ledger-dynamo.ts';
import { METRIC_NAMESPACE, METRICS, ENV_VARS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { fromEnvironment as detectFromEnvironment } from '../detect/handler.ts';
import { reconcileScope } from '../core/detection/reconcile-scope.ts';
import { reconcile, type ReconcileCheckpoint, type ReconcileResult } from './reconcile.ts';
import { cloudTrailEnvelope } from './envelope.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

export const handler = async (): Promise<ReconcileResult> => {
  const config = configFromEnvironment('reconcile');
  const tableName = requiredEnv('reconcile', ENV_VARS.tableName);
  const roleName = requiredEnv('reconcile', ENV_VARS.historyRoleName);
  const client = new DynamoDBClient({ maxAttempts: 5 });
  const detect = detectFromEnvironment();
  const result = await reconcile({
    accounts: assumedAccounts(new STSClient({}), [...new Set(config.environments.flatMap((e) => e.accounts))], roleName, 'blastwall-reconcile'),
    regions: [...new Set([...(config.deployment?.regions ?? []), 'us-east-1'])],
    seen: createDynamoSeenLedger(client, tableName),
    // The same scope detect records with: the config's own rules included.
    scope: reconcileScope(config.detection.rules),
    checkpoints: (unit) => createDynamoCheckpointStore<ReconcileCheckpoint>(client, tableName, `reconcile#${unit}`),
    detect: (record) => detect(cloudTrailEnvelope(record as Record<string, unknown>)),
    limiterFor: createLimiterPool(LOOKUP_REQUESTS_PER_SECOND),
    now: () => new Date(),
    log: (message, details) => logger.info(message, details ?? {}),
  });
  // Always published (0 included): the alarm reads a number, not silence.
  metrics.addMetric(METRICS.missedEvents, MetricUnit.Count, result.missed);
  metrics.publishStoredMetrics();
  logger.info('reconciled', { units: result.units.length, missed: result.missed, findings: result.findings, failures: result.failures });
  // The other accounts are reconciled already; failing the invocation makes the Errors alarm page for the rest.
  if (result.failures.length > 0) throw new Error(`reconcile failed in ${result.failures.length} account-region(s), first ${result.failures[0]!.unit}: ${result.failures[0]!.error}`);
  return result;
};
