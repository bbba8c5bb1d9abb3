/**
 * The detector: one audit event in, at most one finding out. The CLI replay and
 * the Lambda `detect` handler both run this code.
 *
 *   load context (one store read) → duplicate? → signals → score → finding
 *   → plan the state change → save (only when something material changed).
 *
 * Idempotent: the finding id is a hash of the event id and the credential, the
 * processed marker is written with the finding in the same atomic save, and a
 * duplicate delivery returns the finding recorded the first time.
 */
import * as nodeCrypto from 'node:crypto';
import type { AuditEvent, Credential } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { BlastwallConfig, ResponseMode } from '../config.ts';
import type { EnvironmentResolver } from '../environment.ts';
import type { EventSummary, Finding, Reason } from '../finding.ts';
import { INTENT_CATEGORIES } from './catalogue.ts';
import { BUILT_IN, type CatalogueMatch, type CompiledCatalogue, compileCatalogue, type MatchOptions } from './catalogue.ts';
import { compileSuppressions, type SuppressionHit } from './suppressions.ts';
import { burstStatus, deniedStatus, planBurst, planDenied, planSessionSources, sessionTheft } from './history-signals.ts';
import { actorKey, credentialKey, describeCredential, isServiceCall, networkOf, principalKey } from './keys.ts';
import { FINDING_THRESHOLD, type Signal, score } from './scoring.ts';
import { actorRefreshMs, type DetectionSettings, evaluateSignals, type History, isBefore, ROUTINE_KEPT } from './signals.ts';
import {
  type ActorState,
  type ActorUse,
  type ContextQuery,
  type CreatedResource,
  type DetectionContext,
  type LoadOptions,
  type PrincipalState,
  type RoutineAction,
  type SessionLineage,
  StateConflictError,
  type StateStore,
  type StateUpdate,
  isEmptyUpdate,
} from './state-store.ts';

/** sha256 hex of a string: the one-shot `crypto.hash` where Node has it (≈ 3× faster for short inputs), the same digest either way. */
const sha256 = (text: string): string =>
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function'
    ? (nodeCrypto as unknown as { hash(algorithm: string, data: string): string }).hash('sha256', text)
    : nodeCrypto.createHash('sha256').update(text).digest('hex');

export interface DetectionOutcome {
  /** true when this eventId was processed before (duplicate delivery). */
  duplicate: boolean;
  /** The finding (new, or the one recorded the first time for a duplicate). Its `response` is [] and `mode` is the environment's response mode; respond fills actions. */
  finding?: Finding;
  /** For duplicates: whether the finding was already published (if false the caller re-publishes the same finding). */
  published: boolean;
  /** The event matched a suppression: no finding, but it is reported (with the severity it would have had). */
  suppressed?: SuppressionHit & { severity: Finding['severity'] };
  /**
   * Findings of *other*, later events that this (late) event changes: the finding
   * the later event would have had, had this one arrived in time — new, or the
   * same id at a higher severity than the one already published. Publish each
   * (the pager updates the same page) and mark each with `markPublished(event, finding.id)`.
   */
  additionalFindings?: Finding[];
}

export interface Detector {
  process(event: AuditEvent): Promise<DetectionOutcome>;
  /**
   * Called by the detect handler after the finding reached the bus; a retry after a crash between process and publish re-publishes the same finding instead of losing it.
   * For an `additionalFindings` entry, pass the event that was processed and that finding's id.
   */
  markPublished(event: AuditEvent, findingId: string): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A principal's lastSeen is refreshed at most this often (write coalescing). */
export const PRINCIPAL_REFRESH_MS = HOUR;
/** A source's lastSeen is refreshed at most this often. */
export const SOURCE_REFRESH_MS = DAY;
/** Sessions live at most 36 hours (GetSessionToken); keep lineage a little longer. */
export const LINEAGE_TTL_MS = 3 * DAY;
const MAX_RECENT = 10;
const MAX_SOURCES = 40;
const MAX_DESTRUCTIVE = 25;
const MAX_ACTOR_USES = 40;
const MAX_LINEAGE = 5;
const RECENT_ON_FINDING = 8;

const NONE: readonly never[] = [];
const NO_RESOURCES: ContextQuery['resources'] = Object.freeze([]) as unknown as ContextQuery['resources'];
const EVENTUAL: LoadOptions = { consistent: false };
const CONSISTENT: LoadOptions = { consistent: true };

const MINTING_CALLS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetSessionToken', 'GetFederationToken']);

/** Sort a batch by event time (then event id), as the pipeline must: never by arrival. */
export function orderByEventTime<T extends AuditEvent>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function fingerprint(event: AuditEvent): string {
  return sha256(`${event.time}|${event.action.eventSource}|${event.action.name}`).slice(0, 8);
}

/**
 * The processed-marker key: the CloudTrail event id plus a fingerprint of time and
 * call, so two different records that carry the same id (hand-edited exports do)
 * are never mistaken for a duplicate delivery. A real redelivery is byte-identical.
 */
export function eventKey(event: AuditEvent): string {
  return `${event.id}#${fingerprint(event)}`;
}

/** Deterministic: the same event always yields the same finding id. */
export function findingId(event: AuditEvent): string {
  return `f-${sha256(`${eventKey(event)}|${credentialKey(event.credential)}`).slice(0, 16)}`;
}

export function summarise(event: AuditEvent): EventSummary {
  const summary: EventSummary = {
    eventId: event.id,
    time: event.time,
    eventName: event.action.name,
    eventSource: event.action.eventSource,
    account: event.account,
    environment: event.environment,
    sourceIp: event.actor.sourceIp,
    userAgentFamily: event.actor.userAgentFamily,
  };
  if (event.credential.accessKeyId) summary.accessKeyId = event.credential.accessKeyId;
  if (event.action.errorCode) summary.errorCode = event.action.errorCode;
  if (event.sharedEventId) summary.sharedEventId = event.sharedEventId;
  return summary;
}

/**
 * Read cache: the state items of the last events (principal, actor, lineage,
 * created resources), kept for a few seconds of wall-clock time. An event whose
 * items are all cached is first evaluated on them; if it yields no finding and
 * changes nothing, that is the answer and it costs no request at all. Anything
 * else (a finding, a write) is re-evaluated on a fresh load, and writes are
 * conditional on versions, so a stale cache can cost a retry but never a write
 * on stale state. Duplicates of benign events need no processed-marker check.
 */
export const DEFAULT_CONTEXT_CACHE_MS = 20_000;
const CACHE_MAX_ITEMS = 20_000;

class ContextCache {
  private readonly items = new Map<string, { value: unknown; at: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}
  set(key: string, value: unknown): void {
    if (this.ttlMs <= 0) return;
    this.items.delete(key);
    this.items.set(key, { value, at: this.now() });
    if (this.items.size > CACHE_MAX_ITEMS) this.items.delete(this.items.keys().next().value!);
  }
  delete(key: string): void {
    this.items.delete(key);
  }
  /** `undefined` = not cached; `{ value: undefined }` = cached as absent. */
  get<T>(key: string): { value: T | undefined } | undefined {
    const hit = this.items.get(key);
    if (!hit || this.now() - hit.at > this.ttlMs) return undefined;
    // By reference: cached items are immutable (planUpdate copies on write).
    return { value: hit.value as T | undefined };
  }
  remember(query: ContextQuery, context: DetectionContext): void {
    if (this.ttlMs <= 0) return;
    this.set(`CRED#${query.principalKey}`, context.principal);
    if (query.actorKey) this.set(`ACTOR#${query.actorKey}`, context.actor);
    if (query.sessionKey) this.set(`SESSION#${query.sessionKey}`, context.lineage);
    for (const r of query.resources) this.set(`RES#${r.account}#${r.type}#${r.name}`, context.created.find((c) => c.type === r.type && c.name === r.name && c.account === r.account));
  }
  rememberSaved(update: StateUpdate): void {
    if (this.ttlMs <= 0) return;
    if (update.principal) this.set(`CRED#${update.principal.value.key}`, update.principal.value);
    if (update.actor) this.set(`ACTOR#${update.actor.value.key}`, update.actor.value);
    for (const l of update.lineage ?? []) this.set(`SESSION#${l.value.accessKeyId}`, l.value);
    for (const c of update.created ?? []) this.set(`RES#${c.value.account}#${c.value.type}#${c.value.name}`, c.value);
  }
  forget(query: ContextQuery): void {
    this.delete(`CRED#${query.principalKey}`);
    if (query.actorKey) this.delete(`ACTOR#${query.actorKey}`);
  }
  /** The context without the processed marker, if every item is cached and fresh. */
  context(query: ContextQuery): DetectionContext | undefined {
    if (this.ttlMs <= 0) return undefined;
    const principal = this.get<PrincipalState>(`CRED#${query.principalKey}`);
    const actor = query.actorKey ? this.get<ActorState>(`ACTOR#${query.actorKey}`) : { value: undefined };
    const lineage = query.sessionKey ? this.get<SessionLineage>(`SESSION#${query.sessionKey}`) : { value: undefined };
    const created = query.resources.map((r) => this.get<CreatedResource>(`RES#${r.account}#${r.type}#${r.name}`));
    if (!principal || !actor || !lineage || created.some((c) => c === undefined)) return undefined;
    const context: DetectionContext = { created: created.flatMap((c) => (c?.value ? [c.value] : [])) };
    if (principal.value) context.principal = principal.value;
    if (actor.value) context.actor = actor.value;
    if (lineage.value) context.lineage = lineage.value;
    return context;
  }
}

export interface DetectorDeps {
  store: StateStore;
  config: BlastwallConfig;
  resolver: EnvironmentResolver;
  /** Read-cache lifetime in wall-clock ms (default 20 s, 0 for a `local` store; 0 turns it off). */
  contextCacheMs?: number;
  /** Wall clock for the read cache (tests). */
  now?: () => number;
}

export function createDetector(deps: DetectorDeps): Detector {
  const { store, config, resolver } = deps;
  const settings = config.detection;
  const catalogue = catalogueFor(config);
  const matchOptions: MatchOptions = { ownPrefix: settings.ownResourcePrefix, knownAccounts: knownAccounts(config) };
  const suppressions = compileSuppressions(settings.suppressions ?? []);
  // A local store's reads are free: the cache would only add work (and a second evaluation of every writing event).
  const cache = new ContextCache(deps.contextCacheMs ?? (store.local ? 0 : DEFAULT_CONTEXT_CACHE_MS), deps.now ?? Date.now);
  /** Markers of re-scored findings this instance produced (finding id → marker key), for markPublished. */
  const rescoredMarkers = new Map<string, { eventKey: string; sharedEventId?: string }>();

  interface Prepared {
    event: AuditEvent;
    keys: { principal: string; credential: string; actor: string | undefined };
    match: CatalogueMatch | undefined;
    query: ContextQuery;
  }

  const prepare = (event: AuditEvent): Prepared => {
    const keys = {
      principal: principalKey(event.credential),
      credential: credentialKey(event.credential),
      actor: actorKey(event),
    };
    const match = catalogue.match(event, matchOptions);
    const query: ContextQuery = {
      eventId: eventKey(event),
      principalKey: keys.principal,
      resources: match?.targets.length ? resourceRefs(event, match) : NO_RESOURCES,
    };
    if (event.sharedEventId) query.sharedEventId = event.sharedEventId;
    if (keys.actor) query.actorKey = keys.actor;
    if (event.credential.accessKeyId?.startsWith('ASIA')) query.sessionKey = event.credential.accessKeyId;
    return { event, keys, match, query };
  };

  const evaluate = ({ event, keys, match: candidate }: Prepared, context: DetectionContext) => {
    const history: History = {
      settings,
      resolver,
      principalKey: keys.principal,
      credentialKey: keys.credential,
      created: context.created,
    };
    // An entry that is a hit only in numbers is no hit until the burst is complete.
    const burst = candidate?.entry.burst ? burstStatus(event, candidate, context.principal) : undefined;
    const match = candidate?.entry.burst && !burst ? undefined : candidate;
    if (burst) history.burst = burst;
    const denied = deniedStatus(event, context.principal);
    if (denied) history.denied = denied;
    const theft = sessionTheft(event, context.lineage);
    if (theft) history.theft = theft;
    if (keys.actor) history.actorKey = keys.actor;
    if (match) history.match = match;
    if (context.principal) history.principal = context.principal;
    if (context.actor) history.actor = context.actor;
    if (context.lineage) history.lineage = context.lineage;
    const signals = evaluateSignals(event, history);
    const scored = score(signals);
    const wouldFind = severityRank(scored.severity) >= severityRank(FINDING_THRESHOLD);
    const suppression = wouldFind && suppressions.size ? suppressions.match(event, match) : undefined;
    const finding = wouldFind && !suppression ? buildFinding(event, context, signals, scored.severity, scored.adjustments, match, resolver) : undefined;
    const suppressed = suppression ? { ...suppression, severity: scored.severity } : undefined;
    const mitigated = signals.some((s) => s.id === 'deletes-own-recent-creation');
    const update = planUpdate(event, context, { keys, match, candidate, finding, settings, countsTowardBurst: !mitigated, resolver, catalogue, theft, burstHit: burst !== undefined, deniedHit: denied !== undefined });
    return { finding, update, suppressed };
  };

  /**
   * Late arrival: the events this one precedes in event time and now affects.
   * Today: the first use, by the same actor within the hop window, of another
   * principal in a more sensitive environment — that use is a hop start it could
   * not see when it was processed. Only a late event can match (in order, every
   * recorded use starts before the event), so in-order delivery never pays for this.
   */
  const affectedLater = (event: AuditEvent, keys: Prepared['keys'], actor: ActorState | undefined): readonly AuditEvent[] => {
    if (!actor || !keys.actor) return NONE;
    const rank = resolver.sensitivityRank(event.environment);
    const reach = settings.hopWindowMinutes * MINUTE + actorRefreshMs(settings);
    // A minting call that arrives after the session's first call: that call now has a lineage.
    const minted = mintedKey(event);
    let later: AuditEvent[] | undefined;
    for (const u of actor.uses) {
      if (!u.first || u.principalKey === keys.principal || !isBefore(event.timeMs, event.id, u.first)) continue;
      const affected =
        (minted !== undefined && u.first.credential.accessKeyId === minted) ||
        (event.environment !== 'unknown' &&
          u.environment !== 'unknown' &&
          resolver.sensitivityRank(u.environment) > rank &&
          u.first.timeMs - event.timeMs <= reach);
      if (affected) (later ??= []).push(u.first);
    }
    return later ?? NONE;
  };

  /**
   * Re-scores a later event on today's state (signals only look at history strictly
   * before an event, so state recorded since does not leak into it). Returns the
   * finding to publish when it is new, or more severe than the one already
   * recorded for that event (same deterministic id: the page and the response
   * update), or recorded but never published.
   */
  const rescore = async (later: AuditEvent): Promise<Finding | undefined> => {
    const prepared = prepare(later);
    for (let attempt = 0; ; attempt++) {
      const context = await store.load(prepared.query, attempt > 0 ? CONSISTENT : EVENTUAL);
      const prior = context.processed?.finding;
      delete context.processed;
      const { finding } = evaluate(prepared, context);
      if (!finding) return undefined;
      if (prior && severityRank(prior.severity) >= severityRank(finding.severity)) return undefined;
      const marker: NonNullable<StateUpdate['processed']> = {
        value: { eventId: prepared.query.eventId, finding, published: false },
        expiresAt: ttl(later.timeMs + settings.historyDays * DAY),
      };
      if (later.sharedEventId) marker.sharedEventId = later.sharedEventId;
      if (prior) marker.upgrade = true;
      try {
        await store.save({ processed: marker });
      } catch (error) {
        if (!(error instanceof StateConflictError) || attempt >= 4) throw error;
        continue; // another delivery re-scored it first: look again
      }
      const ref: { eventKey: string; sharedEventId?: string } = { eventKey: prepared.query.eventId };
      if (later.sharedEventId) ref.sharedEventId = later.sharedEventId;
      rescoredMarkers.set(finding.id, ref);
      if (rescoredMarkers.size > 1000) rescoredMarkers.delete(rescoredMarkers.keys().next().value!);
      return finding;
    }
  };

  const withLater = async (outcome: DetectionOutcome, prepared: Prepared, actor: ActorState | undefined): Promise<DetectionOutcome> => {
    const additional: Finding[] = [];
    for (const later of affectedLater(prepared.event, prepared.keys, actor)) {
      const finding = await rescore(later);
      if (finding) additional.push(finding);
    }
    if (additional.length) outcome.additionalFindings = additional;
    return outcome;
  };

  return {
    async process(event) {
      const prepared = prepare(event);
      const { query } = prepared;

      const cached = cache.context(query);
      if (cached) {
        const { finding, update, suppressed } = evaluate(prepared, cached);
        if (!finding && !suppressed && isEmptyUpdate(update)) return withLater({ duplicate: false, published: false }, prepared, cached.actor);
      }

      for (let attempt = 0; ; attempt++) {
        // Eventually consistent first (half the read cost); after a conflict, strongly consistent.
        const context = await store.load(query, attempt > 0 ? CONSISTENT : EVENTUAL);
        cache.remember(query, context);
        if (context.processed) {
          // A retry after a crash may not have published what the first delivery re-scored: look again.
          return withLater({ duplicate: true, finding: context.processed.finding, published: context.processed.published }, prepared, context.actor);
        }
        const { finding, update, suppressed } = evaluate(prepared, context);
        const outcome: DetectionOutcome = finding ? { duplicate: false, finding, published: false } : { duplicate: false, published: false };
        if (suppressed) outcome.suppressed = suppressed;
        if (isEmptyUpdate(update)) return withLater(outcome, prepared, context.actor);
        try {
          await store.save(update);
          cache.rememberSaved(update);
          return withLater(outcome, prepared, context.actor);
        } catch (error) {
          cache.forget(query);
          if (!(error instanceof StateConflictError) || attempt >= 4) throw error;
          // Another delivery or another event of the same principal/actor won the race: recompute on fresh state.
        }
      }
    },
    async markPublished(event, id) {
      const rescored = id === findingId(event) ? undefined : rescoredMarkers.get(id);
      if (rescored) await store.markPublished(rescored.eventKey, id, rescored.sharedEventId);
      else await store.markPublished(eventKey(event), id, event.sharedEventId);
    },
  };
}

/** The catalogue a config detects with: the built-in entries plus the team's own `detection.rules`. */
const compiled = new WeakMap<BlastwallConfig, CompiledCatalogue>();
export function catalogueFor(config: BlastwallConfig): CompiledCatalogue {
  const rules = (config.detection.rules ?? []) as CompiledCatalogue['entries'];
  if (rules.length === 0) return BUILT_IN;
  let catalogue = compiled.get(config);
  if (!catalogue) {
    catalogue = compileCatalogue(rules);
    compiled.set(config, catalogue);
  }
  return catalogue;
}

/** Every account the configuration names: sharing with one of them is not sharing outside. */
function knownAccounts(config: BlastwallConfig): ReadonlySet<string> {
  return new Set(config.environments.flatMap((e) => e.accounts));
}

/** The state keys of the resources a call acts on: every canonical key of every target, bounded. */
function resourceRefs(event: AuditEvent, match: CatalogueMatch): ContextQuery['resources'] {
  const refs: ContextQuery['resources'] = [];
  for (const t of match.targets) {
    for (const name of t.keys) {
      if (refs.length >= 20) return refs;
      refs.push({ account: event.account, type: t.type, name });
    }
  }
  return refs;
}

function modeFor(resolver: EnvironmentResolver, environment: string): ResponseMode {
  // Accounts outside the configuration are never acted on: record what would be done.
  return resolver.config(environment)?.response ?? 'dry-run';
}

function buildFinding(
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
    if (e.eventId !== event.id && Date.parse(e.time) <= event.timeMs) recentById.set(e.eventId, e);
  }
  const recentEvents = [...recentById.values()]
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.eventId < b.eventId ? -1 : 1))
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

// ── State planning (pure) ───────────────────────────────────────────────────

interface PlanInput {
  keys: { principal: string; credential: string; actor: string | undefined };
  /** The catalogue hit as judged (a burst entry only when its burst is complete). */
  match: CatalogueMatch | undefined;
  /** The catalogue entry the call belongs to, burst complete or not (its calls are recorded). */
  candidate?: CatalogueMatch | undefined;
  catalogue?: CompiledCatalogue;
  burstHit?: boolean;
  deniedHit?: boolean;
  /** A second machine using this session (recorded as such). */
  theft?: ReturnType<typeof sessionTheft>;
  finding: Finding | undefined;
  settings: DetectionSettings;
  /** False for deletions of the principal's own recent creations: cleaning up is not a burst. */
  countsTowardBurst: boolean;
  resolver: EnvironmentResolver;
}

/** The id of the call: the shared id of a cross-account call's two copies, else the event id. */
export function callId(event: AuditEvent): string {
  return event.sharedEventId ?? event.id;
}

/** Recent events: ordered by time, then event id; at most MAX_RECENT; a new list when changed. The two copies of a cross-account call appear once. */
function pushRecent(list: EventSummary[], summary: EventSummary): EventSummary[] {
  for (const e of list) if (e.eventId === summary.eventId || (summary.sharedEventId !== undefined && e.sharedEventId === summary.sharedEventId)) return list;
  const last = list[list.length - 1];
  if (last !== undefined) {
    const d = Date.parse(summary.time) - Date.parse(last.time);
    // In event-time order (the usual case) the new summary goes last: no sort, no parse of every element.
    if (!(d > 0 || (d === 0 && last.eventId < summary.eventId))) {
      return [...list, summary].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.eventId < b.eventId ? -1 : 1)).slice(-MAX_RECENT);
    }
  }
  const next = list.length >= MAX_RECENT ? list.slice(list.length - MAX_RECENT + 1) : list.slice();
  next.push(summary);
  return next;
}

/**
 * Records a sighting at event time `t` on a first/last-seen pair, commutatively:
 * firstSeen = min over events; lastSeen = max(firstSeen, the start of the latest
 * `refreshMs` interval with a sighting). So the stored value depends only on the
 * set of events, never on their arrival order, and a benign event costs a write
 * at most once per interval. The true last sighting is within `refreshMs` after
 * lastSeen. Returns true when something changed.
 */
export function observe(item: { firstSeen: number; lastSeen: number }, t: number, refreshMs: number): boolean {
  const changed = nextSeen(item, t, refreshMs);
  if (changed) {
    item.firstSeen = seen.firstSeen;
    item.lastSeen = seen.lastSeen;
  }
  return changed;
}

/** Scratch result of {@link nextSeen} (no allocation per call). */
const seen = { firstSeen: 0, lastSeen: 0 };

/** {@link observe} without writing: true when the pair would change; the new pair is left in `seen`. */
function nextSeen(item: { firstSeen: number; lastSeen: number }, t: number, refreshMs: number): boolean {
  const finite = Number.isFinite(refreshMs);
  const firstSeen = item.firstSeen < t ? item.firstSeen : t;
  let lastSeen: number;
  if (finite) {
    const a = Math.floor(item.lastSeen / refreshMs) * refreshMs;
    const b = Math.floor(t / refreshMs) * refreshMs;
    lastSeen = Math.max(firstSeen, a, b);
  } else lastSeen = Math.max(firstSeen, item.lastSeen);
  seen.firstSeen = firstSeen;
  seen.lastSeen = lastSeen;
  return firstSeen !== item.firstSeen || lastSeen !== item.lastSeen;
}

/** Request parameters larger than this are not kept with a hop's first event (item size). */
const MAX_KEPT_PARAMETERS = 2048;

/**
 * Whether detection reads this event's `requestParameters`, `responseElements`
 * or `additionalEventData` at all: a catalogued call (targets, predicates,
 * created resources), a session-minting call (lineage) or a console sign-in (MFA).
 * For any other call they change nothing — not its finding, not the state it
 * leaves — so they need not be kept (`blastwall replay` drops them right after
 * normalising; state never stores them).
 */
export function detailsMatter(event: AuditEvent, catalogue: CompiledCatalogue = BUILT_IN): boolean {
  const { eventSource, name } = event.action;
  return (
    (eventSource === 'sts.amazonaws.com' && MINTING_CALLS.has(name)) ||
    (eventSource === 'signin.amazonaws.com' && name === 'ConsoleLogin') ||
    catalogue.reads(event)
  );
}

/**
 * The event as kept for re-scoring: its parameters only when detection reads them
 * (see {@link detailsMatter}), and not when large or deeply nested (item size,
 * hostile input).
 */
export function trimmed(event: AuditEvent, catalogue: CompiledCatalogue = BUILT_IN): AuditEvent {
  const copy: AuditEvent = { ...event, resources: event.resources.slice(0, 20) };
  if (!detailsMatter(event, catalogue)) {
    // Last added, first deleted (normalise adds them in this order): the object keeps a fast shape.
    delete copy.additionalEventData;
    delete copy.responseElements;
    delete copy.requestParameters;
    return copy;
  }
  if (copy.requestParameters && !small(copy.requestParameters, MAX_KEPT_PARAMETERS)) delete copy.requestParameters;
  if (copy.responseElements && !small(copy.responseElements, MAX_KEPT_PARAMETERS / 2)) delete copy.responseElements;
  if (copy.additionalEventData && !small(copy.additionalEventData, MAX_KEPT_PARAMETERS / 2)) delete copy.additionalEventData;
  return copy;
}

/** True when a JSON value is shallow (≤ 16 levels) and roughly ≤ `budget` characters; iterative, so hostile nesting cannot overflow the stack. */
function small(value: unknown, budget: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  let size = 0;
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (depth > 16) return false;
    if (typeof v === 'string') size += v.length + 2;
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        size += k.length + 4;
        stack.push({ v: child, depth: depth + 1 });
      }
    } else size += 8;
    if (size > budget) return false;
  }
  return true;
}

function ttl(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * The state change an event makes, copy-on-write: `context` holds the stored
 * items and is never written to (stores and the read cache hand them out by
 * reference). An item, list or list element is copied — shallowly — only when
 * this event changes it; a benign event that changes nothing allocates nothing
 * for state.
 */
export function planUpdate(event: AuditEvent, context: DetectionContext, input: PlanInput): StateUpdate {
  const { keys, match, finding, settings, resolver } = input;
  const catalogue = input.catalogue ?? BUILT_IN;
  const t = event.timeMs;
  const update: StateUpdate = {};
  let summary: EventSummary | undefined;
  const historyMs = settings.historyDays * DAY;

  // Principal history.
  const isDestructive = match !== undefined && !INTENT_CATEGORIES.has(match.category) && !event.action.errorCode;
  const stored = context.principal;
  // `principal` is `stored` until something changes; then a shallow copy this event owns.
  let principal: PrincipalState = stored ?? { key: keys.principal, firstSeen: t, lastSeen: t, environments: [], sources: [], destructive: [], recent: [], version: 0 };
  const own = (): PrincipalState => (principal === stored ? (principal = { ...stored }) : principal);
  let material = stored === undefined || finding !== undefined || isDestructive;
  if (nextSeen(principal, t, PRINCIPAL_REFRESH_MS)) {
    const p = own();
    p.firstSeen = seen.firstSeen;
    p.lastSeen = seen.lastSeen;
    material = true;
  }
  let sightingIndex = principal.environments.findIndex((e) => e.environment === event.environment);
  if (sightingIndex < 0) {
    own().environments = [...principal.environments, { environment: event.environment, firstSeen: t, lastSeen: t, routine: {} }];
    sightingIndex = principal.environments.length - 1;
    material = true;
  } else if (nextSeen(principal.environments[sightingIndex]!, t, PRINCIPAL_REFRESH_MS)) {
    const environments = [...own().environments];
    environments[sightingIndex] = { ...environments[sightingIndex]!, firstSeen: seen.firstSeen, lastSeen: seen.lastSeen };
    principal.environments = environments;
    material = true;
  }
  if (!isServiceCall(event)) {
    const network = networkOf(event.actor.sourceIp);
    const family = event.actor.userAgentFamily;
    const sources = principal.sources;
    const i = sources.findIndex((s) => s.network === network && s.family === family);
    if (i < 0) {
      own().sources = [...sources, { network, family, firstSeen: t, lastSeen: t }].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_SOURCES);
      material = true;
    } else if (nextSeen(sources[i]!, t, SOURCE_REFRESH_MS)) {
      const copy = [...sources];
      copy[i] = { ...sources[i]!, firstSeen: seen.firstSeen, lastSeen: seen.lastSeen };
      own().sources = copy;
      material = true;
    }
  }
  if (isDestructive) {
    const p = own();
    // The two copies of a cross-account call are one call (their shared id), also when processed at the same time.
    const call = callId(event);
    if (input.countsTowardBurst && !p.destructive.some((d) => d.eventId === event.id || d.eventId === call)) {
      p.destructive = [...p.destructive, { time: t, eventId: call }].sort((a, b) => a.time - b.time).slice(-MAX_DESTRUCTIVE);
    }
    // A set of the earliest calls (union, bounded): the same whatever the arrival order, never doubled by a duplicate.
    const environments = p.environments === stored?.environments ? [...p.environments] : p.environments;
    const sighting = { ...environments[sightingIndex]! };
    sighting.routine = { ...sighting.routine };
    environments[sightingIndex] = sighting;
    p.environments = environments;
    const prior = sighting.routine[event.action.name];
    const routine: RoutineAction = prior ? { ...prior } : { events: [], firstSeen: t, lastSeen: t };
    delete routine.count;
    delete routine.lastEventId;
    if (!(routine.events ?? []).some((e) => e.id === event.id || e.id === call)) {
      routine.events = [...(routine.events ?? []), { id: call, time: t }]
        .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, ROUTINE_KEPT);
    }
    routine.firstSeen = Math.min(routine.firstSeen, t);
    routine.lastSeen = Math.max(routine.lastSeen, t);
    sighting.routine[event.action.name] = routine;
  }
  // Calls only suspicious in numbers, and refusals: recorded until they are a habit.
  const bursts = input.candidate?.entry.burst ? planBurst(event, input.candidate, principal, input.burstHit ?? false) : undefined;
  if (bursts) {
    own().bursts = bursts;
    material = true;
  }
  const denied = planDenied(event, principal, input.deniedHit ?? false);
  if (denied) {
    own().denied = denied;
    material = true;
  }
  if (material) {
    const p = own();
    summary ??= summarise(event);
    p.recent = pushRecent(p.recent, summary);
    p.version += 1;
    update.principal = { value: p, expiresAt: ttl(p.lastSeen + historyMs) };
  }

  // Actor: which principals this machine used, where, and when.
  if (keys.actor) {
    const storedActor = context.actor;
    const actor: ActorState = storedActor ?? { key: keys.actor, uses: [], recent: [], version: 0 };
    let uses = actor.uses;
    let actorMaterial = storedActor === undefined || finding !== undefined || event.action.errorCode !== undefined;
    const useIndex = uses.findIndex((u) => u.principalKey === keys.principal && u.environment === event.environment);
    if (useIndex < 0) {
      const use: ActorUse = {
        principalKey: keys.principal,
        credentialKey: keys.credential,
        credentialType: event.credential.type,
        description: describeCredential(event.credential),
        environment: event.environment,
        firstSeen: t,
        lastSeen: t,
        first: trimmed(event, catalogue),
      };
      if (event.credential.accessKeyId) use.accessKeyId = event.credential.accessKeyId;
      uses = [...uses, use];
      actorMaterial = true;
    } else {
      const prior = uses[useIndex]!;
      const earlier = t < prior.firstSeen || (t === prior.firstSeen && prior.first !== undefined && event.id < prior.first.id);
      // Only uses in environments something could hop *from* need a fresh lastSeen.
      const refresh = resolver.sensitivityRank(event.environment) < 2 ? actorRefreshMs(settings) : Number.POSITIVE_INFINITY;
      const changed = nextSeen(prior, t, refresh);
      if (changed || earlier) {
        const use: ActorUse = { ...prior };
        if (changed) {
          use.firstSeen = seen.firstSeen;
          use.lastSeen = seen.lastSeen;
        }
        if (earlier) use.first = trimmed(event, catalogue);
        if (use.lastSeen > prior.lastSeen) {
          use.credentialKey = keys.credential;
          use.description = describeCredential(event.credential);
          if (event.credential.accessKeyId) use.accessKeyId = event.credential.accessKeyId;
        }
        uses = [...uses];
        uses[useIndex] = use;
        actorMaterial = true;
      }
    }
    if (actorMaterial) {
      summary ??= summarise(event);
      const next: ActorState = {
        ...actor,
        uses: (uses === actor.uses ? [...uses] : uses).sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_ACTOR_USES),
        recent: pushRecent(actor.recent, summary),
        version: actor.version + 1,
      };
      let last = Number.NEGATIVE_INFINITY;
      for (const u of next.uses) if (u.lastSeen > last) last = u.lastSeen;
      update.actor = { value: next, expiresAt: ttl(last + historyMs) };
    }
  }

  // Lineage: a minting call names the new session key; a session's own item records the machines it is used from.
  const minted = mintedSession(event, context);
  if (minted) update.lineage = [{ value: minted, expiresAt: ttl(t + LINEAGE_TTL_MS) }];
  const sessionSources = planSessionSources(event, context.lineage, input.theft);
  if (sessionSources) (update.lineage ??= []).push({ value: sessionSources, expiresAt: ttl(t + LINEAGE_TTL_MS) });

  // Resources created, for "deletes what it created".
  const created = catalogue.created(event);
  if (created.length) {
    update.created = created.map((r) => ({
      value: { account: event.account, type: r.type, name: r.name, creatorPrincipal: keys.principal, createdAt: t, eventId: event.id },
      expiresAt: ttl(t + settings.recentCreationHours * HOUR),
    }));
  }

  if (finding) {
    update.processed = { value: { eventId: eventKey(event), finding, published: false }, expiresAt: ttl(t + historyMs) };
    if (event.sharedEventId) update.processed.sharedEventId = event.sharedEventId;
  }
  return update;
}

function str(obj: unknown, key: string): string | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const v = Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** The session key a successful minting call names, if any. */
function mintedKey(event: AuditEvent): string | undefined {
  if (event.action.eventSource !== 'sts.amazonaws.com' || !MINTING_CALLS.has(event.action.name) || event.action.errorCode) return undefined;
  const accessKeyId = str(event.responseElements?.['credentials'], 'accessKeyId');
  return accessKeyId && /^ASIA[A-Z0-9]{8,124}$/.test(accessKeyId) ? accessKeyId : undefined;
}

function mintedSession(event: AuditEvent, context: DetectionContext): SessionLineage | undefined {
  if (event.action.eventSource !== 'sts.amazonaws.com' || !MINTING_CALLS.has(event.action.name) || event.action.errorCode) return undefined;
  const credentials = event.responseElements?.['credentials'];
  const accessKeyId = str(credentials, 'accessKeyId');
  if (!accessKeyId || !/^ASIA[A-Z0-9]{8,124}$/.test(accessKeyId)) return undefined;
  const sessionArn = str(event.responseElements?.['assumedRoleUser'], 'arn') ?? str(event.responseElements?.['federatedUser'], 'arn');
  const minter = event.credential;
  const environment = minter.accountId && minter.homeEnvironment !== 'unknown' ? minter.homeEnvironment : event.environment;
  const lineage: SessionLineage = {
    accessKeyId,
    chain: [
      { credential: minter, environment, via: event.action.name, mintedAt: event.time, eventId: event.id },
      ...(context.lineage?.chain ?? []),
    ].slice(0, MAX_LINEAGE),
  };
  if (sessionArn) lineage.sessionArn = sessionArn;
  // Minted for an AWS service (a Lambda function, an ECS task, an instance profile …): the session belongs inside AWS.
  if (minter.type === 'aws-service' || minter.invokedBy) {
    const service = minter.invokedBy ?? (event.actor.sourceIp.endsWith('.amazonaws.com') ? event.actor.sourceIp : undefined);
    if (service) lineage.mintedFor = service;
  }
  return lineage;
}
