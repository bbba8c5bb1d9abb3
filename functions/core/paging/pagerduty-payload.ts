/**
 * PagerDuty Events API v2 bodies (`POST /v2/enqueue`). One incident per finding:
 * `dedup_key` = finding id, so a re-delivered finding updates, never duplicates.
 */
import type { Severity } from '../audit-event.ts';
import type { Finding } from '../finding.ts';
import { describeApiCall, describeCredential, describeCrossing, lastEvents } from './describe.ts';
import { findingLinks } from './links.ts';
import { pageSeverity } from './routing.ts';
import { plainOneLine, truncatePlain } from './sanitise.ts';

/**
 * Every field from an event is attacker text: one line, no control characters or ANSI
 * escapes, bounded (PagerDuty takes at most 512 KB per event; these bounds keep a finding
 * far below it whatever the event held). Lists are bounded in length too.
 */
export const PAGERDUTY_LIMITS = { summary: 1024, field: 256, text: 2000, listItems: 20 } as const;

function field(s: string | undefined, max: number = PAGERDUTY_LIMITS.field): string {
  return truncatePlain(plainOneLine(s ?? ''), max);
}

function list<T>(items: readonly T[], max: number = PAGERDUTY_LIMITS.listItems): T[] {
  return items.slice(0, max);
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
}

/** The PagerDuty secret: one routing key, or one per environment (`*` = any other). */
export interface PagerDutySecret {
  routingKey?: string;
  routingKeys?: Record<string, string>;
}

export function routingKeyFor(secret: PagerDutySecret, environment: string): string | undefined {
  return secret.routingKeys?.[environment] ?? secret.routingKey ?? secret.routingKeys?.['*'];
}

export function mapSeverity(severity: Severity): PagerDutySeverity {
  switch (severity) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'error';
    case 'medium':
      return 'warning';
    default:
      return 'info';
  }
}

export function buildTrigger(finding: Finding, routingKey: string): PagerDutyEvent {
  const severity = pageSeverity(finding);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: finding.id,
    payload: {
      // PagerDuty truncates at 1024 characters; cut here, saying what was cut.
      summary: field(`[${finding.environment}] ${finding.summary}`, PAGERDUTY_LIMITS.summary),
      source: field(`aws:${finding.account}:${finding.region}`),
      severity: mapSeverity(severity),
      timestamp: field(finding.time, 64),
      component: field(finding.eventSource),
      group: field(finding.environment),
      class: field(finding.categories[0] ?? finding.reasons[0]?.signal ?? 'blastwall'),
      custom_details: {
        severity,
        credential: field(describeCredential(finding.credential), PAGERDUTY_LIMITS.text),
        environments_crossed: field(describeCrossing(finding), PAGERDUTY_LIMITS.text),
        actor: field(`${finding.actor.sourceIp} · ${finding.actor.userAgentFamily}`, PAGERDUTY_LIMITS.text),
        reasons: list(finding.reasons).map((r) => field(`${r.mitigating ? '(mitigating)' : `[${r.severity}]`} ${r.text}`, PAGERDUTY_LIMITS.text)),
        ...(finding.reasons.length > PAGERDUTY_LIMITS.listItems ? { reasons_not_shown: finding.reasons.length - PAGERDUTY_LIMITS.listItems } : {}),
        mode: finding.mode,
        actions: list(finding.response).map((a) => ({
          status: a.status,
          call: field(describeApiCall(a), PAGERDUTY_LIMITS.text),
          account: field(a.account, 32),
          ...(a.detail ? { detail: field(a.detail, PAGERDUTY_LIMITS.text) } : {}),
          ...(a.undo ? { undo: field(a.undo, PAGERDUTY_LIMITS.text) } : {}),
        })),
        ...(finding.response.length > PAGERDUTY_LIMITS.listItems ? { actions_not_shown: finding.response.length - PAGERDUTY_LIMITS.listItems } : {}),
        recent_events: lastEvents(finding).map((e) => field(`${e.time} ${e.eventName} ${e.sourceIp} ${e.accessKeyId ?? ''}${e.errorCode ? ` ${e.errorCode}` : ''}`.trim(), PAGERDUTY_LIMITS.text)),
        finding_id: field(finding.id),
        event_id: field(finding.eventId),
      },
    },
    links: list(findingLinks(finding)).map((l) => ({ href: l.href, text: field(l.text) })),
    client: 'Blastwall',
  };
}

export function buildResolve(findingId: string, routingKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: findingId };
}
