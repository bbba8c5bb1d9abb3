/**
 * PagerDuty Events API v2 bodies (`POST /v2/enqueue`). One incident per finding:
 * `dedup_key` = finding id, so a re-delivered finding updates, never duplicates.
 */
import type { Severity } from '../audit-event.ts';
import type { Finding } from '../finding.ts';
import { describeApiCall, describeCredential, describeCrossing, lastEvents } from './describe.ts';
import { findingLinks } from './links.ts';
import { pageSeverity } from './routing.ts';

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
      // PagerDuty truncates at 1024 characters.
      summary: `[${finding.environment}] ${finding.summary}`.slice(0, 1024),
      source: `aws:${finding.account}:${finding.region}`,
      severity: mapSeverity(severity),
      timestamp: finding.time,
      component: finding.eventSource,
      group: finding.environment,
      class: finding.categories[0] ?? finding.reasons[0]?.signal ?? 'blastwall',
      custom_details: {
        severity,
        credential: describeCredential(finding.credential),
        environments_crossed: describeCrossing(finding),
        actor: `${finding.actor.sourceIp} · ${finding.actor.userAgentFamily}`,
        reasons: finding.reasons.map((r) => `${r.mitigating ? '(mitigating)' : `[${r.severity}]`} ${r.text}`),
        mode: finding.mode,
        actions: finding.response.map((a) => ({
          status: a.status,
          call: describeApiCall(a),
          account: a.account,
          ...(a.detail ? { detail: a.detail } : {}),
          ...(a.undo ? { undo: a.undo } : {}),
        })),
        recent_events: lastEvents(finding).map((e) => `${e.time} ${e.eventName} ${e.sourceIp} ${e.accessKeyId ?? ''}${e.errorCode ? ` ${e.errorCode}` : ''}`.trim()),
        finding_id: finding.id,
        event_id: finding.eventId,
      },
    },
    links: findingLinks(finding),
    client: 'Blastwall',
  };
}

export function buildResolve(findingId: string, routingKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: findingId };
}
