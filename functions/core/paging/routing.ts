/**
 * Who gets paged: the config's routes, per environment and severity.
 *
 * A finding matches every route whose environment is `*` or its own and whose
 * `minSeverity` it reaches; the channels are the union of the matches. With the
 * default routes: high/critical → PagerDuty and Slack, medium → Slack, below → nothing.
 *
 * A response that could not revoke (failed, or `escalate` set by respond, e.g. root
 * or a breaker that is open) raises the page to `critical`: a human must act.
 */
import { severityRank, type Severity } from '../audit-event.ts';
import type { PagingRoute } from '../config.ts';
import type { Finding, ResponseAction } from '../finding.ts';

export const PAGE_CHANNELS = ['slack', 'pagerduty'] as const;
export type PageChannel = (typeof PAGE_CHANNELS)[number];

/** `escalate` is set by respond on actions a human must take over (could not revoke). */
type MaybeEscalating = ResponseAction & { escalate?: boolean };

/** True when an action means "Blastwall could not do it: a human must". */
export function actionNeedsHuman(action: ResponseAction): boolean {
  return action.status === 'failed' || (action as MaybeEscalating).escalate === true;
}

/** The severity the page goes out with: the finding's, or `critical` when the response escalates. */
export function pageSeverity(finding: Finding): Severity {
  return finding.response.some(actionNeedsHuman) ? 'critical' : finding.severity;
}

/** Why the page severity is above the finding's, in one sentence (undefined when it is not). */
export function escalationReason(finding: Finding): string | undefined {
  const failing = finding.response.filter(actionNeedsHuman);
  if (failing.length === 0 || finding.severity === 'critical') return undefined;
  const failed = failing.filter((a) => a.status === 'failed').length;
  return failed > 0
    ? `Raised to critical: ${failed} response action${failed === 1 ? '' : 's'} failed — the credential may still work.`
    : 'Raised to critical: Blastwall cannot revoke this credential — a human must act.';
}

export function routeChannels(finding: Finding, routes: readonly PagingRoute[]): PageChannel[] {
  const severity = pageSeverity(finding);
  const out = new Set<PageChannel>();
  for (const route of routes) {
    if (route.environment !== '*' && route.environment !== finding.environment) continue;
    if (severityRank(severity) < severityRank(route.minSeverity)) continue;
    for (const channel of route.channels) out.add(channel);
  }
  return PAGE_CHANNELS.filter((c) => out.has(c));
}
