/**
 * Finding building: a finding from an event, the state it was judged on and its
 * signals — reasons, categories, the environments crossed, the events that led
 * there, the one-sentence summary. Pure; runs only for events that yield a finding.
 */
import type { AuditEvent, Credential } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { ResponseMode } from '../config.ts';
import type { EnvironmentResolver } from '../environment.ts';
import type { EventSummary, Finding, Reason } from '../finding.ts';
import type { CatalogueMatch } from './catalogue.ts';
import { findingId, summarise, timeOf } from './event-keys.ts';
import { describeCredential } from './keys.ts';
import type { Signal } from './scoring.ts';
import type { DetectionContext } from './state-store.ts';

const RECENT_ON_FINDING = 8;

function modeFor(resolver: EnvironmentResolver, environment: string): ResponseMode {
  // Accounts outside the configuration are never acted on: record what would be done.
  return resolver.config(environment)?.response ?? 'dry-run';
}

export function buildFinding(
  event: AuditEvent,
  context: DetectionContext,
  signals: Signal[],
  severity: Finding['severity'],
  adjustments: string[],
  match: CatalogueMatch | undefined,
  resolver: EnvironmentResolver,
): Finding {
  const reasons: Reason[] = signals.map((s) => {
    const reason: Reason = { signal: s.id, text: s.text, severity: s.severity };
    if (s.mitigating) reason.mitigating = true;
    return reason;
  });
  for (const text of adjustments) reasons.push({ signal: 'scoring', text, severity });
  const lineage: Credential[] = (context.lineage?.chain ?? []).map((l) => l.credential);
  const categories: string[] = [];
  if (match) {
    categories.push(match.category);
    if (match.destroysBackups && match.category !== 'backup-destruction') categories.push('backup-destruction');
  }
  const hop = signals.find((s) => s.id === 'credential-hop');
  const crossed: string[] = [];
  for (const link of [...(context.lineage?.chain ?? [])].reverse()) crossed.push(link.environment);
  if (hop && context.actor) {
    const rank = resolver.sensitivityRank(event.environment);
    const hopFrom = context.actor.uses
      .filter((u) => u.lastSeen <= event.timeMs && resolver.sensitivityRank(u.environment) < rank)
      .sort((a, b) => a.firstSeen - b.firstSeen)
      .map((u) => u.environment);
    crossed.push(...hopFrom);
  }
  if (event.credential.homeEnvironment) crossed.push(event.credential.homeEnvironment);
  for (const e of [...(context.principal?.environments ?? [])].sort((a, b) => a.firstSeen - b.firstSeen)) {
    if (e.firstSeen < event.timeMs) crossed.push(e.environment);
  }
  crossed.push(event.environment);
  const environmentsCrossed = [...new Set(crossed.filter((e) => e && e !== 'unknown'))];
  if (environmentsCrossed.length === 0) environmentsCrossed.push(event.environment);

  const recentById = new Map<string, EventSummary>();
  for (const e of [...(context.principal?.recent ?? []), ...(context.actor?.recent ?? [])]) {
    if (e.eventId !== event.id && timeOf(e.time) <= event.timeMs) recentById.set(e.eventId, e);
  }
  const recentEvents = [...recentById.values()]
    .sort((a, b) => timeOf(a.time) - timeOf(b.time) || (a.eventId < b.eventId ? -1 : 1))
    .slice(-(RECENT_ON_FINDING - 1));
  recentEvents.push(summarise(event));

  const top = signals.filter((s) => !s.mitigating).sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
  return {
    id: findingId(event),
    eventId: event.id,
    time: event.time,
    eventName: event.action.name,
    eventSource: event.action.eventSource,
    account: event.account,
    region: event.region,
    environment: event.environment,
    severity,
    summary: summarySentence(event, top, match),
    credential: event.credential,
    actor: event.actor,
    reasons,
    categories,
    environmentsCrossed,
    lineage,
    recentEvents,
    mode: modeFor(resolver, event.environment),
    response: [],
  };
}

const HEADLINES: Record<string, string> = {
  'credential-hop': 'right after the same machine used a credential of a less sensitive environment',
  'session-lineage': 'with a session that was minted in a less sensitive environment',
  'cross-environment': 'outside its own environment',
  'new-source': 'from a machine it was never used from',
  'root-use': 'as the root user',
  'first-use-in-environment': 'for the first time in that environment',
  burst: 'in a burst of destructive calls',
  'stolen-session': 'with a session that was until now used by another machine (stolen?)',
  'denied-burst': 'after being refused many times within minutes',
  'console-login-without-mfa': 'without MFA',
};

function summarySentence(event: AuditEvent, top: Signal | undefined, match: CatalogueMatch | undefined): string {
  const who = describeCredential(event.credential);
  const what = match ? `${event.action.name}, which ${match.description}` : event.action.name;
  const how = top && HEADLINES[top.id] ? ` ${HEADLINES[top.id]}` : '';
  const refused = event.action.errorCode ? ` (refused: ${event.action.errorCode})` : '';
  // Every reader shows the severity beside the summary already: the sentence is only what happened.
  return `${who.charAt(0).toUpperCase()}${who.slice(1)} called ${what} in ${event.environment} from ${event.actor.sourceIp}${how}${refused}.`;
}
