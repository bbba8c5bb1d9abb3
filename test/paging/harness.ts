/** Wires the page service to loopback Slack and PagerDuty stand-ins (real clients, no stubs). */
import { SlackPager } from '../../functions/adapters/slack-pager.ts';
import { PagerDutyPager } from '../../functions/adapters/pagerduty-pager.ts';
import { MemoryPageLedger } from '../../functions/adapters/page-ledger-memory.ts';
import type { PageLedger } from '../../functions/adapters/page-ledger.ts';
import { createPageService, type PageLog } from '../../functions/page/page-service.ts';
import type { BlastwallConfig } from '../../functions/core/config.ts';
import type { Finding, ResponseAction } from '../../functions/core/finding.ts';
import { DETAIL_TYPES } from '../../functions/core/telemetry-names.ts';
import { startSlackStandIn } from '../standins/slack.ts';
import { startPagerDutyStandIn } from '../standins/pagerduty.ts';
import { ROUTING_KEY, testConfig } from './fixtures.ts';

export const FAST_SLACK = { retries: 2, factor: 1, minTimeout: 20, maxTimeout: 50 };

export interface LogLine {
  level: string;
  message: string;
  data?: Record<string, unknown>;
}

export function memoryLog(): PageLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => void lines.push({ level, message, ...(data ? { data } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export async function startHarness(opts: { config?: BlastwallConfig; ledger?: PageLedger; claimWaitMs?: number } = {}) {
  const slack = await startSlackStandIn();
  const pd = await startPagerDutyStandIn();
  const ledger = opts.ledger ?? new MemoryPageLedger();
  const config = opts.config ?? testConfig();
  const log = memoryLog();
  const failures: string[] = [];
  const slackPager = new SlackPager({ token: slack.token, slackApiUrl: slack.url, retryConfig: FAST_SLACK, maxRateLimitWaitSeconds: 2 });
  const pdPager = new PagerDutyPager({ baseUrl: pd.url, backoffMs: 10, maxBackoffMs: 50 });
  const service = createPageService({
    config,
    ledger,
    slack: async () => ({ pager: slackPager, channel: config.paging.slackChannel! }),
    pagerDuty: async () => ({ pager: pdPager, secret: { routingKey: ROUTING_KEY } }),
    log,
    onChannelFailure: (channel) => void failures.push(channel),
    claimWaitMs: opts.claimWaitMs ?? 8000,
  });
  return {
    slack,
    pd,
    ledger,
    config,
    log,
    failures,
    service,
    slackPager,
    finding: (f: Finding) => service.handle({ 'detail-type': DETAIL_TYPES.finding, detail: JSON.parse(JSON.stringify(f)) }),
    response: (detail: { findingId: string; finding?: Finding; actions: ResponseAction[]; restored?: Record<string, unknown>; restoreRefused?: string }) =>
      service.handle({ 'detail-type': DETAIL_TYPES.response, detail: JSON.parse(JSON.stringify(detail)) }),
    async close() {
      await slack.close();
      await pd.close();
    },
  };
}
