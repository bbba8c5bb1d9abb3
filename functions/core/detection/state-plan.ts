/**
 * State planning: the state change an event makes (principal, actor, lineage,
 * created resources, the processed marker), as a pure function of the event, the
 * stored state and the judgement. Also what detection reads of an event's
 * parameters (what may be dropped or trimmed).
 */
import type { AuditEvent } from '../audit-event.ts';
import type { EnvironmentResolver } from '../environment.ts';
import type { EventSummary, Finding } from '../finding.ts';
import { builtInCatalogue, type CatalogueMatch, type CompiledCatalogue, INTENT_CATEGORIES } from './catalogue.ts';
import { callId, eventKey, summarise, timeOf } from './event-keys.ts';
import { planBurst, planDenied, planSessionSources, type sessionTheft } from './history-signals.ts';
import { describeCredential, isServiceCall, networkOf } from './keys.ts';
import { actorRefreshMs, type DetectionSettings, ROUTINE_KEPT } from './signals.ts';
import type { ActorState, ActorUse, DetectionContext, PrincipalState, RoutineAction, SessionLineage, StateUpdate } from './state-store.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/**
 * A principal's (and its environments') lastSeen is refreshed at most this often
 * (write coalescing). Nothing judges an event on it — signals read firstSeen — it
 * only sets the item's expiry, which adds this interval so an item never expires
 * early. A day: a principal in daily use costs one refresh write a day, not one an hour.
 */
export const PRINCIPAL_REFRESH_MS = DAY;
/** A source's lastSeen is refreshed at most this often. */
export const SOURCE_REFRESH_MS = DAY;
/** Sessions live at most 36 hours (GetSessionToken); keep lineage a little longer. */
export const LINEAGE_TTL_MS = 3 * DAY;
const MAX_RECENT = 10;
const MAX_SOURCES = 40;
const MAX_DESTRUCTIVE = 25;
const MAX_ACTOR_USES = 40;
const MAX_LINEAGE = 5;

export const MINTING_CALLS: ReadonlySet<string> = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetSessionToken', 'GetFederationToken']);

// ── State planning (pure) ───────────────────────────────────────────────────

/**
 * The end of an in-place change of a live actor record (the memory store's): uses
 * latest first (at most MAX_ACTOR_USES), the event's summary in its recent list, the
 * version bumped. Returns the record's new expiry. The copying path builds the same
 * record as a new object.
 */
function actorChangedInPlace(actor: ActorState, summary: EventSummary, historyMs: number): number {
  byLastSeenDescending(actor.uses, MAX_ACTOR_USES, true);
  pushRecent(actor.recent, summary, true);
  actor.version += 1;
  let last = Number.NEGATIVE_INFINITY;
  for (const u of actor.uses) if (u.lastSeen > last) last = u.lastSeen;
  return ttl(last + historyMs);
}

/**
 * A machine's known use seen again after its refresh interval, and nothing else to
 * record: what planUpdate does in place for such an event (the detector's fast path
 * calls it when the refresh is the event's only change). `use` is one of
 * `actor.uses`, not earlier than its first event. Returns the actor's new expiry.
 */
export function refreshUseInPlace(actor: ActorState, use: ActorUse, event: AuditEvent, credentialKey: string, refreshMs: number, historyDays: number): number {
  const priorLastSeen = use.lastSeen;
  nextSeen(use, event.timeMs, refreshMs);
  use.firstSeen = seen.firstSeen;
  use.lastSeen = seen.lastSeen;
  if (use.lastSeen > priorLastSeen) {
    use.credentialKey = credentialKey;
    use.description = describeCredential(event.credential);
    if (event.credential.accessKeyId) use.accessKeyId = event.credential.accessKeyId;
  }
  return actorChangedInPlace(actor, summarise(event), historyDays * DAY);
}

export interface PlanInput {
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
  /**
   * Change the loaded principal and actor in place instead of copying them: only for a
   * store that is its own cache (`StateStore.inPlace`, the memory store), and only
   * after everything that reads the state before this event (signals, the finding,
   * late-arrival checks) is done with it.
   */
  inPlace?: boolean;
}


/**
 * Uses sorted by lastSeen, latest first, at most `max` — the result a stable sort
 * gives, without the sort when the list is already in order (the usual case: one
 * use moved). `list` is this event's own copy.
 */
function byLastSeenDescending(list: ActorUse[], max: number, inPlace = false): ActorUse[] {
  let sorted = true;
  for (let k = 1; k < list.length; k++) {
    if (list[k - 1]!.lastSeen < list[k]!.lastSeen) {
      sorted = false;
      break;
    }
  }
  if (!sorted) list.sort(byLastSeen);
  if (inPlace) {
    if (list.length > max) list.length = max;
    return list;
  }
  return list.length > max ? list.slice(0, max) : list;
}

/** Latest lastSeen first (a stable sort keeps ties in their order). */
const byLastSeen = (a: { lastSeen: number }, b: { lastSeen: number }): number => b.lastSeen - a.lastSeen;

/** Recent events: ordered by time, then event id; at most MAX_RECENT; a new list when changed (or `list` itself, changed, when `inPlace`). The two copies of a cross-account call appear once. */
function pushRecent(list: EventSummary[], summary: EventSummary, inPlace = false): EventSummary[] {
  for (const e of list) if (e.eventId === summary.eventId || (summary.sharedEventId !== undefined && e.sharedEventId === summary.sharedEventId)) return list;
  if (inPlace) {
    const last = list[list.length - 1];
    list.push(summary);
    if (last !== undefined) {
      const d = timeOf(summary.time) - timeOf(last.time);
      // Out of order (rare): the same stable sort the copying path does.
      if (!(d > 0 || (d === 0 && last.eventId < summary.eventId))) list.sort((a, b) => timeOf(a.time) - timeOf(b.time) || (a.eventId < b.eventId ? -1 : 1));
    }
    while (list.length > MAX_RECENT) list.shift();
    return list;
  }
  const last = list[list.length - 1];
  if (last !== undefined) {
    const d = timeOf(summary.time) - timeOf(last.time);
    // In event-time order (the usual case) the new summary goes last: no sort, no parse of every element.
    if (!(d > 0 || (d === 0 && last.eventId < summary.eventId))) {
      return [...list, summary].sort((a, b) => timeOf(a.time) - timeOf(b.time) || (a.eventId < b.eventId ? -1 : 1)).slice(-MAX_RECENT);
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

/** {@link observe} without writing: true when the pair would change (the detector's fast path asks this). */
export function seenChanges(item: { firstSeen: number; lastSeen: number }, t: number, refreshMs: number): boolean {
  return nextSeen(item, t, refreshMs);
}

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
export function detailsMatter(event: AuditEvent, catalogue: CompiledCatalogue = builtInCatalogue()): boolean {
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
export function trimmed(event: AuditEvent, catalogue: CompiledCatalogue = builtInCatalogue()): AuditEvent {
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

export function ttl(ms: number): number {
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
  const inPlace = input.inPlace === true;
  const catalogue = input.catalogue ?? builtInCatalogue();
  const t = event.timeMs;
  const update: StateUpdate = {};
  let summary: EventSummary | undefined;
  const historyMs = settings.historyDays * DAY;

  // Principal history.
  const isDestructive = match !== undefined && !INTENT_CATEGORIES.has(match.category) && !event.action.errorCode;
  const stored = context.principal;
  // `principal` is `stored` until something changes; then a shallow copy this event owns.
  let principal: PrincipalState = stored ?? { key: keys.principal, firstSeen: t, lastSeen: t, environments: [], sources: [], destructive: [], recent: [], version: 0 };
  const own = (): PrincipalState => (principal === stored && !inPlace ? (principal = { ...stored }) : principal);
  let material = stored === undefined || finding !== undefined || isDestructive;
  if (nextSeen(principal, t, PRINCIPAL_REFRESH_MS)) {
    const p = own();
    p.firstSeen = seen.firstSeen;
    p.lastSeen = seen.lastSeen;
    material = true;
  }
  let sightingIndex = -1;
  for (let k = 0; k < principal.environments.length; k++) {
    if (principal.environments[k]!.environment === event.environment) {
      sightingIndex = k;
      break;
    }
  }
  if (sightingIndex < 0) {
    const sighting = { environment: event.environment, firstSeen: t, lastSeen: t, routine: {} };
    if (inPlace && stored !== undefined) stored.environments.push(sighting);
    else own().environments = [...principal.environments, sighting];
    sightingIndex = principal.environments.length - 1;
    material = true;
  } else if (nextSeen(principal.environments[sightingIndex]!, t, PRINCIPAL_REFRESH_MS)) {
    if (inPlace) {
      const sighting = principal.environments[sightingIndex]!;
      sighting.firstSeen = seen.firstSeen;
      sighting.lastSeen = seen.lastSeen;
    } else {
    const environments = [...own().environments];
    environments[sightingIndex] = { ...environments[sightingIndex]!, firstSeen: seen.firstSeen, lastSeen: seen.lastSeen };
    principal.environments = environments;
    }
    material = true;
  }
  if (!isServiceCall(event)) {
    const network = networkOf(event.actor.sourceIp);
    const family = event.actor.userAgentFamily;
    const sources = principal.sources;
    let i = -1;
    for (let k = 0; k < sources.length; k++) {
      if (sources[k]!.network === network && sources[k]!.family === family) {
        i = k;
        break;
      }
    }
    if (i < 0) {
      if (inPlace && stored !== undefined) {
        // The same stable sort and cut as the copying path, on the live list.
        sources.push({ network, family, firstSeen: t, lastSeen: t });
        sources.sort(byLastSeen);
        if (sources.length > MAX_SOURCES) sources.length = MAX_SOURCES;
      } else own().sources = [...sources, { network, family, firstSeen: t, lastSeen: t }].sort(byLastSeen).slice(0, MAX_SOURCES);
      material = true;
    } else if (nextSeen(sources[i]!, t, SOURCE_REFRESH_MS)) {
      if (inPlace) {
        sources[i]!.firstSeen = seen.firstSeen;
        sources[i]!.lastSeen = seen.lastSeen;
        material = true;
      } else {
      const copy = [...sources];
      copy[i] = { ...sources[i]!, firstSeen: seen.firstSeen, lastSeen: seen.lastSeen };
      own().sources = copy;
      material = true;
      }
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
    p.recent = pushRecent(p.recent, summary, inPlace && p === stored);
    p.version += 1;
    update.principal = { value: p, expiresAt: ttl(p.lastSeen + PRINCIPAL_REFRESH_MS + historyMs) };
  }

  // Actor: which principals this machine used, where, and when.
  if (keys.actor) {
    const storedActor = context.actor;
    const actor: ActorState = storedActor ?? { key: keys.actor, uses: [], recent: [], version: 0 };
    let uses = actor.uses;
    let actorMaterial = storedActor === undefined || finding !== undefined || event.action.errorCode !== undefined;
    let useIndex = -1;
    for (let k = 0; k < uses.length; k++) {
      if (uses[k]!.principalKey === keys.principal && uses[k]!.environment === event.environment) {
        useIndex = k;
        break;
      }
    }
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
      if (inPlace && storedActor !== undefined) uses.push(use);
      else uses = [...uses, use];
      actorMaterial = true;
    } else {
      const prior = uses[useIndex]!;
      const earlier = t < prior.firstSeen || (t === prior.firstSeen && prior.first !== undefined && event.id < prior.first.id);
      // Only uses in environments something could hop *from* need a fresh lastSeen.
      const refresh = resolver.sensitivityRank(event.environment) < 2 ? actorRefreshMs(settings) : Number.POSITIVE_INFINITY;
      const changed = nextSeen(prior, t, refresh);
      if (changed || earlier) {
        // In place: the live use itself; else a copy this event owns.
        const use: ActorUse = inPlace ? prior : { ...prior };
        const priorLastSeen = prior.lastSeen;
        if (changed) {
          use.firstSeen = seen.firstSeen;
          use.lastSeen = seen.lastSeen;
        }
        if (earlier) use.first = trimmed(event, catalogue);
        if (use.lastSeen > priorLastSeen) {
          use.credentialKey = keys.credential;
          use.description = describeCredential(event.credential);
          if (event.credential.accessKeyId) use.accessKeyId = event.credential.accessKeyId;
        }
        if (!inPlace) {
          uses = [...uses];
          uses[useIndex] = use;
        }
        actorMaterial = true;
      }
    }
    if (actorMaterial && inPlace && storedActor !== undefined) {
      summary ??= summarise(event);
      update.actor = { value: actor, expiresAt: actorChangedInPlace(actor, summary, historyMs) };
    } else if (actorMaterial) {
      summary ??= summarise(event);
      const next: ActorState = {
        ...actor,
        uses: byLastSeenDescending(uses === actor.uses ? [...uses] : uses, MAX_ACTOR_USES),
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
export function mintedKey(event: AuditEvent): string | undefined {
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
