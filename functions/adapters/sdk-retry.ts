/**
 * The SDK's own retry (`retryStrategy`, @smithy/core's ConfiguredRetryStrategy) with
 * Blastwall's bounds: the attempts and the backoff of a `RetryPolicy` (4 attempts,
 * exponential with equal jitter, 200 ms – 2 s by default), and Blastwall's
 * classification of what is worth retrying (`isRetryable` in core/response/retry.ts).
 *
 * Why the SDK's strategy and not a loop of our own around `maxAttempts: 1`: the retry
 * then happens inside the client, where the SDK already does what a loop outside cannot
 * see or would have to repeat: the `amz-sdk-request: attempt=n; max=m` header, the
 * Retry-After hint of a 429 (honoured, capped at 5 s over our delay), a retry quota per
 * client that stops retrying when most calls fail anyway, clock-skew correction, and the
 * attempt count on every result and error (`$metadata.attempts`).
 *
 * Why our classification on top of the SDK's: the SDK retries throttling, timeouts,
 * connection errors and HTTP 500/502/503/504. IAM also answers `ConcurrentModification`
 * (409) when two writes to one principal collide, which is worth retrying, and any other
 * 5xx is a server fault too; `isRetryable` is the tested table of both. Everything else
 * (AccessDenied, NoSuchEntity, MalformedPolicyDocument …) is final, as before.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { DEFAULT_RETRY, backoffDelay, isRetryable, isThrottling, type RetryPolicy } from '../core/response/retry.ts';

type RefreshArgs = Parameters<ConfiguredRetryStrategy['refreshRetryTokenForRetry']>;

export interface BoundedRetryOptions {
  policy?: RetryPolicy;
  random?: () => number;
  /** Called once per retry, after the SDK waited, with the delay and the error that caused it (logs, tests). */
  onRetry?: (delayMs: number, error: unknown) => void;
}

export class BoundedRetryStrategy extends ConfiguredRetryStrategy {
  constructor(private readonly retry: BoundedRetryOptions = {}) {
    const policy = retry.policy ?? DEFAULT_RETRY;
    super(policy.maxAttempts, (attempt: number) => backoffDelay(attempt, policy, retry.random));
  }

  override async refreshRetryTokenForRetry(token: RefreshArgs[0], errorInfo: RefreshArgs[1]) {
    const error = errorInfo.error;
    const errorType = isThrottling(error) ? 'THROTTLING' : isRetryable(error) ? 'TRANSIENT' : 'CLIENT_ERROR';
    const next = await super.refreshRetryTokenForRetry(token, { ...errorInfo, errorType });
    this.retry.onRetry?.(next.$retryLog?.acquisitionDelay ?? 0, error);
    return next;
  }
}

/** Client options for bounded SDK retries: `{ retryStrategy }` (the client's `maxAttempts` is then unused). */
export function boundedRetry(options: BoundedRetryOptions = {}): { retryStrategy: BoundedRetryStrategy } {
  return { retryStrategy: new BoundedRetryStrategy(options) };
}
