/**
 * `org-sync`: which accounts are in the organisational units the config names
 * (`environments[].organizationalUnits`), written to the state table for detect
 * (functions/core/organization.ts).
 *
 * Invoked by a schedule (a safety net) and by the organisation's own CloudTrail events that
 * change membership on the central bus (CreateAccountResult, MoveAccount, AcceptHandshake,
 * RemoveAccountFromOrganization), so a new account is placed before its first events arrive.
 * Whatever invoked it, it walks everything: the event only says *when*, never *what* (its fields
 * are attacker-controlled; the Organizations API is the source of truth).
 *
 * Permissions: organizations:ListAccountsForParent and ListOrganizationalUnitsForParent;
 * dynamodb:PutItem on the one cache item. Nothing else.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { createOrganizationCache } from '../adapters/organization-cache-dynamo.ts';
import { walkOrganizationalUnit } from '../adapters/organizations-ou-walker.ts';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import type { BlastwallConfig } from '../core/config.ts';
import { ENV_VARS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { runOrgSync, type OrgSyncOutcome } from './sync.ts';

export interface OrgSyncHandlerDeps {
  config: BlastwallConfig;
  organizations: OrganizationsClient;
  dynamodb: DynamoDBClient;
  tableName: string;
  logger: Pick<Logger, 'info'>;
  now?: () => Date;
}

/** What started the run, for the log line only (bounded; never trusted). */
function trigger(event: unknown): string {
  if (typeof event !== 'object' || event === null) return 'direct';
  const detail = (event as { detail?: unknown }).detail;
  const name = typeof detail === 'object' && detail !== null ? (detail as { eventName?: unknown }).eventName : undefined;
  if (typeof name === 'string') return `cloudtrail:${name.slice(0, 64)}`;
  return 'schedule';
}

export function createOrgSyncHandler(deps: OrgSyncHandlerDeps) {
  const cache = createOrganizationCache(deps.dynamodb, deps.tableName);
  return async (event: unknown): Promise<OrgSyncOutcome> => {
    const outcome = await runOrgSync({
      config: deps.config,
      walk: (ou) => walkOrganizationalUnit(deps.organizations, ou),
      write: (m) => cache.put(m),
      ...(deps.now ? { now: deps.now } : {}),
    });
    deps.logger.info('organisational units synchronised', { trigger: trigger(event), ...outcome });
    return outcome;
  };
}

let cached: ReturnType<typeof createOrgSyncHandler> | undefined;

export const handler = async (event: unknown): Promise<OrgSyncOutcome> => {
  cached ??= createOrgSyncHandler({
    config: configFromEnvironment('org-sync'),
    // The SDK's endpoint rules send Organizations calls to the partition's global endpoint
    // (us-east-1 in `aws`) whatever the function's region. Five attempts with the standard
    // backoff ride out its throttling (a few List calls a second); each request bounded to 5 s.
    organizations: new OrganizationsClient({ maxAttempts: 5, requestHandler: { requestTimeout: 5_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } }),
    dynamodb: new DynamoDBClient({ maxAttempts: 3, requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } }),
    tableName: requiredEnv('org-sync', ENV_VARS.tableName),
    logger: new Logger({ serviceName: SERVICE_NAME }),
  });
  return cached(event);
};
