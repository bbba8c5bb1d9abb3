/**
 * respond — Lambda entry for EventBridge events on the central bus:
 *   `Blastwall Finding`           → plan, execute, record, publish `Blastwall Response`
 *   `Blastwall Restore Requested` → restore with approver, record, publish `Blastwall Response`
 * Thin: the logic is in responder.ts; this file wires AWS clients from the environment.
 * A throw makes Lambda retry the event (then its DLQ): nothing is dropped silently.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createOrganizationCache } from '../adapters/organization-cache-dynamo.ts';
import { OrganizationAccounts } from '../core/organization.ts';
import { STSClient } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { parseOwnRoleArns } from '../core/response/protected.ts';
import { BLASTWALL_EVENT_SOURCE, DETAIL_TYPES, ENV_VARS, METRIC_NAMESPACE, SERVICE_NAME } from '../core/telemetry-names.ts';
import { createEventPublisher } from '../adapters/event-publisher.ts';
import { IamRevoker } from '../adapters/iam-revoker.ts';
import { DynamoResponseLedger } from '../adapters/response-ledger-dynamodb.ts';
import { IamClients, ResponderCredentials, iamRegionOfPartition, partitionOfRegion } from '../adapters/responder-credentials.ts';
import { createResponder, type FindingOutcome, type Responder, type ResponseLog, type ResponseMetrics, type RestoreOutcome } from './responder.ts';

export type RespondEvent = EventBridgeEvent<string, unknown>;
export type RespondResult = FindingOutcome | RestoreOutcome | { status: 'ignored'; reason: string };

export interface HandlerDeps {
  responder: Responder;
  log?: ResponseLog;
  /** Called after each event (flushes metrics). */
  flush?: () => void;
}

/** The handler over given dependencies (tests); `handler` below wires them from the environment. */
export function createHandler(getDeps: () => HandlerDeps) {
  return async (event: RespondEvent): Promise<RespondResult> => {
    const deps = getDeps();
    try {
      if (event?.source !== BLASTWALL_EVENT_SOURCE) {
        deps.log?.warn('event ignored: not from Blastwall', { source: event?.source, detailType: event?.['detail-type'] });
        return { status: 'ignored', reason: `source ${String(event?.source)}` };
      }
      switch (event['detail-type']) {
        case DETAIL_TYPES.finding:
          return await deps.responder.respond(event.detail);
        case DETAIL_TYPES.restoreRequested:
          return await deps.responder.restore(event.detail);
        default:
          deps.log?.warn('event ignored: detail-type not handled', { detailType: event['detail-type'] });
          return { status: 'ignored', reason: `detail-type ${event['detail-type']}` };
      }
    } finally {
      deps.flush?.();
    }
  };
}

let wired: HandlerDeps | undefined;

function wireFromEnvironment(): HandlerDeps {
  if (wired) return wired;
  const logger = new Logger({ serviceName: SERVICE_NAME });
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
  const config = configFromEnvironment('respond');
  const partition = partitionOfRegion(process.env.AWS_REGION);
  const credentials = new ResponderCredentials({
    sts: new STSClient({ maxAttempts: 1, requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true } }),
    roleName: config.response.responderRoleName,
    partition,
  });
  const clients = new IamClients({ credentials, region: iamRegionOfPartition(partition) });
  const log: ResponseLog = {
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  };
  let pending = false;
  const count: ResponseMetrics = {
    count: (name, value = 1) => {
      pending = true;
      metrics.addMetric(name, MetricUnit.Count, value);
    },
  };
  const dynamodb = new DynamoDBClient({ requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true } });
  const tableName = requiredEnv('respond', ENV_VARS.tableName);
  // Environments by organisational unit: the org-sync cache item, as detect reads it.
  const cache = createOrganizationCache(dynamodb, tableName);
  const organization = new OrganizationAccounts({ config, load: () => cache.get(), log: { warn: (m, d) => logger.warn(m, d ?? {}) } });
  const responder = createResponder({
    config,
    ...(organization.enabled ? { organization } : {}),
    ownRoleArns: parseOwnRoleArns(process.env[ENV_VARS.ownRoleArns]),
    ledger: new DynamoResponseLedger({ client: dynamodb, tableName, retentionDays: config.detection.historyDays }),
    revoker: new IamRevoker({ clientFor: (account) => clients.ready(account), invalidate: (account) => clients.invalidate(account) }),
    publisher: createEventPublisher({ eventBusName: requiredEnv('respond', ENV_VARS.eventBusName) }),
    metrics: count,
    log,
  });
  wired = {
    responder,
    log,
    flush: () => {
      if (!pending) return;
      pending = false;
      metrics.publishStoredMetrics();
    },
  };
  return wired;
}

export const handler = createHandler(wireFromEnvironment);
