/**
 * respond — Lambda entry for EventBridge events on the central bus:
 *   `Blastwall Finding`           → plan, execute, record, publish `Blastwall Response`
 *   `Blastwall Restore Requested` → restore with approver, record, publish `Blastwall Response`
 * Thin: the logic is in responder.ts; this file wires AWS clients from the environment.
 * A throw makes Lambda retry the event (then its DLQ): nothing is dropped silently.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { accountOfArn } from '../core/response/plan.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createOrganizationCache } from '../adapters/organization-cache-dynamo.ts';
import { OrganizationAccounts } from '../core/organization.ts';
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

/**
 * Member topology (docs/deploy.md, "Topology"): findings also come from the member accounts'
 * own detect, which that account's administrators could change. Such a finding may revoke
 * only inside the account that published it (EventBridge sets `account`, it cannot be
 * forged): a finding from account A naming an event or a credential of account B is not
 * acted on here (page still pages it, for a human). Findings of the central detect (this
 * function's own account) are unrestricted, as before. Returns the reason to refuse, if any.
 */
export function outOfPublisherAccount(event: RespondEvent, ownAccount: string | undefined): string | undefined {
  if (!ownAccount || event.account === ownAccount) return undefined;
  const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as { account?: unknown; credential?: { accountId?: unknown; arn?: unknown; issuerArn?: unknown } };
  const credential = detail.credential ?? {};
  const credentialAccount = typeof credential.accountId === 'string' ? credential.accountId : (accountOfArn(typeof credential.issuerArn === 'string' ? credential.issuerArn : undefined) ?? accountOfArn(typeof credential.arn === 'string' ? credential.arn : undefined));
  if (detail.account === event.account && credentialAccount === event.account) return undefined;
  return `a finding published by account ${String(event.account)} names account ${String(detail.account)} and a credential of ${String(credentialAccount)}: a member account's detect may only have credentials of its own account revoked`;
}

/** The handler over given dependencies (tests); `handler` below wires them from the environment. */
export function createHandler(getDeps: () => HandlerDeps) {
  return async (event: RespondEvent, context?: Pick<Context, 'invokedFunctionArn'>): Promise<RespondResult> => {
    const deps = getDeps();
    try {
      if (event?.source !== BLASTWALL_EVENT_SOURCE) {
        deps.log?.warn('event ignored: not from Blastwall', { source: event?.source, detailType: event?.['detail-type'] });
        return { status: 'ignored', reason: `source ${String(event?.source)}` };
      }
      switch (event['detail-type']) {
        case DETAIL_TYPES.finding: {
          const refused = outOfPublisherAccount(event, context?.invokedFunctionArn?.split(':')[4]);
          if (refused) {
            deps.log?.warn('finding not acted on: outside the account that published it', { publisher: event.account, reason: refused });
            return { status: 'ignored', reason: refused };
          }
          return await deps.responder.respond(event.detail);
        }
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
    sts: { requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000 } },
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
    revoker: new IamRevoker({ clientFor: (account, attempts) => clients.ready(account, attempts), invalidate: (account) => clients.invalidate(account) }),
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
