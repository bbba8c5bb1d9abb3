/**
 * `warm-up`: the one-off function that fills the state table from the last days of
 * CloudTrail (functions/warm-up/warm-up.ts). Started by a CloudFormation custom resource
 * on first deploy (it answers CloudFormation at once, then works), continued by its
 * schedule until the checkpoint says done (after that each run is one read), and
 * invocable by hand (`aws lambda invoke`). Progress goes to its log.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { createLimiterPool, LOOKUP_REQUESTS_PER_SECOND } from '../adapters/cloudtrail-history.ts';
import { createDynamoStateStore } from '../adapters/dynamo-state-store.ts';
import { assumedAccounts } from '../adapters/history-accounts.ts';
import { createDynamoCheckpointStore } from '../adapters/history-checkpoint-dynamo.ts';
import { configFromEnvironment, requiredEnv } from '../adapters/lambda-environment.ts';
import { createPipeline } from '../core/pipeline.ts';
import { ENV_VARS, SERVICE_NAME } from '../core/telemetry-names.ts';
import { DEFAULT_WARM_UP_DAYS, warmUp, type WarmUpCheckpoint, type WarmUpResult } from './warm-up.ts';

interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
}

const isCustomResourceEvent = (e: unknown): e is CustomResourceEvent =>
  typeof e === 'object' && e !== null && typeof (e as CustomResourceEvent).ResponseURL === 'string' && typeof (e as CustomResourceEvent).RequestType === 'string';

/** Answers CloudFormation (a PUT of the result to the pre-signed URL). */
export function answerCloudFormation(event: CustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: event.PhysicalResourceId ?? 'blastwall-warm-up',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // CloudFormation's pre-signed URL is https; plain http only reaches a loopback test server.
  const request = new URL(event.ResponseURL).protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('timeout', () => req.destroy(new Error('CloudFormation response timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const logger = new Logger({ serviceName: SERVICE_NAME });

export const handler = async (event: unknown, context: Context): Promise<WarmUpResult | { status: 'skipped' }> => {
  if (isCustomResourceEvent(event)) {
    // The stack must not wait for history: answer first. Only the first deploy starts a warm-up.
    await answerCloudFormation(event, 'SUCCESS', event.RequestType === 'Create' ? 'warm-up started; progress in the function log' : 'nothing to do');
    if (event.RequestType !== 'Create') return { status: 'skipped' };
  }
  const config = configFromEnvironment('warm-up');
  const tableName = requiredEnv('warm-up', ENV_VARS.tableName);
  const roleName = requiredEnv('warm-up', ENV_VARS.historyRoleName);
  const days = Number(process.env[ENV_VARS.warmUpDays] ?? DEFAULT_WARM_UP_DAYS);
  const regions = [...new Set([...(config.deployment?.regions ?? []), 'us-east-1'])];
  const client = new DynamoDBClient({ maxAttempts: 5 });
  const now = new Date();
  return warmUp(
    {
      pipeline: createPipeline({ config, store: createDynamoStateStore({ client, tableName, config }) }),
      accounts: assumedAccounts(new STSClient({}), [...new Set(config.environments.flatMap((e) => e.accounts))], roleName, 'blastwall-warm-up'),
      regions,
      checkpoints: createDynamoCheckpointStore<WarmUpCheckpoint>(client, tableName, 'warm-up'),
      limiterFor: createLimiterPool(LOOKUP_REQUESTS_PER_SECOND),
      log: (message, details) => logger.info(message, details ?? {}),
      remainingMs: () => context.getRemainingTimeInMillis(),
      reserveMs: 60_000,
    },
    { since: new Date(now.getTime() - days * 86_400_000), until: now },
  );
};
