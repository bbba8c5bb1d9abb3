/**
 * `heartbeat` (member topology): every 5 minutes, in every member account and region,
 * tells the central account that this member's `detect` is alive and which code it runs:
 * one `Blastwall Heartbeat` on the central bus with the account, the region, detect's
 * `CodeSha256` (Lambda's own hash of the deployed package, read from Lambda, not reported
 * by detect about itself) and how many events detect judged (its CloudWatch `Invocations`)
 * in the last complete 5-minute window. The central `heartbeat-watch` keeps the last one per
 * member and pages on silence or on an unknown code hash (functions/core/heartbeat.ts).
 *
 * A heartbeat that cannot be sent throws: the schedule retries, and the central account
 * sees the silence either way.
 */
import type { Context } from 'aws-lambda';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { buildHeartbeat, heartbeatWindow, type HeartbeatDetail } from '../core/heartbeat.ts';
import { DETAIL_TYPES, ENV_VARS } from '../core/telemetry-names.ts';
import { createEventPublisher } from '../adapters/event-publisher.ts';
import { regionOfArn, requiredEnv } from '../adapters/lambda-environment.ts';

export interface HeartbeatDeps {
  region: string;
  /** `CodeSha256` of the member's detect function. */
  codeSha256(): Promise<string>;
  /** Invocations of the member's detect in [start, end). */
  invocations(start: Date, end: Date): Promise<number>;
  publish(detailType: string, detail: unknown): Promise<void>;
  now?: () => Date;
}

/** The account a function runs in: the fifth field of its own ARN (Lambda's context). */
export function accountOfFunctionArn(arn: string): string {
  const account = arn.split(':')[4];
  if (!account || !/^\d{12}$/.test(account)) throw new Error(`heartbeat: cannot read the account from ${arn}`);
  return account;
}

export function createHeartbeatHandler(deps: HeartbeatDeps) {
  const now = deps.now ?? (() => new Date());
  return async (_event: unknown, context: Pick<Context, 'invokedFunctionArn'>): Promise<HeartbeatDetail> => {
    const at = now();
    const window = heartbeatWindow(at);
    const [codeSha256, eventsJudged] = await Promise.all([deps.codeSha256(), deps.invocations(window.start, window.end)]);
    const detail = buildHeartbeat({ account: accountOfFunctionArn(context.invokedFunctionArn), region: deps.region, codeSha256, eventsJudged, window, now: at });
    await deps.publish(DETAIL_TYPES.heartbeat, detail);
    return detail;
  };
}

const BOUNDED = { maxAttempts: 3, requestHandler: { requestTimeout: 3_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } } as const;

/** Lambda's hash of the function's deployed package. */
export async function functionCodeSha256(client: LambdaClient, functionName: string): Promise<string> {
  const out = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  if (!out.CodeSha256) throw new Error(`heartbeat: Lambda returned no CodeSha256 for ${functionName}`);
  return out.CodeSha256;
}

/** Sum of `AWS/Lambda Invocations` of the function over [start, end). */
export async function functionInvocations(client: CloudWatchClient, functionName: string, start: Date, end: Date): Promise<number> {
  const seconds = Math.max(60, Math.round((end.getTime() - start.getTime()) / 1000));
  const out = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      StartTime: start,
      EndTime: end,
      Period: seconds - (seconds % 60),
      Statistics: ['Sum'],
    }),
  );
  return Math.round((out.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0));
}

export function fromEnvironment(): ReturnType<typeof createHeartbeatHandler> {
  const detectName = requiredEnv('heartbeat', ENV_VARS.detectFunctionName);
  const busArn = requiredEnv('heartbeat', ENV_VARS.eventBusName);
  const lambdaClient = new LambdaClient(BOUNDED);
  const cloudWatch = new CloudWatchClient(BOUNDED);
  const publisher = createEventPublisher({ eventBusName: busArn, ...(regionOfArn(busArn) ? { region: regionOfArn(busArn)! } : {}) });
  return createHeartbeatHandler({
    region: requiredEnv('heartbeat', 'AWS_REGION'),
    codeSha256: () => functionCodeSha256(lambdaClient, detectName),
    invocations: (start, end) => functionInvocations(cloudWatch, detectName, start, end),
    publish: (detailType, detail) => publisher.publish(detailType, detail),
  });
}

let cached: ReturnType<typeof createHeartbeatHandler> | undefined;

export const handler = async (event: unknown, context: Context): Promise<HeartbeatDetail> => {
  cached ??= fromEnvironment();
  return cached(event, context);
};
