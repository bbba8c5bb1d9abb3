/**
 * Cross-account access for respond: STS AssumeRole into the responder role the member
 * stack deploys in every account (`arn:<partition>:iam::<account>:role/<responderRoleName>`),
 * with the credentials cached per account for their lifetime (refreshed a margin before
 * they expire), and one IAM client per account signing with them.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { DEFAULT_RETRY, backoffDelay, describeError, isRetryable, type RetryPolicy } from '../core/response/retry.ts';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface ResponderCredentialsOptions {
  sts: STSClient;
  roleName: string;
  partition?: string;
  /** Appears in the member account's CloudTrail as the session name. */
  sessionName?: string;
  durationSeconds?: number;
  /** Refresh this long before expiry. */
  refreshMarginMs?: number;
  externalId?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ResponderCredentials {
  private readonly cache = new Map<string, TemporaryCredentials>();
  private readonly inflight = new Map<string, Promise<TemporaryCredentials>>();
  /** AssumeRole calls made (for tests and logs). */
  assumeRoleCalls = 0;

  constructor(private readonly options: ResponderCredentialsOptions) {
    if (!/^[\w+=,.@-]{1,64}$/.test(options.roleName)) throw new Error(`invalid responder role name ${options.roleName}`);
    // AssumeRole's retry is bounded only if a hung request ends: make the given client's timeout an error.
    throwOnRequestTimeout(options.sts);
  }

  roleArn(account: string): string {
    return `arn:${this.options.partition ?? 'aws'}:iam::${account}:role/${this.options.roleName}`;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  async forAccount(account: string): Promise<TemporaryCredentials> {
    if (!/^\d{12}$/.test(account)) throw new AssumeRoleError(`not an AWS account id: ${account}`, account, 0);
    const cached = this.cache.get(account);
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    if (cached && cached.expiration.getTime() - margin > this.now()) return cached;
    const pending = this.inflight.get(account);
    if (pending) return pending;
    const promise = this.assume(account).finally(() => this.inflight.delete(account));
    this.inflight.set(account, promise);
    return promise;
  }

  /** Forget an account's credentials (e.g. after IAM said they are invalid). */
  invalidate(account: string): void {
    this.cache.delete(account);
  }

  private async assume(account: string): Promise<TemporaryCredentials> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const sleep = this.options.sleep ?? defaultSleep;
    for (let attempt = 1; ; attempt++) {
      try {
        this.assumeRoleCalls++;
        const out = await this.options.sts.send(
          new AssumeRoleCommand({
            RoleArn: this.roleArn(account),
            RoleSessionName: this.options.sessionName ?? 'blastwall-respond',
            DurationSeconds: this.options.durationSeconds ?? 3600,
            ...(this.options.externalId ? { ExternalId: this.options.externalId } : {}),
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
          throw new AssumeRoleError(`AssumeRole into ${this.roleArn(account)} returned no credentials`, account, attempt);
        }
        const creds: TemporaryCredentials = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: new Date(c.Expiration),
        };
        this.cache.set(account, creds);
        return creds;
      } catch (error) {
        if (error instanceof AssumeRoleError) throw error;
        if (!isRetryable(error) || attempt >= retry.maxAttempts) {
          throw new AssumeRoleError(`AssumeRole into ${this.roleArn(account)} failed after ${attempt} attempt(s): ${describeError(error)}`, account, attempt);
        }
        await sleep(backoffDelay(attempt, retry));
      }
    }
  }
}

/**
 * Makes a request past the client's `requestTimeout` fail (`TimeoutError`, retried by us)
 * instead of the installed @smithy/node-http-handler's default of logging a warning and
 * waiting on: a black-holed endpoint would otherwise hang respond until the Lambda timeout.
 * Clients built here set `throwOnRequestTimeout: true` themselves; this covers a client
 * handed in (the STS client). A handler without `updateHttpClientConfig` is left as is.
 */
export function throwOnRequestTimeout(client: { config: object }): void {
  const handler = (client.config as { requestHandler?: { updateHttpClientConfig?: (key: string, value: unknown) => void } }).requestHandler;
  if (typeof handler?.updateHttpClientConfig === 'function') handler.updateHttpClientConfig('throwOnRequestTimeout', true);
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
}

/** One IAM client per account, signing with that account's responder credentials. Retries are ours (see IamRevoker), so the SDK makes one attempt. */
export class IamClients {
  private readonly clients = new Map<string, IAMClient>();

  constructor(private readonly options: IamClientsOptions) {}

  forAccount(account: string): IAMClient {
    let client = this.clients.get(account);
    if (!client) {
      const config: IAMClientConfig = {
        region: this.options.region ?? 'us-east-1',
        maxAttempts: 1,
        credentials: async () => {
          const c = await this.options.credentials.forAccount(account);
          return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
        },
        requestHandler: {
          requestTimeout: this.options.requestTimeoutMs ?? 5_000,
          connectionTimeout: this.options.connectionTimeoutMs ?? 2_000,
          // Without it @smithy/node-http-handler only logs a warning past requestTimeout and keeps waiting.
          throwOnRequestTimeout: true,
        },
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      };
      client = new IAMClient(config);
      this.clients.set(account, client);
    }
    return client;
  }

  /** The account's client once its responder credentials are in hand (an AssumeRole failure throws here, not mid-call). */
  async ready(account: string): Promise<IAMClient> {
    await this.options.credentials.forAccount(account);
    return this.forAccount(account);
  }

  /** Drops the account's credentials and client: the next call assumes the responder role again. */
  invalidate(account: string): void {
    this.options.credentials.invalidate(account);
    this.clients.get(account)?.destroy();
    this.clients.delete(account);
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
