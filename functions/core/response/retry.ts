/**
 * Bounded retry for IAM/STS calls: which errors are worth retrying and how long to wait.
 * Works on the shape of SDK errors (`name`, `$metadata.httpStatusCode`, `$retryable`)
 * without importing the SDK.
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 2_000 };

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
]);
const TRANSIENT = new Set([
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

export function errorName(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'Error';
}

export function isThrottling(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape;
  return THROTTLING.has(errorName(error)) || e.$metadata?.httpStatusCode === 429;
}

/** Throttling, 5xx, and network faults are retried; everything else (AccessDenied, NoSuchEntity …) is final. */
export function isRetryable(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape;
  if (isThrottling(error)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  if (TRANSIENT.has(errorName(error))) return true;
  if (typeof e.code === 'string' && TRANSIENT.has(e.code)) return true;
  return Boolean(e.$retryable);
}

/** Exponential backoff with equal jitter: attempt 1 → ~base, 2 → ~2·base … capped at maxDelayMs. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function describeError(error: unknown): string {
  const e = (error ?? {}) as ErrorShape & { message?: unknown };
  const status = e.$metadata?.httpStatusCode;
  const message = typeof e.message === 'string' ? e.message : String(error);
  return `${errorName(error)}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${message}`.slice(0, 500);
}
