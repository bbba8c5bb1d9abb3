/**
 * Signals that need a little history of their own, and the state each keeps:
 *
 *   - bursts of calls that are only suspicious in numbers (reading secrets,
 *     fetching instance passwords): per principal and catalogue entry;
 *   - bursts of refusals (AccessDenied …): per principal;
 *   - the machines a role session is used from (stolen sessions): per session key,
 *     on the session's lineage item.
 *
 * Each is a pure pair: a `…Status` function that judges an event on the state
 * before it, and a `plan…` function that returns the new state (a copy) or
 * undefined when nothing material changes — so a benign event costs no write.
 */
import type { AuditEvent } from '../audit-event.ts';
import type { CatalogueMatch } from './catalogue.ts';
import { valuesAt } from './conditions.ts';
import { isServiceCall, networkOf } from './keys.ts';
import type { BurstRecord, DeniedRecord, PrincipalState, SessionLineage, SessionSource } from './state-store.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A principal whose first such call is older than this makes them as a habit: no burst. */
export const USUAL_AFTER_MS = DAY;
const MAX_BURST_EVENTS = 50;

function before(time: number, id: string, event: AuditEvent): boolean {
  return time < event.timeMs || (time === event.timeMs && id < event.id);
}

// ── Bursts of calls that are only suspicious in numbers ───────────────────

export interface BurstStatus {
  /** Items counted within the window, this call included. */
  count: number;
  calls: number;
}

function itemsOf(event: AuditEvent, match: CatalogueMatch): number {
  const path = match.entry.burst?.countPath;
  return path ? Math.max(1, Math.min(1000, valuesAt(event, path).length)) : 1;
}

function usual(firstSeen: number | undefined, event: AuditEvent): boolean {
  return firstSeen !== undefined && firstSeen < event.timeMs - USUAL_AFTER_MS;
}

/** A burst already reported within the window (one finding per burst, not one per read after it). */
function reported(hitAt: number | undefined, event: AuditEvent, windowMs: number): boolean {
  return hitAt !== undefined && hitAt <= event.timeMs && hitAt > event.timeMs - windowMs;
}

/** The burst this call completes, or undefined: a hit once the threshold is reached, once per window. */
export function burstStatus(event: AuditEvent, match: CatalogueMatch, principal: PrincipalState | undefined): BurstStatus | undefined {
  const spec = match.entry.burst;
  if (!spec) return undefined;
  const record = principal?.bursts?.[match.entry.id];
  if (usual(record?.firstSeen, event)) return undefined;
  const since = event.timeMs - spec.windowMinutes * MINUTE;
  let count = 0;
  let calls = 0;
  for (const e of record?.events ?? []) {
    if (e.id !== event.id && e.time > since && before(e.time, e.id, event)) {
      count += e.n;
      calls++;
    }
  }
  const n = itemsOf(event, match);
  if (count + n < spec.threshold || reported(record?.hitAt, event, spec.windowMinutes * MINUTE)) return undefined;
  return { count: count + n, calls: calls + 1 };
}

/** The principal's burst record after this call, or undefined when it does not change (a habit is not recorded further). */
export function planBurst(event: AuditEvent, match: CatalogueMatch, principal: PrincipalState | undefined, hit: boolean): Record<string, BurstRecord> | undefined {
  const spec = match.entry.burst;
  if (!spec) return undefined;
  const bursts = principal?.bursts ?? {};
  const record = Object.prototype.hasOwnProperty.call(bursts, match.entry.id) ? bursts[match.entry.id] : undefined;
  if (usual(record?.firstSeen, event)) return undefined;
  if (record?.events.some((e) => e.id === event.id)) return undefined;
  const latest = Math.max(event.timeMs, ...(record?.events ?? []).map((e) => e.time));
  const keepSince = latest - spec.windowMinutes * MINUTE;
  const events = [...(record?.events ?? []), { time: event.timeMs, id: event.id, n: itemsOf(event, match) }]
    .filter((e) => e.time > keepSince)
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1))
    .slice(-MAX_BURST_EVENTS);
  const next: Record<string, BurstRecord> = { ...bursts };
  const updated: BurstRecord = { firstSeen: Math.min(record?.firstSeen ?? event.timeMs, event.timeMs), events };
  const hitAt = hit ? event.timeMs : record?.hitAt;
  if (hitAt !== undefined) updated.hitAt = hitAt;
  next[match.entry.id] = updated;
  return next;
}

// ── Bursts of refusals ────────────────────────────────────────────────────

export const DENIED_THRESHOLD = 10;
export const DENIED_WINDOW_MINUTES = 10;
const DENIED_CODES = /AccessDenied|Unauthorized|NotAuthorized|Forbidden/i;

export interface DeniedStatus {
  count: number;
  windowMinutes: number;
  /** Distinct refused calls, for the sentence. */
  calls: string[];
}

export function isDenied(event: AuditEvent): boolean {
  return event.action.errorCode !== undefined && DENIED_CODES.test(event.action.errorCode);
}

/** The burst of refusals this refusal completes (the one that crosses the threshold), or undefined. */
export function deniedStatus(event: AuditEvent, principal: PrincipalState | undefined): DeniedStatus | undefined {
  if (!isDenied(event)) return undefined;
  const record = principal?.denied;
  if (usual(record?.firstSeen, event)) return undefined;
  const since = event.timeMs - DENIED_WINDOW_MINUTES * MINUTE;
  const earlier = (record?.events ?? []).filter((e) => e.id !== event.id && e.time > since && before(e.time, e.id, event));
  if (earlier.length + 1 < DENIED_THRESHOLD || reported(record?.hitAt, event, DENIED_WINDOW_MINUTES * MINUTE)) return undefined;
  return { count: earlier.length + 1, windowMinutes: DENIED_WINDOW_MINUTES, calls: [...new Set([...earlier.map((e) => e.name), event.action.name])] };
}

export function planDenied(event: AuditEvent, principal: PrincipalState | undefined, hit: boolean): DeniedRecord | undefined {
  if (!isDenied(event)) return undefined;
  const record = principal?.denied;
  if (usual(record?.firstSeen, event)) return undefined;
  if (record?.events.some((e) => e.id === event.id)) return undefined;
  const events = [...(record?.events ?? []), { time: event.timeMs, id: event.id, name: event.action.name.slice(0, 64) }]
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1))
    .slice(-2 * DENIED_THRESHOLD);
  const updated: DeniedRecord = { firstSeen: Math.min(record?.firstSeen ?? event.timeMs, event.timeMs), events };
  const hitAt = hit ? event.timeMs : record?.hitAt;
  if (hitAt !== undefined) updated.hitAt = hitAt;
  return updated;
}

// ── Stolen sessions ───────────────────────────────────────────────────────

export interface SessionTheft {
  /** The session's first machine. */
  first: SessionSource;
  /** The AWS service the session was minted for, when known. */
  mintedFor?: string;
  /** Minted for an AWS service, now used by a person's tool from an address. */
  serviceSessionFromOutside: boolean;
}

const MAX_SESSION_SOURCES = 10;
const HUMAN_FAMILIES = new Set(['aws-cli', 'boto3', 'console', 'powershell', 'aws-sdk-go', 'aws-sdk-js', 'aws-sdk-java', 'stratus-red-team']);
const DESKTOP = /Darwin|Macintosh|macOS|Windows|Win64|Ubuntu|Linux x86_64.*(Chrome|Firefox)/i;

/** Whether the caller's session is a role session whose machines are tracked. */
export function tracksSession(event: AuditEvent): boolean {
  return event.credential.type === 'role-session' && (event.credential.accessKeyId?.startsWith('ASIA') ?? false) && !isServiceCall(event);
}

/** The AWS service a session's first use shows it runs in (the runtime's user agent, an instance-id session name). */
export function serviceOfFirstUse(event: AuditEvent): string | undefined {
  const ua = event.actor.userAgent;
  if (/awslambda-worker|exec-env\/AWS_Lambda/i.test(ua)) return 'lambda.amazonaws.com';
  if (/exec-env\/AWS_ECS/i.test(ua)) return 'ecs-tasks.amazonaws.com';
  if (/CodeBuild|exec-env\/AWS_CodeBuild/i.test(ua)) return 'codebuild.amazonaws.com';
  if (/^i-[0-9a-f]{8,17}$/.test(event.credential.sessionName ?? '')) return 'ec2.amazonaws.com';
  return undefined;
}

function humanTool(event: AuditEvent): boolean {
  return HUMAN_FAMILIES.has(event.actor.userAgentFamily) || DESKTOP.test(event.actor.userAgent);
}

/** A second machine using this session: another network *and* another tool family than every machine before it, or a machine already found to be a second one. */
export function sessionTheft(event: AuditEvent, lineage: SessionLineage | undefined): SessionTheft | undefined {
  if (!tracksSession(event)) return undefined;
  const sources = (lineage?.sources ?? []).filter((s) => before(s.firstSeen, s.eventId, event));
  const owners = sources.filter((s) => !s.suspect);
  if (owners.length === 0) return undefined;
  const network = networkOf(event.actor.sourceIp);
  const family = event.actor.userAgentFamily;
  const knownSuspect = sources.some((s) => s.suspect && s.network === network && s.family === family);
  const second = knownSuspect || owners.every((s) => s.network !== network && s.family !== family);
  if (!second) return undefined;
  const first = owners.reduce((a, b) => (b.firstSeen < a.firstSeen ? b : a));
  const mintedFor = lineage?.mintedFor ?? owners.find((s) => s.service)?.service;
  const theft: SessionTheft = { first, serviceSessionFromOutside: mintedFor !== undefined && humanTool(event) };
  if (mintedFor) theft.mintedFor = mintedFor;
  return theft;
}

/** The session's lineage item with this machine added, or undefined when it knows this machine already. */
export function planSessionSources(event: AuditEvent, lineage: SessionLineage | undefined, theft: SessionTheft | undefined): SessionLineage | undefined {
  if (!tracksSession(event)) return undefined;
  const network = networkOf(event.actor.sourceIp);
  const family = event.actor.userAgentFamily;
  const sources = lineage?.sources ?? [];
  const i = sources.findIndex((s) => s.network === network && s.family === family);
  if (i >= 0 && sources[i]!.firstSeen <= event.timeMs) return undefined;
  const source: SessionSource = { network, family, firstSeen: event.timeMs, eventId: event.id };
  const service = serviceOfFirstUse(event);
  if (service) source.service = service;
  if (theft) source.suspect = true;
  const next = i >= 0 ? sources.map((s, j) => (j === i ? { ...s, firstSeen: event.timeMs, eventId: event.id } : s)) : [...sources, source];
  const updated: SessionLineage = { ...(lineage ?? { accessKeyId: event.credential.accessKeyId!, chain: [] }), sources: next.slice(0, MAX_SESSION_SOURCES) };
  return updated;
}
