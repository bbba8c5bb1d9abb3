/**
 * `security-hub`: `Blastwall Finding` and `Blastwall Response` events from the central bus →
 * AWS Security Hub (ASFF). Thin: the logic is in service.ts. Deployed only when the config
 * says `securityHub.enabled`.
 *
 * Permissions: securityhub:BatchImportFindings on this account's default product ARN and
 * securityhub:BatchUpdateFindings (its only resource is the hub) narrowed to setting the
 * workflow status to RESOLVED. Nothing else: no table, no secrets, no IAM.
 * An unreachable Security Hub (after the SDK's 3 attempts) makes the invocation throw:
 * Lambda retries, then the DLQ. Slack and PagerDuty are another function's targets and
 * never wait for this one.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { requiredEnv } from '../adapters/lambda-environment.ts';
import { SECURITY_HUB_CLIENT_CONFIG, SecurityHubFindings } from '../adapters/security-hub.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../core/telemetry-names.ts';
import type { AsffTarget } from '../core/formats/asff.ts';
import { createSecurityHubService, type SecurityHubOutcome, type SecurityHubService } from './service.ts';

/** Environment the stack sets; the endpoint override exists for the loopback test only. */
export const SECURITY_HUB_ENV = { productArn: 'SECURITY_HUB_PRODUCT_ARN', endpoint: 'BLASTWALL_SECURITYHUB_URL' } as const;
/** Findings Security Hub refused (validation): alarmed, never retried. */
export const SECURITY_HUB_REJECTED_METRIC = 'SecurityHubRejected';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

let service: SecurityHubService | undefined;

/** `arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default` → where to import. */
export function targetFromProductArn(arn: string): AsffTarget {
  const m = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/.exec(arn);
  if (!m || m[3] !== m[4]) throw new Error(`security-hub: ${SECURITY_HUB_ENV.productArn} is not this account's default product ARN: ${arn}`);
  return { partition: m[1] as AsffTarget['partition'], region: m[2]!, account: m[3]! };
}

function fromEnvironment(): SecurityHubService {
  const target = targetFromProductArn(requiredEnv('security-hub', SECURITY_HUB_ENV.productArn));
  const endpoint = process.env[SECURITY_HUB_ENV.endpoint];
  const client = new SecurityHubClient({ ...SECURITY_HUB_CLIENT_CONFIG, region: target.region, ...(endpoint ? { endpoint } : {}) });
  return createSecurityHubService({
    hub: new SecurityHubFindings(client),
    target,
    log: { info: (m, d) => logger.info(m, (d ?? {}) as never), error: (m, d) => logger.error(m, (d ?? {}) as never) },
    onRejected: () => metrics.addMetric(SECURITY_HUB_REJECTED_METRIC, MetricUnit.Count, 1),
  });
}

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<SecurityHubOutcome> => {
  service ??= fromEnvironment();
  try {
    return await service.handle(event);
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
