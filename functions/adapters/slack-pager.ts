/**
 * Slack delivery with the real `@slack/web-api` WebClient, bounded so every call
 * ends well inside the page function's 30 s timeout (the SDK's default retries for
 * about 30 minutes):
 * - 5xx / network errors: `retryConfig` (default 2 retries, ≤ 2 s apart), 5 s per request;
 * - 429: the SDK rejects (`rejectRateLimitedCalls`) and this adapter waits the
 *   `Retry-After` itself — only while it fits the budget (default ≤ 10 s in total),
 *   otherwise it gives up and the caller fails the page (→ Lambda retry → DLQ).
 */
import { ErrorCode, LogLevel, WebClient, type RetryOptions } from '@slack/web-api';
import type { SlackMessage } from '../core/paging/slack-message.ts';

export interface SlackPagerOptions {
  token: string;
  /** Defaults to Slack; tests point it at the loopback stand-in. */
  slackApiUrl?: string;
  retryConfig?: RetryOptions;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Most seconds spent waiting on `Retry-After` across one call. */
  maxRateLimitWaitSeconds?: number;
}

export const DEFAULT_SLACK_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000, randomize: true };

export function createSlackClient(opts: SlackPagerOptions): WebClient {
  return new WebClient(opts.token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    retryConfig: opts.retryConfig ?? DEFAULT_SLACK_RETRY,
    timeout: opts.timeoutMs ?? 5000,
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

/** The Slack platform said no (`ok: false`), e.g. `channel_not_found`, `message_not_found`. */
export function slackErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string } };
  return e?.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}

export class SlackPager {
  readonly client: WebClient;
  private readonly maxWait: number;

  constructor(opts: SlackPagerOptions) {
    this.client = createSlackClient(opts);
    this.maxWait = opts.maxRateLimitWaitSeconds ?? 10;
  }

  /** Posts the page; returns the channel id and message ts that later updates need. */
  async post(channel: string, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const res = await this.call(() =>
      this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.ts || !res.channel) throw new Error('chat.postMessage returned no ts/channel');
    return { channel: res.channel, ts: res.ts };
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call(() => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async reply(channel: string, threadTs: string, text: string): Promise<void> {
    await this.call(() => this.client.chat.postMessage({ channel, thread_ts: threadTs, text, unfurl_links: false }));
  }

  /** Visible only to `user`, e.g. "only approvers can restore". */
  async whisper(channel: string, user: string, text: string): Promise<void> {
    await this.call(() => this.client.chat.postEphemeral({ channel, user, text }));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    let waited = 0;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        const e = error as { code?: string; retryAfter?: number };
        if (e?.code !== ErrorCode.RateLimitedError || typeof e.retryAfter !== 'number') throw error;
        const wait = Math.max(e.retryAfter, 0);
        if (waited + wait > this.maxWait) throw error;
        waited += wait;
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      }
    }
  }
}
