/**
 * What every function reads from the environment the CDK stack sets: one reader, so a
 * missing variable is reported the same way everywhere and the config is validated once.
 *
 * The config comes from AWS AppConfig (`BLASTWALL_APPCONFIG` = application/environment/profile
 * ids), read once at cold start through Powertools Parameters and validated with the same
 * schema as everywhere else. It lives there, not in an environment variable, because Lambda
 * allows 4 KB of environment in total and an organisation's account list does not fit; and an
 * AppConfig deployment changes it without redeploying code. A config that fails validation
 * counts `ConfigRejected` (the alarm on it is the AppConfig environment's monitor, so
 * AppConfig rolls that deployment back) and fails the cold start, loudly.
 *
 * `BLASTWALL_CONFIG` (the config as JSON) is still read first when set: tests and local runs.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigError, parseConfig, type BlastwallConfig } from '../core/config-schema.ts';
import { ENV_VARS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../core/telemetry-names.ts';

/** Test-only: the AppConfig Data endpoint (a loopback stand-in); the stack never sets it. */
export const APPCONFIG_ENDPOINT_OVERRIDE = 'BLASTWALL_APPCONFIG_URL';

/** The variable's value; throws naming the function and the variable when it is unset or empty. */
export function requiredEnv(functionName: string, name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${functionName}: environment variable ${name} is not set`);
  return value;
}

export interface AppConfigLocation {
  application: string;
  environment: string;
  profile: string;
}

/** `APPLICATION/ENVIRONMENT/PROFILE` → its three parts. */
export function appConfigLocation(value: string): AppConfigLocation {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => !/^[\w.-]{1,128}$/.test(p))) {
    throw new Error(`${ENV_VARS.appConfig} must be APPLICATION/ENVIRONMENT/PROFILE, not "${value}"`);
  }
  const [application, environment, profile] = parts as [string, string, string];
  return { application, environment, profile };
}

/**
 * Reads and validates the config from AppConfig. `provider` is injectable for tests; by default a
 * Powertools AppConfigProvider with a bounded SDK client (3 attempts, 2 s per request).
 */
export async function loadConfigFromAppConfig(
  location: AppConfigLocation,
  options: {
    provider?: Pick<AppConfigProvider, 'get'>;
    endpoint?: string;
    onRejected?: (error: ConfigError) => void;
    /** Member topology: read the central account's AppConfig in its region, with these credentials (the central config-reader role). */
    region?: string;
    credentials?: AwsCredentialIdentityProvider;
  } = {},
): Promise<BlastwallConfig> {
  const provider =
    options.provider ??
    new AppConfigProvider({
      application: location.application,
      environment: location.environment,
      clientConfig: {
        maxAttempts: 3,
        requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      },
    });
  const source = `AppConfig ${location.application}/${location.environment}/${location.profile}`;
  const raw = await provider.get(location.profile, { transform: 'json' });
  if (raw === undefined) throw new Error(`${source} returned no configuration`);
  try {
    return parseConfig(raw, source);
  } catch (error) {
    if (error instanceof ConfigError) options.onRejected?.(error);
    throw error;
  }
}

/** The region of an ARN (`arn:aws:dynamodb:eu-west-1:…`), or undefined for a plain name: member detect reaches the central table and bus by ARN, from another region too. */
export function regionOfArn(nameOrArn: string): string | undefined {
  const m = /^arn:[\w-]+:[\w-]+:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:/.exec(nameOrArn);
  return m?.[1];
}

/** Counts one rejected config in CloudWatch (EMF), so the AppConfig monitor alarm fires. */
function countRejected(): void {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
  metrics.addMetric(METRICS.configRejected, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/**
 * Member topology: member detect reads the config from the central account's AppConfig by
 * assuming the central config-reader role (AppConfig has no resource-based policies, so a
 * role in its account is the only cross-account door; it may read that one profile and
 * nothing else). Loaded only when the stack sets the role, so the central functions' cold
 * start does not pay for the STS credential provider.
 */
export async function centralConfigAccess(): Promise<{ region?: string; credentials?: AwsCredentialIdentityProvider }> {
  const roleArn = process.env[ENV_VARS.appConfigRoleArn];
  const region = process.env[ENV_VARS.appConfigRegion];
  if (!roleArn) return region ? { region } : {};
  // The STS client (in every Lambda runtime's SDK), not a credential-providers package the runtime may lack.
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ maxAttempts: 3, requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000, throwOnRequestTimeout: true } });
  let session: Promise<AwsCredentialIdentity> | undefined;
  let expiresMs = 0;
  const credentials: AwsCredentialIdentityProvider = () => {
    if (!session || Date.now() > expiresMs - 60_000) {
      expiresMs = Number.MAX_SAFE_INTEGER; // one AssumeRole in flight at a time
      session = sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'blastwall-member-detect', DurationSeconds: 900 })).then((out) => {
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        expiresMs = c.Expiration?.getTime() ?? Date.now() + 900_000;
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(expiresMs) };
      });
      session.catch(() => (session = undefined));
    }
    return session;
  };
  return { ...(region ? { region } : {}), credentials };
}

/** Read at module load (cold start, in the init phase), once per container. */
let fromAppConfig: BlastwallConfig | undefined;
/** How long that read took (client, session, fetch, parse, validation), in ms; measured by the bench. */
export let configReadAtColdStartMs: number | undefined;
const appConfigVariable = process.env[ENV_VARS.appConfig];
if (appConfigVariable && !process.env[ENV_VARS.config]) {
  const started = performance.now();
  fromAppConfig = await loadConfigFromAppConfig(appConfigLocation(appConfigVariable), {
    ...(process.env[APPCONFIG_ENDPOINT_OVERRIDE] ? { endpoint: process.env[APPCONFIG_ENDPOINT_OVERRIDE] } : {}),
    onRejected: countRejected,
    ...(await centralConfigAccess()),
  });
  configReadAtColdStartMs = performance.now() - started;
}

/** The whole validated blastwall.config.json: from `BLASTWALL_CONFIG` when set, else as read from AppConfig at cold start. */
export function configFromEnvironment(functionName: string): BlastwallConfig {
  if (process.env[ENV_VARS.config]) return parseConfig(JSON.parse(requiredEnv(functionName, ENV_VARS.config)), ENV_VARS.config);
  if (fromAppConfig) return fromAppConfig;
  throw new Error(`${functionName}: no config: set ${ENV_VARS.appConfig} (AppConfig, as the stack does) or ${ENV_VARS.config}`);
}
