/**
 * The detector: one audit event in, at most one finding out. The CLI replay and
 * the Lambda `detect` handler both run this code.
 *
 *   fast path (memory store: an event that can raise nothing and change nothing,
 *   decided on the live records — `quiet`) → or: load context (one store read) →
 *   duplicate? → signals → score → finding → plan the state change (in place for
 *   the memory store, copy-on-write for DynamoDB) → save (only when something
 *   material changed).
 *
 * Idempotent: the finding id is a hash of the event id and the credential, the
 * processed marker is written with the finding in the same atomic save, and a
 * duplicate delivery returns the finding recorded the first time.
 */
import type { AuditEvent } from '../audit-event.ts';
import { severityRank } from '../audit-event.ts';
import type { BlastwallConfig } from '../config.ts';
import type { EnvironmentResolver } from '../environment.ts';
import type { Finding } from '../finding.ts';
import { builtInCatalogue, type CatalogueMatch, type CompiledCatalogue, compileCatalogue, type MatchOptions } from './catalogue.ts';
import { ContextCache, DEFAULT_CONTEXT_CACHE_MS } from './context-cache.ts';
import { eventKey, findingId } from './event-keys.ts';
import { buildFinding } from './finding-builder.ts';
import { compileSuppressions, type SuppressionHit } from './suppressions.ts';
import { burstStatus, deniedStatus, planSessionSources, sessionTheft, tracksSession } from './history-signals.ts';
import { actorKey, credentialKey, networkOf, principalKey } from './keys.ts';
import { FINDING_THRESHOLD, score } from './scoring.ts';
import { actorRefreshMs, evaluateSignals, type History, isBefore } from './signals.ts';
import { DAY, LINEAGE_TTL_MS, MINTING_CALLS, MINUTE, mintedKey, planUpdate, PRINCIPAL_REFRESH_MS, refreshUseInPlace, seenChanges, SOURCE_REFRESH_MS, ttl } from './state-plan.ts';
import {
  type ActorState,
  type ActorUse,
  type ContextQuery,
  type DetectionContext,
  type LiveState,
  type LoadOptions,
  StateConflictError,
  type StateStore,
  type StateUpdate,
  isEmptyUpdate,
} from './state-store.ts';

// The rest of detection, by idea: ordering and keys (event-keys.ts), the read cache
// (context-cache.ts), finding building (finding-builder.ts), state planning
// (state-plan.ts). This file is the hot path: prepare → evaluate → save.
export { callId, eventKey, findingId, orderByEventTime, summarise } from './event-keys.ts';
export { DEFAULT_CONTEXT_CACHE_MS } from './context-cache.ts';
export { detailsMatter, LINEAGE_TTL_MS, observe, planUpdate, PRINCIPAL_REFRESH_MS, SOURCE_REFRESH_MS, trimmed } from './state-plan.ts';

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


const NONE: readonly never[] = [];
const NO_RESOURCES: ContextQuery['resources'] = Object.freeze([]) as unknown as ContextQuery['resources'];
const EVENTUAL: LoadOptions = { consistent: false };
const CONSISTENT: LoadOptions = { consistent: true };

export interface DetectorDeps {
  store: StateStore;
  config: BlastwallConfig;
  resolver: EnvironmentResolver;
  /** Read-cache lifetime in wall-clock ms (default 20 s, 0 for a `local` store; 0 turns it off). */
  contextCacheMs?: number;
  /** Wall clock for the read cache (tests). */
  now?: () => number;
  /** The fast path for events that change nothing (default on; off only to prove it changes nothing). */
  fastPath?: boolean;
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
  // A store that is its own cache: state is changed in place, and events that change nothing take the fast path.
  const inPlace = store.inPlace === true;
  const live = deps.fastPath === false ? undefined : store.live;
  // A store in memory is read and written without a promise per event.
  const direct = store.live;
  const hopWindowMs = settings.hopWindowMinutes * MINUTE;
  const actorRefresh = actorRefreshMs(settings);

  /** Fast-path verdicts: the slow path decides; or decided (UNCHANGED), plus the small changes to apply (bits). */
  const SLOW = 0;
  const UNCHANGED = 1;
  /** The machine's use to refresh (in `refresh`). */
  const REFRESH_USE = 2;
  /** A role session's first call: its `SESSION#` item, with this machine as its first. */
  const NEW_SESSION = 4;
  /** The use a REFRESH_USE verdict refreshes (set by `quiet`, read right after: no allocation per event). */
  const refresh: { actor: ActorState | undefined; use: ActorUse | undefined; ms: number } = { actor: undefined, use: undefined, ms: 0 };

  /**
   * The fast path: UNCHANGED when this event can raise nothing and change nothing,
   * decided on the live records with a few map probes and no allocation (no keys
   * object, no query, no context, no summary, no plan); REFRESH_USE when, on top of
   * that, its one change is the machine's use of this principal seen again after the
   * use's refresh interval (a last-seen time the hop window needs), which the caller
   * applies in place exactly as planUpdate's in-place path does (`refreshUseInPlace`);
   * NEW_SESSION when the session is a role session never seen before (no `SESSION#`
   * item: no chain, no machines, so neither session-lineage nor stolen-session can
   * fire), whose item the caller writes with planUpdate's own `planSessionSources`.
   * Every condition below is one the slow path (evaluate + planUpdate) would also
   * reach; when any does not hold, the slow path decides (SLOW). Why nothing can fire,
   * signal by signal (signals.ts, self-protection.ts):
   *
   * - catalogue-call, backups-in-blast-radius, burst, deletes-own-recent-creation,
   *   routine-in-low-environment: need a catalogue hit; the catalogue names no entry and
   *   no creation with this event name (`silent`), so no hit, no burst candidate and no
   *   created resource either.
   * - denied-burst: needs an error code; there is none. root-use: not root.
   *   console-login-without-mfa: not signin.amazonaws.com. Self-protection: fires only on
   *   a non-read-only IAM call or an events.amazonaws.com call; neither (readOnly is
   *   attacker-controlled, so only IAM relies on it, as the signal itself does).
   * - first-use-in-environment: the principal was seen in this environment before this
   *   event (firstSeen < t). cross-environment: then it is routine, so at most `info`.
   * - new-source: this network and tool were seen before this event, so neither is new.
   * - credential-hop: this principal's use by this machine in this environment began
   *   more than a hop window before the event, so the hop is over.
   * - session-lineage: no link of the session's chain lies in a less sensitive
   *   environment, so at most `info`. stolen-session: the session was seen on this very
   *   machine before this event, and never flagged as a second machine there.
   * - `info` signals alone stay below the finding threshold (`low`) and no combination
   *   in scoring.ts counts them as evidence, so there is no finding and no suppression.
   *
   * And nothing changes (planUpdate): the principal, its environment and its source are
   * within their refresh intervals; the actor's use is within its own (one hop window in
   * environments a hop can start from) and not earlier than its first event; the session
   * knows this machine (no lineage write); no minting call; no finding, so no marker; no
   * marker for this event id, so no duplicate to answer. Late arrival: no use of another
   * principal on this machine starts after this event, so nothing later to re-score.
   * (A use refresh is no signal's input here: credential-hop returned above on firstSeen.)
   */
  const quiet = (event: AuditEvent, principal: string, actorK: string | undefined, state: LiveState): number => {
    const { action, credential } = event;
    const source = action.eventSource;
    if (action.errorCode !== undefined || credential.type === 'root' || !catalogue.silent(action.name)) return SLOW;
    if (source === 'events.amazonaws.com' || source === 'signin.amazonaws.com' || (source === 'iam.amazonaws.com' && !action.readOnly)) return SLOW;
    if (source === 'sts.amazonaws.com' && MINTING_CALLS.has(action.name)) return SLOW;
    if (state.mayBeProcessed(event.id, event.sharedEventId)) return SLOW;
    refresh.use = undefined;
    const t = event.timeMs;
    const environment = event.environment;
    const p = state.principal(principal);
    if (p === undefined || seenChanges(p, t, PRINCIPAL_REFRESH_MS)) return SLOW;
    let sighting: (typeof p.environments)[number] | undefined;
    for (const e of p.environments) {
      if (e.environment === environment) {
        sighting = e;
        break;
      }
    }
    if (sighting === undefined || !(sighting.firstSeen < t) || seenChanges(sighting, t, PRINCIPAL_REFRESH_MS)) return SLOW;
    if (actorK !== undefined) {
      // Not an AWS service's call (actorKey is undefined exactly for those): sources and the machine count.
      const network = networkOf(event.actor.sourceIp);
      const family = event.actor.userAgentFamily;
      let known: (typeof p.sources)[number] | undefined;
      for (const s of p.sources) {
        if (s.network === network && s.family === family) {
          known = s;
          break;
        }
      }
      if (known === undefined || !(known.firstSeen < t) || seenChanges(known, t, SOURCE_REFRESH_MS)) return SLOW;
      const actor = state.actor(actorK);
      if (actor === undefined) return SLOW;
      let use: (typeof actor.uses)[number] | undefined;
      for (const u of actor.uses) {
        if (u.principalKey === principal) {
          if (u.environment === environment) {
            if (!(u.firstSeen < t - hopWindowMs)) return SLOW;
            use ??= u;
          }
        } else if (u.first !== undefined && isBefore(t, event.id, u.first)) return SLOW;
      }
      if (use === undefined) return SLOW;
      const refreshMs = resolver.sensitivityRank(environment) < 2 ? actorRefresh : Number.POSITIVE_INFINITY;
      if (seenChanges(use, t, refreshMs)) {
        refresh.actor = actor;
        refresh.use = use;
        refresh.ms = refreshMs;
      }
    }
    const accessKeyId = credential.accessKeyId;
    if (accessKeyId !== undefined && accessKeyId.startsWith('ASIA')) {
      const lineage = state.lineage(accessKeyId);
      if (lineage !== undefined) {
        const rank = resolver.sensitivityRank(environment);
        for (const link of lineage.chain) if (link.environment !== 'unknown' && resolver.sensitivityRank(link.environment) < rank) return SLOW;
      }
      if (tracksSession(event)) {
        if (lineage === undefined) return refresh.use === undefined ? UNCHANGED | NEW_SESSION : UNCHANGED | REFRESH_USE | NEW_SESSION;
        if (lineage.sources === undefined) return SLOW;
        const network = networkOf(event.actor.sourceIp);
        const family = event.actor.userAgentFamily;
        let seenHere = false;
        for (const s of lineage.sources) {
          if (s.network !== network || s.family !== family) continue;
          if (s.suspect) return SLOW;
          if (isBefore(s.firstSeen, s.eventId, event)) seenHere = true;
        }
        if (!seenHere) return SLOW;
      }
    }
    return refresh.use === undefined ? UNCHANGED : UNCHANGED | REFRESH_USE;
  };

  interface Prepared {
    event: AuditEvent;
    keys: { principal: string; credential: string; actor: string | undefined };
    match: CatalogueMatch | undefined;
    query: ContextQuery;
  }

  const prepare = (event: AuditEvent, principal = principalKey(event.credential), actor = actorKey(event)): Prepared => {
    const keys = { principal, credential: credentialKey(event.credential), actor };
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

  /** Signals, score and finding on the state before the event, then the state change (in place when `changeInPlace`: the caller is done reading `context`). */
  const evaluate = ({ event, keys, match: candidate }: Prepared, context: DetectionContext, changeInPlace = false) => {
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
    const update = planUpdate(event, context, {
      keys,
      match,
      candidate,
      finding,
      settings,
      countsTowardBurst: !mitigated,
      resolver,
      catalogue,
      theft,
      burstHit: burst !== undefined,
      deniedHit: denied !== undefined,
      inPlace: changeInPlace,
    });
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

  /** The outcome with the re-scored findings of the later events this one affects (none in order: no promise then). */
  const withLater = (outcome: DetectionOutcome, later: readonly AuditEvent[]): DetectionOutcome | Promise<DetectionOutcome> =>
    later.length === 0 ? outcome : rescoreAll(outcome, later);

  const rescoreAll = async (outcome: DetectionOutcome, found: readonly AuditEvent[]): Promise<DetectionOutcome> => {
    const additional: Finding[] = [];
    for (const later of found) {
      const finding = await rescore(later);
      if (finding) additional.push(finding);
    }
    if (additional.length) outcome.additionalFindings = additional;
    return outcome;
  };

  return {
    async process(event) {
      const principal = principalKey(event.credential);
      const actor = actorKey(event);
      if (live !== undefined) {
        const verdict = quiet(event, principal, actor, live);
        if (verdict !== SLOW) {
          if (verdict !== UNCHANGED) {
            // One save, as the slow path would make: the session's item first, then the machine's use.
            const update: StateUpdate = {};
            if (verdict & NEW_SESSION) update.lineage = [{ value: planSessionSources(event, undefined, undefined)!, expiresAt: ttl(event.timeMs + LINEAGE_TTL_MS) }];
            if (verdict & REFRESH_USE) {
              const expiresAt = refreshUseInPlace(refresh.actor!, refresh.use!, event, credentialKey(event.credential), refresh.ms, settings.historyDays);
              update.actor = { value: refresh.actor!, expiresAt };
              refresh.actor = refresh.use = undefined;
            }
            live.save(update);
          }
          return { duplicate: false, published: false };
        }
      }
      const prepared = prepare(event, principal, actor);
      const { query } = prepared;

      const cached = cache.context(query);
      if (cached) {
        const { finding, update, suppressed } = evaluate(prepared, cached);
        if (!finding && !suppressed && isEmptyUpdate(update)) return withLater({ duplicate: false, published: false }, affectedLater(event, prepared.keys, cached.actor));
      }

      for (let attempt = 0; ; attempt++) {
        // Eventually consistent first (half the read cost); after a conflict, strongly consistent.
        const context = direct !== undefined ? direct.load(query) : await store.load(query, attempt > 0 ? CONSISTENT : EVENTUAL);
        cache.remember(query, context);
        if (context.processed) {
          // A retry after a crash may not have published what the first delivery re-scored: look again.
          return withLater({ duplicate: true, finding: context.processed.finding, published: context.processed.published }, affectedLater(event, prepared.keys, context.actor));
        }
        // Found before planning: in place, the actor record changes with the plan.
        const later = affectedLater(event, prepared.keys, context.actor);
        const { finding, update, suppressed } = evaluate(prepared, context, inPlace);
        const outcome: DetectionOutcome = finding ? { duplicate: false, finding, published: false } : { duplicate: false, published: false };
        if (suppressed) outcome.suppressed = suppressed;
        if (isEmptyUpdate(update)) return withLater(outcome, later);
        try {
          if (direct !== undefined) direct.save(update);
          else await store.save(update);
          cache.rememberSaved(update);
          return withLater(outcome, later);
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
  if (rules.length === 0) return builtInCatalogue();
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
