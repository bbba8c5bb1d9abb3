/**
 * PagerDuty Events API v2 (`POST {baseUrl}/v2/enqueue`), with bounded retries:
 * network errors, 429 and 5xx are retried (default 2 retries, backoff ≤ 2 s,
 * `Retry-After` honoured up to that cap), 5 s per request; 400 is not retried.
 */
import type { PagerDutyEvent } from '../core/paging/pagerduty-payload.ts';

export interface PagerDutyPagerOptions {
  /** Defaults to `https://events.pagerduty.com`; tests point it at the loopback stand-in. */
  baseUrl?: string;
  retries?: number;
  timeoutMs?: number;
  /** Base backoff (ms), doubled per retry. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class PagerDutyError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PagerDutyError';
  }
}

export class PagerDutyPager {
  private readonly url: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(opts: PagerDutyPagerOptions = {}) {
    this.url = `${(opts.baseUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '')}/v2/enqueue`;
    this.retries = opts.retries ?? 2;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.backoffMs = opts.backoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 2000;
  }

  /** Sends one event; resolves with PagerDuty's dedup key. */
  async send(event: PagerDutyEvent): Promise<{ dedupKey: string }> {
    let lastError: PagerDutyError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(lastErrorDelay(lastError, Math.min(this.backoffMs * 2 ** (attempt - 1), this.maxBackoffMs), this.maxBackoffMs));
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        if (res.status === 202 || res.status === 200) {
          const body = safeJson(text) as { dedup_key?: string } | undefined;
          return { dedupKey: body?.dedup_key ?? event.dedup_key };
        }
        const retryable = res.status === 429 || res.status >= 500;
        const err = new PagerDutyError(`PagerDuty ${event.event_action} answered ${res.status}: ${text.slice(0, 300)}`, res.status, retryable);
        (err as PagerDutyError & { retryAfterMs?: number }).retryAfterMs = retryAfterMs(res.headers.get('retry-after'));
        if (!retryable) throw err;
        lastError = err;
      } catch (error) {
        if (error instanceof PagerDutyError && !error.retryable) throw error;
        lastError = error instanceof PagerDutyError ? error : new PagerDutyError(`PagerDuty unreachable: ${(error as Error).message}`, undefined, true);
      }
    }
    throw lastError ?? new PagerDutyError('PagerDuty: no attempt made', undefined, false);
  }
}

function lastErrorDelay(error: PagerDutyError | undefined, backoff: number, cap: number): number {
  const hinted = (error as (PagerDutyError & { retryAfterMs?: number }) | undefined)?.retryAfterMs;
  return hinted !== undefined ? Math.min(Math.max(hinted, backoff), cap) : backoff;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number.parseInt(header, 10);
  return Number.isNaN(s) ? undefined : s * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
