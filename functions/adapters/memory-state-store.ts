/**
 * The embedded detection state store: the same contract as the DynamoDB one
 * (optimistic versions, atomic saves, processed markers), in process memory.
 * Used by `blastwall replay`, the demo and the benchmark.
 *
 * Ownership, for speed (the replay and the bench run every event through here):
 * the store is its own cache (`inPlace`). State items (principal, actor,
 * lineage, created resources) are handed out and taken in by reference, never
 * copied. The detector changes a loaded principal or actor record in place
 * (`planUpdate` with `inPlace`, after everything that judges the event has read
 * it) and saves the same object: `save` then only renews its expiry. A saved
 * value that is a different object is checked against the stored version, as in
 * DynamoDB (a new record, or a caller that builds its own). Lineage and created
 * resources are facts, replaced whole. Processed markers (rare: one per
 * finding) are still deep-copied both ways, because callers fill in the
 * finding they get back (planned response) and `markPublished` flips a flag.
 */
import {
  type ActorState,
  type ContextQuery,
  type CreatedResource,
  type DetectionContext,
  type PrincipalState,
  type ProcessedRecord,
  type SessionLineage,
  StateConflictError,
  type StateStore,
  type StateUpdate,
} from '../core/detection/state-store.ts';
import { severityRank } from '../core/audit-event.ts';
import { timeOf } from '../core/detection/event-keys.ts';

interface Stored {
  value: unknown;
  expiresAt: number;
}

export interface MemoryStateStore extends StateStore {
  /** Loads and saves performed (a save counts once, like one DynamoDB transaction). */
  stats(): { loads: number; saves: number; items: number };
  /** Drops items whose TTL (epoch seconds) is before `nowSeconds`, like DynamoDB TTL. */
  expire(nowSeconds: number): number;
}

export function resourceKey(r: { account: string; type: string; name: string }): string {
  return `RES#${r.account}#${r.type}#${r.name}`;
}

export interface MemoryStateStoreOptions {
  /**
   * Keep a processed marker at most this many seconds of event time after its finding's event
   * (it still never outlives its TTL). For a replay, whose merge hands events over in event-time
   * order: a marker is then consulted only by another copy of the same call (the same time) or a
   * tie, never by an event hours later, while a marker per finding kept for `historyDays` is what
   * made a replay's memory grow with its findings. Unset (the demo, the bench's core, the contract
   * tests): markers live as long as DynamoDB keeps them.
   */
  processedMarkerSeconds?: number;
}

export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): MemoryStateStore {
  // One map per item kind, keyed by the bare key (no `CRED#…` string built per lookup).
  const principals = new Map<string, Stored>();
  const actors = new Map<string, Stored>();
  const sessions = new Map<string, Stored>();
  const resources = new Map<string, Stored>();
  const markers = new Map<string, Stored>();
  const shared = new Map<string, Stored>();
  const all = [principals, actors, sessions, resources, markers, shared];
  const resKey = (r: { account: string; type: string; name: string }) => `${r.account}#${r.type}#${r.name}`;
  let loads = 0;
  let saves = 0;
  /** CloudTrail event ids with a processed marker (the part of the marker key before its fingerprint): the fast path's duplicate check, without hashing. */
  const markedIds = new Set<string>();
  const rawId = (eventKey: string) => {
    const hash = eventKey.lastIndexOf('#');
    return hash < 0 ? eventKey : eventKey.slice(0, hash);
  };
  /** Processed markers: copied out deeply (callers mutate the finding they get; rare: duplicates and re-scoring). */
  const getMarker = (map: Map<string, Stored>, key: string): ProcessedRecord | undefined => {
    const item = map.get(key);
    return item ? (structuredClone(item.value) as ProcessedRecord) : undefined;
  };
  /**
   * …and in shallowly: the caller keeps the finding it saved and fills in its
   * `response` (a new array, never an edit in place), so the record and the
   * finding object are the store's own; `markPublished` flips the store's flag.
   */
  const markerSeconds = options.processedMarkerSeconds;
  const putMarker = (map: Map<string, Stored>, key: string, value: ProcessedRecord, expiresAt: number) => {
    // Infinity needs no case of its own: min(expiresAt, t + Infinity) is expiresAt. An unreadable time keeps the TTL.
    const eventMs = markerSeconds === undefined ? NaN : timeOf(value.finding.time);
    const until = eventMs === eventMs ? Math.min(expiresAt, Math.floor(eventMs / 1000) + markerSeconds!) : expiresAt;
    map.set(key, { value: { ...value, finding: { ...value.finding } }, expiresAt: until });
  };
  const version = (map: Map<string, Stored>, key: string): number => (map.get(key)?.value as { version?: number } | undefined)?.version ?? 0;

  const loadNow = (query: ContextQuery): DetectionContext => {
    loads++;
    const context: DetectionContext = { created: [] };
    const processed = getMarker(markers, query.eventId) ?? (query.sharedEventId ? getMarker(shared, query.sharedEventId) : undefined);
    if (processed) context.processed = processed;
    // State items by reference: the live records (the detector changes them in place).
    const principal = principals.get(query.principalKey)?.value as PrincipalState | undefined;
    if (principal) context.principal = principal;
    if (query.actorKey) {
      const actor = actors.get(query.actorKey)?.value as ActorState | undefined;
      if (actor) context.actor = actor;
    }
    if (query.sessionKey) {
      const lineage = sessions.get(query.sessionKey)?.value as SessionLineage | undefined;
      if (lineage) context.lineage = lineage;
    }
    for (const r of query.resources) {
      const created = resources.get(resKey(r))?.value as CreatedResource | undefined;
      if (created) context.created.push(created);
    }
    return context;
  };

  const saveNow = (update: StateUpdate): void => {
    // Same order and semantics as the DynamoDB store: facts first, then each
    // versioned item under its own condition, the processed marker last (the commit point).
    saves++;
    for (const l of update.lineage ?? []) sessions.set(l.value.accessKeyId, { value: l.value, expiresAt: l.expiresAt });
    for (const c of update.created ?? []) resources.set(resKey(c.value), { value: c.value, expiresAt: c.expiresAt });
    if (update.principal) {
      const { value, expiresAt } = update.principal;
      const live = principals.get(value.key);
      // The live record, changed in place: its version was bumped there.
      if (live?.value === value) live.expiresAt = expiresAt;
      else if (version(principals, value.key) !== value.version - 1) throw new StateConflictError();
      else principals.set(value.key, { value, expiresAt });
    }
    if (update.actor) {
      const { value, expiresAt } = update.actor;
      const live = actors.get(value.key);
      if (live?.value === value) live.expiresAt = expiresAt;
      else if (version(actors, value.key) !== value.version - 1) throw new StateConflictError();
      else actors.set(value.key, { value, expiresAt });
    }
    if (update.processed) {
      const { value, upgrade, sharedEventId, expiresAt } = update.processed;
      // Absent — or, for an upgrade (a late event re-scored it), the same finding at a lower severity.
      const writable = (map: Map<string, Stored>, key: string) => {
        const existing = map.get(key)?.value as ProcessedRecord | undefined;
        if (!existing) return true;
        return upgrade === true && existing.finding.id === value.finding.id && severityRank(existing.finding.severity) < severityRank(value.finding.severity);
      };
      if (!writable(markers, value.eventId)) throw new StateConflictError('event already processed');
      if (sharedEventId && !writable(shared, sharedEventId)) throw new StateConflictError('event already processed');
      putMarker(markers, value.eventId, value, expiresAt);
      markedIds.add(rawId(value.eventId));
      if (sharedEventId) putMarker(shared, sharedEventId, value, expiresAt);
    }
  };

  return {
    local: true,
    inPlace: true,
    live: {
      principal: (key) => principals.get(key)?.value as PrincipalState | undefined,
      actor: (key) => actors.get(key)?.value as ActorState | undefined,
      lineage: (accessKeyId) => sessions.get(accessKeyId)?.value as SessionLineage | undefined,
      mayBeProcessed: (eventId, sharedEventId) => markedIds.has(eventId) || (sharedEventId !== undefined && shared.has(sharedEventId)),
      load: loadNow,
      save: saveNow,
    },
    async load(query: ContextQuery): Promise<DetectionContext> {
      return loadNow(query);
    },

    async save(update: StateUpdate): Promise<void> {
      saveNow(update);
    },

    async markPublished(eventId: string, findingId: string, sharedEventId?: string): Promise<void> {
      const targets: [Map<string, Stored>, string][] = [[markers, eventId]];
      if (sharedEventId) targets.push([shared, sharedEventId]);
      for (const [map, key] of targets) {
        const record = map.get(key)?.value as ProcessedRecord | undefined;
        if (record && record.finding.id === findingId) record.published = true;
      }
    },

    stats() {
      return { loads, saves, items: all.reduce((n, m) => n + m.size, 0) };
    },

    expire(nowSeconds: number): number {
      let dropped = 0;
      for (const map of all) {
        for (const [key, item] of map) {
          if (item.expiresAt < nowSeconds) {
            map.delete(key);
            dropped++;
          }
        }
      }
      markedIds.clear();
      for (const key of markers.keys()) markedIds.add(rawId(key));
      return dropped;
    },
  };
}
