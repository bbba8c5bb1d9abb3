/**
 * Cross-account access for respond (and the reader role's users): STS AssumeRole into the
 * role the member stack deploys in every account (`arn:<partition>:iam::<account>:role/<roleName>`),
 * with one IAM client per account signing with those credentials.
 *
 * The AssumeRole call and its cache are the SDK's: `fromTemporaryCredentials`
 * (@aws-sdk/credential-providers) makes the call with its own STS client (our timeouts,
 * our bounded `retryStrategy`), and `memoizeIdentityProvider` (@smithy/core, what every
 * SDK client wraps its credentials in) keeps them per account for their lifetime: one
 * AssumeRole per account, concurrent callers share it, and a new one is made when the
 * credentials are within 5 minutes of expiry (`EXPIRATION_MS`). What stays ours: the
 * account-id check, the role ARN of the partition, the fixed session name
 * (`blastwall-respond`, what the member account's CloudTrail shows), the error that names
 * the role and the attempts, and `invalidate` (IAM rejected the credentials: forget them).
 */
import type { IAMClientConfig } from '@aws-sdk/client-iam';
import { IAMClient } from '@aws-sdk/client-iam';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { isIdentityExpired, memoizeIdentityProvider, doesIdentityRequireRefresh } from '@smithy/core';
import { DEFAULT_RETRY, describeError, type RetryPolicy } from '../core/response/retry.ts';
import { boundedRetry } from './sdk-retry.ts';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The STS client's settings (fromTemporaryCredentials builds the client): region, endpoint (tests), the caller's credentials, timeouts. */
export interface StsSettings {
  region?: string;
  endpoint?: string;
  /** Default: the SDK's default chain (the Lambda's own role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** `throwOnRequestTimeout` is always on: a hung request ends at its timeout. */
  requestHandler?: { requestTimeout?: number; connectionTimeout?: number; throwOnRequestTimeout?: boolean };
}

export interface ResponderCredentialsOptions {
  sts?: StsSettings;
  roleName: string;
  partition?: string;
  /** Appears in the member account's CloudTrail as the session name. */
  sessionName?: string;
  durationSeconds?: number;
  externalId?: string;
  /** AssumeRole's bounded retry (the SDK's retryStrategy with these bounds). */
  retry?: RetryPolicy;
  /** Called after each AssumeRole retry's wait (logs, tests). */
  onRetry?: (delayMs: number, error: unknown) => void;
}

export class AssumeRoleError extends Error {
  constructor(
    message: string,
    readonly account: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'AssumeRoleError';
  }
}

type Provider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

export class ResponderCredentials {
  private readonly providers = new Map<string, Provider>();

  constructor(private readonly options: ResponderCredentialsOptions) {
    if (!/^[\w+=,.@-]{1,64}$/.test(options.roleName)) throw new Error(`invalid responder role name ${options.roleName}`);
  }

  roleArn(account: string): string {
    return `arn:${this.options.partition ?? 'aws'}:iam::${account}:role/${this.options.roleName}`;
  }

  /** The account's memoized provider: one AssumeRole per credential lifetime, shared by concurrent callers. */
  private provider(account: string): Provider {
    let provider = this.providers.get(account);
    if (!provider) {
      const sts = this.options.sts ?? {};
      const assume = fromTemporaryCredentials({
        params: {
          RoleArn: this.roleArn(account),
          RoleSessionName: this.options.sessionName ?? 'blastwall-respond',
          DurationSeconds: this.options.durationSeconds ?? 3600,
          ...(this.options.externalId ? { ExternalId: this.options.externalId } : {}),
        },
        ...(sts.credentials ? { masterCredentials: sts.credentials } : {}),
        clientConfig: {
          ...(sts.region ? { region: sts.region } : {}),
          ...(sts.endpoint ? { endpoint: sts.endpoint } : {}),
          // A hung request ends at its timeout (TimeoutError, retried), never at the Lambda timeout.
          requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, ...sts.requestHandler, throwOnRequestTimeout: true },
          ...boundedRetry({ policy: this.options.retry ?? DEFAULT_RETRY, ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}) }),
        },
      });
      provider = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh) as Provider;
      this.providers.set(account, provider);
    }
    return provider;
  }

  async forAccount(account: string): Promise<TemporaryCredentials> {
    if (!/^\d{12}$/.test(account)) throw new AssumeRoleError(`not an AWS account id: ${account}`, account, 0);
    let c: Awaited<ReturnType<Provider>>;
    try {
      c = await this.provider(account)();
    } catch (error) {
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      throw new AssumeRoleError(`AssumeRole into ${this.roleArn(account)} failed after ${attempts} attempt(s): ${describeError(error)}`, account, attempts);
    }
    if (!c.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
      this.invalidate(account);
      throw new AssumeRoleError(`AssumeRole into ${this.roleArn(account)} returned no credentials`, account, 1);
    }
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
  }

  /** Forget an account's credentials (e.g. after IAM said they are invalid): the next call assumes the role again. */
  invalidate(account: string): void {
    this.providers.delete(account);
  }
}

/** The partition of a region: `aws-cn` for cn-*, `aws-us-gov` for us-gov-*, else `aws`. */
export function partitionOfRegion(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** IAM is global per partition; its endpoint's signing region. */
export function iamRegionOfPartition(partition: string): string {
  if (partition === 'aws-cn') return 'cn-north-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}

export interface IamClientsOptions {
  credentials: ResponderCredentials;
  /** IAM is global; its endpoint lives in us-east-1 (aws partition). */
  region?: string;
  /** Loopback stand-in in tests. */
  endpoint?: string;
  /** Per-request timeouts, so a hung IAM call ends well inside the function's timeout. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** The bounds of the SDK's retry (its retryStrategy): attempts and backoff of an IAM call. */
  retry?: RetryPolicy;
  /** Called after each retry's wait (logs, tests). */
  onRetry?: (delayMs: number, error: unknown) => void;
}

/**
 * IAM clients per account, signing with that account's responder credentials. Transport
 * retries are the SDK's (`retryStrategy` with our bounds, see sdk-retry.ts); a call's
 * attempt budget is the client's, so there is one client per account and budget: the
 * default (`retry.maxAttempts`, for writes), fewer for the optional read before a
 * revocation, and 1 for the read-back, whose loop is the revoker's own (a stale read is
 * not an error the SDK could see).
 */
export class IamClients {
  private readonly clients = new Map<string, IAMClient>();

  constructor(private readonly options: IamClientsOptions) {}

  forAccount(account: string, attempts?: number): IAMClient {
    const policy = this.options.retry ?? DEFAULT_RETRY;
    const budget = Math.max(1, Math.min(attempts ?? policy.maxAttempts, policy.maxAttempts));
    const key = `${account}#${budget}`;
    let client = this.clients.get(key);
    if (!client) {
      const config: IAMClientConfig = {
        region: this.options.region ?? 'us-east-1',
        ...boundedRetry({ policy: { ...policy, maxAttempts: budget }, ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}) }),
        credentials: () => this.options.credentials.forAccount(account),
        requestHandler: {
          requestTimeout: this.options.requestTimeoutMs ?? 5_000,
          connectionTimeout: this.options.connectionTimeoutMs ?? 2_000,
          // Without it @smithy/node-http-handler only logs a warning past requestTimeout and keeps waiting.
          throwOnRequestTimeout: true,
        },
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      };
      client = new IAMClient(config);
      this.clients.set(key, client);
    }
    return client;
  }

  /** The account's client once its responder credentials are in hand (an AssumeRole failure throws here, not mid-call). */
  async ready(account: string, attempts?: number): Promise<IAMClient> {
    await this.options.credentials.forAccount(account);
    return this.forAccount(account, attempts);
  }

  /** Drops the account's credentials and clients: the next call assumes the responder role again. */
  invalidate(account: string): void {
    this.options.credentials.invalidate(account);
    for (const [key, client] of this.clients) {
      if (key.startsWith(`${account}#`)) {
        client.destroy();
        this.clients.delete(key);
      }
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
